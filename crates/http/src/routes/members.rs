//! A group's members: paging them, changing a role, removing one (or oneself: leaving), and
//! handing the group to another member.
//!
//! Role changes and transfers answer 204, not the member: the use case changes one column and
//! every member (the caller's other devices included) learns the result from `role_changed`.

use actix_web::{web, HttpResponse};

use super::api::Api;
use super::{parse_member_id, parse_room_id};
use crate::dto::{
    ChangeRoleRequest, MemberDto, MembersQuery, MembersResponse, Object, TransferRequest,
};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the member routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_list_members, _, _>(list_members)
        .add::<__path_change_role, _, _>(change_role)
        .add::<__path_remove_member, _, _>(remove_member)
        .add::<__path_transfer, _, _>(transfer);
}

/// `GET /rooms/{id}/members?after=<user id>&limit=<1..=200>` → `{"members", "has_more"}`, in
/// user id order; any member may read it.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}/members",
    tag = "members",
    summary = "A page of a room's members, in user id order",
    params(("id" = String, Path, description = "Room id"), MembersQuery),
    responses(
        (status = 200, description = "One page of members", body = MembersResponse),
        (status = 400, description = "`invalid_request` (an `after` that is not a user id) or `invalid_limit`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn list_members(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<MembersQuery>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let (after, limit) = query.cursor()?;
    let page = state
        .groups
        .members_page(caller.user_id, room, after, limit)
        .await?;
    Ok(HttpResponse::Ok().json(MembersResponse {
        members: page.members.iter().map(MemberDto::from).collect(),
        has_more: page.has_more,
    }))
}

/// `PATCH /rooms/{id}/members/{user_id}` `{role}` → 204; the owner makes a member an admin or
/// an admin a member. `owner` (or the owner's own role) is 400 `invalid_role`.
#[utoipa::path(
    patch,
    path = "/api/v1/rooms/{id}/members/{user_id}",
    tag = "members",
    summary = "Make a member an admin or an admin a member (owner only)",
    params(("id" = String, Path, description = "Room id"), ("user_id" = String, Path, description = "The member's user id")),
    request_body = ChangeRoleRequest,
    responses(
        (status = 204, description = "The role is changed; members get `role_changed`"),
        (status = 400, description = "`invalid_request` or `invalid_role`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group` or `forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `member_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn change_role(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<Object<ChangeRoleRequest>>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&path.0)?;
    let target = parse_member_id(&path.1)?;
    let role = body.role()?;
    state
        .groups
        .change_role(caller.user_id, room, target, role)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /rooms/{id}/members/{user_id}` → 204. The owner removes anyone, an admin plain
/// members; one's own id is leaving (an owner who leaves hands the group on).
#[utoipa::path(
    delete,
    path = "/api/v1/rooms/{id}/members/{user_id}",
    tag = "members",
    summary = "Remove a member, or leave (one's own id)",
    params(("id" = String, Path, description = "Room id"), ("user_id" = String, Path, description = "The member's user id")),
    responses(
        (status = 204, description = "Removed; members get `member_left`"),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group` or `forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `member_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn remove_member(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&path.0)?;
    let target = parse_member_id(&path.1)?;
    state
        .groups
        .remove_member(caller.user_id, room, target)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /rooms/{id}/transfer` `{user_id}` → 204; the owner makes that member the owner and
/// becomes an admin.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/transfer",
    tag = "members",
    summary = "Hand the group to another member (owner only)",
    params(("id" = String, Path, description = "Room id")),
    request_body = TransferRequest,
    responses(
        (status = 204, description = "Transferred; members get `role_changed`"),
        (status = 400, description = "`invalid_request`: a malformed body", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group` or `forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `member_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn transfer(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Object<TransferRequest>>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let to = body.new_owner()?;
    state
        .groups
        .transfer_ownership(caller.user_id, room, to)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

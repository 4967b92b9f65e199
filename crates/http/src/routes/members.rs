//! A group's members: paging them, changing a role, removing one (or oneself: leaving), and
//! handing the group to another member.
//!
//! Role changes and transfers answer 204, not the member: the use case changes one column and
//! every member (the caller's other devices included) learns the result from `role_changed`.

use actix_web::{web, HttpResponse};

use super::{parse_member_id, parse_room_id, resource};
use crate::dto::{ChangeRoleRequest, MemberDto, MembersQuery, MembersResponse, TransferRequest};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the member routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/rooms/{id}/members", "GET").route(web::get().to(list_members)))
        .service(
            resource("/rooms/{id}/members/{user_id}", "PATCH, DELETE")
                .route(web::patch().to(change_role))
                .route(web::delete().to(remove_member)),
        )
        .service(resource("/rooms/{id}/transfer", "POST").route(web::post().to(transfer)));
}

/// `GET /rooms/{id}/members?after=<user id>&limit=<1..=200>` → `{"members", "has_more"}`, in
/// user id order; any member may read it.
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
async fn change_role(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<ChangeRoleRequest>,
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
async fn transfer(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<TransferRequest>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let to = body.new_owner()?;
    state
        .groups
        .transfer_ownership(caller.user_id, room, to)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

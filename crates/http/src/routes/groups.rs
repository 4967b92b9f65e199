//! Groups: creating one (`POST /groups`), and renaming, describing or deleting one (`PATCH`
//! and `DELETE /rooms/{id}`, registered with the room in [`super::rooms`]).
//!
//! Who may do what is the use cases' call; every refusal follows one order: a room the caller
//! is not in is 404 `room_not_found`, a private room 403 `not_a_group`, a missing role 403
//! `forbidden`.

use actix_web::{web, HttpResponse};

use super::api::Api;
use super::parse_room_id;
use crate::dto::{CreateGroupRequest, Object, RoomDto, RoomResponse, UpdateGroupRequest};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers `POST /groups`.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_create_group, _, _>(create_group);
}

/// `POST /groups` `{name, description?, invite?}` → 201 `{"room"}`.
///
/// The caller becomes the owner; the listed users are invited (each gets an `invite` event),
/// not added. Every invitee is checked before anything is stored: an unknown one is 404
/// `user_not_found`, one who blocked the caller 403 `blocked`, too many 409 `room_full`.
#[utoipa::path(
    post,
    path = "/api/v1/groups",
    tag = "groups",
    summary = "Create a group (the caller owns it) and invite users to it",
    request_body = CreateGroupRequest,
    responses(
        (status = 201, description = "The new group", body = RoomResponse,
            links(
                ("GetRoom" = (operation_id = "get_room", parameters(("id" = "$response.body#/room/id")))),
                ("UpdateGroup" = (operation_id = "update_group", parameters(("id" = "$response.body#/room/id")))),
                ("DeleteGroup" = (operation_id = "delete_group", parameters(("id" = "$response.body#/room/id")))),
                ("MarkRead" = (operation_id = "mark_read", parameters(("id" = "$response.body#/room/id")))),
                ("ListMembers" = (operation_id = "list_members", parameters(("id" = "$response.body#/room/id")))),
                ("Invite" = (operation_id = "invite", parameters(("id" = "$response.body#/room/id")))),
                ("CreateInviteLink" = (operation_id = "create_invite_link", parameters(("id" = "$response.body#/room/id")))),
                ("History" = (operation_id = "history", parameters(("id" = "$response.body#/room/id")))),
                ("SendToRoom" = (operation_id = "send_to_room", parameters(("id" = "$response.body#/room/id")))),
                ("Transfer" = (operation_id = "transfer", parameters(("id" = "$response.body#/room/id"))))
            )),
        (status = 400, description = "`invalid_request`, `invalid_name` or `invalid_description`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`blocked`: an invitee has blocked the caller", body = ErrorEnvelope),
        (status = 404, description = "`user_not_found`: an invitee does not exist", body = ErrorEnvelope),
        (status = 409, description = "`room_full`: more invitees than the member limit", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn create_group(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    body: web::Json<Object<CreateGroupRequest>>,
) -> Result<HttpResponse, ApiError> {
    let group = body.into_inner().0.into_new_group()?;
    let view = state.groups.create_group(caller.user_id, group).await?;
    Ok(HttpResponse::Created().json(RoomResponse {
        room: RoomDto::from(&view),
    }))
}

/// `PATCH /rooms/{id}` `{name?, description?}` → 200 `{"room"}`, as the caller now sees it.
///
/// Owner and admins only. The room is read again after the change for its member view
/// (counts, last message); should that read fail, the change stands and a retry of the same
/// `PATCH` is harmless.
#[utoipa::path(
    patch,
    path = "/api/v1/rooms/{id}",
    tag = "groups",
    summary = "Rename a group or change its description (owner and admins)",
    params(("id" = String, Path, description = "Room id")),
    request_body = UpdateGroupRequest,
    responses(
        (status = 200, description = "The group as the caller now sees it", body = RoomResponse),
        (status = 400, description = "`invalid_request` (malformed, or changes nothing), `invalid_name` or `invalid_description`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group` or `forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub(super) async fn update_group(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Object<UpdateGroupRequest>>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let changes = body.into_inner().0.into_changes()?;
    state
        .groups
        .update_group(caller.user_id, room, changes)
        .await?;
    let listing = state.messaging.get_room(caller.user_id, room).await?;
    Ok(HttpResponse::Ok().json(RoomResponse {
        room: RoomDto::from(&listing),
    }))
}

/// `DELETE /rooms/{id}` → 204; the owner only. The group goes with its messages, invites and
/// links, and every member gets `room_deleted`.
#[utoipa::path(
    delete,
    path = "/api/v1/rooms/{id}",
    tag = "groups",
    summary = "Delete a group with its messages (owner only)",
    params(("id" = String, Path, description = "Room id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group` or `forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
pub(super) async fn delete_group(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    state.groups.delete_group(caller.user_id, room).await?;
    Ok(HttpResponse::NoContent().finish())
}

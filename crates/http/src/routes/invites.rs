//! Invites into groups: sending one, listing one's own, and answering or withdrawing one.
//!
//! Only the invitee, the inviter and the group's moderators learn that an invite exists; to
//! anyone else (and for an id that is no id) it is 404 `invite_not_found`.

use actix_web::{web, HttpResponse};

use super::api::Api;
use super::{parse_invite_id, parse_room_id};
use crate::dto::{
    InviteDto, InviteRequest, InviteResponse, InvitesResponse, Object, RoomDto, RoomResponse,
};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the invite routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_invite, _, _>(invite)
        .add::<__path_list_invites, _, _>(list_invites)
        .add::<__path_cancel, _, _>(cancel)
        .add::<__path_accept, _, _>(accept)
        .add::<__path_decline, _, _>(decline);
}

/// `POST /rooms/{id}/invites` `{user_id}` → 201 `{"invite"}`; owner and admins only. The
/// invitee gets an `invite` event at once.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/invites",
    tag = "invites",
    summary = "Invite a user into a group (owner and admins)",
    params(("id" = String, Path, description = "Room id")),
    request_body = InviteRequest,
    responses(
        (status = 201, description = "The invite", body = InviteResponse,
            links(
                ("CancelInvite" = (operation_id = "cancel", parameters(("id" = "$response.body#/invite/id")))),
                ("AcceptInvite" = (operation_id = "accept", parameters(("id" = "$response.body#/invite/id")))),
                ("DeclineInvite" = (operation_id = "decline", parameters(("id" = "$response.body#/invite/id"))))
            )),
        (status = 400, description = "`invalid_request`: a malformed body", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group`, `forbidden` or `blocked`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `user_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`already_member` or `already_invited`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn invite(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Object<InviteRequest>>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let invitee = body.invitee()?;
    let pending = state.groups.invite(caller.user_id, room, invitee).await?;
    Ok(HttpResponse::Created().json(InviteResponse {
        invite: InviteDto::from(&pending),
    }))
}

/// `GET /invites` → `{"invites"}`: the caller's pending invites, oldest first, without
/// expired ones.
#[utoipa::path(
    get,
    path = "/api/v1/invites",
    tag = "invites",
    summary = "The caller's pending invites, oldest first",
    responses(
        (status = 200, description = "Pending invites", body = InvitesResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn list_invites(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let invites = state.groups.list_invites(caller.user_id).await?;
    Ok(HttpResponse::Ok().json(InvitesResponse {
        invites: invites.iter().map(InviteDto::from).collect(),
    }))
}

/// `POST /invites/{id}/accept` → 200 `{"room"}`: the invitee joins. An expired invite is 410
/// `invite_expired`, a full group 409 `room_full`.
#[utoipa::path(
    post,
    path = "/api/v1/invites/{id}/accept",
    tag = "invites",
    summary = "Accept an invite: the caller joins the group",
    params(("id" = String, Path, description = "Invite id")),
    responses(
        (status = 200, description = "The group joined", body = RoomResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`invite_not_found`", body = ErrorEnvelope),
        (status = 409, description = "`room_full`", body = ErrorEnvelope),
        (status = 410, description = "`invite_expired`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn accept(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let invite = parse_invite_id(&id)?;
    let view = state.groups.accept_invite(caller.user_id, invite).await?;
    Ok(HttpResponse::Ok().json(RoomResponse {
        room: RoomDto::from(&view),
    }))
}

/// `POST /invites/{id}/decline` → 204; the invitee only.
#[utoipa::path(
    post,
    path = "/api/v1/invites/{id}/decline",
    tag = "invites",
    summary = "Decline an invite",
    params(("id" = String, Path, description = "Invite id")),
    responses(
        (status = 204, description = "Declined"),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`invite_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn decline(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let invite = parse_invite_id(&id)?;
    state.groups.decline_invite(caller.user_id, invite).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /invites/{id}` → 204; the inviter, or an owner or admin of the group (another
/// member gets 403 `forbidden`).
#[utoipa::path(
    delete,
    path = "/api/v1/invites/{id}",
    tag = "invites",
    summary = "Withdraw an invite (its inviter, or the group's owner and admins)",
    params(("id" = String, Path, description = "Invite id")),
    responses(
        (status = 204, description = "Withdrawn"),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`invite_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn cancel(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let invite = parse_invite_id(&id)?;
    state.groups.cancel_invite(caller.user_id, invite).await?;
    Ok(HttpResponse::NoContent().finish())
}

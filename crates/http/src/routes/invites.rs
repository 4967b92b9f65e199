//! Invites into groups: sending one, listing one's own, and answering or withdrawing one.
//!
//! Only the invitee, the inviter and the group's moderators learn that an invite exists; to
//! anyone else (and for an id that is no id) it is 404 `invite_not_found`.

use actix_web::{web, HttpResponse};

use super::{parse_invite_id, parse_room_id, resource};
use crate::dto::{
    InviteDto, InviteRequest, InviteResponse, InvitesResponse, RoomDto, RoomResponse,
};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the invite routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/rooms/{id}/invites", "POST").route(web::post().to(invite)))
        .service(resource("/invites", "GET").route(web::get().to(list_invites)))
        .service(resource("/invites/{id}", "DELETE").route(web::delete().to(cancel)))
        .service(resource("/invites/{id}/accept", "POST").route(web::post().to(accept)))
        .service(resource("/invites/{id}/decline", "POST").route(web::post().to(decline)));
}

/// `POST /rooms/{id}/invites` `{user_id}` → 201 `{"invite"}`; owner and admins only. The
/// invitee gets an `invite` event at once.
async fn invite(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<InviteRequest>,
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
async fn cancel(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let invite = parse_invite_id(&id)?;
    state.groups.cancel_invite(caller.user_id, invite).await?;
    Ok(HttpResponse::NoContent().finish())
}

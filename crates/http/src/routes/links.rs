//! Invite links: owners and admins make and revoke them; any signed-in user joins with one.
//!
//! A token that admits nobody (unknown, revoked, expired or used up) is 404
//! `link_unavailable` whichever of those it is: a guesser learns nothing about which tokens
//! once existed. Revoking an unknown token answers the same code.

use actix_web::{web, HttpResponse};

use super::{parse_room_id, resource};
use crate::dto::{CreateLinkRequest, LinkDto, LinkResponse, RoomDto, RoomResponse};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the invite-link routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/rooms/{id}/invite-links", "POST").route(web::post().to(create)))
        .service(
            resource("/rooms/{id}/invite-links/{token}", "DELETE").route(web::delete().to(revoke)),
        )
        .service(resource("/invite-links/{token}/join", "POST").route(web::post().to(join)));
}

/// `POST /rooms/{id}/invite-links` `{max_uses?, expires_in?}` → 201 `{"link"}`.
///
/// The body is required (`{}` for a link without limits); `expires_in` is in seconds.
async fn create(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<CreateLinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let link = body.into_inner().into_new_link()?;
    let created = state.groups.create_link(caller.user_id, room, link).await?;
    Ok(HttpResponse::Created().json(LinkResponse {
        link: LinkDto::from(&created),
    }))
}

/// `POST /invite-links/{token}/join` → 200 `{"room"}`. Joining a group one is in already
/// uses nothing up and answers the same room.
async fn join(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let view = state.groups.join_by_link(caller.user_id, &token).await?;
    Ok(HttpResponse::Ok().json(RoomResponse {
        room: RoomDto::from(&view),
    }))
}

/// `DELETE /rooms/{id}/invite-links/{token}` → 204; owner and admins only.
async fn revoke(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&path.0)?;
    state
        .groups
        .revoke_link(caller.user_id, room, &path.1)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

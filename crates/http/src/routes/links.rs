//! Invite links: owners and admins make and revoke them; any signed-in user joins with one.
//!
//! A token that admits nobody (unknown, revoked, expired or used up) is 404
//! `link_unavailable` whichever of those it is: a guesser learns nothing about which tokens
//! once existed. Revoking an unknown token answers the same code.

use actix_web::{web, HttpResponse};

use super::api::Api;
use super::parse_room_id;
use crate::dto::{CreateLinkRequest, LinkDto, LinkResponse, Object, RoomDto, RoomResponse};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the invite-link routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_create, _, _>(create)
        .add::<__path_revoke, _, _>(revoke)
        .add::<__path_join, _, _>(join);
}

/// `POST /rooms/{id}/invite-links` `{max_uses?, expires_in?}` → 201 `{"link"}`.
///
/// The body is required (`{}` for a link without limits); `expires_in` is in seconds.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/invite-links",
    tag = "links",
    operation_id = "create_invite_link",
    summary = "Make an invite link (owner and admins)",
    params(("id" = String, Path, description = "Room id")),
    request_body = CreateLinkRequest,
    responses(
        (status = 201, description = "The link", body = LinkResponse,
            links(
                ("JoinByLink" = (operation_id = "join_by_invite_link", parameters(("token" = "$response.body#/link/token")))),
                ("RevokeLink" = (operation_id = "revoke_invite_link", parameters(("id" = "$response.body#/link/room_id"), ("token" = "$response.body#/link/token"))))
            )),
        (status = 400, description = "`invalid_request` or `invalid_link`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group` or `forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn create(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Object<CreateLinkRequest>>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let link = body.into_inner().0.into_new_link()?;
    let created = state.groups.create_link(caller.user_id, room, link).await?;
    Ok(HttpResponse::Created().json(LinkResponse {
        link: LinkDto::from(&created),
    }))
}

/// `POST /invite-links/{token}/join` → 200 `{"room"}`. Joining a group one is in already
/// uses nothing up and answers the same room.
#[utoipa::path(
    post,
    path = "/api/v1/invite-links/{token}/join",
    tag = "links",
    operation_id = "join_by_invite_link",
    summary = "Join a group through an invite link",
    params(("token" = String, Path, description = "The link's token")),
    responses(
        (status = 200, description = "The group joined", body = RoomResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`link_unavailable`: unknown, revoked, expired or used up", body = ErrorEnvelope),
        (status = 409, description = "`room_full`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    delete,
    path = "/api/v1/rooms/{id}/invite-links/{token}",
    tag = "links",
    operation_id = "revoke_invite_link",
    summary = "Revoke an invite link (owner and admins)",
    params(("id" = String, Path, description = "Room id"), ("token" = String, Path, description = "The link's token")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`not_a_group` or `forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `link_unavailable`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
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

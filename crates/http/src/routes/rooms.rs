//! `/api/v1/rooms`: the caller's rooms, one room, and moving one's read marker.
//!
//! `/rooms/{id}` is one resource with three methods: reading it lives here, renaming and
//! deleting a group in [`super::groups`] (actix answers a path with its first matching
//! resource, so the three must be registered together). Sending into a room and reading its
//! history live in [`super::messages`]; its members in [`super::members`].

use actix_web::{web, HttpResponse};

use super::api::Api;
use super::{groups, parse_room_id};
use crate::dto::{Object, ReadRequest, RoomDto, RoomResponse, RoomsResponse};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the `/rooms` routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_list_rooms, _, _>(list_rooms)
        .add::<__path_get_room, _, _>(get_room)
        .add::<groups::__path_update_group, _, _>(groups::update_group)
        .add::<groups::__path_delete_group, _, _>(groups::delete_group)
        .add::<__path_mark_read, _, _>(mark_read);
}

/// `GET /rooms` → `{"rooms"}`, most recent activity first.
#[utoipa::path(
    get,
    path = "/api/v1/rooms",
    tag = "rooms",
    summary = "The caller's rooms, most recent activity first",
    responses(
        (status = 200, description = "The caller's rooms", body = RoomsResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn list_rooms(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let rooms = state.messaging.list_rooms(caller.user_id).await?;
    Ok(HttpResponse::Ok().json(RoomsResponse {
        rooms: rooms.iter().map(RoomDto::from).collect(),
    }))
}

/// `GET /rooms/{id}` → `{"room"}`; a room the caller is not in is 404 `room_not_found`.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}",
    tag = "rooms",
    summary = "One room as the caller sees it",
    params(("id" = String, Path, description = "Room id")),
    responses(
        (status = 200, description = "The room", body = RoomResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`: no such room, or the caller is not in it", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn get_room(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let room = state
        .messaging
        .get_room(caller.user_id, parse_room_id(&id)?)
        .await?;
    Ok(HttpResponse::Ok().json(RoomResponse {
        room: RoomDto::from(&room),
    }))
}

/// `POST /rooms/{id}/read` `{seq}` → 204.
///
/// The marker only moves forward and never past the room's latest message, so a stale or
/// repeated receipt is a 204 that changes nothing (and announces nothing).
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/read",
    tag = "rooms",
    summary = "Move the caller's read marker forward",
    params(("id" = String, Path, description = "Room id")),
    request_body = ReadRequest,
    responses(
        (status = 204, description = "The marker is at `seq` or beyond"),
        (status = 400, description = "`invalid_request`: a malformed body", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn mark_read(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Object<ReadRequest>>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    state
        .messaging
        .mark_read(caller.user_id, room, body.seq())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

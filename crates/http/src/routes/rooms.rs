//! `/api/v1/rooms`: the caller's rooms, one room, and moving one's read marker.
//!
//! `/rooms/{id}` is one resource with three methods: reading it lives here, renaming and
//! deleting a group in [`super::groups`] (actix answers a path with its first matching
//! resource, so the three must be registered together). Sending into a room and reading its
//! history live in [`super::messages`]; its members in [`super::members`].

use actix_web::{web, HttpResponse};

use super::{groups, parse_room_id, resource};
use crate::dto::{ReadRequest, RoomDto, RoomResponse, RoomsResponse};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the `/rooms` routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/rooms", "GET").route(web::get().to(list_rooms)))
        .service(
            resource("/rooms/{id}", "GET, PATCH, DELETE")
                .route(web::get().to(get_room))
                .route(web::patch().to(groups::update_group))
                .route(web::delete().to(groups::delete_group)),
        )
        .service(resource("/rooms/{id}/read", "POST").route(web::post().to(mark_read)));
}

/// `GET /rooms` → `{"rooms"}`, most recent activity first.
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
async fn mark_read(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<ReadRequest>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    state
        .messaging
        .mark_read(caller.user_id, room, body.seq())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

//! `/api/v1/rooms`: the caller's rooms and one room.
//!
//! Sending into a room and reading its history live in [`super::messages`].

use actix_web::{web, HttpResponse};

use super::{parse_room_id, resource};
use crate::dto::{RoomDto, RoomResponse, RoomsResponse};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the `/rooms` routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/rooms", "GET").route(web::get().to(list_rooms)))
        .service(resource("/rooms/{id}", "GET").route(web::get().to(get_room)));
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

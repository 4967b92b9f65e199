//! Changing one message: editing it, deleting it, and reading its earlier bodies.
//!
//! The delete answers 200 with the tombstone rather than 204: the tombstone carries the
//! `rev` the delete took, which is what the client needs to drop the `message_deleted` echo
//! it will also get on its WebSocket (and to know where its resume point stands). Deleting a
//! tombstone again answers the same tombstone, so a retried delete is harmless.

use actix_web::{web, HttpResponse};

use super::messages::committed_previews;
use super::{parse_message_id, parse_room_id, resource};
use crate::dto::{EditDto, EditHistoryResponse, EditMessageRequest, MessageDto, MessageResponse};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the routes of one message.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(
            resource("/rooms/{id}/messages/{message_id}", "PATCH, DELETE")
                .route(web::patch().to(edit))
                .route(web::delete().to(delete)),
        )
        .service(
            resource("/rooms/{id}/messages/{message_id}/history", "GET")
                .route(web::get().to(edit_history)),
        );
}

/// `PATCH /rooms/{id}/messages/{message_id}` `{body}` → 200 `{"message"}`, the edited message.
///
/// The author only (else 403 `forbidden`), within the edit window (else 403
/// `edit_window_closed`); a deleted message is 404 `message_not_found`.
async fn edit(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<EditMessageRequest>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&path.0)?;
    let id = parse_message_id(&path.1)?;
    let edited = state
        .messaging
        .edit(caller.user_id, room, id, &body.body)
        .await?;
    let previews = committed_previews(&state, std::slice::from_ref(&edited)).await;
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: MessageDto::with_previews(&edited, &previews),
    }))
}

/// `DELETE /rooms/{id}/messages/{message_id}` → 200 `{"message"}`, the tombstone
/// (`deleted: true`, `body: null`).
///
/// The author, or an owner or admin of the group for anyone's message (else 403 `forbidden`).
async fn delete(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&path.0)?;
    let id = parse_message_id(&path.1)?;
    let tombstone = state.messaging.delete(caller.user_id, room, id).await?;
    let previews = committed_previews(&state, std::slice::from_ref(&tombstone)).await;
    Ok(HttpResponse::Ok().json(MessageResponse {
        message: MessageDto::with_previews(&tombstone, &previews),
    }))
}

/// `GET /rooms/{id}/messages/{message_id}/history` → `{"edits": [{body, replaced_at}]}`,
/// oldest first, for any member.
async fn edit_history(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&path.0)?;
    let id = parse_message_id(&path.1)?;
    let edits = state
        .messaging
        .edit_history(caller.user_id, room, id)
        .await?;
    Ok(HttpResponse::Ok().json(EditHistoryResponse {
        edits: edits.iter().map(EditDto::from).collect(),
    }))
}

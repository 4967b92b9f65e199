//! Changing one message: editing it, deleting it, and reading its earlier bodies.
//!
//! The delete answers 200 with the tombstone rather than 204: the tombstone carries the
//! `rev` the delete took, which is what the client needs to drop the `message_deleted` echo
//! it will also get on its WebSocket (and to know where its resume point stands). Deleting a
//! tombstone again answers the same tombstone, so a retried delete is harmless.

use actix_web::{web, HttpResponse};

use super::api::Api;
use super::messages::committed_previews;
use super::{parse_message_id, parse_room_id};
use crate::dto::{
    EditDto, EditHistoryResponse, EditMessageRequest, MessageDto, MessageResponse, Object,
};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the routes of one message.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_edit, _, _>(edit)
        .add::<__path_delete, _, _>(delete)
        .add::<__path_edit_history, _, _>(edit_history);
}

/// `PATCH /rooms/{id}/messages/{message_id}` `{body}` → 200 `{"message"}`, the edited message.
///
/// The author only (else 403 `forbidden`), within the edit window (else 403
/// `edit_window_closed`); a deleted message is 404 `message_not_found`.
#[utoipa::path(
    patch,
    path = "/api/v1/rooms/{id}/messages/{message_id}",
    tag = "messages",
    operation_id = "edit_message",
    summary = "Edit one's own message within the edit window",
    params(("id" = String, Path, description = "Room id"), ("message_id" = String, Path, description = "Message id")),
    request_body = EditMessageRequest,
    responses(
        (status = 200, description = "The edited message", body = MessageResponse),
        (status = 400, description = "`invalid_request` or `invalid_body`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`forbidden` (not the author) or `edit_window_closed`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `message_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn edit(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<Object<EditMessageRequest>>,
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
#[utoipa::path(
    delete,
    path = "/api/v1/rooms/{id}/messages/{message_id}",
    tag = "messages",
    operation_id = "delete_message",
    summary = "Delete a message: its tombstone answers",
    params(("id" = String, Path, description = "Room id"), ("message_id" = String, Path, description = "Message id")),
    responses(
        (status = 200, description = "The tombstone (`deleted: true`, `body: null`)", body = MessageResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `message_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}/messages/{message_id}/history",
    tag = "messages",
    operation_id = "message_edit_history",
    summary = "The earlier bodies of a message, oldest first",
    params(("id" = String, Path, description = "Room id"), ("message_id" = String, Path, description = "Message id")),
    responses(
        (status = 200, description = "The earlier bodies", body = EditHistoryResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found` or `message_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
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

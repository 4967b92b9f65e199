//! Messages over HTTP: the private send (`POST /users/{id}/messages`, which creates the
//! room on the first message), the send into a room, and paging a room's history.
//!
//! A send answers only once its message is committed (the use case waits for the group
//! commit), so a 201 or 200 means durable. 201 is a new message; 200 returns the original of
//! a retried `client_msg_id`, whatever the new body said.
//!
//! Every message answered here carries the `reply_preview` of the message it answers. A
//! history page fails (503) when its previews cannot be read, like any other read; an answer
//! to a committed change (a send, an edit, a delete) goes out without previews instead, since
//! the change is durable and a failed answer would only make the client retry it.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chat_app::messaging::{ReplyPreview, SendOutcome, SendTarget};
use chat_domain::{Message, MessageId};

use super::api::Api;
use super::{parse_room_id, parse_user_id};
use crate::dto::{
    HistoryQuery, MessageDto, MessagePageResponse, MessageResponse, Object, PrivateMessageResponse,
    RoomDto, SendMessageRequest,
};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::limits::SendTargetKey;
use crate::{ApiError, AppState};

/// Registers the message routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_send_private, _, _>(send_private)
        .add::<__path_history, _, _>(history)
        .add::<__path_send_to_room, _, _>(send_to_room);
}

/// `POST /users/{id}/messages` → `{"room", "message"}`; the room as the sender sees it.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/messages",
    tag = "messages",
    summary = "Send a private message (the first one creates the room)",
    params(("id" = String, Path, description = "The recipient's user id")),
    request_body = SendMessageRequest,
    responses(
        (status = 201, description = "A new message, committed", body = PrivateMessageResponse,
            links(
                ("EditMessage" = (operation_id = "edit_message", parameters(("id" = "$response.body#/message/room_id"), ("message_id" = "$response.body#/message/id")))),
                ("DeleteMessage" = (operation_id = "delete_message", parameters(("id" = "$response.body#/message/room_id"), ("message_id" = "$response.body#/message/id")))),
                ("EditHistory" = (operation_id = "message_edit_history", parameters(("id" = "$response.body#/message/room_id"), ("message_id" = "$response.body#/message/id")))),
                ("PrivateRoom" = (operation_id = "get_room", parameters(("id" = "$response.body#/room/id"))))
            )),
        (status = 200, description = "A retry: the original message of this `client_msg_id`", body = PrivateMessageResponse),
        (status = 400, description = "`invalid_request`, `invalid_body`, `invalid_client_msg_id`, `invalid_reply_to` or `cannot_message_self`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`blocked`: the recipient has blocked the caller", body = ErrorEnvelope),
        (status = 404, description = "`user_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many messages from the caller (overall or in this room)", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn send_private(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Object<SendMessageRequest>>,
) -> Result<HttpResponse, ApiError> {
    let target = SendTarget::User(parse_user_id(&id)?);
    let outcome = send(&state, caller, target, body.into_inner().0).await?;
    // The outcome carries the bare room; the client wants its member view (names, unread).
    // Should this read fail, the message is stored all the same: the client's retry with the
    // same client_msg_id answers 200 with it.
    let room = state
        .messaging
        .get_room(caller.user_id, outcome.room.id)
        .await?;
    let previews = committed_previews(&state, std::slice::from_ref(&outcome.message)).await;
    let response = PrivateMessageResponse {
        room: RoomDto::from(&room),
        message: MessageDto::with_previews(&outcome.message, &previews),
    };
    Ok(created_or_ok(&outcome).json(response))
}

/// `POST /rooms/{id}/messages` → `{"message"}`.
#[utoipa::path(
    post,
    path = "/api/v1/rooms/{id}/messages",
    tag = "messages",
    summary = "Send a message into a room",
    params(("id" = String, Path, description = "Room id")),
    request_body = SendMessageRequest,
    responses(
        (status = 201, description = "A new message, committed", body = MessageResponse,
            links(
                ("EditMessage" = (operation_id = "edit_message", parameters(("id" = "$response.body#/message/room_id"), ("message_id" = "$response.body#/message/id")))),
                ("DeleteMessage" = (operation_id = "delete_message", parameters(("id" = "$response.body#/message/room_id"), ("message_id" = "$response.body#/message/id")))),
                ("EditHistory" = (operation_id = "message_edit_history", parameters(("id" = "$response.body#/message/room_id"), ("message_id" = "$response.body#/message/id")))),
                ("RoomHistory" = (operation_id = "history", parameters(("id" = "$response.body#/message/room_id"))))
            )),
        (status = 200, description = "A retry: the original message of this `client_msg_id`", body = MessageResponse),
        (status = 400, description = "`invalid_request`, `invalid_body`, `invalid_client_msg_id` or `invalid_reply_to`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 403, description = "`blocked`: the other member of a private room has blocked the caller", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many messages from the caller (overall or in this room)", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn send_to_room(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Object<SendMessageRequest>>,
) -> Result<HttpResponse, ApiError> {
    let target = SendTarget::Room(parse_room_id(&id)?);
    let outcome = send(&state, caller, target, body.into_inner().0).await?;
    let previews = committed_previews(&state, std::slice::from_ref(&outcome.message)).await;
    Ok(created_or_ok(&outcome).json(MessageResponse {
        message: MessageDto::with_previews(&outcome.message, &previews),
    }))
}

/// `GET /rooms/{id}/messages?before=&after=&limit=` → `{"messages", "has_more"}`, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/rooms/{id}/messages",
    tag = "messages",
    summary = "A page of a room's history, oldest first",
    params(("id" = String, Path, description = "Room id"), HistoryQuery),
    responses(
        (status = 200, description = "One page", body = MessagePageResponse),
        (status = 400, description = "`invalid_request` (before with after, a malformed query) or `invalid_limit`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`room_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn history(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let room = parse_room_id(&id)?;
    let (cursor, limit) = query.cursor()?;
    let page = state
        .messaging
        .history(caller.user_id, room, cursor, limit)
        .await?;
    let previews = state.messaging.reply_previews(&page.messages).await?;
    let messages = page
        .messages
        .iter()
        .map(|message| MessageDto::with_previews(message, &previews))
        .collect();
    Ok(HttpResponse::Ok().json(MessagePageResponse {
        messages,
        has_more: page.has_more,
    }))
}

/// Runs the send use case with a fresh message id.
async fn send(
    state: &AppState,
    caller: AuthenticatedUser,
    target: SendTarget,
    body: SendMessageRequest,
) -> Result<SendOutcome, ApiError> {
    state
        .limits
        .rates
        .send(caller.user_id, SendTargetKey::from(&target))?;
    let request = body.into_send(state.messaging.new_message_id(), caller.user_id, target)?;
    Ok(state.messaging.send(request).await?)
}

/// The reply previews of `messages`, which were just committed; empty (and logged) when they
/// cannot be read, so the answer still reports the committed change.
pub(super) async fn committed_previews(
    state: &AppState,
    messages: &[Message],
) -> HashMap<MessageId, ReplyPreview> {
    match state.messaging.reply_previews(messages).await {
        Ok(previews) => previews,
        Err(error) => {
            tracing::warn!(
                ?error,
                "answering without reply previews: they could not be read"
            );
            HashMap::new()
        }
    }
}

fn created_or_ok(outcome: &SendOutcome) -> actix_web::HttpResponseBuilder {
    if outcome.created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    }
}

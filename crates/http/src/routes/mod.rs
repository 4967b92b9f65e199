//! Every HTTP route, and the configuration that makes actix's own errors speak our JSON.
//!
//! One file per resource: [`auth`], [`sessions`] (a user's own logins), [`admin`]
//! (administration), [`users`] (with blocks and presence), [`rooms`] (the
//! list, one room and its read marker), [`groups`] (creating, changing and deleting groups),
//! [`members`] (paging, roles, removal, ownership), [`invites`], [`links`] (invite links),
//! [`messages`] (both ways of sending and the history), [`edits`] (editing and deleting one
//! message, its edit history), [`health`] (outside `/api/v1`, for orchestrators) and
//! [`docs`] (the OpenAPI document and its UI). The WebSocket upgrade lives in [`crate::ws`]
//! and is only mounted here.
//!
//! Every route is added to one [`Api`] list from its `#[utoipa::path]` annotation; the actix
//! resources and the OpenAPI document are both built from that list (see [`api`]).
//!
//! Ids in the path that are not ids at all answer like ids of nothing: 404 with the code of
//! what they would name (`room_not_found`, `user_not_found`, `message_not_found`,
//! `invite_not_found`, `member_not_found`), so probing with garbage teaches nothing.
//!
//! actix answers some mistakes before a handler runs (a body that is not JSON, a bad query
//! string, an unknown path, a wrong method); the extractor configs and fallbacks below turn
//! each into an [`ApiError`] so that clients always get the same envelope and never a 500.

mod admin;
mod api;
mod auth;
mod docs;
mod edits;
mod groups;
mod health;
mod invites;
mod links;
mod members;
mod messages;
mod rooms;
mod sessions;
mod users;

use actix_web::error::JsonPayloadError;
use actix_web::http::header::ALLOW;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, Resource, ResponseError};
use chat_domain::{InviteId, MessageId, RoomId, UserId};

use crate::{ApiError, AppState};
use api::Api;

/// Every documented route, in the order actix tries them.
pub(crate) fn api() -> Api {
    let mut api = Api::default();
    health::configure(&mut api);
    docs::configure(&mut api);
    auth::configure(&mut api);
    sessions::configure(&mut api);
    admin::configure(&mut api);
    users::configure(&mut api);
    rooms::configure(&mut api);
    groups::configure(&mut api);
    members::configure(&mut api);
    invites::configure(&mut api);
    links::configure(&mut api);
    messages::configure(&mut api);
    edits::configure(&mut api);
    api.add::<crate::ws::__path_ws_connect, _, _>(crate::ws::ws_connect);
    api
}

/// Registers the shared state, the extractor configs, every route, the document's UI and
/// the JSON 404.
pub fn configure(config: &mut web::ServiceConfig, state: AppState) {
    let json_limit = state.limits.max_json_bytes;
    config
        .app_data(web::Data::new(state))
        .app_data(json_config(json_limit))
        .app_data(query_config())
        .app_data(path_config())
        .app_data(web::Data::new(docs::DocumentJson::render()));
    for resource in api().into_resources() {
        config.service(resource);
    }
    docs::configure_ui(config);
    config.default_service(web::to(not_found));
}

/// A resource whose wrong methods get a JSON 405 with an `Allow` header listing `allow`
/// (actix's own 405 has an empty body).
fn resource(path: &str, allow: String) -> Resource {
    web::resource(path).default_service(web::to(move || method_not_allowed(allow.clone())))
}

async fn method_not_allowed(allow: String) -> HttpResponse {
    let mut response = ApiError::MethodNotAllowed.error_response();
    if let Ok(value) = allow.parse() {
        response.headers_mut().insert(ALLOW, value);
    }
    response
}

async fn not_found() -> HttpResponse {
    ApiError::NotFound.error_response()
}

/// Bodies up to `limit` bytes; every failure is a 400 `invalid_request` except an oversize
/// body, which is a 413 `payload_too_large`.
fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(move |error, _req: &HttpRequest| {
            let api_error = if error.status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge { limit }
            } else {
                ApiError::invalid_request(describe_json_error(&error))
            };
            api_error.into()
        })
}

/// What to tell the client; serde's messages name the field and position, which helps and
/// reveals nothing internal.
fn describe_json_error(error: &JsonPayloadError) -> String {
    match error {
        JsonPayloadError::ContentType => {
            "expected a JSON body (Content-Type: application/json)".to_owned()
        }
        JsonPayloadError::Deserialize(error) => format!("invalid JSON body: {error}"),
        _ => "could not read the request body".to_owned(),
    }
}

fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|error, _req: &HttpRequest| {
        ApiError::invalid_request(format!("invalid query string: {error}")).into()
    })
}

fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|error, _req: &HttpRequest| {
        ApiError::invalid_request(format!("invalid path: {error}")).into()
    })
}

/// A room id from the path. Anything that is not an id is a 404 `room_not_found`, exactly
/// like a real room the caller is not in: a non-member learns nothing by probing.
fn parse_room_id(raw: &str) -> Result<RoomId, ApiError> {
    raw.parse().map_err(|_| ApiError::RoomNotFound)
}

/// A user id from the path; not an id means no such user (404 `user_not_found`).
fn parse_user_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map_err(|_| ApiError::UserNotFound)
}

/// A member's user id from the path; not an id means no such member (404 `member_not_found`).
fn parse_member_id(raw: &str) -> Result<UserId, ApiError> {
    raw.parse().map_err(|_| ApiError::MemberNotFound)
}

/// A message id from the path; not an id means no such message (404 `message_not_found`).
fn parse_message_id(raw: &str) -> Result<MessageId, ApiError> {
    raw.parse().map_err(|_| ApiError::MessageNotFound)
}

/// An invite id from the path; not an id means no such invite (404 `invite_not_found`).
fn parse_invite_id(raw: &str) -> Result<InviteId, ApiError> {
    raw.parse().map_err(|_| ApiError::InviteNotFound)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests;

//! Each use-case error becomes the status and code the API promises, in the JSON envelope,
//! and failures of the machinery never show their internals.

use actix_web::body::to_bytes;
use actix_web::http::StatusCode;
use actix_web::ResponseError;
use chat_app::auth::{AuthError, LoginError, LogoutError, RefreshError, RegisterError};
use chat_app::messaging::{HistoryError, RoomError, SendError};
use chat_app::users::UserLookupError;
use chat_domain::{BodyError, PasswordError, UsernameError};
use chat_ports::StoreError;
use serde_json::Value;

use super::ApiError;

mod groups;

fn status_and_code(error: impl Into<ApiError>) -> (u16, &'static str) {
    let error = error.into();
    (error.status_code().as_u16(), error.code())
}

fn store_down() -> StoreError {
    StoreError::corrupt("connection refused to db.internal:5432")
}

async fn body_of(error: ApiError) -> (StatusCode, Value) {
    let response = error.error_response();
    let status = response.status();
    let bytes = to_bytes(response.into_body()).await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap())
}

#[test]
fn account_errors_map_to_their_codes() {
    assert_eq!(
        status_and_code(RegisterError::InvalidUsername(UsernameError::Length)),
        (400, "invalid_username")
    );
    assert_eq!(
        status_and_code(RegisterError::InvalidPassword(PasswordError::TooLong)),
        (400, "invalid_password")
    );
    assert_eq!(
        status_and_code(RegisterError::UsernameTaken),
        (409, "username_taken")
    );
    assert_eq!(
        status_and_code(LoginError::InvalidCredentials),
        (401, "invalid_credentials")
    );
    assert_eq!(
        status_and_code(RefreshError::InvalidToken),
        (401, "invalid_token")
    );
    assert_eq!(
        status_and_code(LogoutError::InvalidToken),
        (401, "invalid_token")
    );
    assert_eq!(
        status_and_code(AuthError::Unauthenticated),
        (401, "unauthorized")
    );
    assert_eq!(
        status_and_code(UserLookupError::NotFound),
        (404, "user_not_found")
    );
}

#[test]
fn messaging_errors_map_to_their_codes() {
    assert_eq!(
        status_and_code(SendError::InvalidBody(BodyError::Empty)),
        (400, "invalid_body")
    );
    assert_eq!(
        status_and_code(SendError::InvalidClientMsgId),
        (400, "invalid_client_msg_id")
    );
    assert_eq!(
        status_and_code(SendError::SelfMessage),
        (400, "cannot_message_self")
    );
    assert_eq!(
        status_and_code(SendError::UserNotFound),
        (404, "user_not_found")
    );
    assert_eq!(
        status_and_code(SendError::RoomNotFound),
        (404, "room_not_found")
    );
    assert_eq!(
        status_and_code(SendError::ReplyNotFound),
        (400, "invalid_reply_to")
    );
    assert_eq!(
        status_and_code(RoomError::RoomNotFound),
        (404, "room_not_found")
    );
    assert_eq!(
        status_and_code(HistoryError::RoomNotFound),
        (404, "room_not_found")
    );
    assert_eq!(
        status_and_code(HistoryError::InvalidLimit),
        (400, "invalid_limit")
    );
}

#[test]
fn every_unavailable_variant_is_a_503() {
    let boxed = || -> Box<dyn std::error::Error + Send + Sync> { Box::new(store_down()) };
    let all: Vec<ApiError> = vec![
        RegisterError::Unavailable(boxed()).into(),
        LoginError::Unavailable(boxed()).into(),
        RefreshError::Unavailable(boxed()).into(),
        LogoutError::Unavailable(boxed()).into(),
        AuthError::Unavailable(boxed()).into(),
        UserLookupError::Unavailable(store_down()).into(),
        SendError::Unavailable(boxed()).into(),
        RoomError::Unavailable(store_down()).into(),
        HistoryError::Unavailable(store_down()).into(),
    ];
    for error in all {
        assert_eq!(
            (error.status_code().as_u16(), error.code()),
            (503, "store_unavailable")
        );
    }
}

#[actix_web::test]
async fn the_body_is_the_error_envelope() {
    let (status, body) = body_of(ApiError::RoomNotFound).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        serde_json::json!({"error": {"code": "room_not_found", "message": "room not found"}})
    );
}

#[actix_web::test]
async fn an_unavailable_store_does_not_leak_its_details() {
    let (status, body) = body_of(RoomError::Unavailable(store_down()).into()).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    let message = body["error"]["message"].as_str().unwrap();
    assert!(!message.contains("db.internal"), "leaked: {message}");
}

#[actix_web::test]
async fn domain_reasons_are_the_message() {
    let (_, body) = body_of(RegisterError::InvalidPassword(PasswordError::TooShort).into()).await;
    assert_eq!(
        body["error"]["message"],
        "password must be at least 8 bytes"
    );
}

#[test]
fn an_unauthorized_answer_names_the_bearer_scheme() {
    let response = ApiError::Unauthorized.error_response();
    assert_eq!(
        response.headers().get("www-authenticate").unwrap(),
        "Bearer"
    );
}

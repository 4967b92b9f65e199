//! A user's logins as they see them (`GET /auth/sessions`), and the login body that may name
//! its device.

use chat_domain::{SessionId, Timestamp};
use chat_ports::Session;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /auth/login`: `{username, password, device?}`.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    /// The handle, in any letter case.
    #[schema(min_length = 3, max_length = 32, example = "alice")]
    pub username: String,
    /// The plaintext password.
    #[schema(min_length = 8, max_length = 72, example = "correct horse")]
    pub password: String,
    /// A name for this device (1 to 128 characters); the User-Agent stands in when absent.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 128, example = "Alice's phone")]
    pub device: Option<String>,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password must never reach a log line through a `{:?}`.
        f.debug_struct("LoginRequest")
            .field("username", &self.username)
            .field("device", &self.device)
            .finish_non_exhaustive()
    }
}

/// `{id, device, created_at, last_used_at, current}`: one active login.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionDto {
    /// Session id (the `DELETE /auth/sessions/{id}` handle).
    pub id: String,
    /// The device name, or `null` when neither the client nor its User-Agent gave one.
    pub device: Option<String>,
    /// When the login happened.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// The last refresh (the login time until the first one).
    #[schema(value_type = String, format = DateTime)]
    pub last_used_at: Timestamp,
    /// Whether the access token of this request belongs to this login.
    pub current: bool,
}

impl SessionDto {
    /// `session` as seen from a request made under the login `current`.
    pub fn new(session: &Session, current: SessionId) -> Self {
        Self {
            id: session.id.to_string(),
            device: session.device.as_ref().map(|d| d.as_str().to_owned()),
            created_at: session.created_at,
            last_used_at: session.last_used_at,
            current: session.id == current,
        }
    }
}

/// `{"sessions": [...]}`, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsResponse {
    /// The caller's active logins.
    pub sessions: Vec<SessionDto>,
}

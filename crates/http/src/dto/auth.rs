//! Auth request and response bodies.
//!
//! Requests are lenient about unknown fields (clients may send more than we read) and strict
//! about types: a number where a string belongs is a 400 `invalid_request`.

use chat_app::auth::TokenPair;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::UserDto;

/// `POST /auth/register` and `POST /auth/login`: `{username, password}`.
#[derive(Deserialize, ToSchema)]
pub struct CredentialsRequest {
    /// The handle, in any letter case: 3 to 32 of `a-z`, `0-9`, `_`, `.` and `-` once
    /// lowercased. A login with any other text is `invalid_credentials`.
    #[schema(
        min_length = 3,
        max_length = 32,
        pattern = "^[A-Za-z0-9_.-]{3,32}$",
        example = "alice"
    )]
    pub username: String,
    /// The plaintext password: 8 to 72 bytes of UTF-8.
    #[schema(min_length = 8, max_length = 72, example = "correct horse")]
    pub password: String,
}

impl std::fmt::Debug for CredentialsRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The password must never reach a log line through a `{:?}`.
        f.debug_struct("CredentialsRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// `POST /auth/refresh` and `POST /auth/logout`: `{refresh_token}`.
#[derive(Deserialize, ToSchema)]
pub struct RefreshTokenRequest {
    /// The opaque refresh token of the login.
    pub refresh_token: String,
}

impl std::fmt::Debug for RefreshTokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RefreshTokenRequest { .. }")
    }
}

/// `{access_token, refresh_token, token_type, expires_in, user}`: login and refresh.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Short-lived bearer token for `Authorization: Bearer`.
    pub access_token: String,
    /// Single-use token for `POST /auth/refresh`.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until `access_token` expires.
    pub expires_in: u64,
    /// The signed-in user.
    pub user: UserDto,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl From<&TokenPair> for TokenResponse {
    fn from(pair: &TokenPair) -> Self {
        Self {
            access_token: pair.access.token.clone(),
            refresh_token: pair.refresh_token.clone(),
            token_type: "Bearer",
            expires_in: pair.access.expires_in,
            user: UserDto::from(&pair.user),
        }
    }
}

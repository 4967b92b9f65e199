//! Password hashing and token issuing, as ports so use cases never touch bcrypt or JWT.

use std::fmt;

use async_trait::async_trait;
use chat_domain::{Password, SessionId, UserId};
use thiserror::Error;

/// A password hash in the hasher's own format (bcrypt's `$2b$...`). Its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(pub String);

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(***)")
    }
}

/// Hashes and checks passwords.
///
/// Implementations MUST take about as long to reject a wrong password as to accept a right one,
/// and do their CPU-heavy work off the async executor.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// A salted hash of `password`.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, TokenError>;
    /// Whether `password` matches `hash`; a malformed hash is a mismatch.
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, TokenError>;
}

/// What an access token vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user.
    pub user_id: UserId,
    /// The login it was issued under.
    pub session_id: SessionId,
}

/// A freshly signed access token.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedAccessToken {
    /// The compact JWT.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl fmt::Debug for IssuedAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssuedAccessToken(***, expires_in: {})", self.expires_in)
    }
}

/// Why a token or a hash was refused.
#[derive(Debug, Error)]
pub enum TokenError {
    /// Malformed, badly signed, of the wrong kind, or expired.
    #[error("invalid token")]
    Invalid,
    /// The machinery failed (not the caller's fault).
    #[error("crypto failure: {0}")]
    Internal(String),
}

/// Issues and checks access tokens, and makes refresh tokens.
///
/// Access tokens are stateless and short-lived; implementations MUST refuse a refresh token
/// presented as an access token. Refresh tokens are random and opaque, and only their hash is
/// ever stored.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait TokenIssuer: Send + Sync {
    /// Signs an access token for `user` under `session`.
    fn issue_access(
        &self,
        user: UserId,
        session: SessionId,
    ) -> Result<IssuedAccessToken, TokenError>;
    /// Checks signature, kind and expiry of an access token.
    fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError>;
    /// A new random refresh token.
    fn new_refresh_token(&self) -> String;
    /// The stored form of a refresh token (a one-way hash).
    fn hash_refresh_token(&self, token: &str) -> String;
}

//! Accounts and logins: register, login, refresh-token rotation, logout, a user's list of
//! their own logins (ending one or all), and checking access tokens.
//!
//! A login is a session; its refresh tokens rotate on every use and a replayed (spent) one
//! revokes the whole session, which also closes its WebSocket connections through a
//! `SessionRevoked` event. Access tokens are short-lived and stateless, checked by signature
//! and against the logins revoked within their lifetime, which every node keeps in memory
//! ([`RevokedSessions`]).

mod authenticate;
mod login;
mod refresh;
mod register;
mod revoked;
mod sessions;

use std::sync::Arc;
use std::time::Duration;

use chat_domain::{Password, User};
use chat_ports::{IssuedAccessToken, PasswordHash};
use tokio::sync::OnceCell;

use crate::Ports;

pub use authenticate::AuthError;
pub use login::LoginError;
pub use refresh::{LogoutError, RefreshError};
pub use register::RegisterError;
pub use revoked::{RevokedSessions, CLOCK_SKEW, REFRESH_INTERVAL};
pub use sessions::SessionError;
pub(crate) use sessions::{announce_disconnect, announce_revoked};

/// A fresh pair of tokens and the user they belong to. Its `Debug` hides the refresh token.
#[derive(Clone)]
pub struct TokenPair {
    /// The signed-in user.
    pub user: User,
    /// Short-lived, stateless bearer token.
    pub access: IssuedAccessToken,
    /// Opaque, single-use token to get the next pair.
    pub refresh_token: String,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("user", &self.user)
            .field("access", &self.access)
            .field("refresh_token", &"***")
            .finish()
    }
}

/// The account and login use cases.
#[derive(Debug)]
pub struct AuthService {
    ports: Ports,
    /// The logins revoked within an access token's lifetime.
    revoked: Arc<RevokedSessions>,
    /// A hash of a password nobody has, checked when the username is unknown so that a miss
    /// costs as much bcrypt time as a wrong password and timing does not tell which.
    decoy_hash: OnceCell<PasswordHash>,
}

/// The access tokens' lifetime when none is given (the server's default).
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(900);

impl AuthService {
    /// A service over `ports`, for access tokens of the default lifetime (15 minutes).
    pub fn new(ports: Ports) -> Self {
        let revoked = RevokedSessions::new(DEFAULT_TOKEN_LIFETIME, Arc::clone(&ports.clock));
        Self::with_revoked(ports, Arc::new(revoked))
    }

    /// A service over `ports` that refuses the logins in `revoked` (shared with the
    /// administration, whose locks revoke logins too).
    pub fn with_revoked(ports: Ports, revoked: Arc<RevokedSessions>) -> Self {
        Self {
            ports,
            revoked,
            decoy_hash: OnceCell::new(),
        }
    }

    /// The logins this node knows to be revoked.
    pub fn revoked(&self) -> &Arc<RevokedSessions> {
        &self.revoked
    }

    /// Computes the decoy hash now, so the first login of an unknown user costs no more than
    /// any other failed login. Call once at start.
    pub async fn warm_up(&self) {
        if self.decoy_hash().await.is_none() {
            tracing::warn!("could not prepare the decoy password hash");
        }
    }

    async fn decoy_hash(&self) -> Option<&PasswordHash> {
        self.decoy_hash
            .get_or_try_init(|| async {
                let decoy = Password::parse("decoy-password-nobody-has".to_owned())
                    .map_err(|_| chat_ports::TokenError::Internal("decoy password".into()))?;
                self.ports.hasher.hash(&decoy).await
            })
            .await
            .ok()
    }
}

//! Checking access tokens.

use chat_ports::AccessClaims;
use thiserror::Error;

use super::AuthService;

/// Why a request is not authenticated.
#[derive(Debug, Error)]
pub enum AuthError {
    /// Missing, malformed, badly signed, expired, or of a revoked login.
    #[error("invalid or expired access token")]
    Unauthenticated,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AuthService {
    /// The claims of a valid access token: its signature and expiry, and its login not among
    /// those this node knows to be revoked ([`RevokedSessions`](super::RevokedSessions)); no
    /// store round trip.
    pub fn authenticate(&self, access_token: &str) -> Result<AccessClaims, AuthError> {
        let claims = self
            .ports
            .tokens
            .verify_access(access_token)
            .map_err(|_| AuthError::Unauthenticated)?;
        if self.revoked.contains(claims.session_id) {
            return Err(AuthError::Unauthenticated);
        }
        Ok(claims)
    }

    /// Reads the logins revoked since the last read from the store (see
    /// [`RevokedSessions::refresh`](super::RevokedSessions::refresh)); run at start and every
    /// [`REFRESH_INTERVAL`](super::REFRESH_INTERVAL).
    pub async fn refresh_revoked(&self) -> Result<usize, chat_ports::StoreError> {
        self.revoked.refresh(self.ports.sessions.as_ref()).await
    }

    /// Like [`authenticate`](Self::authenticate), and also refuses tokens of a revoked login
    /// or of a locked account. Used where a long-lived resource is opened (a WebSocket), where
    /// two lookups are cheap.
    #[tracing::instrument(skip_all)]
    pub async fn authenticate_live(&self, access_token: &str) -> Result<AccessClaims, AuthError> {
        let claims = self.authenticate(access_token)?;
        let unavailable = |error: chat_ports::StoreError| AuthError::Unavailable(Box::new(error));
        match self.ports.sessions.find(claims.session_id).await {
            Ok(Some(session)) if session.is_active() && session.user_id == claims.user_id => {}
            Ok(_) => return Err(AuthError::Unauthenticated),
            Err(error) => return Err(unavailable(error)),
        }
        let locked = self
            .ports
            .users
            .find_locked_at(claims.user_id)
            .await
            .map_err(unavailable)?;
        if locked.is_some() {
            return Err(AuthError::Unauthenticated);
        }
        Ok(claims)
    }
}

//! Refresh-token rotation and logout.

use chat_ports::{RotateOutcome, Session};
use thiserror::Error;

use super::{announce_revoked, AuthService, TokenPair};

/// Why a refresh was refused.
#[derive(Debug, Error)]
pub enum RefreshError {
    /// Unknown, spent or revoked token (a spent one also revoked its session).
    #[error("invalid refresh token")]
    InvalidToken,
    /// The account was locked; the session is revoked now if it was not already.
    #[error("this account is locked")]
    AccountLocked,
    /// A store or the signer failed.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a logout was refused.
#[derive(Debug, Error)]
pub enum LogoutError {
    /// No session ever issued this token.
    #[error("invalid refresh token")]
    InvalidToken,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AuthService {
    /// Spends `refresh_token` and issues the next pair of the same session.
    ///
    /// A token that was already spent means someone replayed it: the session is revoked (every
    /// token descended from its login stops working and its connections close).
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> Result<TokenPair, RefreshError> {
        let unavailable =
            |e: Box<dyn std::error::Error + Send + Sync>| RefreshError::Unavailable(e);
        let presented = self.ports.tokens.hash_refresh_token(refresh_token);
        let next_token = self.ports.tokens.new_refresh_token();
        let next_hash = self.ports.tokens.hash_refresh_token(&next_token);
        let now = self.ports.clock.now();
        let outcome = self
            .ports
            .sessions
            .rotate(&presented, &next_hash, now)
            .await
            .map_err(|e| unavailable(Box::new(e)))?;
        let session = match outcome {
            RotateOutcome::Rotated(session) => session,
            RotateOutcome::Reused(session) => {
                tracing::warn!(session_id = %session.id, "refresh token reused; session revoked");
                self.announce_revocation(&session).await;
                return Err(RefreshError::InvalidToken);
            }
            RotateOutcome::Revoked(_) | RotateOutcome::Unknown => {
                return Err(RefreshError::InvalidToken)
            }
        };
        let locked = self
            .ports
            .users
            .find_locked_at(session.user_id)
            .await
            .map_err(|e| unavailable(Box::new(e)))?;
        if locked.is_some() {
            // Locking revokes every session, but a login that raced the lock may have slipped
            // in: it ends here.
            self.end_session(&session).await;
            return Err(RefreshError::AccountLocked);
        }
        let user = self
            .ports
            .users
            .find_by_id(session.user_id)
            .await
            .map_err(|e| unavailable(Box::new(e)))?
            .ok_or(RefreshError::InvalidToken)?;
        let access = self
            .ports
            .tokens
            .issue_access(user.id, session.id)
            .map_err(|e| unavailable(Box::new(e)))?;
        Ok(TokenPair {
            user,
            access,
            refresh_token: next_token,
        })
    }

    /// Ends the session that issued `refresh_token` and closes its connections.
    #[tracing::instrument(skip_all)]
    pub async fn logout(&self, refresh_token: &str) -> Result<(), LogoutError> {
        let hash = self.ports.tokens.hash_refresh_token(refresh_token);
        let now = self.ports.clock.now();
        match self.ports.sessions.revoke_by_token(&hash, now).await {
            Ok(Some(session)) => {
                self.announce_revocation(&session).await;
                Ok(())
            }
            Ok(None) => Err(LogoutError::InvalidToken),
            Err(error) => Err(LogoutError::Unavailable(Box::new(error))),
        }
    }

    /// Revokes `session` and closes its connections; failures are logged (the caller refuses
    /// the request anyway).
    async fn end_session(&self, session: &Session) {
        let now = self.ports.clock.now();
        match self.ports.sessions.revoke(session.id, now).await {
            Ok(_) => self.announce_revocation(session).await,
            Err(error) => {
                tracing::error!(%error, session_id = %session.id, "could not revoke a session of a locked account");
            }
        }
    }

    /// Refuses the session's access tokens on this node at once and tells every node to do
    /// the same and close its connections (see [`announce_revoked`]).
    pub(super) async fn announce_revocation(&self, session: &Session) {
        announce_revoked(&self.ports, &self.revoked, std::slice::from_ref(session)).await;
    }
}

//! A user's own logins: listing them, ending one, and ending all of them at once.
//!
//! Ending a login is durable first (the store revokes it) and announced second (this node
//! refuses its access tokens at once, and the bus tells every node to do the same and close
//! its connections), like logout: a lost announcement still leaves the login unusable, since
//! WebSocket connects check the session and every node reads recent revocations from the
//! store.

use chat_domain::{SessionId, UserId};
use chat_ports::{BusEvent, Session};
use thiserror::Error;

use super::{AuthService, RevokedSessions};
use crate::Ports;

/// Why a session operation failed.
#[derive(Debug, Error)]
pub enum SessionError {
    /// No active session of the caller has this id (someone else's counts as none).
    #[error("session not found")]
    NotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> SessionError {
    SessionError::Unavailable(Box::new(error))
}

impl AuthService {
    /// The active logins of `user`, newest first.
    pub async fn list_sessions(&self, user: UserId) -> Result<Vec<Session>, SessionError> {
        self.ports
            .sessions
            .list_active(user)
            .await
            .map_err(unavailable)
    }

    /// Ends one active login of `user` and closes its connections.
    pub async fn revoke_session(&self, user: UserId, id: SessionId) -> Result<(), SessionError> {
        match self.ports.sessions.find(id).await.map_err(unavailable)? {
            Some(session) if session.user_id == user && session.is_active() => {}
            _ => return Err(SessionError::NotFound),
        }
        let now = self.ports.clock.now();
        let revoked = self
            .ports
            .sessions
            .revoke(id, now)
            .await
            .map_err(unavailable)?
            .ok_or(SessionError::NotFound)?;
        self.announce_revocation(&revoked).await;
        Ok(())
    }

    /// Ends every login of `user` and closes all their connections; returns how many logins
    /// were active.
    pub async fn logout_all(&self, user: UserId) -> Result<usize, SessionError> {
        let now = self.ports.clock.now();
        let revoked = self
            .ports
            .sessions
            .revoke_all(user, now)
            .await
            .map_err(unavailable)?;
        announce_revoked(&self.ports, &self.revoked, &revoked).await;
        announce_disconnect(&self.ports, user).await;
        Ok(revoked.len())
    }
}

/// Refuses the access tokens of `sessions` (just revoked, durably) on this node at once, and
/// tells every node to refuse them too and to close their connections (`SessionRevoked`, one
/// per session). The revocations are already durable, so a bus failure is logged, not
/// returned: the other nodes read them from the store within
/// [`REFRESH_INTERVAL`](super::REFRESH_INTERVAL), and the next connect is refused anyway.
pub(crate) async fn announce_revoked(
    ports: &Ports,
    revoked: &RevokedSessions,
    sessions: &[Session],
) {
    let now = ports.clock.now();
    for session in sessions {
        revoked.insert(session.id, session.revoked_at.unwrap_or(now));
    }
    for session in sessions {
        let event = BusEvent::SessionRevoked {
            session_id: session.id,
        };
        if let Err(error) = ports.bus.publish(&event).await {
            tracing::error!(%error, session_id = %session.id, "could not announce session revocation");
        }
    }
}

/// Tells every node to close all connections of `user`. What made them close is already
/// durable (or, for a plain disconnect, nothing needs to be), so a bus failure is logged.
pub(crate) async fn announce_disconnect(ports: &Ports, user: UserId) {
    let event = BusEvent::UserDisconnected { user_id: user };
    if let Err(error) = ports.bus.publish(&event).await {
        tracing::error!(%error, user_id = %user, "could not announce a disconnect");
    }
}

//! The administrators' use cases: who is one ([`AdminPolicy`]), disconnecting and locking
//! users, and the dead letters (the same [`DeadLetterService`] the `chat-server dlq` command
//! uses).
//!
//! Locking is durable first: the account is marked locked (login, refresh and WebSocket
//! connects refuse it from then on), then every session is revoked (and its access tokens
//! refused on every node), then every node is told to close the user's connections. A login racing the lock can still create a session, but
//! that session cannot refresh nor open a WebSocket, and its access token expires.

mod policy;

use chat_domain::UserId;
use thiserror::Error;

use std::sync::Arc;

use crate::auth::{announce_disconnect, announce_revoked, RevokedSessions};
use crate::worker::DeadLetterService;
use crate::Ports;

pub use policy::AdminPolicy;

/// Why an administrative action failed.
#[derive(Debug, Error)]
pub enum AdminError {
    /// No account has this id.
    #[error("user not found")]
    UserNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> AdminError {
    AdminError::Unavailable(Box::new(error))
}

/// Administration over the ports, under an [`AdminPolicy`].
#[derive(Debug)]
pub struct AdminService {
    ports: Ports,
    policy: AdminPolicy,
    dead_letters: DeadLetterService,
    /// The logins this node refuses, shared with [`AuthService`](crate::auth::AuthService):
    /// a lock's revocations take effect here at once.
    revoked: Arc<RevokedSessions>,
}

impl AdminService {
    /// A service over `ports` whose administrators `policy` names; the logins its locks
    /// revoke are refused through `revoked` (the [`AuthService`](crate::auth::AuthService)'s).
    pub fn new(ports: Ports, policy: AdminPolicy, revoked: Arc<RevokedSessions>) -> Self {
        Self {
            dead_letters: DeadLetterService::new(ports.clone()),
            ports,
            policy,
            revoked,
        }
    }

    /// Whether `presented` is the admin token.
    pub fn is_admin_token(&self, presented: &str) -> bool {
        self.policy.is_admin_token(presented)
    }

    /// Whether `user` is an administrator (an unknown user is not).
    pub async fn is_admin(&self, user: UserId) -> Result<bool, AdminError> {
        let found = self
            .ports
            .users
            .find_by_id(user)
            .await
            .map_err(unavailable)?;
        Ok(found.is_some_and(|user| self.policy.is_admin_user(&user.username)))
    }

    /// The dead letters: listing and replaying them.
    pub fn dead_letters(&self) -> &DeadLetterService {
        &self.dead_letters
    }

    /// Closes every connection of `user` on every node (their logins stay valid).
    pub async fn disconnect_user(&self, user: UserId) -> Result<(), AdminError> {
        self.existing(user).await?;
        announce_disconnect(&self.ports, user).await;
        Ok(())
    }

    /// Locks `user` out: no login, refresh or WebSocket connect; every session is revoked and
    /// every connection closed. Returns how many sessions were active.
    pub async fn lock_user(&self, user: UserId) -> Result<usize, AdminError> {
        let now = self.ports.clock.now();
        let found = self
            .ports
            .users
            .set_locked(user, Some(now))
            .await
            .map_err(unavailable)?;
        if !found {
            return Err(AdminError::UserNotFound);
        }
        let revoked = self
            .ports
            .sessions
            .revoke_all(user, now)
            .await
            .map_err(unavailable)?;
        tracing::info!(user_id = %user, sessions = revoked.len(), "user locked");
        announce_revoked(&self.ports, &self.revoked, &revoked).await;
        announce_disconnect(&self.ports, user).await;
        Ok(revoked.len())
    }

    /// Lifts a lock: the user may log in again (their old sessions stay revoked).
    pub async fn unlock_user(&self, user: UserId) -> Result<(), AdminError> {
        let found = self
            .ports
            .users
            .set_locked(user, None)
            .await
            .map_err(unavailable)?;
        if !found {
            return Err(AdminError::UserNotFound);
        }
        tracing::info!(user_id = %user, "user unlocked");
        Ok(())
    }

    async fn existing(&self, user: UserId) -> Result<(), AdminError> {
        match self.ports.users.find_by_id(user).await {
            Ok(Some(_)) => Ok(()),
            Ok(None) => Err(AdminError::UserNotFound),
            Err(error) => Err(unavailable(error)),
        }
    }
}

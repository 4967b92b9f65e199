//! The sessions port: logins and their rotating refresh tokens.
//!
//! A session is one login. Each refresh spends the presented refresh token and issues the next;
//! presenting a spent token means it was stolen or replayed, so the whole session (every token
//! descended from the login) is revoked. Stores keep only hashes of refresh tokens.
//!
//! A user sees their own active sessions (`list_active`) and can end one (`revoke`) or all of
//! them at once (`revoke_all`, also what locking an account does). Every node keeps the
//! logins revoked within one access-token lifetime in memory (`revoked_since`), so that a
//! revoked login's access tokens stop working on plain HTTP too.

use async_trait::async_trait;
use chat_domain::{DeviceName, SessionId, Timestamp, UserId};

use crate::StoreError;

/// One login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Stable id; access tokens carry it.
    pub id: SessionId,
    /// Who logged in.
    pub user_id: UserId,
    /// The device it came from, as the client named it or its User-Agent said.
    pub device: Option<DeviceName>,
    /// When.
    pub created_at: Timestamp,
    /// The last refresh.
    pub last_used_at: Timestamp,
    /// When it was revoked (logout or token reuse), if it was.
    pub revoked_at: Option<Timestamp>,
}

impl Session {
    /// Whether tokens of this session are still honoured.
    pub fn is_active(&self) -> bool {
        self.revoked_at.is_none()
    }
}

/// What presenting a refresh token led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RotateOutcome {
    /// The token was current: it is now spent and `next_hash` is the session's current token.
    Rotated(Session),
    /// The token had been spent before: the session is now revoked.
    Reused(Session),
    /// The token belongs to a session that was already revoked.
    Revoked(Session),
    /// No session has ever issued this token.
    Unknown,
}

/// Durable store of sessions and the hashes of their refresh tokens.
///
/// Implementations MUST make `rotate` atomic: when two calls present the same current token at
/// once, exactly one returns `Rotated` and the other `Reused` (which revokes the session).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session whose current refresh token hashes to `token_hash`.
    async fn create(&self, session: &Session, token_hash: &str) -> Result<(), StoreError>;
    /// Spends the token hashing to `presented_hash` and makes `next_hash` current (see [`RotateOutcome`]).
    async fn rotate(
        &self,
        presented_hash: &str,
        next_hash: &str,
        now: Timestamp,
    ) -> Result<RotateOutcome, StoreError>;
    /// Revokes the session that issued the token hashing to `token_hash`; `None` if no session did.
    async fn revoke_by_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Session>, StoreError>;
    /// The session with this id.
    async fn find(&self, id: SessionId) -> Result<Option<Session>, StoreError>;
    /// The active (unrevoked) sessions of `user`, newest first.
    async fn list_active(&self, user: UserId) -> Result<Vec<Session>, StoreError>;
    /// Revokes the session with this id (a revoked one keeps its first revocation time);
    /// `None` if there is no such session.
    async fn revoke(&self, id: SessionId, now: Timestamp) -> Result<Option<Session>, StoreError>;
    /// Revokes every active session of `user`; returns the sessions it revoked.
    async fn revoke_all(&self, user: UserId, now: Timestamp) -> Result<Vec<Session>, StoreError>;
    /// Up to `limit` sessions revoked at or after `since`, with their revocation times, oldest
    /// revocation first.
    async fn revoked_since(
        &self,
        since: Timestamp,
        limit: u32,
    ) -> Result<Vec<(SessionId, Timestamp)>, StoreError>;
    /// Deletes sessions revoked before `before` and spent tokens issued before it; returns how many rows went.
    async fn prune(&self, before: Timestamp) -> Result<u64, StoreError>;
}

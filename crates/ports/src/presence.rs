//! The presence port: who is online, counted across every node.

use async_trait::async_trait;
use chat_domain::{Timestamp, UserId};

use crate::StoreError;

/// A user's presence as others see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Presence {
    /// The user.
    pub user_id: UserId,
    /// Whether any device of theirs is connected.
    pub online: bool,
    /// When their last connection closed; `None` while online or if never seen.
    pub last_seen: Option<Timestamp>,
}

/// Counts the open connections of each user, across nodes.
///
/// Implementations MUST count per connection (several devices, several nodes) and forget the
/// connections of a node that died (the Redis adapter lets them expire).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PresenceTracker: Send + Sync {
    /// One more connection of `user`; true when it is their first (they came online).
    async fn connected(&self, user: UserId, now: Timestamp) -> Result<bool, StoreError>;
    /// One connection of `user` closed; true when it was their last (`last_seen` is now `now`).
    async fn disconnected(&self, user: UserId, now: Timestamp) -> Result<bool, StoreError>;
    /// The presence of each of `users`, in the same order.
    async fn presence(&self, users: &[UserId]) -> Result<Vec<Presence>, StoreError>;
}

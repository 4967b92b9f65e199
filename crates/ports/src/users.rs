//! The users port.

use async_trait::async_trait;
use chat_domain::{Timestamp, User, UserId, Username};

use crate::{PasswordHash, StoreError};

/// A user to register, with the hash of their password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    /// The account.
    pub user: User,
    /// bcrypt hash of the password.
    pub password_hash: PasswordHash,
}

/// What login needs to check a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCredentials {
    /// The account.
    pub user: User,
    /// bcrypt hash of the password.
    pub password_hash: PasswordHash,
    /// When an administrator locked the account, if it is locked (no login then).
    pub locked_at: Option<Timestamp>,
}

/// Durable store of user accounts.
///
/// Implementations MUST return [`StoreError::Conflict`] from `insert` when the username is
/// taken, also when two inserts of one name race.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Stores a new account.
    async fn insert(&self, user: &NewUser) -> Result<(), StoreError>;
    /// The account with this id.
    async fn find_by_id(&self, id: UserId) -> Result<Option<User>, StoreError>;
    /// The account with this username and its password hash.
    async fn find_credentials(
        &self,
        username: &Username,
    ) -> Result<Option<UserCredentials>, StoreError>;
    /// Up to `limit` accounts whose username starts with `prefix`, in username order.
    async fn search_by_prefix(&self, prefix: &str, limit: u32) -> Result<Vec<User>, StoreError>;
    /// Locks the account (`Some(time)`) or unlocks it (`None`); a lock keeps its first time.
    /// `false` if there is no such account.
    async fn set_locked(
        &self,
        id: UserId,
        locked_at: Option<Timestamp>,
    ) -> Result<bool, StoreError>;
    /// When the account was locked, if it is; `None` also for an unknown account.
    async fn find_locked_at(&self, id: UserId) -> Result<Option<Timestamp>, StoreError>;
}

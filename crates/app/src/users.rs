//! Profiles and user search.

use chat_domain::{User, UserId};
use chat_ports::StoreError;
use thiserror::Error;

use crate::Ports;

/// Most users a search returns.
pub const SEARCH_LIMIT: u32 = 20;

/// Why a user lookup failed.
#[derive(Debug, Error)]
pub enum UserLookupError {
    /// No such user.
    #[error("user not found")]
    NotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Looking users up.
#[derive(Debug)]
pub struct UserService {
    ports: Ports,
}

impl UserService {
    /// A service over `ports`.
    pub fn new(ports: Ports) -> Self {
        Self { ports }
    }

    /// The user with this id.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn get(&self, id: UserId) -> Result<User, UserLookupError> {
        self.ports
            .users
            .find_by_id(id)
            .await
            .map_err(UserLookupError::Unavailable)?
            .ok_or(UserLookupError::NotFound)
    }

    /// Up to [`SEARCH_LIMIT`] users whose username starts with `prefix` (case-insensitive).
    #[tracing::instrument(skip_all)]
    pub async fn search(&self, prefix: &str) -> Result<Vec<User>, UserLookupError> {
        let prefix = prefix.trim().to_lowercase();
        self.ports
            .users
            .search_by_prefix(&prefix, SEARCH_LIMIT)
            .await
            .map_err(UserLookupError::Unavailable)
    }
}

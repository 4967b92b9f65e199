//! Registering an account.

use chat_domain::{Password, PasswordError, User, UserId, Username, UsernameError};
use chat_ports::{NewUser, StoreError};
use thiserror::Error;

use super::AuthService;

/// Why a registration was refused.
#[derive(Debug, Error)]
pub enum RegisterError {
    /// The username breaks the rules.
    #[error(transparent)]
    InvalidUsername(#[from] UsernameError),
    /// The password breaks the rules.
    #[error(transparent)]
    InvalidPassword(#[from] PasswordError),
    /// Someone has this username (in any letter case).
    #[error("username is taken")]
    UsernameTaken,
    /// A store or the hasher failed.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl AuthService {
    /// Creates an account; the username is stored lowercase.
    #[tracing::instrument(skip_all)]
    pub async fn register(&self, username: &str, password: String) -> Result<User, RegisterError> {
        let username = Username::parse(username)?;
        let password = Password::parse(password)?;
        let password_hash = self
            .ports
            .hasher
            .hash(&password)
            .await
            .map_err(|e| RegisterError::Unavailable(Box::new(e)))?;
        let user = User {
            id: UserId::from_uuid(self.ports.ids.new_id()),
            username,
            created_at: self.ports.clock.now(),
        };
        match self
            .ports
            .users
            .insert(&NewUser {
                user: user.clone(),
                password_hash,
            })
            .await
        {
            Ok(()) => Ok(user),
            Err(StoreError::Conflict(_)) => Err(RegisterError::UsernameTaken),
            Err(other) => Err(RegisterError::Unavailable(Box::new(other))),
        }
    }
}

//! Logging in: checking a password and opening a session.

use chat_domain::{DeviceName, Password, SessionId, User, Username};
use chat_ports::Session;
use thiserror::Error;

use super::{AuthService, TokenPair};

/// Why a login failed.
#[derive(Debug, Error)]
pub enum LoginError {
    /// Unknown user or wrong password; deliberately one error for both.
    #[error("invalid username or password")]
    InvalidCredentials,
    /// An administrator locked the account. Said whatever the password, so it tells nothing
    /// about the password; the same bcrypt time is spent as for any other attempt.
    #[error("this account is locked")]
    AccountLocked,
    /// A store, the hasher or the signer failed.
    #[error("service unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> LoginError {
    LoginError::Unavailable(Box::new(error))
}

impl AuthService {
    /// Checks the credentials and opens a new session on `device` with its first token pair.
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        username: &str,
        password: String,
        device: Option<DeviceName>,
    ) -> Result<TokenPair, LoginError> {
        let user = self.check_credentials(username, password).await?;
        let now = self.ports.clock.now();
        let session = Session {
            id: SessionId::from_uuid(self.ports.ids.new_id()),
            user_id: user.id,
            device,
            created_at: now,
            last_used_at: now,
            revoked_at: None,
        };
        let refresh_token = self.ports.tokens.new_refresh_token();
        let refresh_hash = self.ports.tokens.hash_refresh_token(&refresh_token);
        self.ports
            .sessions
            .create(&session, &refresh_hash)
            .await
            .map_err(unavailable)?;
        let access = self
            .ports
            .tokens
            .issue_access(user.id, session.id)
            .map_err(unavailable)?;
        Ok(TokenPair {
            user,
            access,
            refresh_token,
        })
    }

    /// The user whose password this is. Every failing path runs one bcrypt verification, so
    /// an unknown username and a wrong password take about the same time.
    async fn check_credentials(
        &self,
        username: &str,
        password: String,
    ) -> Result<User, LoginError> {
        let password = Password::parse(password).ok();
        let credentials = match Username::parse(username) {
            Ok(name) => self
                .ports
                .users
                .find_credentials(&name)
                .await
                .map_err(unavailable)?,
            Err(_) => None,
        };
        let decoy_password = || Password::parse("wrong-password-for-decoy".to_owned()).ok();
        match (credentials, password) {
            (Some(found), Some(password)) => {
                let matches = self
                    .ports
                    .hasher
                    .verify(&password, &found.password_hash)
                    .await
                    .map_err(unavailable)?;
                if found.locked_at.is_some() {
                    Err(LoginError::AccountLocked)
                } else if matches {
                    Ok(found.user)
                } else {
                    Err(LoginError::InvalidCredentials)
                }
            }
            (_, password) => {
                if let (Some(decoy), Some(password)) =
                    (self.decoy_hash().await, password.or_else(decoy_password))
                {
                    // The result is irrelevant: this only spends the time a real check would.
                    let _ = self.ports.hasher.verify(&password, decoy).await;
                }
                Err(LoginError::InvalidCredentials)
            }
        }
    }
}

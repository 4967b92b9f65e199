//! bcrypt password hashing behind the [`PasswordHasher`] port.
//!
//! bcrypt is deliberately slow (tens to hundreds of milliseconds at production cost), so both
//! hashing and checking run on tokio's blocking pool: on an async worker thread they would stall
//! every other connection served by that thread.

use async_trait::async_trait;
use chat_domain::Password;
use chat_ports::{PasswordHash, PasswordHasher, TokenError};
use tokio::task::JoinError;

/// Hashes passwords with bcrypt at a fixed cost.
#[derive(Debug, Clone, Copy)]
pub struct BcryptPasswordHasher {
    cost: u32,
}

impl BcryptPasswordHasher {
    /// A hasher working at `cost` (log2 of the rounds; bcrypt accepts 4 to 31). Production
    /// uses 12 or so; tests use 4, the fastest bcrypt allows. A cost out of range makes every
    /// `hash` fail with [`TokenError::Internal`].
    pub fn new(cost: u32) -> Self {
        Self { cost }
    }
}

#[async_trait]
impl PasswordHasher for BcryptPasswordHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, TokenError> {
        let (password, cost) = (password.clone(), self.cost);
        // bcrypt reads 72 bytes: the password plus a NUL terminator, which it drops when the
        // password has all 72. `Password` holds at most 72 bytes, so every byte of it counts.
        // (The crate's `non_truncating_*` functions count the terminator and so refuse a
        // 72-byte password that `Password` accepts.)
        tokio::task::spawn_blocking(move || bcrypt::hash(password.expose(), cost))
            .await
            .map_err(join_failed)?
            .map(PasswordHash)
            .map_err(|error| TokenError::Internal(format!("bcrypt hash: {error}")))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, TokenError> {
        let (password, hash) = (password.clone(), hash.0.clone());
        let checked = tokio::task::spawn_blocking(move || bcrypt::verify(password.expose(), &hash))
            .await
            .map_err(join_failed)?;
        // bcrypt errs only on a hash it cannot parse: that is a mismatch, not a failure of the
        // machinery. The error is dropped, not logged: its text quotes the stored hash.
        Ok(checked.unwrap_or(false))
    }
}

fn join_failed(error: JoinError) -> TokenError {
    TokenError::Internal(format!("bcrypt task: {error}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    fn password(text: &str) -> Password {
        Password::parse(text.to_owned()).unwrap()
    }

    #[tokio::test]
    async fn a_hashed_password_verifies_and_another_does_not() {
        let hasher = BcryptPasswordHasher::new(4);
        let hash = hasher.hash(&password("correct horse")).await.unwrap();
        assert!(hash.0.starts_with("$2b$04$"));
        assert!(hasher
            .verify(&password("correct horse"), &hash)
            .await
            .unwrap());
        assert!(!hasher
            .verify(&password("battery staple"), &hash)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn hashing_twice_salts_differently() {
        let hasher = BcryptPasswordHasher::new(4);
        let first = hasher.hash(&password("correct horse")).await.unwrap();
        let second = hasher.hash(&password("correct horse")).await.unwrap();
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn a_malformed_stored_hash_is_a_mismatch_not_an_error() {
        let hasher = BcryptPasswordHasher::new(4);
        for stored in [
            "",
            "not a hash",
            "$2b$04$short",
            "$9z$04$abcdefghijklmnopqrstuv",
        ] {
            let hash = PasswordHash(stored.to_owned());
            let verdict = hasher.verify(&password("correct horse"), &hash).await;
            assert!(!verdict.unwrap(), "{stored:?}");
        }
    }

    #[tokio::test]
    async fn a_password_of_the_full_72_bytes_counts_every_byte() {
        let hasher = BcryptPasswordHasher::new(4);
        let long = "x".repeat(71) + "a";
        let hash = hasher.hash(&password(&long)).await.unwrap();
        let differs_at_the_end = "x".repeat(71) + "b";
        assert!(!hasher
            .verify(&password(&differs_at_the_end), &hash)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_cost_out_of_range_is_an_internal_error() {
        let hasher = BcryptPasswordHasher::new(99);
        let result = hasher.hash(&password("correct horse")).await;
        assert!(matches!(result, Err(TokenError::Internal(_))));
    }
}

//! Users and the credentials they register with.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{Timestamp, UserId};

/// A registered account as everyone may see it (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Stable id.
    pub id: UserId,
    /// Unique, lowercase handle.
    pub username: Username,
    /// When the account was registered.
    pub created_at: Timestamp,
}

/// Why a username was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsernameError {
    /// Fewer than [`Username::MIN_LEN`] or more than [`Username::MAX_LEN`] characters.
    #[error("username must be {min} to {max} characters", min = Username::MIN_LEN, max = Username::MAX_LEN)]
    Length,
    /// A character outside `[a-z0-9_.-]`.
    #[error("username may only contain a-z, 0-9, '_', '.' and '-'")]
    Characters,
}

/// A handle of 3 to 32 characters of `[a-z0-9_.-]`, stored lowercase so `Alice` and `alice`
/// are the same account.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// Shortest accepted username.
    pub const MIN_LEN: usize = 3;
    /// Longest accepted username.
    pub const MAX_LEN: usize = 32;

    /// Lowercases `raw` and checks its length and alphabet.
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let lowered = raw.to_lowercase();
        if !(Self::MIN_LEN..=Self::MAX_LEN).contains(&lowered.chars().count()) {
            return Err(UsernameError::Length);
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
        if !lowered.chars().all(allowed) {
            return Err(UsernameError::Characters);
        }
        Ok(Self(lowered))
    }

    /// The normalized handle.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Username> for String {
    fn from(value: Username) -> Self {
        value.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.0)
    }
}

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordError {
    /// Shorter than [`Password::MIN_BYTES`].
    #[error("password must be at least {} bytes", Password::MIN_BYTES)]
    TooShort,
    /// Longer than [`Password::MAX_BYTES`]: bcrypt ignores what follows, so we refuse rather
    /// than silently cut.
    #[error("password must be at most {} bytes", Password::MAX_BYTES)]
    TooLong,
}

/// A plaintext password of 8 to 72 bytes. Its `Debug` never shows the text, so it cannot leak
/// into a log line by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Shortest accepted password, in bytes.
    pub const MIN_BYTES: usize = 8;
    /// Longest accepted password, in bytes: all that bcrypt reads.
    pub const MAX_BYTES: usize = 72;

    /// Checks the length in bytes.
    pub fn parse(raw: String) -> Result<Self, PasswordError> {
        match raw.len() {
            n if n < Self::MIN_BYTES => Err(PasswordError::TooShort),
            n if n > Self::MAX_BYTES => Err(PasswordError::TooLong),
            _ => Ok(Self(raw)),
        }
    }

    /// The plaintext, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_lowercased() {
        assert_eq!(Username::parse("Alice_01").unwrap().as_str(), "alice_01");
    }

    #[test]
    fn usernames_outside_the_length_range_are_refused() {
        assert_eq!(Username::parse("ab"), Err(UsernameError::Length));
        assert_eq!(Username::parse(&"a".repeat(33)), Err(UsernameError::Length));
        assert!(Username::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn usernames_with_other_characters_are_refused() {
        for bad in ["al ice", "alice!", "élise", "a/b/c"] {
            assert_eq!(
                Username::parse(bad),
                Err(UsernameError::Characters),
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords_are_measured_in_bytes() {
        assert_eq!(
            Password::parse("short".into()),
            Err(PasswordError::TooShort)
        );
        assert!(Password::parse("x".repeat(72)).is_ok());
        assert_eq!(Password::parse("x".repeat(73)), Err(PasswordError::TooLong));
        // 24 three-byte characters are 72 bytes; one more is too long.
        assert!(Password::parse("€".repeat(24)).is_ok());
        assert_eq!(Password::parse("€".repeat(25)), Err(PasswordError::TooLong));
    }

    #[test]
    fn password_debug_hides_the_text() {
        let password = Password::parse("correct horse".into()).unwrap();
        assert!(!format!("{password:?}").contains("horse"));
    }
}

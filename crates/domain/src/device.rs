//! [`DeviceName`]: how a login names the device it came from, so a user can tell their
//! sessions apart ("Alice's phone", or a browser's User-Agent) when listing or revoking them.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a device name was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeviceNameError {
    /// Empty after trimming, or longer than [`DeviceName::MAX_CHARS`] characters.
    #[error("device must be 1 to {max} characters", max = DeviceName::MAX_CHARS)]
    Length,
    /// A control character (a newline, a NUL, ...).
    #[error("device may not contain control characters")]
    Characters,
}

/// A trimmed label of 1 to 128 characters without control characters.
///
/// A client-supplied name is [`parse`](Self::parse)d strictly (a bad one is the client's
/// mistake); a User-Agent header goes through [`from_user_agent`](Self::from_user_agent),
/// which cleans and truncates instead, since any browser may send a long one.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceName(String);

impl DeviceName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 128;

    /// Trims `raw` and checks its length and characters.
    pub fn parse(raw: &str) -> Result<Self, DeviceNameError> {
        let trimmed = raw.trim();
        if !(1..=Self::MAX_CHARS).contains(&trimmed.chars().count()) {
            return Err(DeviceNameError::Length);
        }
        if trimmed.chars().any(char::is_control) {
            return Err(DeviceNameError::Characters);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// A name from a User-Agent: control characters become spaces, then it is trimmed and cut
    /// to [`MAX_CHARS`](Self::MAX_CHARS) characters; `None` when nothing is left.
    pub fn from_user_agent(raw: &str) -> Option<Self> {
        let cleaned: String = raw
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let cut: String = cleaned.trim().chars().take(Self::MAX_CHARS).collect();
        let cut = cut.trim_end();
        (!cut.is_empty()).then(|| Self(cut.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeviceName {
    type Error = DeviceNameError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<DeviceName> for String {
    fn from(value: DeviceName) -> Self {
        value.0
    }
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceName({:?})", self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_kept() {
        assert_eq!(
            DeviceName::parse("  Alice's phone ").unwrap().as_str(),
            "Alice's phone"
        );
    }

    #[test]
    fn empty_long_and_control_names_are_refused() {
        assert_eq!(DeviceName::parse("   "), Err(DeviceNameError::Length));
        let long = "x".repeat(DeviceName::MAX_CHARS + 1);
        assert_eq!(DeviceName::parse(&long), Err(DeviceNameError::Length));
        assert!(DeviceName::parse(&"é".repeat(DeviceName::MAX_CHARS)).is_ok());
        assert_eq!(DeviceName::parse("a\nb"), Err(DeviceNameError::Characters));
    }

    #[test]
    fn a_user_agent_is_cleaned_and_truncated() {
        let agent = format!("Mozilla/5.0\t{}", "y".repeat(300));
        let name = DeviceName::from_user_agent(&agent).unwrap();
        assert_eq!(name.as_str().chars().count(), DeviceName::MAX_CHARS);
        assert!(name.as_str().starts_with("Mozilla/5.0 y"));
        assert_eq!(DeviceName::from_user_agent(" \r\n "), None);
    }
}

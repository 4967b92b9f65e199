//! Groups: their names and descriptions, invites, invite links and blocks.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{RoomId, Timestamp, UserId};

/// Default largest number of members a group may have.
pub const DEFAULT_MAX_GROUP_MEMBERS: u32 = 1_000;

/// Why a group name or description was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GroupTextError {
    /// Nothing left after trimming.
    #[error("group name must not be empty")]
    EmptyName,
    /// Over the limit.
    #[error("{field} must be at most {max} characters")]
    TooLong {
        /// Which text.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// A U+0000 character, which PostgreSQL cannot store in text.
    #[error("{field} must not contain NUL (U+0000) characters")]
    Nul {
        /// Which text.
        field: &'static str,
    },
}

/// A group's display name: 1 to 100 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupName(String);

impl GroupName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Trims and checks `raw`.
    pub fn parse(raw: &str) -> Result<Self, GroupTextError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(GroupTextError::EmptyName);
        }
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(GroupTextError::TooLong {
                field: "name",
                max: Self::MAX_CHARS,
            });
        }
        if trimmed.contains('\0') {
            return Err(GroupTextError::Nul { field: "name" });
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A group's description: up to 1000 characters after trimming; empty means none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupDescription(String);

impl GroupDescription {
    /// Longest accepted description, in characters.
    pub const MAX_CHARS: usize = 1000;

    /// Trims and checks `raw`; `None` when nothing is left.
    pub fn parse(raw: &str) -> Result<Option<Self>, GroupTextError> {
        let trimmed = raw.trim();
        if trimmed.chars().count() > Self::MAX_CHARS {
            return Err(GroupTextError::TooLong {
                field: "description",
                max: Self::MAX_CHARS,
            });
        }
        if trimmed.contains('\0') {
            return Err(GroupTextError::Nul {
                field: "description",
            });
        }
        Ok((!trimmed.is_empty()).then(|| Self(trimmed.to_owned())))
    }

    /// The description.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An invitation of one user into one group, pending until answered, cancelled or expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Stable id.
    pub id: crate::InviteId,
    /// The group.
    pub room_id: RoomId,
    /// Who invited.
    pub inviter_id: UserId,
    /// Who is invited.
    pub invitee_id: UserId,
    /// When.
    pub created_at: Timestamp,
    /// After this, accepting it is refused.
    pub expires_at: Timestamp,
}

impl Invite {
    /// Whether the invite can no longer be accepted at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// A shareable link that lets any signed-in user join a group.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteLink {
    /// The secret in the link (random, unguessable).
    pub token: String,
    /// The group.
    pub room_id: RoomId,
    /// Who made it.
    pub creator_id: UserId,
    /// How many joins it allows; `None` for no limit.
    pub max_uses: Option<u32>,
    /// How many joins it has given.
    pub uses: u32,
    /// When it was made.
    pub created_at: Timestamp,
    /// After this, joining through it is refused; `None` for never.
    pub expires_at: Option<Timestamp>,
}

impl InviteLink {
    /// Whether the link still admits someone at `now`.
    pub fn admits(&self, now: Timestamp) -> bool {
        self.expires_at.is_none_or(|at| now < at) && self.max_uses.is_none_or(|max| self.uses < max)
    }
}

impl fmt::Debug for InviteLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteLink")
            .field("room_id", &self.room_id)
            .field("max_uses", &self.max_uses)
            .field("uses", &self.uses)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions_with_a_nul_character_are_refused() {
        assert_eq!(
            GroupName::parse("a\0b"),
            Err(GroupTextError::Nul { field: "name" })
        );
        assert_eq!(
            GroupDescription::parse("\0"),
            Err(GroupTextError::Nul {
                field: "description"
            })
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            GroupName::parse("  Rust fans ").unwrap().as_str(),
            "Rust fans"
        );
        assert_eq!(GroupName::parse("   "), Err(GroupTextError::EmptyName));
        assert!(GroupName::parse(&"n".repeat(101)).is_err());
    }

    #[test]
    fn an_empty_description_is_none() {
        assert_eq!(GroupDescription::parse("  ").unwrap(), None);
        assert!(GroupDescription::parse(&"d".repeat(1001)).is_err());
    }

    #[test]
    fn links_stop_admitting_when_used_up_or_expired() {
        let link = InviteLink {
            token: "t".into(),
            room_id: RoomId::new_v7(),
            creator_id: UserId::new_v7(),
            max_uses: Some(1),
            uses: 0,
            created_at: Timestamp::from_unix_millis(0),
            expires_at: Some(Timestamp::from_unix_millis(100)),
        };
        assert!(link.admits(Timestamp::from_unix_millis(50)));
        assert!(!link.admits(Timestamp::from_unix_millis(100)));
        assert!(!InviteLink { uses: 1, ..link }.admits(Timestamp::from_unix_millis(50)));
    }
}

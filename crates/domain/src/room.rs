//! Rooms and memberships.
//!
//! A private room holds exactly two users and is identified, besides its id, by the unordered
//! pair of its members ([`PrivatePair`]); stores put a unique index on the pair's key, which is
//! what makes "exactly one private room per pair" hold under any race.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{RoomId, Seq, Timestamp, UserId};

/// What kind of room this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoomKind {
    /// Two users, created lazily by their first message.
    Private,
    /// Any number of members with roles.
    Group,
}

impl RoomKind {
    /// The stored and wire form.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Group => "group",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "private" => Some(Self::Private),
            "group" => Some(Self::Group),
            _ => None,
        }
    }
}

/// A room's metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Room {
    /// Stable id.
    pub id: RoomId,
    /// Private or group.
    pub kind: RoomKind,
    /// Display name; `None` for private rooms.
    pub name: Option<String>,
    /// What the group is about; `None` for private rooms and groups without one.
    pub description: Option<String>,
    /// When the room was created.
    pub created_at: Timestamp,
}

/// A member's standing in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Created the room (or was handed it); one per group.
    Owner,
    /// Helps the owner moderate.
    Admin,
    /// Everyone else; both members of a private room.
    Member,
}

impl Role {
    /// The stored and wire form.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "owner" => Some(Self::Owner),
            "admin" => Some(Self::Admin),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// One user's membership of one room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Membership {
    /// The room.
    pub room_id: RoomId,
    /// The member.
    pub user_id: UserId,
    /// Their role.
    pub role: Role,
    /// When the membership began.
    pub joined_at: Timestamp,
    /// The highest seq this member has read; everything above it is unread.
    pub read_seq: Seq,
    /// The highest seq this member's devices confirmed receiving (cumulative, forward only).
    pub delivered_seq: Seq,
}

/// Why two users cannot share a private room.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PrivatePairError {
    /// Both sides are the same user.
    #[error("a private room needs two different users")]
    SameUser,
}

/// The unordered pair of users of a private room, kept in a canonical order so `(a, b)` and
/// `(b, a)` are equal and share one [`key`](Self::key).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrivatePair {
    low: UserId,
    high: UserId,
}

impl PrivatePair {
    /// The pair of `a` and `b`, in either order.
    pub fn new(a: UserId, b: UserId) -> Result<Self, PrivatePairError> {
        match a.cmp(&b) {
            std::cmp::Ordering::Less => Ok(Self { low: a, high: b }),
            std::cmp::Ordering::Greater => Ok(Self { low: b, high: a }),
            std::cmp::Ordering::Equal => Err(PrivatePairError::SameUser),
        }
    }

    /// Both users, lower id first.
    pub const fn users(&self) -> [UserId; 2] {
        [self.low, self.high]
    }

    /// A string naming the pair that stores index uniquely.
    pub fn key(&self) -> String {
        format!("{}:{}", self.low, self.high)
    }

    /// The member of the pair who is not `user`, if `user` is in it.
    pub fn other(&self, user: UserId) -> Option<UserId> {
        if user == self.low {
            Some(self.high)
        } else if user == self.high {
            Some(self.low)
        } else {
            None
        }
    }
}

impl fmt::Debug for PrivatePair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivatePair({})", self.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_the_same_in_either_order() {
        let (a, b) = (UserId::new_v7(), UserId::new_v7());
        let ab = PrivatePair::new(a, b).unwrap();
        let ba = PrivatePair::new(b, a).unwrap();
        assert_eq!(ab, ba);
        assert_eq!(ab.key(), ba.key());
        assert_eq!(ab.other(a), Some(b));
        assert_eq!(ab.other(UserId::new_v7()), None);
    }

    #[test]
    fn a_user_cannot_pair_with_themselves() {
        let a = UserId::new_v7();
        assert_eq!(PrivatePair::new(a, a), Err(PrivatePairError::SameUser));
    }

    #[test]
    fn kinds_and_roles_round_trip_through_their_stored_form() {
        for kind in [RoomKind::Private, RoomKind::Group] {
            assert_eq!(RoomKind::parse(kind.as_str()), Some(kind));
        }
        for role in [Role::Owner, Role::Admin, Role::Member] {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
    }
}

//! Opaque id newtypes.
//!
//! Every id is a UUIDv7: unique without coordination between nodes and sortable by creation
//! time, which keeps B-tree indexes append-mostly. Clients see them as plain strings and must
//! not parse them; a distinct type per entity keeps a `RoomId` from being passed where a
//! `UserId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
pub use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps an existing UUID (for adapters reading stored ids).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// A fresh, time-sortable id taken from the system clock.
            ///
            /// Use cases take ids from the `IdGenerator` port instead so tests control them;
            /// this is for adapters, fixtures and examples.
            pub fn new_v7() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }
    };
}

id_type!(
    /// Identifies a registered user.
    UserId
);
id_type!(
    /// Identifies a room, private or group.
    RoomId
);
id_type!(
    /// Identifies a message; assigned before the message is stored, so a retry keeps it.
    MessageId
);
id_type!(
    /// Identifies one login: the family of refresh tokens descended from it.
    SessionId
);
id_type!(
    /// Identifies a background job on the queue.
    JobId
);
id_type!(
    /// Identifies an invitation into a group.
    InviteId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_their_string_form() {
        let id = RoomId::new_v7();
        let parsed: RoomId = id.to_string().parse().unwrap();
        assert_eq!(parsed, id);
        assert_eq!(serde_json::to_string(&id).unwrap(), format!("\"{id}\""));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones() {
        let first = MessageId::new_v7();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = MessageId::new_v7();
        assert!(first < second);
        assert!(first.to_string() < second.to_string());
    }
}

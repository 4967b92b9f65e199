//! The vocabulary of chat-system: users, rooms, memberships and messages.
//!
//! This crate is what other Rust code reuses to speak the product's language, so it does no I/O
//! and names no framework or driver. Every type that carries a rule validates it in its
//! constructor: a [`Username`] or a [`MessageBody`] that exists is a valid one, and the layers
//! above never re-check.
//!
//! Layout: [`ids`] holds the opaque, time-sortable id newtypes; [`time`] the millisecond
//! timestamp every entity carries; [`user`], [`room`] and [`message`] one aggregate each.
//!
//! ```
//! use chat_domain::{MessageBody, PrivatePair, UserId, Username};
//!
//! let alice = Username::parse("Alice").unwrap();
//! assert_eq!(alice.as_str(), "alice");
//!
//! let body = MessageBody::parse("  hello  ", 4000).unwrap();
//! assert_eq!(body.as_str(), "hello");
//!
//! let (a, b) = (UserId::new_v7(), UserId::new_v7());
//! assert_eq!(PrivatePair::new(a, b).unwrap(), PrivatePair::new(b, a).unwrap());
//! ```

pub mod device;
pub mod group;
pub mod ids;
pub mod message;
pub mod room;
pub mod time;
pub mod user;

pub use device::{DeviceName, DeviceNameError};
pub use group::{
    GroupDescription, GroupName, GroupTextError, Invite, InviteLink, DEFAULT_MAX_GROUP_MEMBERS,
};
pub use ids::{InviteId, JobId, MessageId, RoomId, SessionId, UserId};
pub use message::{
    BodyError, ClientMsgId, ClientMsgIdError, Message, MessageBody, MessageEdit, NewMessage,
    ReplyPreview, Rev, Seq, DEFAULT_MAX_BODY_CHARS, REPLY_PREVIEW_CHARS,
};
pub use room::{Membership, PrivatePair, PrivatePairError, Role, Room, RoomKind};
pub use time::Timestamp;
pub use user::{Password, PasswordError, User, Username, UsernameError};

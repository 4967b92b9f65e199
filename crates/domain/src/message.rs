//! Messages and the values they are made of.
//!
//! `seq` orders the messages of one room: it starts at 1, has no gaps, and is the same for every
//! member, so a client that remembers the last seq it saw can ask for exactly what it missed.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::{MessageId, RoomId, Timestamp, UserId};

/// Default upper bound on a message body, in Unicode characters after trimming.
pub const DEFAULT_MAX_BODY_CHARS: usize = 4000;

/// A message's position in its room: 1, 2, 3, ... without gaps.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    /// Before the first message: a room with no messages has this as its last seq.
    pub const ZERO: Self = Self(0);

    /// The seq right after this one.
    pub const fn next(self) -> Self {
        Self(self.0 + 1)
    }

    /// The number itself.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A room's change counter: every creation, edit and deletion in a room takes the room's next
/// rev, so "everything after rev R" is exactly what a reconnecting client missed. `seq` orders
/// messages and never changes; `rev` orders changes.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rev(pub u64);

impl Rev {
    /// Before the first change.
    pub const ZERO: Self = Self(0);

    /// The number itself.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Rev {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// How many characters of an answered message a reply preview shows.
pub const REPLY_PREVIEW_CHARS: usize = 100;

/// The answered message as a reply shows it next to itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyPreview {
    /// The answered message.
    pub id: MessageId,
    /// Its author.
    pub sender_id: UserId,
    /// Its first [`REPLY_PREVIEW_CHARS`] characters; `None` once it is deleted.
    pub body: Option<String>,
    /// Whether it was deleted.
    pub deleted: bool,
}

impl ReplyPreview {
    /// The preview of `message`.
    pub fn of(message: &Message) -> Self {
        let body = if message.deleted {
            None
        } else {
            message
                .body
                .as_deref()
                .map(|body| body.chars().take(REPLY_PREVIEW_CHARS).collect())
        };
        Self {
            id: message.id,
            sender_id: message.sender_id,
            body,
            deleted: message.deleted,
        }
    }
}

/// One earlier body of an edited message.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEdit {
    /// The message.
    pub message_id: MessageId,
    /// The body it had.
    pub body: String,
    /// When that body was replaced.
    pub replaced_at: Timestamp,
}

impl fmt::Debug for MessageEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageEdit")
            .field("message_id", &self.message_id)
            .field("replaced_at", &self.replaced_at)
            .finish_non_exhaustive()
    }
}

/// Why a message body was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BodyError {
    /// Nothing left after trimming whitespace.
    #[error("message body must not be empty")]
    Empty,
    /// More characters than allowed.
    #[error("message body must be at most {max} characters")]
    TooLong {
        /// The limit in force.
        max: usize,
    },
    /// A U+0000 character, which PostgreSQL cannot store in text; refused in every mode so
    /// the same body gets the same answer whatever the store.
    #[error("message body must not contain NUL (U+0000) characters")]
    Nul,
}

/// A trimmed, non-empty message text of bounded length.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageBody(String);

impl MessageBody {
    /// Trims `raw` and checks it holds 1 to `max_chars` Unicode characters.
    pub fn parse(raw: &str, max_chars: usize) -> Result<Self, BodyError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(BodyError::Empty);
        }
        if trimmed.chars().count() > max_chars {
            return Err(BodyError::TooLong { max: max_chars });
        }
        if trimmed.contains('\0') {
            return Err(BodyError::Nul);
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for MessageBody {
    // Message bodies are private to their room: never print them where logs might catch them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MessageBody({} chars)", self.0.chars().count())
    }
}

/// Why a client message id was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ClientMsgIdError {
    /// Empty, longer than [`ClientMsgId::MAX_LEN`] bytes, or holding control characters.
    #[error("client_msg_id must be 1 to {} printable bytes", ClientMsgId::MAX_LEN)]
    Invalid,
}

/// The sender's own id for a message, which makes retries idempotent: a second send with the
/// same `(room, sender, client_msg_id)` returns the first message instead of storing another.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientMsgId(String);

impl ClientMsgId {
    /// Longest accepted id, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Checks length and that no control character is present.
    pub fn parse(raw: &str) -> Result<Self, ClientMsgIdError> {
        if raw.is_empty() || raw.len() > Self::MAX_LEN || raw.chars().any(char::is_control) {
            return Err(ClientMsgIdError::Invalid);
        }
        Ok(Self(raw.to_owned()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientMsgId {
    type Error = ClientMsgIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClientMsgId> for String {
    fn from(value: ClientMsgId) -> Self {
        value.0
    }
}

/// A message accepted from a sender and waiting to be stored; the store assigns its seq.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    /// Assigned on acceptance, so a retried persistence job writes the same id.
    pub id: MessageId,
    /// Target room.
    pub room_id: RoomId,
    /// Author.
    pub sender_id: UserId,
    /// Text.
    pub body: MessageBody,
    /// The sender's idempotency key, if given.
    pub client_msg_id: Option<ClientMsgId>,
    /// The message this one answers, in the same room.
    pub reply_to: Option<MessageId>,
    /// When the server accepted it.
    pub created_at: Timestamp,
}

impl NewMessage {
    /// The stored message this becomes once it holds `seq`, created at `rev`.
    pub fn into_message(self, seq: Seq, rev: Rev) -> Message {
        Message {
            id: self.id,
            room_id: self.room_id,
            seq,
            rev,
            created_rev: rev,
            sender_id: self.sender_id,
            body: Some(self.body.into_string()),
            client_msg_id: self.client_msg_id,
            reply_to: self.reply_to,
            created_at: self.created_at,
            edited_at: None,
            deleted: false,
        }
    }
}

/// A stored message. A deleted one (or the tombstone of a send that failed after taking its seq)
/// keeps its place with `deleted: true` and no body.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Stable id.
    pub id: MessageId,
    /// Its room.
    pub room_id: RoomId,
    /// Its position in the room.
    pub seq: Seq,
    /// The room's change counter at its last change (creation, edit or deletion).
    pub rev: Rev,
    /// The room's change counter at its creation (tells a resuming client whether the message
    /// is new to it or a change of one it has).
    pub created_rev: Rev,
    /// Author.
    pub sender_id: UserId,
    /// Text; `None` once deleted.
    pub body: Option<String>,
    /// The sender's idempotency key, if given.
    pub client_msg_id: Option<ClientMsgId>,
    /// The message this one answers.
    pub reply_to: Option<MessageId>,
    /// When the server accepted it.
    pub created_at: Timestamp,
    /// When it was last edited.
    pub edited_at: Option<Timestamp>,
    /// Whether it was deleted.
    pub deleted: bool,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("id", &self.id)
            .field("room_id", &self.room_id)
            .field("seq", &self.seq)
            .field("rev", &self.rev)
            .field("sender_id", &self.sender_id)
            .field("body", &self.body.as_ref().map(|b| b.chars().count()))
            .field("client_msg_id", &self.client_msg_id)
            .field("deleted", &self.deleted)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_with_a_nul_character_is_refused() {
        assert_eq!(MessageBody::parse("a\0b", 100), Err(BodyError::Nul));
        assert!(MessageBody::parse("a\u{1}b\u{7f}", 100).is_ok());
    }

    #[test]
    fn bodies_are_trimmed_and_bounded_in_characters() {
        assert_eq!(MessageBody::parse("  hi \n", 10).unwrap().as_str(), "hi");
        assert_eq!(MessageBody::parse(" \t ", 10), Err(BodyError::Empty));
        assert!(MessageBody::parse(&"ü".repeat(10), 10).is_ok());
        assert_eq!(
            MessageBody::parse(&"ü".repeat(11), 10),
            Err(BodyError::TooLong { max: 10 })
        );
    }

    #[test]
    fn body_debug_hides_the_text() {
        let body = MessageBody::parse("secret plans", 100).unwrap();
        assert!(!format!("{body:?}").contains("secret"));
    }

    #[test]
    fn client_msg_ids_are_bounded_and_printable() {
        assert!(ClientMsgId::parse("c-1").is_ok());
        assert!(ClientMsgId::parse("").is_err());
        assert!(ClientMsgId::parse(&"x".repeat(65)).is_err());
        assert!(ClientMsgId::parse("a\nb").is_err());
    }

    #[test]
    fn a_new_message_keeps_its_id_when_stored() {
        let new = NewMessage {
            id: MessageId::new_v7(),
            room_id: RoomId::new_v7(),
            sender_id: UserId::new_v7(),
            body: MessageBody::parse("hello", 100).unwrap(),
            client_msg_id: None,
            reply_to: None,
            created_at: Timestamp::from_unix_millis(1),
        };
        let stored = new.clone().into_message(Seq(7), Rev(9));
        assert_eq!(stored.id, new.id);
        assert_eq!(stored.seq, Seq(7));
        assert_eq!((stored.rev, stored.created_rev), (Rev(9), Rev(9)));
        assert_eq!(stored.body.as_deref(), Some("hello"));
        assert!(!stored.deleted);
    }
}

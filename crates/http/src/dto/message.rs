//! The message as clients see it.

use chat_domain::{Message, Timestamp};
use serde::Serialize;

/// `{id, room_id, seq, rev, sender_id, body, client_msg_id, reply_to, created_at, edited_at, deleted}`.
#[derive(Debug, Clone, Serialize)]
pub struct MessageDto {
    /// Message id.
    pub id: String,
    /// Room id.
    pub room_id: String,
    /// Position in the room, from 1, gapless.
    pub seq: u64,
    /// The room's change counter at this message's last change.
    pub rev: u64,
    /// Author.
    pub sender_id: String,
    /// Text; null once deleted.
    pub body: Option<String>,
    /// The sender's idempotency key.
    pub client_msg_id: Option<String>,
    /// The message answered.
    pub reply_to: Option<String>,
    /// RFC 3339, milliseconds, UTC.
    pub created_at: Timestamp,
    /// Last edit.
    pub edited_at: Option<Timestamp>,
    /// Deleted (or a tombstone).
    pub deleted: bool,
}

impl From<&Message> for MessageDto {
    fn from(message: &Message) -> Self {
        Self {
            id: message.id.to_string(),
            room_id: message.room_id.to_string(),
            seq: message.seq.get(),
            rev: message.rev.get(),
            sender_id: message.sender_id.to_string(),
            body: if message.deleted {
                None
            } else {
                message.body.clone()
            },
            client_msg_id: message
                .client_msg_id
                .as_ref()
                .map(|c| c.as_str().to_owned()),
            reply_to: message.reply_to.map(|r| r.to_string()),
            created_at: message.created_at,
            edited_at: message.edited_at,
            deleted: message.deleted,
        }
    }
}

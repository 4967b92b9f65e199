//! The message as clients see it, with the preview of the message it answers.
//!
//! [`MessageDto::from`] leaves `reply_preview` out; the WebSocket gateway sets it on live
//! `message` events from the preview the worker put on the bus event (one lookup per commit,
//! not per recipient). HTTP answers build their messages with [`MessageDto::with_previews`]
//! from one [`MessagingService::reply_previews`] call per page.
//!
//! [`MessagingService::reply_previews`]: chat_app::messaging::MessagingService::reply_previews

use std::collections::HashMap;

use chat_app::messaging::ReplyPreview;
use chat_domain::{Message, MessageId, Timestamp};
use serde::Serialize;
use utoipa::ToSchema;

/// `{id, room_id, seq, rev, sender_id, body, client_msg_id, reply_to, reply_preview?,
/// created_at, edited_at, deleted}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
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
    /// A short form of the message answered; only on HTTP answers, and only for replies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply_preview: Option<ReplyPreviewDto>,
    /// RFC 3339, milliseconds, UTC.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Last edit.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub edited_at: Option<Timestamp>,
    /// Deleted (or a tombstone).
    pub deleted: bool,
}

/// `{id, sender_id, body, deleted}`: the answered message, its body cut to
/// [`REPLY_PREVIEW_CHARS`](chat_app::messaging::REPLY_PREVIEW_CHARS) characters and null
/// once it is deleted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyPreviewDto {
    /// The answered message's id.
    pub id: String,
    /// Its author.
    pub sender_id: String,
    /// Its first characters; null once deleted.
    pub body: Option<String>,
    /// Whether it was deleted.
    pub deleted: bool,
}

impl From<&ReplyPreview> for ReplyPreviewDto {
    fn from(preview: &ReplyPreview) -> Self {
        Self {
            id: preview.id.to_string(),
            sender_id: preview.sender_id.to_string(),
            body: preview.body.clone(),
            deleted: preview.deleted,
        }
    }
}

impl MessageDto {
    /// `message` with the preview of the message it answers, looked up in `previews` (the
    /// answer of `reply_previews`). A reply whose answered message is not in the map carries
    /// no preview rather than failing the answer.
    pub fn with_previews(message: &Message, previews: &HashMap<MessageId, ReplyPreview>) -> Self {
        let reply_preview = message
            .reply_to
            .and_then(|answered| previews.get(&answered))
            .map(ReplyPreviewDto::from);
        Self {
            reply_preview,
            ..Self::from(message)
        }
    }
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
            reply_preview: None,
            created_at: message.created_at,
            edited_at: message.edited_at,
            deleted: message.deleted,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use chat_domain::{Rev, RoomId, Seq, UserId};
    use serde_json::json;

    use super::*;

    fn message(seq: u64, reply_to: Option<MessageId>) -> Message {
        Message {
            id: MessageId::new_v7(),
            room_id: RoomId::new_v7(),
            seq: Seq(seq),
            rev: Rev(seq),
            created_rev: Rev(seq),
            sender_id: UserId::new_v7(),
            body: Some(format!("message {seq}")),
            client_msg_id: None,
            reply_to,
            created_at: Timestamp::from_unix_millis(1_700_000_000_000),
            edited_at: None,
            deleted: false,
        }
    }

    #[test]
    fn a_message_without_previews_has_no_reply_preview_key() {
        let json = serde_json::to_value(MessageDto::from(&message(1, None))).unwrap();
        assert!(json.get("reply_preview").is_none(), "{json}");
        assert_eq!(json["rev"], 1);
    }

    #[test]
    fn a_reply_carries_the_preview_of_the_message_it_answers() {
        let answered = message(1, None);
        let reply = message(2, Some(answered.id));
        let previews = HashMap::from([(answered.id, ReplyPreview::of(&answered))]);
        let json = serde_json::to_value(MessageDto::with_previews(&reply, &previews)).unwrap();
        assert_eq!(
            json["reply_preview"],
            json!({
                "id": answered.id.to_string(),
                "sender_id": answered.sender_id.to_string(),
                "body": "message 1",
                "deleted": false,
            })
        );
    }

    #[test]
    fn a_reply_whose_answer_is_missing_from_the_map_has_no_preview() {
        let reply = message(2, Some(MessageId::new_v7()));
        let dto = MessageDto::with_previews(&reply, &HashMap::new());
        assert!(dto.reply_preview.is_none());
        assert!(dto.reply_to.is_some());
    }
}

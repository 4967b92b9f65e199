//! Sending a message over HTTP: the request body and the two response shapes.

use chat_app::messaging::{SendRequest, SendTarget};
use chat_domain::{MessageId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MessageDto, RoomDto};
use crate::ApiError;

/// `POST /users/{id}/messages` and `POST /rooms/{id}/messages`: `{body, client_msg_id?, reply_to?}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SendMessageRequest {
    /// The text: trimmed, then 1 to `CHAT_MAX_BODY_CHARS` (default 4000) characters.
    #[schema(min_length = 1, pattern = "\\S", example = "hi Bob!")]
    pub body: String,
    /// The client's idempotency key, 1 to 64 bytes without control characters: a retry with
    /// the same key returns the original.
    #[schema(
        min_length = 1,
        max_length = 64,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F]*$",
        example = "c-1"
    )]
    pub client_msg_id: Option<String>,
    /// The id of the message this one answers.
    pub reply_to: Option<String>,
}

impl SendMessageRequest {
    /// The use case's request for a message `id` from `sender` to `target`.
    ///
    /// A `reply_to` that is not a message id at all is the same mistake as one naming no
    /// message of the room, so both are `invalid_reply_to`.
    pub fn into_send(
        self,
        id: MessageId,
        sender: UserId,
        target: SendTarget,
    ) -> Result<SendRequest, ApiError> {
        let reply_to = self
            .reply_to
            .as_deref()
            .map(str::parse::<MessageId>)
            .transpose()
            .map_err(|_| ApiError::InvalidReplyTo)?;
        Ok(SendRequest {
            id,
            sender,
            target,
            body: self.body,
            client_msg_id: self.client_msg_id,
            reply_to,
        })
    }
}

/// `{"message": {...}}`: a send into a room.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageResponse {
    /// The stored message (the original one when the send was a retry).
    pub message: MessageDto,
}

/// `{"room": {...}, "message": {...}}`: a private send, which may have created the room.
#[derive(Debug, Serialize, ToSchema)]
pub struct PrivateMessageResponse {
    /// The private room, as the sender sees it.
    pub room: RoomDto,
    /// The stored message (the original one when the send was a retry).
    pub message: MessageDto,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    fn request(reply_to: Option<&str>) -> SendMessageRequest {
        SendMessageRequest {
            body: "hi".into(),
            client_msg_id: None,
            reply_to: reply_to.map(Into::into),
        }
    }

    #[test]
    fn a_reply_to_that_is_not_an_id_is_invalid_reply_to() {
        let target = SendTarget::User(UserId::new_v7());
        let error =
            request(Some("not-a-uuid")).into_send(MessageId::new_v7(), UserId::new_v7(), target);
        assert!(matches!(error, Err(ApiError::InvalidReplyTo)));
    }

    #[test]
    fn a_valid_reply_to_is_kept() {
        let answered = MessageId::new_v7();
        let target = SendTarget::User(UserId::new_v7());
        let send = request(Some(&answered.to_string())).into_send(
            MessageId::new_v7(),
            UserId::new_v7(),
            target,
        );
        assert_eq!(send.unwrap().reply_to, Some(answered));
    }

    #[test]
    fn unknown_fields_are_ignored_and_wrong_types_refused() {
        let lenient: SendMessageRequest =
            serde_json::from_str(r#"{"body": "hi", "extra": 1}"#).unwrap();
        assert_eq!(lenient.body, "hi");
        assert!(serde_json::from_str::<SendMessageRequest>(r#"{"body": 5}"#).is_err());
        assert!(serde_json::from_str::<SendMessageRequest>(r#"{"client_msg_id": "a"}"#).is_err());
    }
}

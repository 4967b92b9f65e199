//! Editing a message over HTTP, and reading what it said before.
//!
//! The edit and the delete answer `{"message"}` ([`MessageResponse`](super::MessageResponse)),
//! so only the request and the history have shapes of their own.

use chat_domain::{MessageEdit, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `PATCH /rooms/{id}/messages/{message_id}`: `{body}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageRequest {
    /// The new text: trimmed, then 1 to `CHAT_MAX_BODY_CHARS` (default 4000) characters.
    #[schema(min_length = 1, pattern = "\\S", example = "hi again")]
    pub body: String,
}

/// `{body, replaced_at}`: one earlier body of a message.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EditDto {
    /// The text the message had.
    pub body: String,
    /// When an edit replaced it.
    #[schema(value_type = String, format = DateTime)]
    pub replaced_at: Timestamp,
}

impl From<&MessageEdit> for EditDto {
    fn from(edit: &MessageEdit) -> Self {
        Self {
            body: edit.body.clone(),
            replaced_at: edit.replaced_at,
        }
    }
}

/// `{"edits": [...]}`: `GET /rooms/{id}/messages/{message_id}/history`, oldest first; empty
/// for a message never edited, and for a deleted one (its history goes with it).
#[derive(Debug, Serialize, ToSchema)]
pub struct EditHistoryResponse {
    /// The earlier bodies, oldest first.
    pub edits: Vec<EditDto>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use chat_domain::MessageId;
    use serde_json::json;

    use super::*;

    #[test]
    fn an_edit_shows_its_body_and_when_it_was_replaced() {
        let edit = MessageEdit {
            message_id: MessageId::new_v7(),
            body: "first".into(),
            replaced_at: Timestamp::from_unix_millis(1_700_000_000_123),
        };
        let response = EditHistoryResponse {
            edits: vec![EditDto::from(&edit)],
        };
        assert_eq!(
            serde_json::to_value(response).unwrap(),
            json!({"edits": [{"body": "first", "replaced_at": "2023-11-14T22:13:20.123Z"}]})
        );
    }

    #[test]
    fn an_edit_needs_a_string_body() {
        assert!(serde_json::from_str::<EditMessageRequest>("{}").is_err());
        assert!(serde_json::from_str::<EditMessageRequest>(r#"{"body": 1}"#).is_err());
        let request: EditMessageRequest = serde_json::from_str(r#"{"body": "new"}"#).unwrap();
        assert_eq!(request.body, "new");
    }
}

//! The WebSocket wire protocol: client frames in, server frames out, one JSON object per text
//! frame, each with a `type`.
//!
//! Parsing is two-step (any JSON object first, then the frame its `type` names) so that every
//! bad frame gets a precise `error` event instead of a dropped connection.

use serde::Deserialize;
use serde_json::{json, Value};

use super::outbound::Encoded;
use crate::dto::{MessageDto, RoomDto};

/// A `send` frame: a message to a user (`to`, private and lazy) or to a room (`room_id`).
#[derive(Debug, Deserialize)]
pub struct SendFrame {
    /// The client's correlation id, echoed in the `ack` or `error`.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Recipient user id (private chat).
    pub to: Option<String>,
    /// Target room id.
    pub room_id: Option<String>,
    /// Message text.
    pub body: String,
    /// Idempotency key.
    pub client_msg_id: Option<String>,
    /// Message answered.
    pub reply_to: Option<String>,
}

/// A frame naming a room and a seq: `read` and `received`.
#[derive(Debug, Deserialize)]
pub struct MarkerFrame {
    /// The client's correlation id, echoed on an `error`.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The room.
    pub room_id: String,
    /// Everything up to this seq.
    pub seq: u64,
}

/// A `typing` frame.
#[derive(Debug, Deserialize)]
pub struct TypingFrame {
    /// The client's correlation id, echoed on an `error`.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The room typed in.
    pub room_id: String,
}

/// A `resume` frame: the last rev the client saw in each room it knows.
#[derive(Debug, Deserialize)]
pub struct ResumeFrame {
    /// The client's correlation id, echoed on an `error`.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// Room id to last rev seen.
    pub rooms: std::collections::HashMap<String, u64>,
}

/// What a client may send.
#[derive(Debug)]
pub enum ClientFrame {
    /// Send a message.
    Send(SendFrame),
    /// Liveness check; answered with `pong`.
    Ping,
    /// Move the read marker forward.
    Read(MarkerFrame),
    /// Confirm delivery up to a seq (cumulative).
    Received(MarkerFrame),
    /// The user is typing.
    Typing(TypingFrame),
    /// Replay what changed since the given revs.
    Resume(ResumeFrame),
}

/// A frame the server could not take, as the `error` event will describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError {
    /// The `ref` of the frame, when it could be read.
    pub reference: Option<String>,
    /// Stable snake_case code.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl FrameError {
    fn new(reference: Option<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            reference,
            code,
            message: message.into(),
        }
    }
}

/// Parses one text frame.
pub fn parse_client_frame(text: &str) -> Result<ClientFrame, FrameError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| FrameError::new(None, "invalid_request", format!("malformed JSON: {e}")))?;
    let reference = value.get("ref").and_then(Value::as_str).map(str::to_owned);
    let Some(kind) = value.get("type").and_then(Value::as_str).map(str::to_owned) else {
        return Err(FrameError::new(
            reference,
            "invalid_request",
            "a frame needs a string `type`",
        ));
    };
    let kind = kind.as_str();
    match kind {
        "ping" => Ok(ClientFrame::Ping),
        "send" => decode(value, reference, kind, ClientFrame::Send),
        "read" => decode(value, reference, kind, ClientFrame::Read),
        "received" => decode(value, reference, kind, ClientFrame::Received),
        "typing" => decode(value, reference, kind, ClientFrame::Typing),
        "resume" => decode(value, reference, kind, ClientFrame::Resume),
        other => Err(FrameError::new(
            reference,
            "unknown_type",
            format!(
                "unknown frame type `{}`",
                other.chars().take(64).collect::<String>()
            ),
        )),
    }
}

fn decode<T: serde::de::DeserializeOwned>(
    value: Value,
    reference: Option<String>,
    kind: &str,
    wrap: impl FnOnce(T) -> ClientFrame,
) -> Result<ClientFrame, FrameError> {
    serde_json::from_value::<T>(value).map(wrap).map_err(|e| {
        FrameError::new(
            reference,
            "invalid_request",
            format!("bad {kind} frame: {e}"),
        )
    })
}

/// `{"type": "message", "message"}`, serialized once and shared by every recipient.
pub fn message_event(message: &MessageDto) -> Encoded {
    Encoded::from(json!({ "type": "message", "message": message }).to_string())
}

/// `{"type": "room_joined", "room"}`.
pub fn room_joined_event(room: &RoomDto) -> Encoded {
    Encoded::from(json!({ "type": "room_joined", "room": room }).to_string())
}

/// `{"type": "ack", "ref", "message"}`.
pub fn ack_event(reference: Option<&str>, message: &MessageDto) -> String {
    json!({ "type": "ack", "ref": reference, "message": message }).to_string()
}

/// `{"type": "error", "ref", "code", "message"}`.
pub fn error_event(error: &FrameError) -> String {
    json!({ "type": "error", "ref": error.reference, "code": error.code, "message": error.message })
        .to_string()
}

/// `{"type": "pong"}`.
pub fn pong_event() -> String {
    json!({ "type": "pong" }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_json_is_an_invalid_request() {
        let error = parse_client_frame("{not json").unwrap_err();
        assert_eq!(error.code, "invalid_request");
    }

    #[test]
    fn unknown_types_are_named_as_such_and_keep_the_ref() {
        let error = parse_client_frame(r#"{"type":"dance","ref":"r1"}"#).unwrap_err();
        assert_eq!(error.code, "unknown_type");
        assert_eq!(error.reference.as_deref(), Some("r1"));
    }

    #[test]
    fn a_send_without_body_is_an_invalid_request() {
        let error = parse_client_frame(r#"{"type":"send","ref":"r2","to":"x"}"#).unwrap_err();
        assert_eq!(error.code, "invalid_request");
        assert_eq!(error.reference.as_deref(), Some("r2"));
    }

    #[test]
    fn non_object_frames_are_invalid_requests() {
        for text in ["[]", "42", "\"send\"", "null"] {
            assert_eq!(
                parse_client_frame(text).unwrap_err().code,
                "invalid_request",
                "{text}"
            );
        }
    }

    #[test]
    fn receipts_typing_and_resume_parse_and_bad_ones_are_refused() {
        assert!(matches!(
            parse_client_frame(r#"{"type":"read","room_id":"r","seq":4}"#),
            Ok(ClientFrame::Read(MarkerFrame { seq: 4, .. }))
        ));
        assert!(matches!(
            parse_client_frame(r#"{"type":"received","room_id":"r","seq":2}"#),
            Ok(ClientFrame::Received(_))
        ));
        assert!(matches!(
            parse_client_frame(r#"{"type":"typing","room_id":"r"}"#),
            Ok(ClientFrame::Typing(_))
        ));
        let Ok(ClientFrame::Resume(resume)) =
            parse_client_frame(r#"{"type":"resume","rooms":{"a":3}}"#)
        else {
            panic!("expected a resume")
        };
        assert_eq!(resume.rooms.get("a"), Some(&3));
        assert_eq!(
            parse_client_frame(r#"{"type":"read","room_id":"r","seq":-1}"#)
                .unwrap_err()
                .code,
            "invalid_request"
        );
    }

    #[test]
    fn a_well_formed_send_parses() {
        let frame = parse_client_frame(
            r#"{"type":"send","ref":"r","room_id":"abc","body":"hi","client_msg_id":"c1"}"#,
        )
        .unwrap();
        let ClientFrame::Send(send) = frame else {
            panic!("expected a send")
        };
        assert_eq!(send.room_id.as_deref(), Some("abc"));
        assert_eq!(send.body, "hi");
        assert_eq!(send.reference.as_deref(), Some("r"));
    }
}

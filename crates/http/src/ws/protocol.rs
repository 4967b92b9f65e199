//! The WebSocket wire protocol: client frames in, server frames out, one JSON object per text
//! frame, each with a `type`.
//!
//! Parsing is two-step (the object's `type` and `ref` first, then the frame its `type` names)
//! so that every bad frame gets a precise `error` event instead of a dropped connection. Both
//! steps read the text itself, and events are written straight from their DTOs: a
//! `serde_json::Value` tree in between cost about a dozen allocations per frame and per event
//! on the path of every message (docs/benchmarks.md, tenth measurement).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
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
    // Only an object has a `type`; anything else is refused with the same words as one
    // without (serde would read an array's items as a struct's fields, in order).
    if !text.trim_start().starts_with('{') {
        return match serde_json::from_str::<Value>(text) {
            Ok(_) => Err(needs_type(None)),
            Err(e) => Err(malformed(&e)),
        };
    }
    let head: FrameHead<'_> = serde_json::from_str(text).map_err(|e| malformed(&e))?;
    let reference = head.reference.and_then(string).map(Cow::into_owned);
    let Some(kind) = head.kind.and_then(string) else {
        return Err(needs_type(reference));
    };
    match kind.as_ref() {
        "ping" => Ok(ClientFrame::Ping),
        "send" => decode(text, reference, "send", ClientFrame::Send),
        "read" => decode(text, reference, "read", ClientFrame::Read),
        "received" => decode(text, reference, "received", ClientFrame::Received),
        "typing" => decode(text, reference, "typing", ClientFrame::Typing),
        "resume" => decode(text, reference, "resume", ClientFrame::Resume),
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

/// The two members every frame is first read for, as raw JSON, borrowed from the text; any
/// other member is skipped without being built.
#[derive(Deserialize)]
struct FrameHead<'a> {
    #[serde(rename = "type", default, borrow)]
    kind: Option<&'a RawValue>,
    #[serde(rename = "ref", default, borrow)]
    reference: Option<&'a RawValue>,
}

/// `raw` as a string if it is one (borrowed unless it holds escapes), else `None`.
fn string(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    match serde_json::from_str::<&str>(text) {
        Ok(borrowed) => Some(Cow::Borrowed(borrowed)),
        Err(_) => serde_json::from_str::<String>(text).ok().map(Cow::Owned),
    }
}

fn malformed(error: &serde_json::Error) -> FrameError {
    FrameError::new(None, "invalid_request", format!("malformed JSON: {error}"))
}

fn needs_type(reference: Option<String>) -> FrameError {
    FrameError::new(
        reference,
        "invalid_request",
        "a frame needs a string `type`",
    )
}

fn decode<'a, T: Deserialize<'a>>(
    text: &'a str,
    reference: Option<String>,
    kind: &str,
    wrap: impl FnOnce(T) -> ClientFrame,
) -> Result<ClientFrame, FrameError> {
    serde_json::from_str::<T>(text).map(wrap).map_err(|e| {
        FrameError::new(
            reference,
            "invalid_request",
            format!("bad {kind} frame: {e}"),
        )
    })
}

/// `{"type": kind, "message": message}`: `message`, `message_edited` and `message_deleted`.
#[derive(Serialize)]
struct MessageEvent<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    message: &'a MessageDto,
}

/// `{"type": "ack", "ref", "message"}`.
#[derive(Serialize)]
struct AckEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "ref")]
    reference: Option<&'a str>,
    message: &'a MessageDto,
}

/// `{"type": "room_joined", "room"}`.
#[derive(Serialize)]
struct RoomJoinedEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    room: &'a RoomDto,
}

/// `event` as JSON text. The events here hold only strings, numbers, booleans and nulls, which
/// always serialize; should one ever fail, the client gets an `error` event, not a panic.
fn encode(event: &impl Serialize) -> String {
    serde_json::to_string(event).unwrap_or_else(|error| {
        tracing::error!(%error, "an event could not be serialized");
        json!({ "type": "error", "ref": null, "code": "internal", "message": "an event could not be encoded" })
            .to_string()
    })
}

/// `{"type": kind, "message"}` for a message change (`message_edited`, `message_deleted`, or a
/// replayed `message`).
pub fn change_event(kind: &str, message: &MessageDto) -> Encoded {
    Encoded::from(encode(&MessageEvent { kind, message }))
}

/// `{"type": "message", "message"}`, serialized once and shared by every recipient.
pub fn message_event(message: &MessageDto) -> Encoded {
    change_event("message", message)
}

/// `{"type": "room_joined", "room"}`.
pub fn room_joined_event(room: &RoomDto) -> Encoded {
    Encoded::from(encode(&RoomJoinedEvent {
        kind: "room_joined",
        room,
    }))
}

/// `{"type": "ack", "ref", "message"}`.
pub fn ack_event(reference: Option<&str>, message: &MessageDto) -> String {
    encode(&AckEvent {
        kind: "ack",
        reference,
        message,
    })
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
    fn the_type_and_ref_are_read_as_json_strings_and_only_as_strings() {
        let escaped = parse_client_frame(r#" {"ref":"r\u0031","type":"se\u006ed","body":"b"}"#);
        let Ok(ClientFrame::Send(send)) = escaped else {
            panic!("an escaped type is still `send`: {escaped:?}")
        };
        assert_eq!(send.reference.as_deref(), Some("r1"));
        let error = parse_client_frame(r#"{"type":"dance","ref":5}"#).unwrap_err();
        assert_eq!((error.code, error.reference), ("unknown_type", None));
        for text in [
            r#"{"type":5,"ref":"r"}"#,
            r#"{"type":null,"ref":"r"}"#,
            r#"{"ref":"r"}"#,
        ] {
            let error = parse_client_frame(text).unwrap_err();
            assert_eq!(error.code, "invalid_request", "{text}");
            assert_eq!(error.reference.as_deref(), Some("r"), "{text}");
            assert!(error.message.contains("string `type`"), "{text}: {error:?}");
        }
        // An array is not a frame, even one whose items would fill a frame's fields in order.
        let error = parse_client_frame(r#"["send", "r"]"#).unwrap_err();
        assert!(error.message.contains("string `type`"), "{error:?}");
    }

    fn dto() -> MessageDto {
        MessageDto {
            id: "m".into(),
            room_id: "r".into(),
            seq: 3,
            rev: 4,
            sender_id: "s".into(),
            body: Some("a \"quoted\" body".into()),
            client_msg_id: None,
            reply_to: Some("p".into()),
            reply_preview: None,
            created_at: chat_domain::Timestamp::from_unix_millis(1_700_000_000_000),
            edited_at: None,
            deleted: false,
        }
    }

    #[test]
    fn events_are_the_json_objects_the_protocol_names() {
        let message = dto();
        let parsed = |text: &str| serde_json::from_str::<Value>(text).unwrap();
        assert_eq!(
            parsed(&message_event(&message)),
            json!({ "type": "message", "message": message })
        );
        assert_eq!(
            parsed(&change_event("message_edited", &message)),
            json!({ "type": "message_edited", "message": message })
        );
        assert_eq!(
            parsed(&ack_event(Some("r-1"), &message)),
            json!({ "type": "ack", "ref": "r-1", "message": message })
        );
        assert_eq!(
            parsed(&ack_event(None, &message)),
            json!({ "type": "ack", "ref": null, "message": message })
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

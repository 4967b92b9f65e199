//! The few WebSocket frames the tool writes and the events it reads, cheaply.
//!
//! The tool shares the machine's cores with the server it measures, so its per-message work
//! is kept small: a `send` frame is written into a reused buffer, an incoming event is first
//! classified by its `type` with a substring search, and only the events that matter are
//! parsed, into borrowed fields (no `serde_json::Value` tree, no copied strings).
//!
//! Each message carries what the self-check and the latency need: its `client_msg_id` is
//! `s<sender index>-<number>` and its body starts with the send time in µs since the run's
//! start, so any recipient can tell who sent it, which one it is and how long it took.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde::Deserialize;

/// The `type` of a server event, as far as the tool cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ack`: a send was stored.
    Ack,
    /// `message`: a new message (live or replayed).
    Message,
    /// `error`: a frame was refused.
    Error,
    /// `resumed`: a replay is done.
    Resumed,
    /// `pong`: the answer to a `ping` frame.
    Pong,
    /// Anything else (`presence`, `room_joined`, ...), which the tool ignores.
    Other,
}

/// The `type` of the event in `text`, found without parsing the JSON. Only the top level of
/// an event has a `type` key (messages, rooms and invites have none), and the tool's own
/// bodies never contain one, so the first `"type":"` is the event's.
pub fn kind(text: &str) -> Kind {
    const KEY: &str = "\"type\":\"";
    let Some(at) = text.find(KEY) else {
        return Kind::Other;
    };
    let rest = &text[at + KEY.len()..];
    let name = rest.split('"').next().unwrap_or("");
    match name {
        "ack" => Kind::Ack,
        "message" => Kind::Message,
        "error" => Kind::Error,
        "resumed" => Kind::Resumed,
        "pong" => Kind::Pong,
        _ => Kind::Other,
    }
}

/// The parts of a `message` or `ack` event the tool reads.
#[derive(Debug, Deserialize)]
pub struct Carried<'a> {
    /// The message.
    #[serde(borrow)]
    pub message: WireMessage<'a>,
}

/// The parts of a message the tool reads.
#[derive(Debug, Deserialize)]
pub struct WireMessage<'a> {
    /// The room's change counter at it (what `resume` starts from).
    pub rev: u64,
    /// Its text (null once deleted).
    #[serde(borrow, default)]
    pub body: Option<Cow<'a, str>>,
    /// The sender's key, `s<index>-<number>` for the tool's own messages.
    #[serde(borrow, default)]
    pub client_msg_id: Option<Cow<'a, str>>,
}

/// An `error` event.
#[derive(Debug, Deserialize)]
pub struct WireError<'a> {
    /// The stable code.
    #[serde(borrow)]
    pub code: Cow<'a, str>,
    /// The `ref` of the refused frame, if it had one.
    #[serde(borrow, default, rename = "ref")]
    pub reference: Option<Cow<'a, str>>,
}

/// A `resumed` event: each room of the user with its rev when the replay began.
#[derive(Debug, Deserialize)]
pub struct WireResumed<'a> {
    /// Room id to rev.
    #[serde(borrow)]
    pub rooms: std::collections::HashMap<Cow<'a, str>, u64>,
}

/// Decodes a `client_msg_id` written by [`write_send`]: `(sender index, number)`.
pub fn parse_client_msg_id(id: &str) -> Option<(u32, u32)> {
    let (sender, number) = id.strip_prefix('s')?.split_once('-')?;
    Some((sender.parse().ok()?, number.parse().ok()?))
}

/// The send time (µs since the run's start) at the head of a body written by [`write_send`].
pub fn parse_sent_at(body: &str) -> Option<u64> {
    body.split(' ').next()?.parse().ok()
}

/// Writes into `out` (cleared first) a `send` frame into `room_id` for message `number` of
/// sender `sender`, sent at `sent_at_us`; the body (`<sent_at_us> b`) is padded with `x` to
/// `body_bytes` bytes when that is longer. `ref` is the number.
pub fn write_send(
    out: &mut String,
    room_id: &str,
    sender: u32,
    number: u32,
    sent_at_us: u64,
    body_bytes: usize,
) {
    out.clear();
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        "{{\"type\":\"send\",\"ref\":\"{number}\",\"room_id\":\"{room_id}\",\"client_msg_id\":\"s{sender}-{number}\",\"body\":\""
    );
    let body_start = out.len();
    let _ = write!(out, "{sent_at_us} b");
    while out.len() - body_start < body_bytes {
        out.push('x');
    }
    out.push_str("\"}");
}

/// Writes a `resume` frame naming one room and the last rev seen there.
pub fn write_resume(out: &mut String, room_id: &str, rev: u64) {
    out.clear();
    let _ = write!(
        out,
        "{{\"type\":\"resume\",\"rooms\":{{\"{room_id}\":{rev}}}}}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_reads_the_event_type_without_parsing() {
        assert_eq!(kind(r#"{"type":"ack","ref":"1","message":{}}"#), Kind::Ack);
        assert_eq!(
            kind(r#"{"message":{"seq":1},"type":"message"}"#),
            Kind::Message
        );
        assert_eq!(kind(r#"{"type":"error","ref":null}"#), Kind::Error);
        assert_eq!(kind(r#"{"type":"resumed","rooms":{}}"#), Kind::Resumed);
        assert_eq!(kind(r#"{"type":"pong"}"#), Kind::Pong);
        assert_eq!(kind(r#"{"type":"presence"}"#), Kind::Other);
        assert_eq!(kind("not json"), Kind::Other);
    }

    #[test]
    fn a_written_send_is_valid_json_that_round_trips() {
        let mut out = String::new();
        write_send(&mut out, "room-1", 17, 42, 123_456, 64);
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(value["type"], "send");
        assert_eq!(value["ref"], "42");
        assert_eq!(value["room_id"], "room-1");
        let id = value["client_msg_id"].as_str().expect("client_msg_id");
        assert_eq!(parse_client_msg_id(id), Some((17, 42)));
        let body = value["body"].as_str().expect("body");
        assert_eq!(parse_sent_at(body), Some(123_456));
        assert_eq!(body.len(), 64, "padded body {body:?}");
    }

    #[test]
    fn foreign_client_msg_ids_are_not_the_tools() {
        assert_eq!(parse_client_msg_id("c-1"), None);
        assert_eq!(parse_client_msg_id("s1"), None);
        assert_eq!(parse_client_msg_id("sx-1"), None);
        assert_eq!(parse_client_msg_id("s3-9"), Some((3, 9)));
    }

    #[test]
    fn a_message_event_parses_into_borrowed_fields() {
        let text = r#"{"type":"message","message":{"id":"m","room_id":"r","seq":3,"rev":5,
            "sender_id":"u","body":"99 bxx","client_msg_id":"s1-2","reply_to":null,
            "created_at":"2025-01-01T12:00:00.123Z","edited_at":null,"deleted":false}}"#;
        let event: Carried<'_> = serde_json::from_str(text).expect("parses");
        assert_eq!(event.message.rev, 5);
        assert_eq!(
            event.message.body.as_deref().and_then(parse_sent_at),
            Some(99)
        );
        assert_eq!(
            event
                .message
                .client_msg_id
                .as_deref()
                .and_then(parse_client_msg_id),
            Some((1, 2))
        );
    }

    #[test]
    fn a_resumed_event_gives_each_rooms_rev() {
        let text = r#"{"type":"resumed","rooms":{"r1":48,"r2":7},"left":[]}"#;
        let event: WireResumed<'_> = serde_json::from_str(text).expect("parses");
        assert_eq!(event.rooms.get("r1"), Some(&48));
    }

    #[test]
    fn a_resume_frame_names_the_room_and_rev() {
        let mut out = String::new();
        write_resume(&mut out, "r1", 41);
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(value["type"], "resume");
        assert_eq!(value["rooms"]["r1"], 41);
    }
}

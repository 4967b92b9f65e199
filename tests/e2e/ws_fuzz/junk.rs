//! The junk the fuzzer sends, as proptest strategies, and what each piece must be answered with.
//!
//! Every text frame that can carry a `ref` gets a fresh one, so its `error` can be matched to
//! it exactly; what cannot carry one (malformed JSON, binary) is counted instead.

use proptest::prelude::*;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::support::{fragments, UNKNOWN_ID};

/// The ids a case needs to build frames that are well formed but wrong.
#[derive(Debug, Clone)]
pub struct Ids {
    /// The fuzzer's own user id.
    pub me: String,
    /// The fuzzer's private room with the observer.
    pub own_room: String,
    /// A room the fuzzer is not in (the bystander's with the observer).
    pub foreign_room: String,
}

/// One piece of junk, rendered per case once its `ref` and the ids are known.
#[derive(Debug, Clone)]
pub enum Junk {
    /// Any text that is not a JSON object.
    Text(String),
    /// A valid frame cut short at a byte offset (on a char boundary).
    Truncated(Wrong, usize),
    /// A binary frame.
    Binary(Vec<u8>),
    /// JSON nested `depth` deep, bare or as a send's body.
    Nested { depth: usize, in_send: bool },
    /// A well-formed frame that the server must refuse with its `ref`.
    Wrong(Wrong),
    /// A `read` or `received` in the fuzzer's own room far beyond its last message.
    MarkerBeyondTheEnd { read: bool, seq: u64 },
    /// A `resume` with cursors that are bogus, foreign or out of range.
    Resume {
        own_rev: u64,
        junk_keys: Vec<String>,
    },
    /// `{"type":"ping"}`, this many times.
    PingFlood(usize),
    /// Protocol-level pings (payload up to 125 bytes), this many.
    WsPingFlood(usize, Vec<u8>),
    /// An unsolicited protocol-level pong.
    WsPong(Vec<u8>),
    /// A piece of junk sent as a fragmented message, cut at these offsets.
    Fragmented(Wrong, Vec<usize>),
}

/// Well-formed JSON frames that are wrong in one way each; all answered `error` with the ref.
#[derive(Debug, Clone)]
pub enum Wrong {
    UnknownType(String),
    TypeNotAString(Value),
    FieldOfWrongType {
        kind: &'static str,
        field: &'static str,
        value: Value,
    },
    MarkerInForeignRoom {
        kind: &'static str,
        room: Target,
        seq: u64,
    },
    TypingInForeignRoom(Target),
    SendTo {
        target: SendTarget,
        body: String,
    },
    BadBody(String),
    BadClientMsgId(String),
    BogusReplyTo(String),
}

/// A room the fuzzer is not in, by kind.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Foreign,
    Unknown,
    NotAnId,
}

/// Where a refused send goes.
#[derive(Debug, Clone, Copy)]
pub enum SendTarget {
    ForeignRoom,
    UnknownUser,
    Myself,
    Both,
    Neither,
}

/// What a piece of junk must be answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// One `error` with this ref.
    Error(String),
    /// One `error` with `"ref": null`.
    Anonymous,
    /// This many `pong` events.
    Pongs(usize),
    /// One `resumed`, or one `error` with this ref (a resume already running).
    Resumed(String),
    /// Nothing addressed to it (protocol pongs are answered below the JSON layer).
    Nothing,
}

impl Target {
    fn id(self, ids: &Ids) -> String {
        match self {
            Self::Foreign => ids.foreign_room.clone(),
            Self::Unknown => UNKNOWN_ID.to_owned(),
            Self::NotAnId => "../../etc/passwd".to_owned(),
        }
    }
}

impl Wrong {
    /// The frame as JSON, with `reference` as its ref.
    pub fn render(&self, reference: &str, ids: &Ids) -> Value {
        let send = |extra: Value| {
            let mut frame = json!({"type": "send", "ref": reference, "room_id": ids.own_room});
            merge(&mut frame, extra);
            frame
        };
        match self {
            Self::UnknownType(kind) => json!({"type": kind, "ref": reference}),
            Self::TypeNotAString(kind) => json!({"type": kind, "ref": reference}),
            Self::FieldOfWrongType { kind, field, value } => {
                let mut frame = match *kind {
                    "send" => json!({"type": "send", "to": ids.me, "body": "b"}),
                    "typing" => json!({"type": "typing", "room_id": ids.own_room}),
                    "resume" => json!({"type": "resume", "rooms": {}}),
                    marker => json!({"type": marker, "room_id": ids.own_room, "seq": 1}),
                };
                frame["ref"] = reference.into();
                frame[*field] = value.clone();
                frame
            }
            Self::MarkerInForeignRoom { kind, room, seq } => {
                json!({"type": kind, "ref": reference, "room_id": room.id(ids), "seq": seq})
            }
            Self::TypingInForeignRoom(room) => {
                json!({"type": "typing", "ref": reference, "room_id": room.id(ids)})
            }
            Self::SendTo { target, body } => {
                let mut frame = json!({"type": "send", "ref": reference, "body": body});
                match target {
                    SendTarget::ForeignRoom => frame["room_id"] = ids.foreign_room.clone().into(),
                    SendTarget::UnknownUser => frame["to"] = UNKNOWN_ID.into(),
                    SendTarget::Myself => frame["to"] = ids.me.clone().into(),
                    SendTarget::Both => {
                        frame["to"] = UNKNOWN_ID.into();
                        frame["room_id"] = ids.own_room.clone().into();
                    }
                    SendTarget::Neither => {}
                }
                frame
            }
            Self::BadBody(body) => send(json!({"body": body})),
            Self::BadClientMsgId(id) => send(json!({"body": "ok", "client_msg_id": id})),
            Self::BogusReplyTo(reply_to) => send(json!({"body": "ok", "reply_to": reply_to})),
        }
    }
}

fn merge(frame: &mut Value, extra: Value) {
    if let (Some(frame), Value::Object(extra)) = (frame.as_object_mut(), extra) {
        frame.extend(extra);
    }
}

impl Junk {
    /// The WebSocket messages to send, and what they must be answered with.
    pub fn render(&self, reference: &str, ids: &Ids) -> (Vec<Message>, Answer) {
        let text = |t: String| vec![Message::text(t)];
        match self {
            Self::Text(t) => (text(t.clone()), Answer::Anonymous),
            Self::Truncated(wrong, at) => {
                let full = wrong.render(reference, ids).to_string();
                let cut = floor_char_boundary(&full, at % full.len());
                (text(full[..cut].to_owned()), Answer::Anonymous)
            }
            Self::Binary(bytes) => (vec![Message::binary(bytes.clone())], Answer::Anonymous),
            Self::Nested { depth, in_send } => {
                let nested = format!("{}{}", "[".repeat(*depth), "]".repeat(*depth));
                if *in_send {
                    // The first step skips the body without building it, so the ref is read;
                    // the second refuses the body at its first bracket (not a string).
                    let frame = format!(
                        r#"{{"type":"send","ref":"{reference}","to":"{}","body":{nested}}}"#,
                        ids.me
                    );
                    (text(frame), Answer::Error(reference.to_owned()))
                } else {
                    // Not an object, and past serde_json's depth limit: malformed, no ref.
                    (text(nested), Answer::Anonymous)
                }
            }
            Self::Wrong(wrong) => (
                text(wrong.render(reference, ids).to_string()),
                Answer::Error(reference.to_owned()),
            ),
            Self::MarkerBeyondTheEnd { read, seq } => {
                let kind = if *read { "read" } else { "received" };
                let frame =
                    json!({"type": kind, "ref": reference, "room_id": ids.own_room, "seq": seq});
                (text(frame.to_string()), Answer::Nothing)
            }
            Self::Resume { own_rev, junk_keys } => {
                let mut rooms = serde_json::Map::new();
                rooms.insert(ids.own_room.clone(), json!(own_rev));
                rooms.insert(ids.foreign_room.clone(), json!(0));
                rooms.insert(UNKNOWN_ID.to_owned(), json!(u64::MAX));
                for key in junk_keys {
                    rooms.insert(key.clone(), json!(1));
                }
                let frame = json!({"type": "resume", "ref": reference, "rooms": rooms});
                (
                    text(frame.to_string()),
                    Answer::Resumed(reference.to_owned()),
                )
            }
            Self::PingFlood(n) => (
                (0..*n)
                    .map(|_| Message::text(r#"{"type":"ping"}"#))
                    .collect(),
                Answer::Pongs(*n),
            ),
            Self::WsPingFlood(n, payload) => (
                (0..*n)
                    .map(|_| Message::Ping(Bytes::from(payload.clone())))
                    .collect(),
                Answer::Nothing,
            ),
            Self::WsPong(payload) => (
                vec![Message::Pong(Bytes::from(payload.clone()))],
                Answer::Nothing,
            ),
            Self::Fragmented(wrong, cuts) => {
                let full = wrong.render(reference, ids).to_string();
                (fragments(&full, cuts), Answer::Error(reference.to_owned()))
            }
        }
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Text that is not a JSON object (so it cannot be a frame), from any Unicode.
fn not_an_object() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just("\u{feff}{\"type\":\"ping\"}".to_owned()),
        Just("{\"type\":\"ping\"".to_owned()),
        Just("\"\\ud800\"".to_owned()),
        Just("null".to_owned()),
        Just("[{\"type\":\"ping\"}]".to_owned()),
    ]
    .prop_filter("not a JSON object", |t| {
        !serde_json::from_str::<Value>(t).is_ok_and(|v| v.is_object())
    })
}

fn wrong_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(json!([])),
        Just(json!({})),
        Just(json!(-1)),
        Just(json!(0.5)),
        Just(json!(18_446_744_073_709_551_615.0_f64 * 2.0)),
        Just(json!("7")),
    ]
}

fn wrong_field() -> impl Strategy<Value = Wrong> {
    let field = prop_oneof![
        Just(("send", "body")),
        Just(("send", "to")),
        Just(("send", "ref")),
        Just(("read", "seq")),
        Just(("received", "seq")),
        Just(("read", "room_id")),
        Just(("typing", "room_id")),
        Just(("resume", "rooms")),
    ];
    (field, wrong_value())
        // A string is the right type for every field but `seq` and `rooms`; a `ref` that
        // is not a string cannot be echoed, so that case keeps `ref` right and breaks `to`.
        .prop_filter("a wrong type", |((_, field), value)| {
            let right_string = value.is_string() && !matches!(*field, "seq" | "rooms");
            let right_map = *field == "rooms" && value == &json!({});
            !(right_string || right_map)
        })
        .prop_map(|((kind, field), value)| {
            let field = if field == "ref" { "to" } else { field };
            Wrong::FieldOfWrongType { kind, field, value }
        })
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        Just(Target::Foreign),
        Just(Target::Unknown),
        Just(Target::NotAnId)
    ]
}

/// Bodies the server must refuse: blank, longer than 4000 characters (but inside a frame), or
/// with a NUL, which PostgreSQL cannot store (it was a 503 and a retried job there).
fn bad_body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,10}\u{0}\\PC{0,10}",
        Just(" \t\n\u{3000}\u{2029} ".to_owned()),
        (4001usize..60_000).prop_map(|n| "x".repeat(n)),
        (4001usize..20_000).prop_map(|n| "語".repeat(n)),
    ]
}

fn wrong() -> impl Strategy<Value = Wrong> {
    prop_oneof![
        "[a-z_]{0,12}"
            .prop_filter("unknown", |t| {
                !["send", "ping", "read", "received", "typing", "resume"].contains(&t.as_str())
            })
            .prop_map(Wrong::UnknownType),
        prop_oneof![Just(json!(42)), Just(Value::Null), Just(json!(["send"]))]
            .prop_map(Wrong::TypeNotAString),
        wrong_field(),
        (
            prop_oneof![Just("read"), Just("received")],
            target(),
            any::<u64>()
        )
            .prop_map(|(kind, room, seq)| Wrong::MarkerInForeignRoom { kind, room, seq }),
        target().prop_map(Wrong::TypingInForeignRoom),
        (
            prop_oneof![
                Just(SendTarget::ForeignRoom),
                Just(SendTarget::UnknownUser),
                Just(SendTarget::Myself),
                Just(SendTarget::Both),
                Just(SendTarget::Neither),
            ],
            "\\PC{1,40}".prop_filter("not blank", |b| !b.trim().is_empty()),
        )
            .prop_map(|(target, body)| Wrong::SendTo { target, body }),
        bad_body().prop_map(Wrong::BadBody),
        prop_oneof![
            Just(String::new()),
            Just("a\u{0}b".to_owned()),
            Just("tab\there".to_owned()),
            Just("x".repeat(65)),
        ]
        .prop_map(Wrong::BadClientMsgId),
        prop_oneof![Just(UNKNOWN_ID.to_owned()), Just("not-an-id".to_owned())]
            .prop_map(Wrong::BogusReplyTo),
    ]
}

/// Any piece of junk.
pub fn junk() -> impl Strategy<Value = Junk> {
    prop_oneof![
        3 => not_an_object().prop_map(Junk::Text),
        2 => (wrong(), any::<usize>()).prop_map(|(w, at)| Junk::Truncated(w, at)),
        1 => prop::collection::vec(any::<u8>(), 0..256).prop_map(Junk::Binary),
        1 => (129usize..10_001, any::<bool>())
            .prop_map(|(depth, in_send)| Junk::Nested { depth, in_send }),
        6 => wrong().prop_map(Junk::Wrong),
        1 => (any::<bool>(), prop_oneof![Just(u64::MAX), 1_000u64..1_000_000_000_000])
            .prop_map(|(read, seq)| Junk::MarkerBeyondTheEnd { read, seq }),
        1 => (
            prop_oneof![Just(0u64), Just(u64::MAX), any::<u64>()],
            prop::collection::vec("\\PC{0,20}", 0..20),
        )
            .prop_map(|(own_rev, junk_keys)| Junk::Resume { own_rev, junk_keys }),
        1 => (1usize..40).prop_map(Junk::PingFlood),
        1 => (1usize..150, prop::collection::vec(any::<u8>(), 0..=125))
            .prop_map(|(n, payload)| Junk::WsPingFlood(n, payload)),
        1 => prop::collection::vec(any::<u8>(), 0..=125).prop_map(Junk::WsPong),
        2 => (wrong(), prop::collection::vec(any::<usize>(), 1..5))
            .prop_map(|(w, cuts)| Junk::Fragmented(w, cuts)),
    ]
}

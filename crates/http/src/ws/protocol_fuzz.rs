//! Fuzzing the frame parser in process: random text, random JSON, truncated, deeply nested and
//! mistyped frames, thousands of cases a run, each of which must come back as a frame or as a
//! precise [`FrameError`], never a panic.
//!
//! A coverage-guided target (cargo-fuzz, libFuzzer) would need a nightly toolchain, and only
//! stable Rust is installed here, so this is property-based fuzzing with proptest. The same
//! frames go to the real server in `tests/e2e/ws_fuzz.rs`.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::protocol::{error_event, parse_client_frame, ClientFrame};

const TYPES: [&str; 7] = [
    "send", "ping", "read", "received", "typing", "resume", "dance",
];
const FIELDS: [&str; 9] = [
    "type",
    "ref",
    "to",
    "room_id",
    "body",
    "client_msg_id",
    "reply_to",
    "seq",
    "rooms",
];

/// Any JSON value, a few levels deep, with the protocol's field names over-represented.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        any::<String>().prop_map(Value::String),
        prop::sample::select(TYPES.to_vec()).prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(FIELDS.to_vec()).prop_map(str::to_owned),
        1 => any::<String>(),
    ]
}

/// An object with a `type` the server knows (or not) and fields of any type.
fn frame_like() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(TYPES.to_vec()),
        prop::option::of(any::<String>()),
        prop::collection::vec((key(), json_value()), 0..6),
    )
        .prop_map(|(kind, reference, fields)| {
            let mut object: Map<String, Value> = fields.into_iter().collect();
            object.insert("type".into(), kind.into());
            if let Some(reference) = reference {
                object.insert("ref".into(), reference.into());
            }
            Value::Object(object)
        })
}

/// The checks every outcome must pass: a frame of the `type` asked for, or an error with a
/// known code, a message, the frame's string `ref` when it had one, and a valid `error` event.
fn check(text: &str) -> Result<(), TestCaseError> {
    let parsed: Option<Value> = serde_json::from_str(text).ok();
    let kind = parsed
        .as_ref()
        .and_then(|v| v.get("type"))
        .and_then(Value::as_str);
    match parse_client_frame(text) {
        Ok(frame) => {
            let expected = match frame {
                ClientFrame::Send(_) => "send",
                ClientFrame::Ping => "ping",
                ClientFrame::Read(_) => "read",
                ClientFrame::Received(_) => "received",
                ClientFrame::Typing(_) => "typing",
                ClientFrame::Resume(_) => "resume",
            };
            prop_assert_eq!(kind, Some(expected));
        }
        Err(error) => {
            prop_assert!(["invalid_request", "unknown_type"].contains(&error.code));
            prop_assert!(!error.message.is_empty());
            let reference = parsed
                .as_ref()
                .and_then(|v| v.get("ref"))
                .and_then(Value::as_str);
            prop_assert_eq!(error.reference.as_deref(), reference);
            let event: Value = serde_json::from_str(&error_event(&error)).expect("valid JSON");
            prop_assert_eq!(&event["type"], "error");
            prop_assert_eq!(&event["code"], error.code);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_text_is_a_frame_or_a_precise_error(text in any::<String>()) {
        check(&text)?;
    }

    #[test]
    fn any_bytes_read_as_text_are_a_frame_or_a_precise_error(
        bytes in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn any_json_is_a_frame_or_a_precise_error(value in json_value()) {
        check(&value.to_string())?;
    }

    #[test]
    fn frames_with_fields_of_any_type_are_a_frame_or_a_precise_error(value in frame_like()) {
        check(&value.to_string())?;
    }

    #[test]
    fn every_truncation_of_a_frame_is_an_invalid_request(value in frame_like(), cut in any::<prop::sample::Index>()) {
        let text = value.to_string();
        let boundaries: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        let at = boundaries[cut.index(boundaries.len())];
        let error = parse_client_frame(&text[..at]).expect_err("a strict prefix of an object");
        prop_assert_eq!(error.code, "invalid_request");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn markers_with_out_of_range_seqs_are_refused_with_their_ref(
        kind in prop::sample::select(vec!["read", "received"]),
        seq in prop_oneof![
            Just("-1".to_owned()),
            Just("18446744073709551616".to_owned()),
            Just("0.5".to_owned()),
            Just("\"7\"".to_owned()),
            Just("null".to_owned()),
            any::<i64>().prop_filter("negative", |n| *n < 0).prop_map(|n| n.to_string()),
        ],
    ) {
        let text = format!(r#"{{"type":"{kind}","ref":"m","room_id":"r","seq":{seq}}}"#);
        let error = parse_client_frame(&text).expect_err("seq out of range");
        prop_assert_eq!(error.code, "invalid_request");
        prop_assert_eq!(error.reference.as_deref(), Some("m"));
    }
}

#[test]
fn a_number_beyond_f64_is_refused_and_the_ref_kept() {
    // serde_json refuses `1e400` only when it reads it as a number: the first step skips it,
    // so the error names the frame's `ref`.
    let error = parse_client_frame(r#"{"type":"read","ref":"m","room_id":"r","seq":1e400}"#)
        .expect_err("out of range");
    assert_eq!(
        (error.code, error.reference.as_deref()),
        ("invalid_request", Some("m"))
    );
    assert!(error.message.starts_with("bad read frame"), "{error:?}");
}

#[test]
fn json_nested_ten_thousand_deep_is_an_invalid_request_not_a_stack_overflow() {
    let depth = 10_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    let in_a_send = format!(
        r#"{{"type":"send","ref":"deep","to":"x","body":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    for text in [arrays, objects, in_a_send] {
        let error = parse_client_frame(&text).expect_err("too deep");
        assert_eq!(error.code, "invalid_request");
    }
}

#[test]
fn errors_of_well_formed_receipts_typing_and_resume_keep_the_ref() {
    // These parse; their `ref` rides along so the reader can echo it on a refusal.
    for text in [
        json!({"type": "read", "ref": "a", "room_id": "r", "seq": 1}),
        json!({"type": "received", "ref": "a", "room_id": "r", "seq": 1}),
        json!({"type": "typing", "ref": "a", "room_id": "r"}),
        json!({"type": "resume", "ref": "a", "rooms": {}}),
    ] {
        let reference = match parse_client_frame(&text.to_string()).expect("well formed") {
            ClientFrame::Read(f) | ClientFrame::Received(f) => f.reference,
            ClientFrame::Typing(f) => f.reference,
            ClientFrame::Resume(f) => f.reference,
            other => panic!("unexpected {other:?}"),
        };
        assert_eq!(reference.as_deref(), Some("a"), "{text}");
    }
}

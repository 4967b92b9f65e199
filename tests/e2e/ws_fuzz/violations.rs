//! What must close a connection, with which code, and only that connection; and the
//! regressions of the bugs the fuzzing found:
//! - a header announcing a huge frame made the server buffer the whole announced length
//!   before refusing it (now 1009 from the header);
//! - a fragmented message over the limit closed with 1002 instead of 1009;
//! - text that is not UTF-8 closed with 1002 instead of 1007;
//! - errors of `read`, `received`, `typing` and `resume` frames dropped their `ref`;
//! - a body with a NUL character was a 503 (and a job retried in vain) on PostgreSQL, which
//!   cannot store U+0000 in text; it is now `invalid_body` on every store.

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::{Bytes, Message};

use crate::support::{
    client_frame, client_header, spawn_app, TestApp, TestUser, WsClient, CONTINUATION,
    EVENT_TIMEOUT, RESERVED, TEXT, UNKNOWN_ID,
};

/// `CHAT_MAX_WS_FRAME_BYTES` by default.
const LIMIT: usize = 64 * 1024;

/// A `send` frame to `to` of exactly `len` bytes (its body is padding, far over 4000 chars).
fn send_of_len(reference: &str, to: &str, len: usize) -> String {
    let empty = json!({"type": "send", "ref": reference, "to": to, "body": ""}).to_string();
    let body = "x".repeat(len - empty.len());
    let frame = json!({"type": "send", "ref": reference, "to": to, "body": body}).to_string();
    assert_eq!(frame.len(), len);
    frame
}

/// Alice's connection, which the test abuses, and Bob's, which must not notice.
async fn two_connections(app: &TestApp) -> (TestUser, WsClient, TestUser, WsClient) {
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    alice_ws.ping_pong().await;
    bob_ws.ping_pong().await;
    (alice, alice_ws, bob, bob_ws)
}

/// Bob still gets what is sent to him, and the server never panicked.
async fn bob_did_not_notice(
    app: &TestApp,
    alice: &TestUser,
    bob: &TestUser,
    bob_ws: &mut WsClient,
) {
    let (_, message) = app.send_private(alice, bob, "still there?").await;
    let live = bob_ws.wait_for_message(&message["id"], EVENT_TIMEOUT).await;
    assert!(live.is_some(), "bob missed a message");
    assert!(!app.logs().contains("panicked"), "{}", app.logs());
}

async fn expect_close_code(ws: &mut WsClient, code: u16, what: &str) {
    let (got, before) = ws.expect_close(EVENT_TIMEOUT).await;
    assert_eq!(
        got,
        Some(code),
        "{what} (events before the close: {before:?})"
    );
}

#[tokio::test]
async fn a_frame_of_exactly_the_limit_is_answered_and_one_byte_more_closes_with_1009() {
    let app = spawn_app().await;
    let (alice, mut alice_ws, bob, mut bob_ws) = two_connections(&app).await;

    alice_ws
        .send_text(&send_of_len("at-limit", &bob.id, LIMIT))
        .await;
    let error = alice_ws.answer_to("at-limit", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "invalid_body", "{error}");
    alice_ws.ping_pong().await;

    alice_ws
        .send_text_lossy(&send_of_len("over", &bob.id, LIMIT + 1))
        .await;
    expect_close_code(&mut alice_ws, 1009, "one byte over the limit").await;
    bob_did_not_notice(&app, &alice, &bob, &mut bob_ws).await;
}

#[tokio::test]
async fn a_header_announcing_a_gigabyte_closes_with_1009_before_the_payload_arrives() {
    let app = spawn_app().await;
    let (alice, mut alice_ws, bob, mut bob_ws) = two_connections(&app).await;

    // The header and 1 KiB of the gigabyte it announces; the rest never comes.
    let (mut bytes, _) = client_header(true, TEXT, 1 << 30);
    bytes.extend(std::iter::repeat_n(b'x', 1024));
    alice_ws.send_raw(&bytes).await;
    expect_close_code(&mut alice_ws, 1009, "a gigabyte announced").await;
    bob_did_not_notice(&app, &alice, &bob, &mut bob_ws).await;
}

#[tokio::test]
async fn a_fragmented_message_is_limited_as_a_whole_with_1009() {
    let app = spawn_app().await;
    let (alice, mut alice_ws, bob, mut bob_ws) = two_connections(&app).await;

    // Under the limit in three fragments, with a ping between them: an ordinary frame.
    let text = send_of_len("in-pieces", &bob.id, LIMIT - 100);
    let (a, rest) = text.as_bytes().split_at(20_000);
    let (b, c) = rest.split_at(20_000);
    let piece =
        |bytes: &[u8], opcode, fin| Message::Frame(Frame::message(bytes.to_vec(), opcode, fin));
    alice_ws
        .send_message(piece(a, OpCode::Data(Data::Text), false))
        .await;
    alice_ws
        .send_message(Message::Ping(Bytes::from_static(b"between")))
        .await;
    alice_ws
        .send_message(piece(b, OpCode::Data(Data::Continue), false))
        .await;
    alice_ws
        .send_message(piece(c, OpCode::Data(Data::Continue), true))
        .await;
    let error = alice_ws.answer_to("in-pieces", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "invalid_body", "{error}");
    alice_ws.ping_pong().await;

    // Two fragments of 40 000 bytes: each under the limit, together over it.
    let half = vec![b' '; 40_000];
    alice_ws.send_raw(&client_frame(false, TEXT, &half)).await;
    alice_ws
        .send_raw(&client_frame(true, CONTINUATION, &half))
        .await;
    expect_close_code(&mut alice_ws, 1009, "fragments over the limit together").await;
    bob_did_not_notice(&app, &alice, &bob, &mut bob_ws).await;
}

#[tokio::test]
async fn text_that_is_not_utf8_closes_with_1007() {
    let app = spawn_app().await;
    let (alice, mut alice_ws, bob, mut bob_ws) = two_connections(&app).await;

    alice_ws
        .send_raw(&client_frame(true, TEXT, b"{\"type\":\"ping\"}\xff\xfe"))
        .await;
    expect_close_code(&mut alice_ws, 1007, "invalid UTF-8").await;

    // Also when the bad byte sequence is split across fragments.
    let mut again = app.ws_connect(&alice.access_token).await;
    again
        .send_raw(&client_frame(false, TEXT, b"\"\xe2\x82"))
        .await;
    again
        .send_raw(&client_frame(true, CONTINUATION, b"\""))
        .await;
    expect_close_code(&mut again, 1007, "invalid UTF-8 in fragments").await;
    bob_did_not_notice(&app, &alice, &bob, &mut bob_ws).await;
}

#[tokio::test]
async fn broken_framing_closes_with_1002() {
    let app = spawn_app().await;
    let (alice, mut alice_ws, bob, mut bob_ws) = two_connections(&app).await;

    let broken: [(&str, Vec<u8>); 3] = [
        (
            "a continuation with nothing to continue",
            client_frame(true, CONTINUATION, b"{}"),
        ),
        ("a reserved opcode", client_frame(true, RESERVED, b"{}")),
        ("a new message inside a fragmented one", {
            let mut bytes = client_frame(false, TEXT, b"{\"type\":");
            bytes.extend(client_frame(true, TEXT, b"{\"type\":\"ping\"}"));
            bytes
        }),
    ];
    for (what, bytes) in broken {
        alice_ws.send_raw(&bytes).await;
        expect_close_code(&mut alice_ws, 1002, what).await;
        alice_ws = app.ws_connect(&alice.access_token).await;
        alice_ws.ping_pong().await;
    }
    bob_did_not_notice(&app, &alice, &bob, &mut bob_ws).await;
}

#[tokio::test]
async fn errors_of_receipts_typing_and_resume_echo_their_ref() {
    let app = spawn_app().await;
    let (alice, mut alice_ws, bob, mut bob_ws) = two_connections(&app).await;
    let (theirs, _) = app
        .send_private(&bob, &app.register_and_login("carol").await, "x")
        .await;

    let frames: [Value; 5] = [
        json!({"type": "read", "ref": "r1", "room_id": theirs["id"], "seq": 1}),
        json!({"type": "received", "ref": "r2", "room_id": UNKNOWN_ID, "seq": 1}),
        json!({"type": "typing", "ref": "r3", "room_id": theirs["id"]}),
        json!({"type": "typing", "ref": "r4", "room_id": "not an id"}),
        json!({"type": "read", "ref": "r5", "room_id": theirs["id"], "seq": -1}),
    ];
    for frame in &frames {
        alice_ws.send_json(frame).await;
    }
    let answers = alice_ws
        .answers_to(&["r1", "r2", "r3", "r4", "r5"], EVENT_TIMEOUT)
        .await;
    let codes: Vec<&Value> = answers.iter().map(|a| &a["code"]).collect();
    assert_eq!(
        codes,
        [
            "room_not_found",
            "room_not_found",
            "room_not_found",
            "room_not_found",
            "invalid_request"
        ]
    );
    alice_ws.ping_pong().await;
    bob_did_not_notice(&app, &alice, &bob, &mut bob_ws).await;
}

#[tokio::test]
async fn a_body_with_a_nul_character_is_an_invalid_body_over_websocket_and_http() {
    let app = spawn_app().await;
    let (alice, mut alice_ws, bob, mut bob_ws) = two_connections(&app).await;

    alice_ws.send_to_user("nul", &bob.id, "a\u{0}b").await;
    let error = alice_ws.answer_to("nul", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "invalid_body", "{error}");
    let http = app
        .try_send_private(&alice, &bob.id, &json!({"body": "\u{0}"}))
        .await;
    assert_eq!(http.status, 400);
    assert_eq!(http.body["error"]["code"], "invalid_body");
    assert!(app.rooms(&alice).await.is_empty(), "nothing was stored");
    bob_did_not_notice(&app, &alice, &bob, &mut bob_ws).await;
}

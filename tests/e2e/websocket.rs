//! The WebSocket gateway: ping/pong, rooms joined after connecting, and per-connection delivery
//! that is exactly once and in seq order.

use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::{spawn_app, WsClient, EVENT_TIMEOUT, QUIET};

#[tokio::test]
async fn ping_gets_pong() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let mut ws = app.ws_connect(&alice.access_token).await;

    for _ in 0..3 {
        ws.send_json(&json!({"type": "ping"})).await;
        let pong = ws.expect_event("pong", EVENT_TIMEOUT).await;
        assert_eq!(pong, json!({"type": "pong"}));
    }
    ws.expect_no_event(QUIET).await;
}

/// A WebSocket ping (the control frame, not the JSON one) is answered with its payload, also
/// while events flow; the writer writes the pong, in line with them.
#[tokio::test]
async fn a_websocket_ping_gets_its_pong_while_events_flow() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut ws = app.ws_connect(&alice.access_token).await;
    // The acks and echoes of the sends may come before or after each pong; `control_ping`
    // skips them and waits for the pong carrying its own payload.
    for i in 0..3 {
        ws.send_to_user(&format!("m{i}"), &bob.id, "hello").await;
        ws.control_ping(format!("ping {i}").as_bytes()).await;
    }
}

#[tokio::test]
async fn a_client_closing_cleanly_gets_1000_back_not_a_server_going_away() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let mut ws = app.ws_connect(&alice.access_token).await;
    ws.ping_pong().await;
    assert_eq!(ws.close_with(1000).await, Some(1000));
    let mut other = app.ws_connect(&alice.access_token).await;
    assert_eq!(other.close_with(4000).await, Some(1000));
}

#[tokio::test]
async fn a_connection_receives_rooms_joined_after_it_connected() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    // Bob connects before he is in any room.
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    let (with_alice, from_alice) = app.send_private(&alice, &bob, "new room 1").await;
    let (with_carol, from_carol) = app.send_private(&carol, &bob, "new room 2").await;

    for (room, message) in [(&with_alice, &from_alice), (&with_carol, &from_carol)] {
        let joined = bob_ws.expect_event("room_joined", EVENT_TIMEOUT).await;
        assert_eq!(joined["room"]["id"], room["id"]);
        let live = bob_ws.expect_event("message", EVENT_TIMEOUT).await;
        assert_eq!(live["message"]["id"], message["id"]);
    }
    // Both rooms keep flowing on the same connection.
    app.send_private(&alice, &bob, "again").await;
    let live = bob_ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(live["message"]["room_id"], with_alice["id"]);
    assert_eq!(live["message"]["seq"], 2);
}

/// Reads `count` message events (and any others) and returns only the messages, checking that
/// none repeats and that they arrive in seq order.
async fn messages_in_order(ws: &mut WsClient, count: usize, who: &str) -> Vec<Value> {
    let mut messages: Vec<Value> = Vec::new();
    let mut ids = HashSet::new();
    while messages.len() < count {
        let event = ws.next_event(EVENT_TIMEOUT).await;
        if event["type"] != "message" {
            continue;
        }
        let message = event["message"].clone();
        assert!(
            ids.insert(message["id"].to_string()),
            "{who} got {} twice",
            message["id"]
        );
        if let Some(previous) = messages.last() {
            assert!(
                previous["seq"].as_u64() < message["seq"].as_u64(),
                "{who} got seq {} after seq {}",
                message["seq"],
                previous["seq"]
            );
        }
        messages.push(message);
    }
    messages
}

#[tokio::test]
async fn thirty_quick_websocket_sends_arrive_once_each_and_in_seq_order() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    // Fire all 30 without waiting for acks; the first one creates the room.
    for i in 0..30 {
        alice_ws
            .send_json(&json!({
                "type": "send", "ref": format!("r{i}"), "to": bob.id,
                "body": format!("quick {i}"), "client_msg_id": format!("q{i}"),
            }))
            .await;
    }

    // Alice's connection: every send acked once, each ack before its own echo.
    let mut acked = HashSet::new();
    let mut echoed = Vec::new();
    let mut joined = 0;
    while echoed.len() < 30 || acked.len() < 30 {
        let event = alice_ws.next_event(EVENT_TIMEOUT).await;
        match event["type"].as_str() {
            Some("ack") => {
                let id = event["message"]["id"].to_string();
                assert!(acked.insert(id), "ack repeated: {event}");
            }
            Some("message") => {
                let id = event["message"]["id"].to_string();
                assert!(acked.contains(&id), "echo before its ack: {event}");
                echoed.push(event["message"].clone());
            }
            Some("room_joined") => {
                assert!(echoed.is_empty(), "room_joined after a message");
                joined += 1;
            }
            _ => panic!("unexpected event {event}"),
        }
    }
    assert_eq!(joined, 1);
    let alice_seqs: Vec<_> = echoed.iter().map(|m| m["seq"].as_u64()).collect();
    assert_eq!(alice_seqs, (1..=30).map(Some).collect::<Vec<_>>());

    // Bob's connection: room_joined first, then 30 messages, once each, in seq order.
    bob_ws.expect_event("room_joined", EVENT_TIMEOUT).await;
    let received = messages_in_order(&mut bob_ws, 30, "bob").await;
    let seqs: Vec<_> = received.iter().map(|m| m["seq"].as_u64()).collect();
    assert_eq!(seqs, (1..=30).map(Some).collect::<Vec<_>>());
    bob_ws.expect_no_event(QUIET).await;
    alice_ws.expect_no_event(QUIET).await;
}

#[tokio::test]
async fn concurrent_http_sends_reach_every_connection_once_in_seq_order() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "seq 1").await;
    let room_id = room["id"].as_str().expect("room id");
    let bob_phone = app.login_again(&bob).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    let mut bob_phone_ws = app.ws_connect(&bob_phone.access_token).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    for ws in [&mut bob_ws, &mut bob_phone_ws, &mut alice_ws] {
        ws.ping_pong().await;
    }

    let sends = (0..30).map(|i| {
        let from = if i % 2 == 0 { &alice } else { &bob };
        app.send_to_room(from, room_id, "burst")
    });
    join_all(sends).await;

    for (ws, who) in [
        (&mut bob_ws, "bob's laptop"),
        (&mut bob_phone_ws, "bob's phone"),
        (&mut alice_ws, "alice"),
    ] {
        let received = messages_in_order(ws, 30, who).await;
        let seqs: Vec<_> = received.iter().map(|m| m["seq"].as_u64()).collect();
        assert_eq!(seqs, (2..=31).map(Some).collect::<Vec<_>>(), "{who}");
        ws.expect_no_event(QUIET).await;
    }
}

#[tokio::test]
async fn a_frame_over_the_size_limit_closes_the_connection_with_1009() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut ws = app.ws_connect(&alice.access_token).await;
    ws.ping_pong().await;

    // 1 MiB: far over any sensible frame limit (the default is 64 KiB).
    let huge = json!({"type": "send", "ref": "big", "to": bob.id, "body": "x".repeat(1 << 20)});
    ws.send_text_lossy(&huge.to_string()).await;

    let (code, events) = ws.expect_close(EVENT_TIMEOUT).await;
    assert_eq!(
        code,
        Some(1009),
        "close code (events before it: {events:?})"
    );
    assert!(app.rooms(&alice).await.is_empty(), "nothing was sent");
    // Only that connection paid for it.
    app.ws_connect(&alice.access_token).await.ping_pong().await;
}

//! Durability: whatever the server acknowledged (a 201, an `ack`) survives `kill -9`, and so do
//! the accounts, the logins and the JWT secret kept in the data directory.

use std::time::Duration;

use futures_util::future::join_all;
use serde_json::json;

use crate::support::{seqs, spawn_app, EVENT_TIMEOUT};

#[tokio::test]
async fn acknowledged_messages_survive_kill_dash_nine() {
    let mut app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "m1").await;
    let room_id = room["id"].as_str().expect("room id").to_owned();
    for n in 2..=20 {
        let sender = if n % 2 == 0 { &bob } else { &alice };
        app.send_to_room(sender, &room_id, &format!("m{n}")).await; // 201 = acknowledged
    }

    app.restart().await; // SIGKILL, then start again on the same data directory

    let history = app.full_history(&alice, &room_id).await;
    assert_eq!(seqs(&history), (1..=20).collect::<Vec<u64>>());
    let bodies: Vec<_> = history.iter().map(|m| m["body"].clone()).collect();
    let expected: Vec<_> = (1..=20).map(|n| json!(format!("m{n}"))).collect();
    assert_eq!(bodies, expected);
    // The sequence goes on without a gap.
    let next = app.send_to_room(&bob, &room_id, "after the crash").await;
    assert_eq!(next["seq"], 21);
}

#[tokio::test]
async fn concurrently_acknowledged_messages_survive_kill_dash_nine() {
    let mut app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "first").await;
    let room_id = room["id"].as_str().expect("room id").to_owned();
    let sends = (0..30).map(|i| {
        let from = if i % 2 == 0 { &alice } else { &bob };
        app.send_to_room(from, &room_id, "burst")
    });
    let acked = join_all(sends).await;

    // Killed the instant the last 201 arrived: group commit must already have happened.
    app.restart().await;

    let history = app.full_history(&bob, &room_id).await;
    assert_eq!(seqs(&history), (1..=31).collect::<Vec<u64>>());
    for message in &acked {
        assert!(
            history.iter().any(|m| m["id"] == message["id"]),
            "acknowledged {} is gone",
            message["id"]
        );
    }
}

#[tokio::test]
async fn websocket_acked_messages_survive_kill_dash_nine() {
    let mut app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut ws = app.ws_connect(&alice.access_token).await;
    for i in 0..10 {
        ws.send_json(
            &json!({"type": "send", "ref": format!("r{i}"), "to": bob.id, "body": format!("w{i}")}),
        )
        .await;
    }
    let mut acks = Vec::new();
    while acks.len() < 10 {
        let event = ws.next_event(EVENT_TIMEOUT).await;
        if event["type"] == "ack" {
            acks.push(event["message"].clone());
        }
    }
    drop(ws);

    app.restart().await;

    let room_id = acks[0]["room_id"].as_str().expect("room id");
    let history = app.full_history(&bob, room_id).await;
    assert_eq!(seqs(&history), (1..=10).collect::<Vec<u64>>());
    for message in &acks {
        assert!(
            history.iter().any(|m| m == message),
            "acked {message} is gone"
        );
    }
}

#[tokio::test]
async fn users_logins_and_the_jwt_secret_survive_a_restart() {
    let mut app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    app.send_private(&alice, &bob, "before").await;

    app.restart().await;

    // The access token issued before the restart still verifies: the secret was kept.
    let me = app.get("/api/v1/users/me", Some(&alice.access_token)).await;
    me.assert_status(200);
    assert_eq!(me.body["user"]["id"], alice.id.as_str());
    // The refresh token of that login still rotates.
    let fresh = app.refresh(&alice.refresh_token).await;
    app.get("/api/v1/users/me", Some(&fresh.access_token))
        .await
        .assert_status(200);
    // The password still logs in, and the registered name is still taken.
    app.login(&bob.username, &bob.password).await;
    let again = app.try_register(&bob.username, &bob.password).await;
    assert_eq!(again.status, 409, "{}", again.text);
    // The room is still there, and still the same one for the pair.
    let rooms = app.rooms(&bob).await;
    assert_eq!(rooms.len(), 1);
    let (room, message) = app.send_private(&bob, &alice, "after").await;
    assert_eq!(room["id"], rooms[0]["id"]);
    assert_eq!(message["seq"], 2);
    // And the WebSocket accepts the old access token.
    app.ws_connect(&bob.access_token).await.ping_pong().await;
}

#[tokio::test]
async fn sigterm_closes_websockets_with_1001_exits_cleanly_and_keeps_every_ack() {
    let mut app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "before shutdown").await;
    let room_id = room["id"].as_str().expect("room id").to_owned();
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;
    let acked = join_all((0..10).map(|_| app.send_to_room(&alice, &room_id, "in flight"))).await;

    let status = app.terminate(Duration::from_secs(60)).await;

    let status = status.expect("the server exits within 60 s of SIGTERM");
    assert!(
        status.success(),
        "graceful shutdown exits with success, got {status}"
    );
    let (code, _) = bob_ws.expect_close(EVENT_TIMEOUT).await;
    assert_eq!(code, Some(1001), "close code at shutdown");

    app.start_again().await;
    let history = app.full_history(&bob, &room_id).await;
    assert_eq!(seqs(&history), (1..=11).collect::<Vec<u64>>());
    for message in &acked {
        assert!(history.iter().any(|m| m["id"] == message["id"]));
    }
}

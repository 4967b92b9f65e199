//! Read and delivery receipts: read markers set over HTTP or WebSocket move forward only and
//! are announced with `read` events; unread counts are exact (others' messages above the marker,
//! deleted ones excluded) with a `mention_count`; cumulative `received` confirmations reach the
//! sender's connections as `delivered`.
//!
//! How delivery is reported in groups (per member or aggregated) is the server's design; the
//! group test only requires that the sender learns of it once the members have confirmed.

use serde_json::json;

use crate::support::{
    assert_error, id_of, spawn_app, TestApp, TestUser, EVENT_TIMEOUT, QUIET, UNKNOWN_ID,
};

/// Sends `count` messages from `from` into `room`; returns their seqs.
async fn send_many(app: &TestApp, from: &TestUser, room: &str, count: usize) -> Vec<u64> {
    let mut seqs = Vec::new();
    for i in 0..count {
        let message = app.send_to_room(from, room, &format!("message {i}")).await;
        seqs.push(message["seq"].as_u64().expect("seq"));
    }
    seqs
}

#[tokio::test]
async fn reading_over_http_moves_the_marker_forward_only_and_members_get_read_events() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let room = app.group_with(&alice, "Readers", &[&bob, &carol]).await;
    send_many(&app, &alice, &room, 5).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut carol_ws = app.ws_connect(&carol.access_token).await;
    alice_ws.ping_pong().await;
    carol_ws.ping_pong().await;
    assert_eq!(app.unread(&bob, &room).await.0, 5);

    app.mark_read(&bob, &room, 3).await;

    for ws in [&mut alice_ws, &mut carol_ws] {
        let event = ws.wait_for("read", EVENT_TIMEOUT).await;
        assert_eq!(
            event,
            json!({"type": "read", "room_id": room, "user_id": bob.id, "seq": 3})
        );
    }
    assert_eq!(app.unread(&bob, &room).await.0, 2);

    // Backwards is not a move: the marker stays and nobody hears of a lower one.
    let back = app.try_mark_read(&bob, &room, 1).await;
    assert!(
        back.status == 204,
        "a stale read is accepted and ignored: {} {}",
        back.status,
        back.text
    );
    alice_ws
        .expect_none_matching("read", QUIET, |e| e["seq"].as_u64() < Some(3))
        .await;
    assert_eq!(app.unread(&bob, &room).await.0, 2);

    app.mark_read(&bob, &room, 5).await;
    let event = alice_ws.wait_for("read", EVENT_TIMEOUT).await;
    assert_eq!(event["seq"], 5);
    assert_eq!(app.unread(&bob, &room).await, (0, 0));
}

#[tokio::test]
async fn reading_is_for_members_and_takes_a_numeric_seq() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let stranger = app.register_and_login("stranger").await;
    let room = id_of(&app.create_group(&alice, "Members only").await);
    app.send_to_room(&alice, &room, "hi").await;

    for target in [room.as_str(), UNKNOWN_ID] {
        assert_error(
            &app.try_mark_read(&stranger, target, 1).await,
            404,
            "room_not_found",
        );
    }
    let bad = app
        .post(
            &format!("/api/v1/rooms/{room}/read"),
            Some(&alice.access_token),
            &json!({"seq": "one"}),
        )
        .await;
    assert_error(&bad, 400, "invalid_request");
}

#[tokio::test]
async fn reading_over_websocket_moves_the_marker_and_announces_it() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let stranger = app.register_and_login("stranger").await;
    let (room, _) = app.send_private(&alice, &bob, "one").await;
    let room = id_of(&room);
    send_many(&app, &alice, &room, 4).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    alice_ws.ping_pong().await;

    bob_ws.send_read(&room, 4).await;

    let event = alice_ws.wait_for("read", EVENT_TIMEOUT).await;
    assert_eq!(
        event,
        json!({"type": "read", "room_id": room, "user_id": bob.id, "seq": 4})
    );
    assert_eq!(app.unread(&bob, &room).await.0, 1);

    // A stranger's read is refused on their connection, which stays open.
    let mut stranger_ws = app.ws_connect(&stranger.access_token).await;
    stranger_ws.send_read(&room, 5).await;
    let error = stranger_ws.wait_for("error", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "room_not_found", "{error}");
    stranger_ws.ping_pong().await;
    alice_ws
        .expect_none_matching("read", QUIET, |e| e["user_id"] == stranger.id.as_str())
        .await;
}

#[tokio::test]
async fn unread_counts_exclude_own_and_deleted_messages_and_mentions_are_counted() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let room = app.group_with(&alice, "Counting", &[&bob, &carol]).await;
    let mention = format!("@{}", bob.username);

    // Sending may move the sender's own marker to their message, so Bob speaks first.
    app.send_to_room(&bob, &room, "my own words").await; // 1
    app.send_to_room(&alice, &room, "hi all").await; // 2
    app.send_to_room(&alice, &room, &format!("hey {mention}, lunch?"))
        .await; // 3
    let carols = app
        .send_to_room(&carol, &room, &format!("{mention} look at this"))
        .await; // 4
    app.send_to_room(&alice, &room, "bye").await; // 5

    assert_eq!(
        app.unread(&bob, &room).await,
        (4, 2),
        "others' messages and mentions, not his own"
    );

    // A deleted message is no longer unread, nor a mention.
    app.delete_message(&carol, &room, &id_of(&carols)).await;
    assert_eq!(app.unread(&bob, &room).await, (3, 1));

    // Reading past the mention leaves only what is above the marker.
    app.mark_read(&bob, &room, 3).await;
    assert_eq!(app.unread(&bob, &room).await, (1, 0));
    app.mark_read(&bob, &room, 5).await;
    assert_eq!(app.unread(&bob, &room).await, (0, 0));
}

#[tokio::test]
async fn a_recipients_receipt_reaches_every_connection_of_the_sender_as_delivered() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "one").await;
    let room = id_of(&room);
    send_many(&app, &alice, &room, 2).await; // seqs 2 and 3
    let alice_phone = app.login_again(&alice).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut alice_phone_ws = app.ws_connect(&alice_phone.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    alice_ws.ping_pong().await;
    alice_phone_ws.ping_pong().await;

    bob_ws.send_received(&room, 3).await;

    for ws in [&mut alice_ws, &mut alice_phone_ws] {
        let event = ws.wait_for("delivered", EVENT_TIMEOUT).await;
        assert_eq!(
            event,
            json!({"type": "delivered", "room_id": room, "seq": 3, "user_id": bob.id})
        );
    }

    // The marker moves forward only: an older or equal confirmation changes nothing.
    bob_ws.send_received(&room, 2).await;
    bob_ws.send_received(&room, 3).await;
    alice_ws.expect_none("delivered", QUIET).await;

    // A newer message, confirmed, is reported in turn.
    let fourth = app.send_to_room(&alice, &room, "four").await;
    bob_ws.send_received(&room, 4).await;
    let event = alice_ws.wait_for("delivered", EVENT_TIMEOUT).await;
    assert_eq!(event["seq"], fourth["seq"]);
    assert_eq!(event["user_id"], bob.id.as_str());
}

#[tokio::test]
async fn delivered_is_reported_only_when_the_marker_passes_the_senders_own_messages() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "from alice").await; // 1
    let room = id_of(&room);
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    alice_ws.ping_pong().await;
    bob_ws.send_received(&room, 1).await;
    let event = alice_ws.wait_for("delivered", EVENT_TIMEOUT).await;
    assert_eq!(event["seq"], 1);

    // Bob's own messages reaching Bob deliver nothing of Alice's.
    app.send_to_room(&bob, &room, "from bob").await; // 2
    app.send_to_room(&bob, &room, "from bob again").await; // 3
    bob_ws.send_received(&room, 3).await;
    alice_ws.expect_none("delivered", QUIET).await;

    // A stranger's receipt is refused.
    let stranger = app.register_and_login("stranger").await;
    let mut stranger_ws = app.ws_connect(&stranger.access_token).await;
    stranger_ws.send_received(&room, 3).await;
    let error = stranger_ws.wait_for("error", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "room_not_found", "{error}");
    alice_ws.expect_none("delivered", QUIET).await;
}

#[tokio::test]
async fn in_a_group_the_sender_learns_of_delivery_once_members_confirm() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let room = app.group_with(&alice, "Delivery", &[&bob, &carol]).await;
    let message = app.send_to_room(&alice, &room, "did you get this?").await;
    let seq = message["seq"].as_u64().expect("seq");
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    let mut carol_ws = app.ws_connect(&carol.access_token).await;
    alice_ws.ping_pong().await;
    alice_ws.expect_none("delivered", QUIET).await;

    bob_ws.send_received(&room, seq).await;
    carol_ws.send_received(&room, seq).await;

    // Per member or aggregated: either way a `delivered` of this room covering the message.
    let event = alice_ws
        .wait_for_matching("delivered", EVENT_TIMEOUT, |e| {
            e["room_id"] == room.as_str() && e["seq"].as_u64() >= Some(seq)
        })
        .await;
    assert!(
        event["user_id"].is_null()
            || event["user_id"] == bob.id.as_str()
            || event["user_id"] == carol.id.as_str(),
        "{event}"
    );
}

//! Typing indicators and presence.
//!
//! Typing is relayed to the other members' connections, throttled and never stored. Presence is
//! online while a user has a connection and offline with `last_seen` once the last one closed
//! and a grace period passed; it goes to, and can be read by, only users who share a room.
//!
//! The grace period is configuration: these tests start their servers with
//! `CHAT_PRESENCE_GRACE_MS` (200 ms where a user must go offline, 2 s where a quick reconnect
//! must not be announced).

use std::time::Duration;

use serde_json::Value;

use crate::support::{
    assert_error_status, assert_rfc3339_utc, id_of, spawn_app, spawn_app_with, TestApp,
    EVENT_TIMEOUT, QUIET, UNKNOWN_ID,
};

/// A server whose presence grace period is `grace_ms`.
async fn app_with_grace(grace_ms: u64) -> TestApp {
    spawn_app_with(vec![(
        "CHAT_PRESENCE_GRACE_MS".into(),
        grace_ms.to_string(),
    )])
    .await
}

fn about(user_id: &str) -> impl Fn(&Value) -> bool + '_ {
    move |event| event["user_id"] == user_id
}

#[tokio::test]
async fn typing_is_relayed_to_the_other_members_only_and_never_stored() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let stranger = app.register_and_login("stranger").await;
    let room = app.group_with(&alice, "Typists", &[&bob, &carol]).await;
    let alice_laptop = app.login_again(&alice).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut alice_laptop_ws = app.ws_connect(&alice_laptop.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    let mut carol_ws = app.ws_connect(&carol.access_token).await;
    let mut stranger_ws = app.ws_connect(&stranger.access_token).await;
    for ws in [
        &mut alice_laptop_ws,
        &mut bob_ws,
        &mut carol_ws,
        &mut stranger_ws,
    ] {
        ws.ping_pong().await;
    }

    alice_ws.send_typing(&room).await;

    for ws in [&mut bob_ws, &mut carol_ws] {
        let event = ws.wait_for("typing", EVENT_TIMEOUT).await;
        assert_eq!(event["room_id"], room.as_str(), "{event}");
        assert_eq!(event["user_id"], alice.id.as_str(), "{event}");
    }
    // Not back to the typist's own devices, and not to outsiders.
    alice_ws.expect_none("typing", QUIET).await;
    alice_laptop_ws.expect_none("typing", QUIET).await;
    stranger_ws.expect_none("typing", QUIET).await;
    // Nothing was stored and nothing became unread.
    assert!(app.full_history(&bob, &room).await.is_empty());
    assert_eq!(app.unread(&bob, &room).await, (0, 0));
}

#[tokio::test]
async fn typing_is_throttled() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "hi").await;
    let room = id_of(&room);
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    for _ in 0..10 {
        alice_ws.send_typing(&room).await;
    }

    let first = bob_ws.wait_for("typing", EVENT_TIMEOUT).await;
    assert_eq!(first["user_id"], alice.id.as_str());
    let more = bob_ws
        .collect_for(Duration::from_millis(1_500))
        .await
        .into_iter()
        .filter(|e| e["type"] == "typing")
        .count();
    assert!(
        more + 1 < 10,
        "ten typing frames in a burst must not all be relayed ({} were)",
        more + 1
    );
}

#[tokio::test]
async fn typing_into_a_room_you_are_not_in_is_room_not_found() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let stranger = app.register_and_login("stranger").await;
    let (room, _) = app.send_private(&alice, &bob, "hi").await;
    let room = id_of(&room);
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    let mut stranger_ws = app.ws_connect(&stranger.access_token).await;
    bob_ws.ping_pong().await;

    for target in [room.as_str(), UNKNOWN_ID] {
        stranger_ws.send_typing(target).await;
        let error = stranger_ws.wait_for("error", EVENT_TIMEOUT).await;
        assert_eq!(error["code"], "room_not_found", "{error}");
    }
    stranger_ws.ping_pong().await;
    bob_ws.expect_none("typing", QUIET).await;
}

#[tokio::test]
async fn coming_online_and_going_offline_is_announced_to_users_who_share_a_room() {
    let app = app_with_grace(200).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let stranger = app.register_and_login("stranger").await;
    app.send_private(&alice, &bob, "we share a room").await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    let mut stranger_ws = app.ws_connect(&stranger.access_token).await;
    bob_ws.ping_pong().await;
    stranger_ws.ping_pong().await;

    let alice_ws = app.ws_connect(&alice.access_token).await;

    let online = bob_ws
        .wait_for_matching("presence", EVENT_TIMEOUT, about(&alice.id))
        .await;
    assert_eq!(online["online"], true, "{online}");
    let listed = app.presence(&bob, &[&alice.id]).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["user_id"], alice.id.as_str());
    assert_eq!(listed[0]["online"], true);

    alice_ws.close().await;

    let offline = bob_ws
        .wait_for_matching("presence", EVENT_TIMEOUT, about(&alice.id))
        .await;
    assert_eq!(offline["online"], false, "{offline}");
    assert_rfc3339_utc(&offline["last_seen"]);
    let listed = app.presence(&bob, &[&alice.id]).await;
    assert_eq!(listed[0]["online"], false);
    assert_eq!(listed[0]["last_seen"], offline["last_seen"]);
    // Someone who shares no room with Alice heard nothing of her.
    stranger_ws
        .expect_none_matching("presence", QUIET, about(&alice.id))
        .await;
}

#[tokio::test]
async fn the_presence_route_lists_only_users_who_share_a_room_with_the_caller() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let stranger = app.register_and_login("stranger").await;
    app.send_private(&alice, &bob, "private").await;
    app.group_with(&alice, "Group", &[&carol]).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    let mut stranger_ws = app.ws_connect(&stranger.access_token).await;
    bob_ws.ping_pong().await;
    stranger_ws.ping_pong().await;
    // Connecting and being counted online are not one step: wait until Bob shows online.
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    while app
        .presence(&alice, &[&bob.id])
        .await
        .first()
        .map(|p| &p["online"])
        != Some(&Value::Bool(true))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "Bob never showed online"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let listed = app
        .presence(&alice, &[&bob.id, &carol.id, &stranger.id, UNKNOWN_ID])
        .await;

    let mut ids: Vec<&str> = listed
        .iter()
        .map(|p| p["user_id"].as_str().expect("user_id"))
        .collect();
    ids.sort_unstable();
    let mut want = vec![bob.id.as_str(), carol.id.as_str()];
    want.sort_unstable();
    assert_eq!(ids, want, "only users sharing a room: {listed:?}");
    let bob_entry = listed.iter().find(|p| p["user_id"] == bob.id.as_str());
    assert_eq!(bob_entry.expect("bob")["online"], true);
    let carol_entry = listed
        .iter()
        .find(|p| p["user_id"] == carol.id.as_str())
        .expect("carol");
    assert_eq!(carol_entry["online"], false);
    assert!(carol_entry.get("last_seen").is_some(), "{carol_entry}");
    // The stranger learns nothing about Alice either.
    assert!(app.presence(&stranger, &[&alice.id]).await.is_empty());
    // Without ids: an empty list or a 400, never a 500.
    let empty = app.get("/api/v1/presence", Some(&alice.access_token)).await;
    assert!(empty.status == 200 || empty.status == 400, "{}", empty.text);
    assert_error_status(&app.get("/api/v1/presence?user_ids=x", None).await, 401);
}

#[tokio::test]
async fn a_user_with_another_device_connected_stays_online() {
    let app = app_with_grace(200).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    app.send_private(&alice, &bob, "hi").await;
    let alice_phone = app.login_again(&alice).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;
    let laptop = app.ws_connect(&alice.access_token).await;
    let phone = app.ws_connect(&alice_phone.access_token).await;
    let online = bob_ws
        .wait_for_matching("presence", EVENT_TIMEOUT, about(&alice.id))
        .await;
    assert_eq!(online["online"], true);

    laptop.close().await;

    // Well past the grace period, Alice is still online.
    bob_ws
        .expect_none_matching("presence", Duration::from_millis(1_000), |e| {
            e["user_id"] == alice.id.as_str() && e["online"] == false
        })
        .await;
    assert_eq!(app.presence(&bob, &[&alice.id]).await[0]["online"], true);

    phone.close().await;
    let offline = bob_ws
        .wait_for_matching("presence", EVENT_TIMEOUT, |e| {
            e["user_id"] == alice.id.as_str() && e["online"] == false
        })
        .await;
    assert_rfc3339_utc(&offline["last_seen"]);
}

#[tokio::test]
async fn a_reconnect_within_the_grace_period_is_not_announced_as_offline() {
    let app = app_with_grace(2_000).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    app.send_private(&alice, &bob, "hi").await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;
    let first = app.ws_connect(&alice.access_token).await;
    bob_ws
        .wait_for_matching("presence", EVENT_TIMEOUT, about(&alice.id))
        .await;

    first.close().await;
    let mut second = app.ws_connect(&alice.access_token).await;
    second.ping_pong().await;

    bob_ws
        .expect_none_matching("presence", Duration::from_millis(3_000), |e| {
            e["user_id"] == alice.id.as_str() && e["online"] == false
        })
        .await;
    assert_eq!(app.presence(&bob, &[&alice.id]).await[0]["online"], true);
}

//! What happens to a message after it is sent: replies with a preview, edits by the author within
//! the edit window with their history, deletes that leave a tombstone, the events each sends,
//! and `rev`, the per-room change counter every message carries.
//!
//! The edit window is configuration: the test of its end starts its server with
//! `CHAT_EDIT_WINDOW_SECS=1` instead of waiting 15 minutes.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{
    assert_error, assert_error_status, assert_gapless, assert_rfc3339_utc, edit_entries, id_of,
    reply_preview, spawn_app, spawn_app_with, EVENT_TIMEOUT, UNKNOWN_ID,
};

fn rev(message: &Value) -> u64 {
    message["rev"]
        .as_u64()
        .unwrap_or_else(|| panic!("every message carries a numeric rev: {message}"))
}

#[tokio::test]
async fn every_message_carries_a_rev_and_every_change_takes_a_higher_one() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, first) = app.send_private(&alice, &bob, "one").await;
    let room = id_of(&room);
    let second = app.send_to_room(&bob, &room, "two").await;
    let third = app.send_to_room(&alice, &room, "three").await;
    assert!(rev(&first) >= 1);
    assert!(rev(&first) < rev(&second) && rev(&second) < rev(&third));

    let edited = app.edit(&alice, &room, &id_of(&first), "one, edited").await;
    assert!(
        rev(&edited) > rev(&third),
        "an edit takes the room's next rev"
    );
    assert_eq!(edited["seq"], first["seq"], "seq never changes");
    let tombstone = app.delete_message(&bob, &room, &id_of(&second)).await;
    assert!(
        rev(&tombstone) > rev(&edited),
        "a delete takes the room's next rev"
    );
    assert_eq!(tombstone["seq"], second["seq"]);

    // The history shows every message at its latest rev, every rev once.
    let history = app.full_history(&bob, &room).await;
    assert_gapless(&history);
    let revs: Vec<u64> = history.iter().map(rev).collect();
    assert_eq!(revs, vec![rev(&edited), rev(&tombstone), rev(&third)]);
    // Revs are per room: a new room starts again.
    let carol = app.register_and_login("carol").await;
    let (_, elsewhere) = app.send_private(&carol, &alice, "new room").await;
    assert!(rev(&elsewhere) <= rev(&first), "{elsewhere}");
}

#[tokio::test]
async fn a_reply_carries_a_short_preview_of_the_message_it_answers() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = app.group_with(&alice, "Replies", &[&bob]).await;
    let question = app.send_to_room(&alice, &room, "lunch at noon?").await;
    let long = app.send_to_room(&alice, &room, &"x".repeat(3_000)).await;

    let response = app
        .try_send_to_room(
            &bob,
            &room,
            &json!({"body": "yes", "reply_to": question["id"]}),
        )
        .await;
    response.assert_status(201);
    let answer = response.field("message").clone();
    assert_eq!(answer["reply_to"], question["id"]);
    let preview = reply_preview(&answer);
    assert_eq!(preview["id"], question["id"], "{preview}");
    assert_eq!(preview["body"], "lunch at noon?", "{preview}");
    assert_eq!(preview["deleted"], false, "{preview}");

    // A long message is previewed short.
    let to_long = app
        .try_send_to_room(
            &bob,
            &room,
            &json!({"body": "tl;dr", "reply_to": long["id"]}),
        )
        .await;
    to_long.assert_status(201);
    let preview = reply_preview(to_long.field("message"));
    let shown = preview["body"].as_str().expect("a preview body");
    assert!(
        !shown.is_empty() && shown.chars().count() < 3_000,
        "a preview is short: {} characters",
        shown.chars().count()
    );

    // The history shows the reply with the same preview.
    let stored = app.find_message(&alice, &room, &id_of(&answer)).await;
    assert_eq!(reply_preview(&stored), reply_preview(&answer));
}

/// The specification says "the message carries a short preview"; over WebSocket the message is
/// the same object, so its `ack` and its `message` event carry the preview too.
#[tokio::test]
async fn a_reply_sent_over_websocket_carries_the_preview_in_its_ack_and_event() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = app.group_with(&alice, "Live replies", &[&bob]).await;
    let question = app.send_to_room(&alice, &room, "coffee?").await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    alice_ws.ping_pong().await;

    bob_ws
        .send_json(&json!({
            "type": "send", "ref": "re", "room_id": room, "body": "always",
            "reply_to": question["id"],
        }))
        .await;

    let ack = bob_ws.answer_to("re", EVENT_TIMEOUT).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    assert_eq!(reply_preview(&ack["message"])["id"], question["id"]);
    assert_eq!(reply_preview(&ack["message"])["body"], "coffee?");
    let live = alice_ws
        .wait_for_matching("message", EVENT_TIMEOUT, |e| {
            e["message"]["id"] == ack["message"]["id"]
        })
        .await;
    assert_eq!(reply_preview(&live["message"])["id"], question["id"]);
}

#[tokio::test]
async fn a_reply_must_name_a_message_of_the_same_room() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let here = app.group_with(&alice, "Here", &[&bob]).await;
    let there = app.group_with(&alice, "There", &[&bob]).await;
    let elsewhere = app.send_to_room(&alice, &there, "over there").await;

    for reply_to in [elsewhere["id"].clone(), json!(UNKNOWN_ID)] {
        let response = app
            .try_send_to_room(&bob, &here, &json!({"body": "re", "reply_to": reply_to}))
            .await;
        assert_error_status(&response, 400);
    }
    let mut ws = app.ws_connect(&bob.access_token).await;
    ws.send_json(&json!({
        "type": "send", "ref": "cross", "room_id": here, "body": "re", "reply_to": elsewhere["id"],
    }))
    .await;
    let error = ws.answer_to("cross", EVENT_TIMEOUT).await;
    assert_eq!(error["type"], "error", "{error}");

    assert!(
        app.full_history(&alice, &here).await.is_empty(),
        "nothing stored"
    );
}

#[tokio::test]
async fn the_author_edits_and_every_earlier_body_is_kept_with_its_time() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = app.group_with(&alice, "Drafts", &[&bob]).await;
    let original = app.send_to_room(&alice, &room, "helo").await;
    let id = id_of(&original);
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    let first = app.edit(&alice, &room, &id, "hello").await;
    let second = app.edit(&alice, &room, &id, "hello, world").await;

    for (edited, body) in [(&first, "hello"), (&second, "hello, world")] {
        assert_eq!(edited["id"], original["id"]);
        assert_eq!(edited["seq"], original["seq"]);
        assert_eq!(edited["created_at"], original["created_at"]);
        assert_eq!(edited["body"], body);
        assert_eq!(edited["deleted"], false);
        assert_rfc3339_utc(&edited["edited_at"]);
        let live = bob_ws.wait_for("message_edited", EVENT_TIMEOUT).await;
        assert_eq!(&live["message"], edited, "members get the updated message");
    }
    assert_eq!(app.find_message(&bob, &room, &id).await, second);

    let history = app.try_edit_history(&bob, &room, &id).await;
    history.assert_status(200);
    let entries = edit_entries(&history);
    let bodies: Vec<&Value> = entries.iter().map(|e| &e["body"]).collect();
    assert_eq!(
        bodies,
        vec!["helo", "hello"],
        "earlier bodies, oldest first"
    );
    // Each earlier body with the time it was replaced: the time of the edit that replaced it.
    for (entry, replaced_by) in entries.iter().zip([&first, &second]) {
        assert_rfc3339_utc(&entry["replaced_at"]);
        assert_eq!(entry["replaced_at"], replaced_by["edited_at"], "{entry}");
    }
}

#[tokio::test]
async fn only_the_author_edits_a_message() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let admin = app.register_and_login("admin").await;
    let author = app.register_and_login("author").await;
    let stranger = app.register_and_login("stranger").await;
    let room = app.group_with(&owner, "Mine", &[&admin, &author]).await;
    app.set_role(&owner, &room, &admin, "admin").await;
    let message = app.send_to_room(&author, &room, "my words").await;
    let id = id_of(&message);

    for other in [&owner, &admin] {
        assert_error_status(&app.try_edit(other, &room, &id, "their words").await, 403);
    }
    assert_error(
        &app.try_edit(&stranger, &room, &id, "their words").await,
        404,
        "room_not_found",
    );
    assert_eq!(app.find_message(&owner, &room, &id).await, message);
    // An unknown message is not found; an invalid body is refused.
    assert_error_status(&app.try_edit(&author, &room, UNKNOWN_ID, "x").await, 404);
    assert_error(
        &app.try_edit(&author, &room, &id, "   ").await,
        400,
        "invalid_body",
    );
}

#[tokio::test]
async fn an_edit_after_the_window_is_403_edit_window_closed() {
    let app = spawn_app_with(vec![("CHAT_EDIT_WINDOW_SECS".into(), "1".into())]).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, message) = app.send_private(&alice, &bob, "too late to fix").await;
    let (room, id) = (id_of(&room), id_of(&message));

    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let response = app.try_edit(&alice, &room, &id, "fixed").await;
    assert_error(&response, 403, "edit_window_closed");
    assert_eq!(
        app.find_message(&bob, &room, &id).await["body"],
        "too late to fix"
    );
    // A fresh message is still editable under the same window.
    let fresh = app.send_to_room(&alice, &room, "quick fix").await;
    app.edit(&alice, &room, &id_of(&fresh), "quick fix!").await;
}

#[tokio::test]
async fn the_author_deletes_a_message_and_a_tombstone_keeps_its_seq() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = app.group_with(&alice, "Regrets", &[&bob]).await;
    let before = app.send_to_room(&bob, &room, "before").await;
    let oops = app.send_to_room(&bob, &room, "oops").await;
    let id = id_of(&oops);
    app.edit(&bob, &room, &id, "oops, edited").await;
    let reply = app
        .try_send_to_room(
            &alice,
            &room,
            &json!({"body": "what?", "reply_to": oops["id"]}),
        )
        .await;
    reply.assert_status(201);
    let reply = reply.field("message").clone();
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    alice_ws.ping_pong().await;

    let tombstone = app.delete_message(&bob, &room, &id).await;

    assert_eq!(tombstone["id"], oops["id"]);
    assert_eq!(tombstone["seq"], oops["seq"]);
    assert_eq!(tombstone["deleted"], true);
    assert!(tombstone["body"].is_null(), "{tombstone}");
    let live = alice_ws.wait_for("message_deleted", EVENT_TIMEOUT).await;
    assert_eq!(live["message"], tombstone, "members get the tombstone");

    let history = app.full_history(&alice, &room).await;
    assert_gapless(&history);
    assert_eq!(history[0]["id"], before["id"]);
    // Its edit history went with it.
    let edits = app.try_edit_history(&bob, &room, &id).await;
    assert!(
        edits.status == 404 || (edits.status == 200 && edit_entries(&edits).is_empty()),
        "a deleted message keeps no edit history: {} {}",
        edits.status,
        edits.text
    );
    // The reply now previews a deleted message.
    let stored_reply = app.find_message(&alice, &room, &id_of(&reply)).await;
    let preview = reply_preview(&stored_reply);
    assert_eq!(preview["deleted"], true, "{preview}");
    assert!(preview["body"].is_null(), "{preview}");
    assert!(
        !stored_reply.to_string().contains("oops"),
        "no trace of the deleted body: {stored_reply}"
    );
    // A tombstone cannot be edited back to life.
    let revive = app.try_edit(&bob, &room, &id, "back").await;
    assert!((400..500).contains(&revive.status), "{}", revive.text);
    assert_eq!(app.find_message(&alice, &room, &id).await["deleted"], true);
}

#[tokio::test]
async fn group_admins_delete_others_messages_and_members_cannot() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let admin = app.register_and_login("admin").await;
    let member = app.register_and_login("member").await;
    let other = app.register_and_login("other").await;
    let room = app
        .group_with(&owner, "Moderated", &[&admin, &member, &other])
        .await;
    app.set_role(&owner, &room, &admin, "admin").await;
    let by_member = app.send_to_room(&member, &room, "spam").await;
    let by_other = app.send_to_room(&other, &room, "more spam").await;
    let by_admin = app.send_to_room(&admin, &room, "admin's note").await;

    assert_error_status(
        &app.try_delete_message(&other, &room, &id_of(&by_member))
            .await,
        403,
    );
    assert_eq!(
        app.find_message(&owner, &room, &id_of(&by_member)).await["deleted"],
        false
    );

    let removed = app.delete_message(&admin, &room, &id_of(&by_member)).await;
    assert_eq!(removed["deleted"], true);
    let removed = app.delete_message(&owner, &room, &id_of(&by_other)).await;
    assert_eq!(removed["deleted"], true);
    let removed = app.delete_message(&owner, &room, &id_of(&by_admin)).await;
    assert_eq!(removed["deleted"], true);
}

#[tokio::test]
async fn in_a_private_room_each_user_deletes_only_their_own_messages() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, from_alice) = app.send_private(&alice, &bob, "mine").await;
    let room = id_of(&room);

    assert_error_status(
        &app.try_delete_message(&bob, &room, &id_of(&from_alice))
            .await,
        403,
    );
    let tombstone = app.delete_message(&alice, &room, &id_of(&from_alice)).await;
    assert_eq!(tombstone["deleted"], true);
}

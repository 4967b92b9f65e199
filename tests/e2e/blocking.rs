//! Blocking: a user you block cannot message you privately (403 `blocked`, over HTTP and
//! WebSocket, in a new or an existing private room), cannot invite you into a group, and lazy
//! room creation never starts a room with someone who blocked you. Unblocking undoes it.

use serde_json::json;

use crate::support::{
    assert_error, assert_error_status, assert_success, id_of, spawn_app, EVENT_TIMEOUT, QUIET,
    UNKNOWN_ID,
};

#[tokio::test]
async fn a_blocked_user_cannot_start_a_private_room_with_the_blocker() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    assert_success(&app.try_block(&bob, &alice.id).await, "blocking");

    let response = app
        .try_send_private(&alice, &bob.id, &json!({"body": "hello?"}))
        .await;
    assert_error(&response, 403, "blocked");
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    alice_ws.send_to_user("w", &bob.id, "hello over ws?").await;
    let error = alice_ws.answer_to("w", EVENT_TIMEOUT).await;
    assert_eq!(error["type"], "error", "{error}");
    assert_eq!(error["code"], "blocked", "{error}");

    // No room was started for either of them, and Bob heard nothing.
    assert!(app.rooms(&alice).await.is_empty());
    assert!(app.rooms(&bob).await.is_empty());
    bob_ws.expect_no_event(QUIET).await;
}

#[tokio::test]
async fn a_blocked_user_cannot_write_into_an_existing_private_room() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "before the block").await;
    let room = id_of(&room);
    // Alice has written by the room's id too, so the node remembers that she may.
    assert_success(
        &app.try_send_to_room(&alice, &room, &json!({"body": "by room, before"}))
            .await,
        "writing by room id",
    );

    assert_success(&app.try_block(&bob, &alice.id).await, "blocking");

    assert_error(
        &app.try_send_to_room(&alice, &room, &json!({"body": "by room"}))
            .await,
        403,
        "blocked",
    );
    assert_error(
        &app.try_send_private(&alice, &bob.id, &json!({"body": "by user"}))
            .await,
        403,
        "blocked",
    );
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    alice_ws.send_to_room("r", &room, "by ws").await;
    let error = alice_ws.answer_to("r", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "blocked", "{error}");
    assert_eq!(app.full_history(&bob, &room).await.len(), 2);
}

#[tokio::test]
async fn unblocking_lets_messages_through_again() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    assert_success(&app.try_block(&bob, &alice.id).await, "blocking");
    // Blocking twice is one block.
    assert_success(&app.try_block(&bob, &alice.id).await, "blocking again");

    assert_success(&app.try_unblock(&bob, &alice.id).await, "unblocking");

    let (room, message) = app.send_private(&alice, &bob, "friends again").await;
    assert_eq!(message["seq"], 1);
    assert_eq!(app.full_history(&bob, &id_of(&room)).await.len(), 1);
}

#[tokio::test]
async fn a_blocked_user_cannot_invite_the_blocker_into_a_group() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = id_of(&app.create_group(&alice, "Alice's club").await);
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    assert_success(&app.try_block(&bob, &alice.id).await, "blocking");

    assert_error(
        &app.try_invite(&alice, &room, &bob.id).await,
        403,
        "blocked",
    );
    assert!(app.pending_invites(&bob).await.is_empty());
    bob_ws.expect_none("invite", QUIET).await;
    // Creating a group that invites him does not reach him either.
    let created = app
        .try_create_group(&alice, &json!({"name": "Another", "invite": [bob.id]}))
        .await;
    assert!(
        created.status == 201 || created.status == 403,
        "{}",
        created.text
    );
    assert!(app.pending_invites(&bob).await.is_empty());
    bob_ws.expect_none("invite", QUIET).await;
}

#[tokio::test]
async fn both_still_talk_to_everyone_else() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;

    assert_success(&app.try_block(&bob, &alice.id).await, "blocking");

    app.send_private(&carol, &bob, "carol is fine").await;
    app.send_private(&alice, &carol, "alice talks to carol")
        .await;
    assert_eq!(app.rooms(&bob).await.len(), 1);
}

#[tokio::test]
async fn blocking_an_unknown_user_is_404_and_needs_a_token() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;

    assert_error_status(&app.try_block(&alice, UNKNOWN_ID).await, 404);
    assert_error_status(
        &app.post(
            &format!("/api/v1/users/{}/block", alice.id),
            None,
            &json!({}),
        )
        .await,
        401,
    );
}

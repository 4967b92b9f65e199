//! The rooms-per-user limit (`CHAT_MAX_ROOMS_PER_USER`, here 2): a user at the limit creates
//! no group, accepts no invite, joins no group by link and opens no private room, nor does
//! anyone open one with them, over HTTP and over the WebSocket; refusals are 409
//! `room_limit_reached` (the caller) or `recipient_room_limit_reached` (the recipient of a first
//! message) and change nothing; messages into rooms they have still go.

use serde_json::json;

use crate::support::{assert_error, id_of, spawn_app_with, EVENT_TIMEOUT};

#[tokio::test]
async fn a_user_at_the_limit_gains_no_room_but_keeps_talking_in_the_ones_they_have() {
    let app = spawn_app_with(vec![("CHAT_MAX_ROOMS_PER_USER".into(), "2".into())]).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let dave = app.register_and_login("dave").await;
    let erin = app.register_and_login("erin").await;

    // Bob's group, with an invite for Alice and a link good for one join.
    let bobs = id_of(&app.create_group(&bob, "bob's").await);
    let invite = id_of(&app.invite(&bob, &bobs, &alice).await);
    let token = app.create_link(&bob, &bobs, &json!({"max_uses": 1})).await;

    // Alice's first room, then her second one (one below the limit is still allowed).
    let alices = id_of(&app.create_group(&alice, "alice's").await);
    let (with_erin, _) = app.send_private(&alice, &erin, "hi erin").await;
    let with_erin = id_of(&with_erin);
    assert_eq!(app.rooms(&alice).await.len(), 2);

    // At the limit: no new group, no accepted invite, no link join, no first message.
    let group = app
        .try_create_group(&alice, &json!({"name": "one too many"}))
        .await;
    assert_error(&group, 409, "room_limit_reached");
    let accepted = app.try_accept(&alice, &invite).await;
    assert_error(&accepted, 409, "room_limit_reached");
    let joined = app.try_join_link(&alice, &token).await;
    assert_error(&joined, 409, "room_limit_reached");
    let first = app
        .try_send_private(&alice, &carol.id, &json!({"body": "hi carol"}))
        .await;
    assert_error(&first, 409, "room_limit_reached");
    let to_alice = app
        .try_send_private(&carol, &alice.id, &json!({"body": "hi alice"}))
        .await;
    assert_error(&to_alice, 409, "recipient_room_limit_reached");

    // The refusals changed nothing: the invite waits, the link's one use is left for Dave,
    // and neither Carol nor Alice gained a room.
    let pending = app.pending_invites(&alice).await;
    assert!(
        pending.iter().any(|p| p["id"] == invite.as_str()),
        "the refused invite is still pending: {pending:?}"
    );
    let dave_joins = app.try_join_link(&dave, &token).await;
    dave_joins.assert_status(200);
    assert!(app.rooms(&carol).await.is_empty());
    assert_eq!(app.rooms(&alice).await.len(), 2);

    // The same codes over the WebSocket, as `error` events answering the `send`.
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut carol_ws = app.ws_connect(&carol.access_token).await;
    alice_ws.send_to_user("a-1", &carol.id, "hi carol").await;
    let answer = alice_ws.answer_to("a-1", EVENT_TIMEOUT).await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "room_limit_reached", "{answer}");
    carol_ws.send_to_user("c-1", &alice.id, "hi alice").await;
    let answer = carol_ws.answer_to("c-1", EVENT_TIMEOUT).await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "recipient_room_limit_reached", "{answer}");

    // Rooms she has are never counted: her group, her private room by its id and by Erin's
    // user id, over HTTP and over the WebSocket; and Erin writes back.
    app.send_to_room(&alice, &alices, "still here").await;
    app.send_to_room(&alice, &with_erin, "by room").await;
    let (again, _) = app.send_private(&alice, &erin, "by user").await;
    assert_eq!(id_of(&again), with_erin);
    let (back, _) = app.send_private(&erin, &alice, "hi alice").await;
    assert_eq!(id_of(&back), with_erin);
    alice_ws
        .send_to_room("a-2", &alices, "over the socket")
        .await;
    let answer = alice_ws.answer_to("a-2", EVENT_TIMEOUT).await;
    assert_eq!(answer["type"], "ack", "{answer}");
    alice_ws
        .send_to_user("a-3", &erin.id, "to erin over the socket")
        .await;
    let answer = alice_ws.answer_to("a-3", EVENT_TIMEOUT).await;
    assert_eq!(answer["type"], "ack", "{answer}");
}

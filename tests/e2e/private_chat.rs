//! Private chat: the first message creates the room lazily, later ones reuse it, every device
//! of both users sees it live, and retries with the same `client_msg_id` store nothing new.

use serde_json::{json, Value};

use crate::support::{
    assert_error_status, assert_message_shape, assert_private_room, spawn_app, EVENT_TIMEOUT,
    QUIET, UNKNOWN_ID,
};

#[tokio::test]
async fn first_message_creates_the_private_room_and_the_second_reuses_it() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;

    let first = app
        .try_send_private(&alice, &bob.id, &json!({"body": "hi bob"}))
        .await;
    first.assert_status(201);
    let room = first.field("room").clone();
    let message = first.field("message").clone();
    assert_private_room(&room, &alice, &bob);
    let room_id = room["id"].as_str().expect("room id").to_owned();
    assert_message_shape(&message, &room_id, &alice.id, "hi bob");
    assert_eq!(message["seq"], 1);
    assert!(message["client_msg_id"].is_null() && message["reply_to"].is_null());

    // The answer goes the other way and still lands in the same room.
    let (room_again, reply) = app.send_private(&bob, &alice, "hi alice").await;
    assert_eq!(room_again["id"], room_id.as_str());
    assert_message_shape(&reply, &room_id, &bob.id, "hi alice");
    assert_eq!(reply["seq"], 2);

    let (again, third) = app.send_private(&alice, &bob, "how are you?").await;
    assert_eq!(again["id"], room_id.as_str());
    assert_eq!(third["seq"], 3);
    assert_eq!(app.rooms(&alice).await.len(), 1);
    assert_eq!(app.rooms(&bob).await.len(), 1);
}

#[tokio::test]
async fn first_message_reaches_both_devices_of_the_recipient_and_the_sender_live() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let bob_phone = app.login_again(&bob).await;
    let mut bob_laptop_ws = app.ws_connect(&bob.access_token).await;
    let mut bob_phone_ws = app.ws_connect(&bob_phone.access_token).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    for ws in [&mut bob_laptop_ws, &mut bob_phone_ws, &mut alice_ws] {
        ws.ping_pong().await; // the connections are registered before the send
    }

    let (room, message) = app.send_private(&alice, &bob, "are you there?").await;

    for ws in [&mut bob_laptop_ws, &mut bob_phone_ws, &mut alice_ws] {
        let joined = ws.expect_event("room_joined", EVENT_TIMEOUT).await;
        assert_eq!(joined["room"]["id"], room["id"]);
        assert_private_room(&joined["room"], &alice, &bob);
        let live = ws.expect_event("message", EVENT_TIMEOUT).await;
        assert_eq!(
            live["message"], message,
            "the live message is the stored one"
        );
    }

    // A second message is delivered without another room_joined.
    let (_, second) = app.send_private(&bob, &alice, "yes!").await;
    for ws in [&mut bob_laptop_ws, &mut bob_phone_ws, &mut alice_ws] {
        let live = ws.expect_event("message", EVENT_TIMEOUT).await;
        assert_eq!(live["message"]["id"], second["id"]);
        assert_eq!(live["message"]["seq"], 2);
        ws.expect_no_event(QUIET).await;
    }
}

#[tokio::test]
async fn websocket_send_to_a_user_creates_the_room_and_acks_before_the_echo() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    alice_ws
        .send_json(&json!({
            "type": "send", "ref": "r-1", "to": bob.id, "body": "lazy hello",
            "client_msg_id": "c-1",
        }))
        .await;

    // On the sending connection: ack and room_joined (either order), then the echo.
    let mut seen = Vec::new();
    let echo = loop {
        let event = alice_ws.next_event(EVENT_TIMEOUT).await;
        if event["type"] == "message" {
            break event;
        }
        seen.push(event);
    };
    let ack = seen
        .iter()
        .find(|e| e["type"] == "ack")
        .unwrap_or_else(|| panic!("no ack before the echo; got {seen:?}"));
    let joined = seen
        .iter()
        .find(|e| e["type"] == "room_joined")
        .unwrap_or_else(|| panic!("no room_joined before the echo; got {seen:?}"));
    assert_eq!(
        seen.len(),
        2,
        "only ack and room_joined before the echo: {seen:?}"
    );
    assert_eq!(ack["ref"], "r-1");
    let room_id = joined["room"]["id"].as_str().expect("room id").to_owned();
    assert_private_room(&joined["room"], &alice, &bob);
    assert_message_shape(&ack["message"], &room_id, &alice.id, "lazy hello");
    assert_eq!(ack["message"]["seq"], 1);
    assert_eq!(ack["message"]["client_msg_id"], "c-1");
    assert_eq!(echo["message"], ack["message"]);

    // The recipient: room_joined, then the message.
    let bob_joined = bob_ws.expect_event("room_joined", EVENT_TIMEOUT).await;
    assert_eq!(bob_joined["room"]["id"], room_id.as_str());
    let bob_live = bob_ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(bob_live["message"]["id"], ack["message"]["id"]);

    // Sending by room id now: ack, then the echo, and no second room_joined.
    alice_ws.send_to_room("r-2", &room_id, "by room id").await;
    let ack2 = alice_ws.expect_event("ack", EVENT_TIMEOUT).await;
    assert_eq!(ack2["ref"], "r-2");
    assert_eq!(ack2["message"]["seq"], 2);
    let echo2 = alice_ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(echo2["message"]["id"], ack2["message"]["id"]);
    let bob_live2 = bob_ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(bob_live2["message"]["id"], ack2["message"]["id"]);

    // It is the same room HTTP clients see.
    let (http_room, _) = app.send_private(&bob, &alice, "over http").await;
    assert_eq!(http_room["id"], room_id.as_str());
}

#[tokio::test]
async fn messaging_yourself_is_a_400() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;

    let response = app
        .try_send_private(&alice, &alice.id, &json!({"body": "note to self"}))
        .await;

    assert_error_status(&response, 400);
    assert!(app.rooms(&alice).await.is_empty());

    let mut ws = app.ws_connect(&alice.access_token).await;
    ws.send_to_user("self", &alice.id, "note to self").await;
    let error = ws.expect_event("error", EVENT_TIMEOUT).await;
    assert_eq!(error["ref"], "self");
    ws.ping_pong().await;
}

#[tokio::test]
async fn messaging_an_unknown_user_is_a_404() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;

    let response = app
        .try_send_private(&alice, UNKNOWN_ID, &json!({"body": "anyone?"}))
        .await;

    assert_error_status(&response, 404);
    assert!(app.rooms(&alice).await.is_empty());
}

#[tokio::test]
async fn a_retry_with_the_same_client_msg_id_returns_the_original_with_200() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let request = json!({"body": "exactly once", "client_msg_id": "m-42"});

    let first = app.try_send_private(&alice, &bob.id, &request).await;
    first.assert_status(201);
    let original = first.field("message").clone();
    assert_eq!(original["client_msg_id"], "m-42");
    let room_id = original["room_id"].as_str().expect("room id").to_owned();

    // Same key, another body: the original comes back and nothing is stored.
    let retry = app
        .try_send_private(
            &alice,
            &bob.id,
            &json!({"body": "changed", "client_msg_id": "m-42"}),
        )
        .await;
    retry.assert_status(200);
    assert_eq!(retry.field("message"), &original);
    assert_eq!(retry.field("room")["id"], room_id.as_str());

    // Through the room route, same sender and key: still the original.
    let by_room = app.try_send_to_room(&alice, &room_id, &request).await;
    by_room.assert_status(200);
    assert_eq!(by_room.field("message")["id"], original["id"]);

    // The key is per sender: Bob may use the same one for his own message.
    let bobs = app.try_send_to_room(&bob, &room_id, &request).await;
    bobs.assert_status(201);
    assert_ne!(bobs.field("message")["id"], original["id"]);
    assert_eq!(bobs.field("message")["seq"], 2);

    let (messages, _) = app.history(&alice, &room_id, "").await;
    assert_eq!(messages.len(), 2, "stored: {messages:?}");
}

#[tokio::test]
async fn a_websocket_retry_is_acked_with_the_original_message() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, original) = {
        let response = app
            .try_send_private(
                &alice,
                &bob.id,
                &json!({"body": "once", "client_msg_id": "k-1"}),
            )
            .await;
        response.assert_status(201);
        (
            response.field("room").clone(),
            response.field("message").clone(),
        )
    };
    let mut ws = app.ws_connect(&alice.access_token).await;

    ws.send_json(&json!({
        "type": "send", "ref": "again", "room_id": room["id"], "body": "twice",
        "client_msg_id": "k-1",
    }))
    .await;

    let ack = ws.expect_event("ack", EVENT_TIMEOUT).await;
    assert_eq!(ack["ref"], "again");
    assert_eq!(ack["message"], original);
    let (messages, _) = app
        .history(&alice, room["id"].as_str().expect("id"), "")
        .await;
    assert_eq!(messages.len(), 1);
}

#[tokio::test]
async fn a_reply_names_the_message_it_answers() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, question) = app.send_private(&alice, &bob, "lunch?").await;
    let room_id = room["id"].as_str().expect("room id");

    let response = app
        .try_send_to_room(
            &bob,
            room_id,
            &json!({"body": "sure", "reply_to": question["id"]}),
        )
        .await;

    response.assert_status(201);
    let answer: &Value = response.field("message");
    assert_message_shape(answer, room_id, &bob.id, "sure");
    assert_eq!(answer["reply_to"], question["id"]);
    let (messages, _) = app.history(&alice, room_id, "").await;
    assert_eq!(messages[1]["reply_to"], question["id"]);
}

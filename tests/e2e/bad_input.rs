//! Bad input never gives a 500: malformed JSON, missing fields and wrong types are 400
//! `invalid_request`, a body out of bounds is 400 `invalid_body`, and over WebSocket the same
//! mistakes give an `error` event on a connection that keeps working.

use serde_json::json;

use crate::support::{assert_error, assert_message_shape, spawn_app, EVENT_TIMEOUT};

const MALFORMED: [&str; 4] = [
    "{\"username\": ",
    "not json at all",
    "[1, 2",
    "{'single': 'quotes'}",
];

#[tokio::test]
async fn malformed_json_missing_fields_and_wrong_types_are_400_invalid_request() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "hi").await;
    let room_id = room["id"].as_str().expect("room id");
    let private = format!("/api/v1/users/{}/messages", bob.id);
    let in_room = format!("/api/v1/rooms/{room_id}/messages");
    let authed = Some(alice.access_token.as_str());

    let routes: [(&str, Option<&str>); 6] = [
        ("/api/v1/auth/register", None),
        ("/api/v1/auth/login", None),
        ("/api/v1/auth/refresh", None),
        ("/api/v1/auth/logout", authed),
        (&private, authed),
        (&in_room, authed),
    ];
    for (path, token) in routes {
        for raw in MALFORMED.iter().copied().chain(["", "null", "[]", "{}"]) {
            let response = app.post_raw(path, token, raw).await;
            assert_error(&response, 400, "invalid_request");
            assert!(response.status < 500, "{path} with {raw:?}");
        }
    }

    let wrong_types = [
        (
            "/api/v1/auth/register",
            None,
            json!({"username": 5, "password": true}),
        ),
        ("/api/v1/auth/register", None, json!({"username": "okname"})),
        (
            "/api/v1/auth/login",
            None,
            json!({"username": ["alice"], "password": "x"}),
        ),
        ("/api/v1/auth/refresh", None, json!({"refresh_token": 12})),
        (private.as_str(), authed, json!({"body": 42})),
        (
            private.as_str(),
            authed,
            json!({"body": "x", "client_msg_id": {"a": 1}}),
        ),
        (
            in_room.as_str(),
            authed,
            json!({"text": "wrong field name"}),
        ),
        (in_room.as_str(), authed, json!({"body": null})),
    ];
    for (path, token, body) in wrong_types {
        let response = app.post(path, token, &body).await;
        assert_error(&response, 400, "invalid_request");
    }

    // Nothing above was stored.
    let (messages, _) = app.history(&alice, room_id, "").await;
    assert_eq!(messages.len(), 1);
}

#[tokio::test]
async fn a_body_that_is_empty_blank_or_too_long_is_400_invalid_body() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;

    for body in [
        String::new(),
        "   ".to_owned(),
        " \n\t ".to_owned(),
        "x".repeat(4001),
    ] {
        let response = app
            .try_send_private(&alice, &bob.id, &json!({"body": body}))
            .await;
        assert_error(&response, 400, "invalid_body");
    }
    // A refused first message creates no room.
    assert!(app.rooms(&alice).await.is_empty());

    // The limits count Unicode characters after trimming, not bytes.
    let (room, at_limit) = app.send_private(&alice, &bob, &"é".repeat(4000)).await;
    let room_id = room["id"].as_str().expect("room id");
    assert_message_shape(&at_limit, room_id, &alice.id, &"é".repeat(4000));
    let padded = format!("  {}  ", "y".repeat(4000));
    let response = app
        .try_send_to_room(&bob, room_id, &json!({"body": padded}))
        .await;
    response.assert_status(201);
    let too_long = app
        .try_send_to_room(&bob, room_id, &json!({"body": "🙂".repeat(4001)}))
        .await;
    assert_error(&too_long, 400, "invalid_body");
    let blank = app
        .try_send_to_room(&bob, room_id, &json!({"body": "  "}))
        .await;
    assert_error(&blank, 400, "invalid_body");

    let (messages, _) = app.history(&alice, room_id, "").await;
    assert_eq!(messages.len(), 2);
}

#[tokio::test]
async fn bad_websocket_frames_get_an_error_event_and_the_connection_keeps_working() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut ws = app.ws_connect(&alice.access_token).await;

    let bad_frames = [
        "{\"type\": ".to_owned(),
        "definitely not json".to_owned(),
        "[]".to_owned(),
        json!({"no_type": true}).to_string(),
        json!({"type": "dance"}).to_string(),
        json!({"type": 42}).to_string(),
        json!({"type": "send", "ref": "r-missing"}).to_string(),
        json!({"type": "send", "ref": "r-no-target", "body": "to nobody"}).to_string(),
        json!({"type": "send", "ref": "r-no-body", "to": bob.id}).to_string(),
        json!({"type": "send", "ref": "r-type", "to": bob.id, "body": 7}).to_string(),
    ];
    for frame in &bad_frames {
        ws.send_text(frame).await;
        let error = ws.expect_event("error", EVENT_TIMEOUT).await;
        assert!(
            error["code"].as_str().is_some_and(|c| !c.is_empty()),
            "error event without a code for {frame}: {error}"
        );
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "error event without a message for {frame}: {error}"
        );
        ws.ping_pong().await;
    }

    // Well-formed sends with a bad body: invalid_body, with the ref, connection still fine.
    for (reference, body) in [("r-empty", String::new()), ("r-long", "z".repeat(4001))] {
        ws.send_to_user(reference, &bob.id, &body).await;
        let error = ws.expect_event("error", EVENT_TIMEOUT).await;
        assert_eq!(error["code"], "invalid_body", "{error}");
        assert_eq!(error["ref"], reference, "{error}");
        ws.ping_pong().await;
    }

    // After all that, a good send still works.
    ws.send_to_user("r-ok", &bob.id, "finally").await;
    let mut events = vec![ws.next_event(EVENT_TIMEOUT).await];
    while events.last().is_some_and(|e| e["type"] != "message") {
        events.push(ws.next_event(EVENT_TIMEOUT).await);
    }
    assert!(
        events
            .iter()
            .any(|e| e["type"] == "ack" && e["ref"] == "r-ok"),
        "{events:?}"
    );
    assert_eq!(app.rooms(&bob).await.len(), 1);
}

#[tokio::test]
async fn missing_fields_in_a_websocket_send_echo_the_ref() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let mut ws = app.ws_connect(&alice.access_token).await;

    ws.send_json(&json!({"type": "send", "ref": "r-77"})).await;

    let error = ws.expect_event("error", EVENT_TIMEOUT).await;
    assert_eq!(
        error["ref"], "r-77",
        "the client correlates errors by ref: {error}"
    );
    ws.ping_pong().await;
}

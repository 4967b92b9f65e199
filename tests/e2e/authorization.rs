//! Authorization: an outsider cannot tell a room it is not in from one that does not exist
//! (404 `room_not_found` everywhere), and requests without a valid token are 401 JSON errors,
//! the WebSocket upgrade included.

use serde_json::json;

use crate::support::{
    assert_error, assert_error_status, spawn_app, ApiResponse, EVENT_TIMEOUT, QUIET, UNKNOWN_ID,
};

#[tokio::test]
async fn a_third_user_gets_404_room_not_found_for_someone_elses_room() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mallory = app.register_and_login("mallory").await;
    let (room, _) = app.send_private(&alice, &bob, "private").await;
    let room_id = room["id"].as_str().expect("room id");
    let mut mallory_ws = app.ws_connect(&mallory.access_token).await;

    for target in [room_id, UNKNOWN_ID] {
        let get_room = app
            .get(
                &format!("/api/v1/rooms/{target}"),
                Some(&mallory.access_token),
            )
            .await;
        assert_error(&get_room, 404, "room_not_found");
        assert_error(
            &app.try_history(&mallory, target, "").await,
            404,
            "room_not_found",
        );
        let post = app
            .try_send_to_room(&mallory, target, &json!({"body": "let me in"}))
            .await;
        assert_error(&post, 404, "room_not_found");

        mallory_ws.send_to_room("sneak", target, "let me in").await;
        let error = mallory_ws.expect_event("error", EVENT_TIMEOUT).await;
        assert_eq!(error["code"], "room_not_found", "{error}");
        assert_eq!(error["ref"], "sneak", "{error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()));
        mallory_ws.ping_pong().await; // the connection stays open
    }

    // The outsider learned nothing and wrote nothing.
    assert!(app.rooms(&mallory).await.is_empty());
    let (messages, _) = app.history(&alice, room_id, "").await;
    assert_eq!(messages.len(), 1);
    // And receives nothing from the room.
    app.send_private(&bob, &alice, "still private").await;
    mallory_ws.expect_no_event(QUIET).await;
}

fn assert_unauthorized(response: &ApiResponse, what: &str) {
    assert_eq!(response.status, 401, "{what}: {}", response.text);
    assert_error_status(response, 401);
    assert!(
        response
            .content_type
            .as_deref()
            .is_some_and(|t| t.starts_with("application/json")),
        "{what}: a 401 is JSON, got {:?}",
        response.content_type
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401_json() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "hi").await;
    let room_id = room["id"].as_str().expect("room id");
    let paths = [
        "/api/v1/users/me".to_owned(),
        format!("/api/v1/users/{}", bob.id),
        "/api/v1/users?q=bo".to_owned(),
        "/api/v1/rooms".to_owned(),
        format!("/api/v1/rooms/{room_id}"),
        format!("/api/v1/rooms/{room_id}/messages"),
    ];

    for path in &paths {
        assert_unauthorized(&app.get(path, None).await, path);
        assert_unauthorized(&app.get(path, Some("garbage.token.here")).await, path);
        assert_unauthorized(
            &app.get_with_authorization(path, "Basic YWxpY2U6cHc=").await,
            path,
        );
    }
    let body = json!({"body": "no token"});
    assert_unauthorized(
        &app.post(&format!("/api/v1/users/{}/messages", bob.id), None, &body)
            .await,
        "private send",
    );
    assert_unauthorized(
        &app.post(
            &format!("/api/v1/rooms/{room_id}/messages"),
            Some("nope"),
            &body,
        )
        .await,
        "room send",
    );
    let (messages, _) = app.history(&alice, room_id, "").await;
    assert_eq!(
        messages.len(),
        1,
        "nothing was stored by unauthenticated sends"
    );
}

#[tokio::test]
async fn the_websocket_upgrade_without_a_valid_token_is_401() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;

    let (status, _) = app.ws_refused(None, "").await;
    assert_eq!(status, 401, "no token");
    let (status, _) = app.ws_refused(Some("Bearer garbage"), "").await;
    assert_eq!(status, 401, "garbage header token");
    let (status, _) = app.ws_refused(None, "?access_token=garbage").await;
    assert_eq!(status, 401, "garbage query token");
    let (status, _) = app
        .ws_refused(Some(&format!("Bearer {}", alice.refresh_token)), "")
        .await;
    assert_eq!(status, 401, "a refresh token is not an access token");

    // The real token works, in the header and in the query.
    app.ws_connect(&alice.access_token).await.ping_pong().await;
    app.ws_connect_query(&alice.access_token)
        .await
        .ping_pong()
        .await;
}

//! Abuse limits: every limit is hit over the public API and answers 429 `rate_limited` with a
//! `Retry-After` header (or a WebSocket `error` event), without harming anyone else.
//!
//! The harness runs servers in the `bench` profile, which lifts the limits; each test here
//! sets the limit it exercises explicitly (explicit variables win over the profile), and one
//! checks that the default profile really has them on.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{assert_error, spawn_app_with, unique_username, TestApp, PASSWORD};

fn env(vars: &[(&str, &str)]) -> Vec<(String, String)> {
    vars.iter()
        .map(|(key, value)| (key.to_string(), value.to_string()))
        .collect()
}

/// Posts `body` to `path` and returns the status, the `Retry-After` header and the JSON body.
async fn post_with_headers(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let mut request = app.client.post(app.url(path)).json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("sending the request");
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|value| value.to_str().expect("ascii").to_owned());
    let body = response.json().await.unwrap_or(Value::Null);
    (status, retry_after, body)
}

fn assert_rate_limited(status: u16, retry_after: Option<String>, body: &Value) {
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    let seconds: u64 = retry_after
        .expect("a Retry-After header")
        .parse()
        .expect("Retry-After in whole seconds");
    assert!(seconds >= 1, "Retry-After {seconds}");
}

#[tokio::test]
async fn logins_per_username_are_limited_whoever_guesses() {
    let app = spawn_app_with(env(&[
        ("CHAT_RATE_LOGIN_PER_USERNAME", "3/min"),
        ("CHAT_RATE_LOGIN_PER_IP", "off"),
    ]))
    .await;
    let victim = app.register_and_login("victim").await;
    for _ in 0..2 {
        let wrong = json!({"username": victim.username, "password": "wrong-password-1"});
        let (status, _, body) = post_with_headers(&app, "/api/v1/auth/login", None, &wrong).await;
        assert_eq!(status, 401, "{body}");
    }
    // The third attempt of the minute (the login above was the first) is refused before the
    // password is even checked, right password or not.
    let right = json!({"username": victim.username.to_uppercase(), "password": PASSWORD});
    let (status, retry_after, body) =
        post_with_headers(&app, "/api/v1/auth/login", None, &right).await;
    assert_rate_limited(status, retry_after, &body);
    // Someone else logs in as usual.
    let other = app.register_and_login("bystander").await;
    assert!(!other.access_token.is_empty());
}

#[tokio::test]
async fn logins_per_ip_are_limited_across_usernames() {
    let app = spawn_app_with(env(&[
        ("CHAT_RATE_LOGIN_PER_IP", "4/min"),
        ("CHAT_RATE_LOGIN_PER_USERNAME", "off"),
    ]))
    .await;
    for i in 0..4 {
        let guess = json!({"username": format!("nobody{i}"), "password": "whatever-123"});
        let (status, _, body) = post_with_headers(&app, "/api/v1/auth/login", None, &guess).await;
        assert_eq!(status, 401, "{body}");
    }
    let guess = json!({"username": "nobody-else", "password": "whatever-123"});
    let (status, retry_after, body) =
        post_with_headers(&app, "/api/v1/auth/login", None, &guess).await;
    assert_rate_limited(status, retry_after, &body);
}

#[tokio::test]
async fn registrations_per_ip_are_limited() {
    let app = spawn_app_with(env(&[("CHAT_RATE_REGISTER_PER_IP", "2/h")])).await;
    for _ in 0..2 {
        let response = app.try_register(&unique_username("reg"), PASSWORD).await;
        response.assert_status(201);
    }
    let request = json!({"username": unique_username("reg"), "password": PASSWORD});
    let (status, retry_after, body) =
        post_with_headers(&app, "/api/v1/auth/register", None, &request).await;
    assert_rate_limited(status, retry_after, &body);
    let seconds: u64 = retry_after_of(&app, &request).await;
    assert!(
        seconds > 60,
        "a 2/h bucket refills in half an hour, not {seconds} s"
    );
}

async fn retry_after_of(app: &TestApp, request: &Value) -> u64 {
    let (_, retry_after, _) = post_with_headers(app, "/api/v1/auth/register", None, request).await;
    retry_after
        .expect("a Retry-After header")
        .parse()
        .expect("whole seconds")
}

#[tokio::test]
async fn sends_per_room_are_limited_and_other_rooms_are_not_affected() {
    let app = spawn_app_with(env(&[("CHAT_RATE_SENDS_PER_ROOM", "3/min")])).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let group = app.group_with(&alice, "busy", &[&bob]).await;
    for i in 0..3 {
        app.send_to_room(&alice, &group, &format!("m{i}")).await;
    }
    let path = format!("/api/v1/rooms/{group}/messages");
    let (status, retry_after, body) = post_with_headers(
        &app,
        &path,
        Some(&alice.access_token),
        &json!({"body": "one too many"}),
    )
    .await;
    assert_rate_limited(status, retry_after, &body);
    // Another room of the same sender, and another sender in the same room, are fine.
    app.send_private(&alice, &carol, "hello carol").await;
    app.send_to_room(&bob, &group, "bob talks").await;
    // The refused message was not stored.
    let history = app.full_history(&alice, &group).await;
    assert!(history.iter().all(|m| m["body"] != "one too many"));
}

#[tokio::test]
async fn sends_per_user_are_limited_across_rooms() {
    let app = spawn_app_with(env(&[
        ("CHAT_RATE_SENDS_PER_USER", "3/min"),
        ("CHAT_RATE_SENDS_PER_ROOM", "off"),
    ]))
    .await;
    let alice = app.register_and_login("alice").await;
    let friends = [
        app.register_and_login("f1").await,
        app.register_and_login("f2").await,
        app.register_and_login("f3").await,
        app.register_and_login("f4").await,
    ];
    for friend in &friends[..3] {
        app.send_private(&alice, friend, "hi").await;
    }
    let path = format!("/api/v1/users/{}/messages", friends[3].id);
    let (status, retry_after, body) = post_with_headers(
        &app,
        &path,
        Some(&alice.access_token),
        &json!({"body": "hi"}),
    )
    .await;
    assert_rate_limited(status, retry_after, &body);
}

#[tokio::test]
async fn a_websocket_send_over_the_limit_gets_an_error_event_and_the_connection_stays() {
    let app = spawn_app_with(env(&[("CHAT_RATE_SENDS_PER_ROOM", "2/min")])).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut socket = app.ws_connect(&alice.access_token).await;
    for reference in ["a", "b"] {
        socket.send_to_user(reference, &bob.id, "hello").await;
        let answer = socket.answer_to(reference, Duration::from_secs(10)).await;
        assert_eq!(answer["type"], "ack", "{answer}");
        // The sender's own copy follows its ack; waiting for it keeps it from arriving after
        // the refusal below, where `ping_pong` would meet it.
        let echo = socket
            .wait_for_message(&answer["message"]["id"], Duration::from_secs(10))
            .await;
        assert!(echo.is_some(), "the sender gets its own message");
    }
    socket.send_to_user("c", &bob.id, "too fast").await;
    let answer = socket.answer_to("c", Duration::from_secs(10)).await;
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "rate_limited", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap_or("")
            .contains("retry after"),
        "{answer}"
    );
    socket.ping_pong().await;
}

#[tokio::test]
async fn connections_per_user_are_limited_before_the_upgrade() {
    let app = spawn_app_with(env(&[("CHAT_MAX_CONNECTIONS_PER_USER", "2")])).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let first = app.ws_connect(&alice.access_token).await;
    let _second = app.ws_connect(&alice.access_token).await;
    let (status, body) = app
        .ws_refused(Some(&format!("Bearer {}", alice.access_token)), "")
        .await;
    assert_eq!(status, 429, "{body}");
    let body: Value = serde_json::from_str(&body).expect("a JSON refusal");
    assert_eq!(body["error"]["code"], "too_many_connections", "{body}");
    // Other users are not affected, and closing one connection frees a place.
    let _bob = app.ws_connect(&bob.access_token).await;
    first.close().await;
    let mut third = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let (status, _) = try_upgrade(&app, &alice.access_token).await;
        if status == 101 {
            third = Some(());
            break;
        }
    }
    assert!(third.is_some(), "a closed connection never freed its place");
}

/// The status of an upgrade attempt (101 when it went through; the socket is dropped).
async fn try_upgrade(app: &TestApp, token: &str) -> (u16, String) {
    let url = format!("{}?access_token={token}", app.ws_url);
    match tokio_tungstenite::connect_async(url).await {
        Ok((_stream, response)) => (response.status().as_u16(), String::new()),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            (response.status().as_u16(), String::new())
        }
        Err(other) => panic!("upgrade failed: {other:?}"),
    }
}

#[tokio::test]
async fn request_bodies_over_the_limit_are_refused_with_413() {
    let app = spawn_app_with(env(&[("CHAT_MAX_REQUEST_BYTES", "2048")])).await;
    let padding = "x".repeat(3000);
    let response = app
        .post_raw(
            "/api/v1/auth/login",
            None,
            &json!({"username": "someone", "password": padding}).to_string(),
        )
        .await;
    assert_error(&response, 413, "payload_too_large");
}

#[tokio::test]
async fn the_default_profile_has_the_limits_on() {
    let app = spawn_app_with(env(&[
        ("CHAT_PROFILE", "default"),
        ("CHAT_BCRYPT_COST", "4"),
    ]))
    .await;
    let username = unique_username("guessed");
    let mut refused = None;
    for attempt in 1..=20 {
        let guess = json!({"username": username, "password": "wrong-password-1"});
        let (status, retry_after, body) =
            post_with_headers(&app, "/api/v1/auth/login", None, &guess).await;
        if status == 429 {
            assert_rate_limited(status, retry_after, &body);
            refused = Some(attempt);
            break;
        }
        assert_eq!(status, 401, "{body}");
    }
    assert_eq!(
        refused,
        Some(11),
        "the default allows 10 attempts per username a minute"
    );
}

#[tokio::test]
async fn the_bench_profile_says_so_at_start() {
    let app = spawn_app_with(env(&[("CHAT_PROFILE", "bench")])).await;
    let logs = app.logs();
    assert!(logs.contains("BENCH PROFILE"), "{logs}");
}

//! Logs: JSON lines with request ids, and never a secret, even with every level switched on.
//!
//! The server runs with `RUST_LOG=trace` and `CHAT_LOG_FORMAT=json` through a scenario that
//! hands it every kind of secret it ever sees (passwords, access tokens in a header and in the
//! WebSocket upgrade's query string, refresh tokens, message bodies over HTTP and WebSocket,
//! a failed login); then none of them may appear anywhere in what it printed.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{spawn_app_with, unique_username, TestApp};

const WAIT: Duration = Duration::from_secs(10);

/// Every stderr line of `app` parsed as JSON, failing on a line that is not a JSON object.
fn json_lines(app: &TestApp) -> Vec<Value> {
    app.logs()
        .lines()
        .filter_map(|line| line.strip_prefix("stderr: "))
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("a log line is not JSON ({e}): {line}"));
            assert!(value.is_object(), "a log line is not a JSON object: {line}");
            value
        })
        .collect()
}

/// The request id of the `request` span `line` was written in.
fn request_id(line: &Value) -> Option<&str> {
    line["spans"]
        .as_array()?
        .iter()
        .find(|span| span["name"] == "request")?["request_id"]
        .as_str()
}

/// The access-log lines (`"message": "request"`).
fn access_lines(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|line| line["message"] == "request")
        .collect()
}

#[tokio::test]
async fn no_password_token_or_message_body_reaches_the_logs_even_at_trace_level() {
    let app = spawn_app_with(vec![
        ("RUST_LOG".into(), "trace".into()),
        ("CHAT_LOG_FORMAT".into(), "json".into()),
    ])
    .await;
    let alice_password = "Alice-pw-7q3MZ-unlogged";
    let bob_password = "Bob-pw-K9x2W-unlogged";
    let wrong_password = "Wrong-pw-Zr41x-unlogged";
    let http_body = "http-body-5kQ8vT-never-logged";
    let ws_body = "ws-body-W3nd7Y-never-logged";

    let alice_name = unique_username("logs_alice");
    let bob_name = unique_username("logs_bob");
    let alice_id = app.register(&alice_name, alice_password).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let bob_id = app.register(&bob_name, bob_password).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let alice_first = app.login(&alice_name, alice_password).await;
    let alice = app.refresh(&alice_first.refresh_token).await;
    let bob = app.login(&bob_name, bob_password).await;
    app.try_login(&alice_name, wrong_password)
        .await
        .assert_status(401);

    // Bob connects the way browsers do, with the token in the query string.
    let mut socket = app.ws_connect_query(&bob.access_token).await;
    socket.ping_pong().await;
    let sent = app
        .post(
            &format!("/api/v1/users/{bob_id}/messages"),
            Some(&alice.access_token),
            &json!({"body": http_body, "client_msg_id": "log-1"}),
        )
        .await;
    sent.assert_status(201);
    let room = sent.field("room")["id"]
        .as_str()
        .expect("room id")
        .to_owned();
    let message_id = sent.field("message")["id"].clone();
    assert!(socket.wait_for_message(&message_id, WAIT).await.is_some());
    socket.send_to_user("r1", &alice_id, ws_body).await;
    let ack = socket.answer_to("r1", WAIT).await;
    assert_eq!(ack["type"], "ack", "{ack}");
    let history = app
        .get(
            &format!("/api/v1/rooms/{room}/messages?limit=10"),
            Some(&alice.access_token),
        )
        .await;
    history.assert_status(200);
    socket.close().await;
    let _ = app.logout(&alice.access_token, &alice.refresh_token).await;
    // Let the connection's closing lines and the last jobs reach the log.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let logs = app.logs();
    let mut secrets = vec![
        ("Alice's password", alice_password.to_owned()),
        ("Bob's password", bob_password.to_owned()),
        ("the wrong password", wrong_password.to_owned()),
        ("a message body sent over HTTP", http_body.to_owned()),
        ("a message body sent over WebSocket", ws_body.to_owned()),
    ];
    for (whose, tokens) in [
        ("Alice's first", &alice_first),
        ("Alice's", &alice),
        ("Bob's", &bob),
    ] {
        secrets.push((whose, tokens.refresh_token.clone()));
        secrets.push((whose, tokens.access_token.clone()));
        // A JWT's signature alone is enough to forge nothing, but its presence means the
        // token was logged somewhere in pieces.
        let signature = tokens.access_token.rsplit('.').next().unwrap_or_default();
        secrets.push((whose, signature.to_owned()));
    }
    for (what, secret) in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "{what} ({secret}) appears in the server's output"
        );
    }

    let lines = json_lines(&app);
    assert!(
        lines.len() > 50,
        "trace level should log a lot, got {} lines",
        lines.len()
    );
    let access = access_lines(&lines);
    for line in &access {
        assert!(
            request_id(line).is_some(),
            "an access line without a request id: {line}"
        );
        for field in ["method", "path", "status", "duration_ms"] {
            assert!(
                !line[field].is_null(),
                "an access line without `{field}`: {line}"
            );
        }
        let path = line["path"].as_str().expect("path");
        assert!(!path.contains('?'), "a path with its query string: {line}");
    }
    let upgrade = access
        .iter()
        .find(|line| line["path"] == "/api/v1/ws")
        .expect("an access line for the WebSocket upgrade");
    assert_eq!(upgrade["status"], 101, "{upgrade}");
    let login = access
        .iter()
        .find(|line| line["path"] == "/api/v1/auth/login" && line["status"] == 401)
        .expect("an access line for the failed login");
    assert_eq!(login["method"], "POST", "{login}");
    // The connection's own lines carry the id of the request that opened it.
    let upgrade_id = request_id(upgrade).expect("the upgrade's request id");
    assert!(
        lines
            .iter()
            .any(|line| line["message"] == "websocket connected"
                && request_id(line) == Some(upgrade_id)),
        "no `websocket connected` line with the upgrade's request id {upgrade_id}"
    );
}

#[tokio::test]
async fn a_sane_request_id_is_kept_and_anything_else_is_replaced() {
    let app = spawn_app_with(vec![
        ("RUST_LOG".into(), "info".into()),
        ("CHAT_LOG_FORMAT".into(), "json".into()),
    ])
    .await;
    let get = |id: &'static str| {
        app.client
            .get(app.url("/healthz"))
            .header("x-request-id", id)
            .send()
    };

    let kept = get("lb-7f3a9c:0001").await.expect("GET /healthz");
    assert_eq!(kept.headers()["x-request-id"], "lb-7f3a9c:0001");
    let replaced = get("has spaces, so no").await.expect("GET /healthz");
    let made = replaced.headers()["x-request-id"].to_str().expect("ASCII");
    assert_eq!(made.len(), 36, "a UUID: {made}");
    assert_eq!(&made[14..15], "7", "a version 7 UUID: {made}");
    let without = app
        .client
        .get(app.url("/no/such/route"))
        .send()
        .await
        .expect("GET");
    assert_eq!(without.status().as_u16(), 404);
    assert!(without.headers().contains_key("x-request-id"));

    tokio::time::sleep(Duration::from_millis(200)).await;
    let lines = json_lines(&app);
    assert!(
        access_lines(&lines)
            .iter()
            .any(|line| request_id(line) == Some("lb-7f3a9c:0001") && line["path"] == "/healthz"),
        "no access line with the incoming request id:\n{}",
        app.logs()
    );
}

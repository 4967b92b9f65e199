//! A user's own logins over HTTP: listing them (device, times, which one is current), ending
//! one (its WebSocket closes with 1008, the other login's stays open), ending all of them, and
//! another user's session id answering like an unknown one.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{
    assert_error, assert_error_status, spawn_app, ApiResponse, TestApp, TestUser, Tokens,
    EVENT_TIMEOUT, UNKNOWN_ID,
};

const SESSIONS: &str = "/api/v1/auth/sessions";

/// `POST /auth/login` with an optional `device` field and an optional User-Agent header.
async fn login_on(
    app: &TestApp,
    user: &TestUser,
    device: Option<&str>,
    agent: Option<&str>,
) -> ApiResponse {
    let mut body = json!({"username": user.username, "password": user.password});
    if let Some(device) = device {
        body["device"] = json!(device);
    }
    let mut request = app.client.post(app.url("/api/v1/auth/login")).json(&body);
    if let Some(agent) = agent {
        request = request.header("user-agent", agent);
    }
    let response = request.send().await.expect("sending the login");
    let status = response.status().as_u16();
    let text = response.text().await.expect("reading the login answer");
    ApiResponse {
        status,
        content_type: None,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// Logs in on `device`, asserting 200; returns the pair.
async fn login_device(app: &TestApp, user: &TestUser, device: &str) -> Tokens {
    let response = login_on(app, user, Some(device), None).await;
    response.assert_status(200);
    Tokens {
        access_token: response
            .field("access_token")
            .as_str()
            .expect("access")
            .to_owned(),
        refresh_token: response
            .field("refresh_token")
            .as_str()
            .expect("refresh")
            .to_owned(),
    }
}

/// The caller's sessions, asserting 200.
async fn sessions(app: &TestApp, access_token: &str) -> Vec<Value> {
    let response = app.get(SESSIONS, Some(access_token)).await;
    response.assert_status(200);
    response
        .field("sessions")
        .as_array()
        .expect("an array")
        .clone()
}

/// The id of the session the token `access_token` belongs to (the one marked current).
pub(crate) async fn current_session(app: &TestApp, access_token: &str) -> String {
    let listed = sessions(app, access_token).await;
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1, "exactly one current session: {listed:?}");
    current[0]["id"].as_str().expect("an id").to_owned()
}

#[tokio::test]
async fn listing_shows_every_login_with_its_device_newest_first_and_marks_the_current_one() {
    let app = spawn_app().await;
    let user = app.register_and_login("sara").await;
    let browser = login_on(
        &app,
        &user,
        None,
        Some("Mozilla/5.0 (X11; Linux) Firefox/128.0"),
    )
    .await;
    browser.assert_status(200);
    let phone = login_device(&app, &user, "  Sara's phone ").await;

    let listed = sessions(&app, &phone.access_token).await;

    assert_eq!(listed.len(), 3, "{listed:?}");
    let devices: Vec<&Value> = listed.iter().map(|s| &s["device"]).collect();
    assert_eq!(
        devices,
        [
            &json!("Sara's phone"),
            &json!("Mozilla/5.0 (X11; Linux) Firefox/128.0"),
            &Value::Null
        ],
        "newest first; the name trimmed, else the User-Agent, else null"
    );
    let current: Vec<bool> = listed.iter().map(|s| s["current"] == true).collect();
    assert_eq!(current, [true, false, false]);
    for session in &listed {
        for field in ["id", "created_at", "last_used_at"] {
            assert!(session[field].is_string(), "{field} in {session}");
        }
    }
    // The same list, seen from another login, marks that one instead.
    let from_first = sessions(&app, &user.access_token).await;
    let current: Vec<bool> = from_first.iter().map(|s| s["current"] == true).collect();
    assert_eq!(current, [false, false, true]);
}

#[tokio::test]
async fn a_refresh_moves_last_used_at_and_keeps_the_session() {
    let app = spawn_app().await;
    let user = app.register_and_login("tomas").await;
    let before = sessions(&app, &user.access_token).await;
    // Let the millisecond clock move on, so the refresh has a later time to record.
    tokio::time::sleep(Duration::from_millis(20)).await;

    let next = app.refresh(&user.refresh_token).await;

    let after = sessions(&app, &next.access_token).await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["id"], before[0]["id"], "a refresh keeps the login");
    assert_eq!(after[0]["created_at"], before[0]["created_at"]);
    let (was, is) = (
        before[0]["last_used_at"].as_str().expect("time"),
        after[0]["last_used_at"].as_str().expect("time"),
    );
    assert!(is > was, "last_used_at moved from {was} to {is}");
}

#[tokio::test]
async fn revoking_one_session_closes_its_socket_with_1008_and_the_other_stays_open() {
    let app = spawn_app().await;
    let user = app.register_and_login("uma").await;
    let phone = login_device(&app, &user, "phone").await;
    let laptop_id = current_session(&app, &user.access_token).await;
    let mut laptop_ws = app.ws_connect(&user.access_token).await;
    let mut phone_ws = app.ws_connect(&phone.access_token).await;
    laptop_ws.ping_pong().await;
    phone_ws.ping_pong().await;

    let response = app
        .delete(
            &format!("{SESSIONS}/{laptop_id}"),
            Some(&phone.access_token),
        )
        .await;

    response.assert_status(204);
    let (code, events) = laptop_ws.expect_close(EVENT_TIMEOUT).await;
    assert_eq!(
        code,
        Some(1008),
        "the revoked login (events before: {events:?})"
    );
    phone_ws.ping_pong().await;
    assert_error_status(&app.try_refresh(&user.refresh_token).await, 401);
    let left = sessions(&app, &phone.access_token).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["device"], "phone");
    // Revoking it again finds nothing active.
    let again = app
        .delete(
            &format!("{SESSIONS}/{laptop_id}"),
            Some(&phone.access_token),
        )
        .await;
    assert_error(&again, 404, "session_not_found");
}

#[tokio::test]
async fn another_users_session_or_an_unknown_id_is_404_and_nothing_ends() {
    let app = spawn_app().await;
    let alice = app.register_and_login("vera").await;
    let mallory = app.register_and_login("mallory").await;
    let alices = current_session(&app, &alice.access_token).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    alice_ws.ping_pong().await;

    for id in [alices.as_str(), UNKNOWN_ID, "not-an-id"] {
        let response = app
            .delete(&format!("{SESSIONS}/{id}"), Some(&mallory.access_token))
            .await;
        assert_error(&response, 404, "session_not_found");
    }

    alice_ws.ping_pong().await;
    assert_eq!(sessions(&app, &alice.access_token).await.len(), 1);
    app.refresh(&alice.refresh_token).await;
}

#[tokio::test]
async fn logout_all_closes_every_socket_and_voids_every_refresh_token() {
    let app = spawn_app().await;
    let user = app.register_and_login("walt").await;
    let other = app.register_and_login("xena").await;
    let phone = login_device(&app, &user, "phone").await;
    let mut laptop_ws = app.ws_connect(&user.access_token).await;
    let mut phone_ws = app.ws_connect(&phone.access_token).await;
    let mut other_ws = app.ws_connect(&other.access_token).await;
    for ws in [&mut laptop_ws, &mut phone_ws, &mut other_ws] {
        ws.ping_pong().await;
    }

    let response = app
        .post(
            "/api/v1/auth/logout-all",
            Some(&phone.access_token),
            &json!({}),
        )
        .await;

    response.assert_status(204);
    for ws in [&mut laptop_ws, &mut phone_ws] {
        let (code, events) = ws.expect_close(EVENT_TIMEOUT).await;
        assert_eq!(code, Some(1008), "events before: {events:?}");
    }
    other_ws.ping_pong().await;
    for refresh in [&user.refresh_token, &phone.refresh_token] {
        assert_error_status(&app.try_refresh(refresh).await, 401);
    }
    // The revoked logins' access tokens are refused at once, on HTTP too.
    let listed = app.get(SESSIONS, Some(&user.access_token)).await;
    assert_error(&listed, 401, "unauthorized");
    let (status, _) = app
        .ws_refused(Some(&format!("Bearer {}", user.access_token)), "")
        .await;
    assert_eq!(status, 401, "a revoked login cannot reconnect");
    app.refresh(&other.refresh_token).await;
}

#[tokio::test]
async fn bad_device_names_are_400_and_the_session_routes_need_a_token() {
    let app = spawn_app().await;
    let user = app.register_and_login("yuri").await;
    let long = "d".repeat(129);
    for device in ["", "   ", long.as_str(), "line\nbreak"] {
        let response = login_on(&app, &user, Some(device), None).await;
        assert_error(&response, 400, "invalid_device");
    }
    let number = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"username": user.username, "password": user.password, "device": 7}),
        )
        .await;
    assert_error(&number, 400, "invalid_request");

    assert_error(&app.get(SESSIONS, None).await, 401, "unauthorized");
    let delete = app.delete(&format!("{SESSIONS}/{UNKNOWN_ID}"), None).await;
    assert_error(&delete, 401, "unauthorized");
    let all = app.post("/api/v1/auth/logout-all", None, &json!({})).await;
    assert_error(&all, 401, "unauthorized");
    assert_eq!(sessions(&app, &user.access_token).await.len(), 1);
}

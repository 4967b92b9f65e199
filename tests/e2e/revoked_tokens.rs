//! A revoked login's access tokens stop working on plain HTTP at once, not when they expire:
//! after a logout, an ended session, a logout everywhere and a lock; on a node restarted
//! since; and, in a cluster, on the other node (over the bus).

use std::time::Duration;

use serde_json::json;

use crate::sessions::current_session;
use crate::support::{
    assert_error, spawn_app, spawn_app_with, Stack, StackConfig, TestApp, EVENT_TIMEOUT,
};

const ME: &str = "/api/v1/users/me";
const SESSIONS: &str = "/api/v1/auth/sessions";
const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789abcdef0123456789";

/// Asserts that `token` is refused with 401 `unauthorized` by an ordinary protected route.
async fn assert_refused(app: &TestApp, token: &str) {
    assert_error(&app.get(ME, Some(token)).await, 401, "unauthorized");
}

/// Asserts that `token` still works.
async fn assert_accepted(app: &TestApp, token: &str) {
    app.get(ME, Some(token)).await.assert_status(200);
}

#[tokio::test]
async fn a_logged_out_login_s_access_token_is_refused_at_once_and_other_logins_are_not() {
    let app = spawn_app().await;
    let user = app.register_and_login("olga").await;
    let phone = app.login_again(&user).await;
    assert_accepted(&app, &user.access_token).await;

    app.logout(&user.access_token, &user.refresh_token)
        .await
        .assert_status(204);

    assert_refused(&app, &user.access_token).await;
    let rooms = app.get("/api/v1/rooms", Some(&user.access_token)).await;
    assert_error(&rooms, 401, "unauthorized");
    assert_accepted(&app, &phone.access_token).await;
}

#[tokio::test]
async fn ending_one_session_then_all_refuses_their_access_tokens() {
    let app = spawn_app().await;
    let user = app.register_and_login("pavel").await;
    let other = app.register_and_login("quinn").await;
    let phone = app.login_again(&user).await;
    let laptop_session = current_session(&app, &user.access_token).await;

    app.delete(
        &format!("{SESSIONS}/{laptop_session}"),
        Some(&phone.access_token),
    )
    .await
    .assert_status(204);
    assert_refused(&app, &user.access_token).await;
    assert_accepted(&app, &phone.access_token).await;

    app.post(
        "/api/v1/auth/logout-all",
        Some(&phone.access_token),
        &json!({}),
    )
    .await
    .assert_status(204);
    assert_refused(&app, &phone.access_token).await;
    assert_accepted(&app, &other.access_token).await;
}

#[tokio::test]
async fn a_locked_user_s_access_token_is_refused_at_once() {
    let app = spawn_app_with(vec![(
        "CHAT_ADMIN_TOKEN".to_owned(),
        ADMIN_TOKEN.to_owned(),
    )])
    .await;
    let victim = app.register_and_login("rita").await;
    assert_accepted(&app, &victim.access_token).await;

    let lock = format!("/api/v1/admin/users/{}/lock", victim.id);
    app.post(&lock, Some(ADMIN_TOKEN), &json!({}))
        .await
        .assert_status(204);

    assert_refused(&app, &victim.access_token).await;
}

#[tokio::test]
async fn a_node_started_after_a_logout_refuses_the_token_from_its_first_request() {
    let mut app = spawn_app().await;
    let user = app.register_and_login("sven").await;
    let phone = app.login_again(&user).await;
    app.logout(&user.access_token, &user.refresh_token)
        .await
        .assert_status(204);

    assert!(app.terminate(Duration::from_secs(30)).await.is_some());
    app.start_again().await;

    assert_refused(&app, &user.access_token).await;
    assert_accepted(&app, &phone.access_token).await;
}

#[tokio::test]
async fn a_logout_on_one_node_is_refused_by_the_other() {
    let Some(stack) = Stack::start(StackConfig::full("cluster revocation")).await else {
        return;
    };
    let node_a = stack.spawn_node("node A").await;
    let node_b = stack.spawn_follower("node B").await;
    let user = node_a.register_and_login("tess").await;
    let phone = node_b.login_again(&user).await;
    assert_accepted(&node_b, &user.access_token).await;

    node_a
        .logout(&user.access_token, &user.refresh_token)
        .await
        .assert_status(204);
    assert_refused(&node_a, &user.access_token).await;

    // Node B hears of it over the bus: refused from then on, for good.
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    let mut refusals = 0;
    while refusals < 3 {
        let response = node_b.get(ME, Some(&user.access_token)).await;
        match response.status {
            401 => refusals += 1,
            200 if refusals == 0 => {}
            other => panic!("after {refusals} refusals: HTTP {other}: {}", response.text),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node B still takes the token after {EVENT_TIMEOUT:?}"
        );
    }
    assert_accepted(&node_b, &phone.access_token).await;
}

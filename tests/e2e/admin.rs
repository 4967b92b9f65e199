//! The administration routes over HTTP: who gets in (401 without a valid token, 403 for a
//! user who is not an administrator, in for a listed user or the admin token, nobody when
//! nothing is configured), connection figures, disconnecting a user, locking and unlocking
//! one, and the dead letters listed and replayed.

use serde_json::{json, Value};

use crate::support::{
    assert_error, assert_error_status, spawn_app, spawn_app_with, ApiResponse, TestApp, TestUser,
    EVENT_TIMEOUT, PASSWORD, UNKNOWN_ID,
};

/// The admin token the tests configure (at least 32 bytes).
const ADMIN_TOKEN: &str = "e2e-admin-token-0123456789abcdef0123456789";

/// The administrator account's name.
const BOSS: &str = "boss";

/// A server whose administrators are `boss` and [`ADMIN_TOKEN`]; `boss` is registered and
/// logged in.
async fn admin_app() -> (TestApp, TestUser) {
    let app = spawn_app_with(vec![
        (
            "CHAT_ADMIN_USERS".to_owned(),
            format!("someone_else, {BOSS}"),
        ),
        ("CHAT_ADMIN_TOKEN".to_owned(), ADMIN_TOKEN.to_owned()),
    ])
    .await;
    let user = app.register(BOSS, PASSWORD).await;
    let tokens = app.login(BOSS, PASSWORD).await;
    let boss = TestUser {
        id: user["id"].as_str().expect("id").to_owned(),
        username: BOSS.to_owned(),
        password: PASSWORD.to_owned(),
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
    };
    (app, boss)
}

/// Calls `method path` as `token` (no body for GET, `{}` for POST).
async fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>) -> ApiResponse {
    match method {
        "GET" => app.get(path, token).await,
        _ => app.post(path, token, &json!({})).await,
    }
}

/// Every admin route, with `victim` as the user the user routes act on; in an order that
/// leaves the victim unlocked at the end.
fn admin_routes(victim: &str) -> Vec<(&'static str, String, u16)> {
    vec![
        ("GET", "/api/v1/admin/dead-letters".to_owned(), 200),
        ("GET", "/api/v1/admin/connections".to_owned(), 200),
        (
            "POST",
            format!("/api/v1/admin/users/{victim}/disconnect"),
            204,
        ),
        ("POST", format!("/api/v1/admin/users/{victim}/lock"), 204),
        ("POST", format!("/api/v1/admin/users/{victim}/unlock"), 204),
        // No such dead letter: getting as far as the 404 proves the caller was let in.
        (
            "POST",
            format!("/api/v1/admin/dead-letters/{UNKNOWN_ID}/replay"),
            404,
        ),
    ]
}

/// Inserts a dead letter straight into the node's SQLite database (no route can make one):
/// a housekeeping job that succeeds when replayed.
async fn seed_dead_letter(app: &TestApp, id: &str) {
    let url = format!(
        "sqlite://{}?mode=rwc",
        app.data_dir.path().join("chat.db").display()
    );
    let payload = r#"{"kind":"prune_sessions","before":"2020-01-01T00:00:00.000Z"}"#;
    let sql = format!(
        "INSERT INTO dead_letters (id, payload, priority, attempts, error, failed_at) \
         VALUES ('{id}', '{payload}', 'background', 5, 'database is locked', 1767323045000)"
    );
    chat_testkit::execute_sql(&url, &sql)
        .await
        .expect("seeding a dead letter");
}

#[tokio::test]
async fn every_admin_route_is_401_without_a_valid_token_403_for_users_and_open_to_admins() {
    let (app, boss) = admin_app().await;
    let user = app.register_and_login("carl").await;
    let victim = app.register_and_login("vic").await;

    for (method, path, ok) in admin_routes(&victim.id) {
        for token in [
            None,
            Some("garbage"),
            Some("e2e-admin-token-0123456789abcdef012345678"),
        ] {
            let response = call(&app, method, &path, token).await;
            assert_error(&response, 401, "unauthorized");
        }
        let response = call(&app, method, &path, Some(&user.access_token)).await;
        assert_error(&response, 403, "forbidden");
        for token in [boss.access_token.as_str(), ADMIN_TOKEN] {
            let response = call(&app, method, &path, Some(token)).await;
            assert_eq!(
                response.status, ok,
                "{method} {path} as an admin: {}",
                response.text
            );
        }
    }
    // The victim ends unlocked: the last lock was followed by an unlock.
    app.login_again(&victim).await;
    assert!(
        !app.logs().contains(ADMIN_TOKEN),
        "the admin token never reaches the logs"
    );
}

#[tokio::test]
async fn with_no_administrators_configured_nobody_gets_in() {
    let app = spawn_app().await;
    let user = app.register_and_login("root").await;

    for (method, path, _) in admin_routes(&user.id) {
        let response = call(&app, method, &path, Some(&user.access_token)).await;
        assert_error(&response, 403, "forbidden");
        let response = call(&app, method, &path, Some(ADMIN_TOKEN)).await;
        assert_error(&response, 401, "unauthorized");
        let response = call(&app, method, &path, None).await;
        assert_error(&response, 401, "unauthorized");
    }
}

#[tokio::test]
async fn connection_figures_count_this_nodes_sockets_and_distinct_users() {
    let (app, _boss) = admin_app().await;
    let first = app.register_and_login("dora").await;
    let second = app.register_and_login("eli").await;
    let phone = app.login_again(&first).await;
    let mut sockets = vec![
        app.ws_connect(&first.access_token).await,
        app.ws_connect(&phone.access_token).await,
        app.ws_connect(&second.access_token).await,
    ];
    for ws in &mut sockets {
        ws.ping_pong().await;
    }

    let response = app
        .get("/api/v1/admin/connections", Some(ADMIN_TOKEN))
        .await;

    response.assert_status(200);
    assert_eq!(response.body, json!({"connections": 3, "users": 2}));
}

#[tokio::test]
async fn disconnecting_a_user_closes_all_their_sockets_with_1008_and_keeps_their_logins() {
    let (app, boss) = admin_app().await;
    let victim = app.register_and_login("finn").await;
    let bystander = app.register_and_login("gale").await;
    let phone = app.login_again(&victim).await;
    let mut laptop_ws = app.ws_connect(&victim.access_token).await;
    let mut phone_ws = app.ws_connect(&phone.access_token).await;
    let mut bystander_ws = app.ws_connect(&bystander.access_token).await;
    for ws in [&mut laptop_ws, &mut phone_ws, &mut bystander_ws] {
        ws.ping_pong().await;
    }

    let path = format!("/api/v1/admin/users/{}/disconnect", victim.id);
    app.post(&path, Some(&boss.access_token), &json!({}))
        .await
        .assert_status(204);

    for ws in [&mut laptop_ws, &mut phone_ws] {
        let (code, events) = ws.expect_close(EVENT_TIMEOUT).await;
        assert_eq!(code, Some(1008), "events before: {events:?}");
    }
    bystander_ws.ping_pong().await;
    // Only the connections went: the logins still connect and refresh.
    app.ws_connect(&victim.access_token).await.ping_pong().await;
    app.refresh(&phone.refresh_token).await;
    let unknown = format!("/api/v1/admin/users/{UNKNOWN_ID}/disconnect");
    let response = app.post(&unknown, Some(ADMIN_TOKEN), &json!({})).await;
    assert_error(&response, 404, "user_not_found");
}

#[tokio::test]
async fn a_locked_user_cannot_log_in_refresh_or_connect_until_unlocked() {
    let (app, boss) = admin_app().await;
    let victim = app.register_and_login("hugo").await;
    let mut victim_ws = app.ws_connect(&victim.access_token).await;
    victim_ws.ping_pong().await;

    let lock = format!("/api/v1/admin/users/{}/lock", victim.id);
    app.post(&lock, Some(&boss.access_token), &json!({}))
        .await
        .assert_status(204);

    let (code, events) = victim_ws.expect_close(EVENT_TIMEOUT).await;
    assert_eq!(code, Some(1008), "events before: {events:?}");
    // The right and a wrong password get the same answer.
    for password in [PASSWORD, "not the password at all"] {
        let response = app.try_login(&victim.username, password).await;
        assert_error(&response, 403, "account_locked");
    }
    assert_error_status(&app.try_refresh(&victim.refresh_token).await, 401);
    let (status, _) = app
        .ws_refused(Some(&format!("Bearer {}", victim.access_token)), "")
        .await;
    assert_eq!(status, 401, "no WebSocket for a locked account");
    // Locking twice is fine.
    app.post(&lock, Some(ADMIN_TOKEN), &json!({}))
        .await
        .assert_status(204);

    let unlock = format!("/api/v1/admin/users/{}/unlock", victim.id);
    app.post(&unlock, Some(ADMIN_TOKEN), &json!({}))
        .await
        .assert_status(204);

    let tokens = app.login(&victim.username, PASSWORD).await;
    app.ws_connect(&tokens.access_token).await.ping_pong().await;
    app.refresh(&tokens.refresh_token).await;
    // The sessions the lock ended stay ended.
    assert_error_status(&app.try_refresh(&victim.refresh_token).await, 401);
    let unknown = format!("/api/v1/admin/users/{UNKNOWN_ID}/lock");
    let response = app.post(&unknown, Some(ADMIN_TOKEN), &json!({})).await;
    assert_error(&response, 404, "user_not_found");
}

#[tokio::test]
async fn dead_letters_are_listed_and_replayed_over_http() {
    let (app, boss) = admin_app().await;
    let id = "01900000-0000-7000-8000-00000000dead";
    seed_dead_letter(&app, id).await;

    let response = app
        .get("/api/v1/admin/dead-letters", Some(&boss.access_token))
        .await;

    response.assert_status(200);
    let letters = response.field("dead_letters").as_array().expect("an array");
    assert_eq!(letters.len(), 1, "{letters:?}");
    let letter = &letters[0];
    assert_eq!(letter["id"], id);
    assert_eq!(letter["priority"], "background");
    assert_eq!(letter["attempts"], 5);
    assert_eq!(letter["error"], "database is locked");
    assert_eq!(letter["failed_at"], "2026-01-02T03:04:05.000Z");
    assert_eq!(
        letter["payload"],
        json!({"kind": "prune_sessions", "before": "2020-01-01T00:00:00.000Z"})
    );
    for limit in ["0", "1001", "x"] {
        let path = format!("/api/v1/admin/dead-letters?limit={limit}");
        assert_error_status(&app.get(&path, Some(ADMIN_TOKEN)).await, 400);
    }

    let replay = format!("/api/v1/admin/dead-letters/{id}/replay");
    app.post(&replay, Some(ADMIN_TOKEN), &json!({}))
        .await
        .assert_status(204);

    let after = app
        .get("/api/v1/admin/dead-letters", Some(ADMIN_TOKEN))
        .await;
    assert_eq!(after.field("dead_letters"), &Value::Array(Vec::new()));
    let again = app.post(&replay, Some(ADMIN_TOKEN), &json!({})).await;
    assert_error(&again, 404, "dead_letter_not_found");
}

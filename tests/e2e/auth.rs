//! Accounts: registration rules, login, refresh rotation and reuse detection, logout closing
//! that login's WebSockets, and the user look-ups.

use serde_json::json;

use crate::support::{
    assert_error, assert_error_status, assert_rfc3339_utc, spawn_app, unique_username,
    EVENT_TIMEOUT, PASSWORD, UNKNOWN_ID,
};

#[tokio::test]
async fn register_returns_201_with_the_user_and_lowercases_the_name() {
    let app = spawn_app().await;
    let mixed = unique_username("alice").replacen("alice", "AlIcE", 1);

    let response = app.try_register(&mixed, PASSWORD).await;

    response.assert_status(201);
    let user = response.field("user");
    assert!(
        user["id"].as_str().is_some_and(|id| !id.is_empty()),
        "{user}"
    );
    assert_eq!(user["username"], mixed.to_lowercase());
    assert_rfc3339_utc(&user["created_at"]);
    assert!(user.get("password").is_none() && user.get("password_hash").is_none());
    // The stored name is the lowercase one: logging in with it works.
    app.login(&mixed.to_lowercase(), PASSWORD).await;
}

#[tokio::test]
async fn registering_a_taken_username_is_409_also_in_another_case() {
    let app = spawn_app().await;
    let name = unique_username("bob");
    app.register(&name, PASSWORD).await;

    assert_error(
        &app.try_register(&name, "another password").await,
        409,
        "username_taken",
    );
    assert_error(
        &app.try_register(&name.to_uppercase(), PASSWORD).await,
        409,
        "username_taken",
    );
}

#[tokio::test]
async fn invalid_usernames_are_400() {
    let app = spawn_app().await;
    for bad in [
        "ab",
        "",
        &"x".repeat(33),
        "has space",
        "semi;colon",
        "émile",
        "slash/name",
    ] {
        let response = app.try_register(bad, PASSWORD).await;
        assert_error_status(&response, 400);
    }
    // The edges of the rule are accepted.
    app.register("a.b", PASSWORD).await;
    app.register(&"z".repeat(32), PASSWORD).await;
    app.register("x_y-z.0", PASSWORD).await;
}

#[tokio::test]
async fn passwords_must_be_8_to_72_bytes() {
    let app = spawn_app().await;
    assert_error_status(
        &app.try_register(&unique_username("p"), "1234567").await,
        400,
    );
    assert_error_status(
        &app.try_register(&unique_username("p"), &"a".repeat(73))
            .await,
        400,
    );
    // 37 two-byte characters are 74 bytes: too long although only 37 characters.
    assert_error_status(
        &app.try_register(&unique_username("p"), &"é".repeat(37))
            .await,
        400,
    );

    let eight = unique_username("p");
    app.register(&eight, "12345678").await;
    app.login(&eight, "12345678").await;
    let long = unique_username("p");
    let seventy_two = "b".repeat(72);
    app.register(&long, &seventy_two).await;
    app.login(&long, &seventy_two).await;
}

#[tokio::test]
async fn login_returns_the_token_pair_and_the_user() {
    let app = spawn_app().await;
    let name = unique_username("carol");
    let user = app.register(&name, PASSWORD).await;

    let response = app.try_login(&name, PASSWORD).await;

    response.assert_status(200);
    let body = &response.body;
    assert!(
        body["access_token"].as_str().is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert!(
        body["refresh_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty()),
        "{body}"
    );
    assert_ne!(body["access_token"], body["refresh_token"]);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(
        body["expires_in"], 900,
        "access tokens live 15 minutes by default"
    );
    assert_eq!(body["user"]["id"], user["id"]);
    assert_eq!(body["user"]["username"], name);
    // Login is case-insensitive like registration.
    app.login(&name.to_uppercase(), PASSWORD).await;
}

#[tokio::test]
async fn unknown_user_and_wrong_password_give_the_same_401() {
    let app = spawn_app().await;
    let name = unique_username("dave");
    app.register(&name, PASSWORD).await;

    let unknown = app.try_login(&unique_username("nobody"), PASSWORD).await;
    let wrong = app.try_login(&name, "wrong password").await;

    assert_error(&unknown, 401, "invalid_credentials");
    assert_error(&wrong, 401, "invalid_credentials");
    assert_eq!(
        unknown.body["error"]["message"],
        wrong.body["error"]["message"]
    );
}

#[tokio::test]
async fn refresh_rotates_the_pair_and_the_new_access_token_works() {
    let app = spawn_app().await;
    let user = app.register_and_login("erin").await;

    let fresh = app.refresh(&user.refresh_token).await;

    assert_ne!(fresh.refresh_token, user.refresh_token);
    let me = app.get("/api/v1/users/me", Some(&fresh.access_token)).await;
    me.assert_status(200);
    assert_eq!(me.body["user"]["id"], user.id.as_str());
    // And the new refresh token can be used in turn.
    app.refresh(&fresh.refresh_token).await;
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_revokes_the_whole_login() {
    let app = spawn_app().await;
    let user = app.register_and_login("frank").await;
    let other_login = app.login_again(&user).await;
    let second = app.refresh(&user.refresh_token).await;
    let third = app.refresh(&second.refresh_token).await;

    // The first token was spent: presenting it again is a theft signal.
    assert_error_status(&app.try_refresh(&user.refresh_token).await, 401);

    // Every token descended from that login is revoked, the newest included...
    assert_error_status(&app.try_refresh(&third.refresh_token).await, 401);
    // ...but an independent login of the same user is not.
    app.refresh(&other_login.refresh_token).await;
}

#[tokio::test]
async fn reusing_a_spent_refresh_token_closes_that_logins_websockets_with_1008() {
    let app = spawn_app().await;
    let user = app.register_and_login("fred").await;
    let other_login = app.login_again(&user).await;
    let rotated = app.refresh(&user.refresh_token).await;
    let mut stolen_session_ws = app.ws_connect(&rotated.access_token).await;
    let mut other_ws = app.ws_connect(&other_login.access_token).await;
    stolen_session_ws.ping_pong().await;
    other_ws.ping_pong().await;

    assert_error_status(&app.try_refresh(&user.refresh_token).await, 401);

    let (code, events) = stolen_session_ws.expect_close(EVENT_TIMEOUT).await;
    assert_eq!(
        code,
        Some(1008),
        "a revoked login (events before: {events:?})"
    );
    other_ws.ping_pong().await;
}

#[tokio::test]
async fn a_refresh_token_is_not_an_access_token_nor_the_reverse() {
    let app = spawn_app().await;
    let user = app.register_and_login("gina").await;

    let as_access = app.get("/api/v1/users/me", Some(&user.refresh_token)).await;
    assert_error_status(&as_access, 401);

    let as_refresh = app.try_refresh(&user.access_token).await;
    assert_error_status(&as_refresh, 401);

    // Neither mistake spent anything: the real pair still works.
    app.get("/api/v1/users/me", Some(&user.access_token))
        .await
        .assert_status(200);
    app.refresh(&user.refresh_token).await;
}

#[tokio::test]
async fn garbage_refresh_tokens_are_401() {
    let app = spawn_app().await;
    assert_error_status(&app.try_refresh("not-a-token").await, 401);
    assert_error_status(&app.try_refresh("").await, 401);
}

#[tokio::test]
async fn logout_closes_that_logins_websockets_with_1008_only() {
    let app = spawn_app().await;
    let user = app.register_and_login("hank").await;
    let phone = app.login_again(&user).await;
    let mut laptop_ws = app.ws_connect(&user.access_token).await;
    let mut phone_ws = app.ws_connect(&phone.access_token).await;
    laptop_ws.ping_pong().await;
    phone_ws.ping_pong().await;

    let response = app.logout(&user.access_token, &user.refresh_token).await;

    response.assert_status(204);
    let (code, events) = laptop_ws.expect_close(EVENT_TIMEOUT).await;
    assert_eq!(
        code,
        Some(1008),
        "close code of the logged-out login (events before: {events:?})"
    );
    // The other login's connection stays open and working.
    phone_ws.ping_pong().await;
    // The logged-out refresh token is dead, the other login's is not.
    assert_error_status(&app.try_refresh(&user.refresh_token).await, 401);
    app.refresh(&phone.refresh_token).await;
}

#[tokio::test]
async fn users_me_and_users_by_id_return_the_user() {
    let app = spawn_app().await;
    let alice = app.register_and_login("ivy").await;
    let bob = app.register_and_login("jack").await;

    let me = app.get("/api/v1/users/me", Some(&alice.access_token)).await;
    me.assert_status(200);
    assert_eq!(me.body["user"]["id"], alice.id.as_str());
    assert_eq!(me.body["user"]["username"], alice.username.as_str());
    assert_rfc3339_utc(&me.body["user"]["created_at"]);

    let other = app
        .get(
            &format!("/api/v1/users/{}", bob.id),
            Some(&alice.access_token),
        )
        .await;
    other.assert_status(200);
    assert_eq!(other.body["user"]["id"], bob.id.as_str());
    assert_eq!(other.body["user"]["username"], bob.username.as_str());

    let missing = app
        .get(
            &format!("/api/v1/users/{UNKNOWN_ID}"),
            Some(&alice.access_token),
        )
        .await;
    assert_error_status(&missing, 404);
}

#[tokio::test]
async fn user_search_by_prefix_returns_at_most_20_matches() {
    let app = spawn_app().await;
    let searcher = app.register_and_login("kim").await;
    for i in 0..25 {
        app.register(&format!("zed{i:02}"), PASSWORD).await;
    }
    app.register("zeal", PASSWORD).await;
    app.register("other", PASSWORD).await;

    let page = app
        .get("/api/v1/users?q=zed", Some(&searcher.access_token))
        .await;
    page.assert_status(200);
    let users = page.field("users").as_array().expect("users array").clone();
    assert!(
        !users.is_empty() && users.len() <= 20,
        "{} users",
        users.len()
    );
    assert_eq!(
        users.len(),
        20,
        "25 match, so a full page of 20 is expected"
    );
    for user in &users {
        let name = user["username"].as_str().expect("username");
        assert!(name.starts_with("zed"), "{name} does not match the prefix");
        assert!(user["id"].as_str().is_some());
    }

    let exact = app
        .get("/api/v1/users?q=zea", Some(&searcher.access_token))
        .await;
    exact.assert_status(200);
    let names: Vec<_> = exact
        .field("users")
        .as_array()
        .expect("users array")
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, vec![json!("zeal")]);
}

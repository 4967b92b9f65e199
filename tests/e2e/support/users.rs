//! Test users: unique names, registration, login, refresh and logout helpers.
//!
//! Each test has its own server, so names only need to be unique within a test; a global
//! counter makes them unique across the whole run anyway, which keeps server logs readable.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{json, Value};

use super::app::TestApp;
use super::http::ApiResponse;

/// The password every helper-made user gets (valid: 8 to 72 bytes).
pub const PASSWORD: &str = "correct horse battery";

static NEXT: AtomicUsize = AtomicUsize::new(1);

/// `prefix` + a run-wide counter, always a valid username (lowercase, at most 32 bytes).
pub fn unique_username(prefix: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let prefix: String = prefix.to_lowercase().chars().take(24).collect();
    format!("{prefix}_{n}")
}

/// A registered user with the tokens of one login.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
    pub access_token: String,
    pub refresh_token: String,
}

/// The pair a login or a refresh hands out.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: String,
}

impl Tokens {
    fn from_body(body: &Value) -> Self {
        let field = |key: &str| {
            body[key]
                .as_str()
                .unwrap_or_else(|| panic!("token response without `{key}`: {body}"))
                .to_owned()
        };
        Self {
            access_token: field("access_token"),
            refresh_token: field("refresh_token"),
        }
    }
}

impl TestApp {
    /// `POST /api/v1/auth/register`, whatever the outcome.
    pub async fn try_register(&self, username: &str, password: &str) -> ApiResponse {
        self.post(
            "/api/v1/auth/register",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Registers a user, asserting 201, and returns the `user` object.
    pub async fn register(&self, username: &str, password: &str) -> Value {
        let response = self.try_register(username, password).await;
        response.assert_status(201);
        response.field("user").clone()
    }

    /// `POST /api/v1/auth/login`, whatever the outcome.
    pub async fn try_login(&self, username: &str, password: &str) -> ApiResponse {
        self.post(
            "/api/v1/auth/login",
            None,
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Logs in, asserting 200, and returns the token pair.
    pub async fn login(&self, username: &str, password: &str) -> Tokens {
        let response = self.try_login(username, password).await;
        response.assert_status(200);
        Tokens::from_body(&response.body)
    }

    /// Registers `unique_username(prefix)` with [`PASSWORD`] and logs it in once.
    pub async fn register_and_login(&self, prefix: &str) -> TestUser {
        let username = unique_username(prefix);
        let user = self.register(&username, PASSWORD).await;
        let tokens = self.login(&username, PASSWORD).await;
        TestUser {
            id: user["id"].as_str().expect("user id").to_owned(),
            username,
            password: PASSWORD.to_owned(),
            access_token: tokens.access_token,
            refresh_token: tokens.refresh_token,
        }
    }

    /// A second, independent login of `user` (another device).
    pub async fn login_again(&self, user: &TestUser) -> Tokens {
        self.login(&user.username, &user.password).await
    }

    /// `POST /api/v1/auth/refresh`, whatever the outcome.
    pub async fn try_refresh(&self, refresh_token: &str) -> ApiResponse {
        self.post(
            "/api/v1/auth/refresh",
            None,
            &json!({"refresh_token": refresh_token}),
        )
        .await
    }

    /// Refreshes, asserting 200, and returns the new pair.
    pub async fn refresh(&self, refresh_token: &str) -> Tokens {
        let response = self.try_refresh(refresh_token).await;
        response.assert_status(200);
        Tokens::from_body(&response.body)
    }

    /// `POST /api/v1/auth/logout` for the login that `refresh_token` belongs to.
    ///
    /// The access token of that login is sent too, in case the route also wants one.
    pub async fn logout(&self, access_token: &str, refresh_token: &str) -> ApiResponse {
        self.post(
            "/api/v1/auth/logout",
            Some(access_token),
            &json!({"refresh_token": refresh_token}),
        )
        .await
    }
}

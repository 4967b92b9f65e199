//! Forged access tokens are refused with 401 over HTTP and on the WebSocket upgrade: a token
//! with `alg: none`, one signed with HS384 or HS512 under the server's own secret, one signed
//! with HS256 under another key, and one whose claims were changed after signing.
//!
//! The forgeries are made from a real token's claims, and the same claims signed with HS256
//! under the server's secret (read from its data directory, as an attacker who stole it
//! would) are accepted: that control proves the forgeries differ only in what is under test.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::support::{assert_error, spawn_app, TestApp};

/// The claims of a compact JWT, read without checking anything.
fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("a JWT has a payload");
    let bytes = URL_SAFE_NO_PAD.decode(payload).expect("base64url");
    serde_json::from_slice(&bytes).expect("JSON claims")
}

/// `claims` signed with `algorithm` under `secret`.
fn sign(algorithm: Algorithm, claims: &Value, secret: &[u8]) -> String {
    // The crate needs a crypto provider chosen once per process; an `Err` means one is set.
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("signing")
}

/// A token whose header says `header` and which carries `signature` (maybe empty).
fn unsigned(header: &Value, claims: &Value, signature: &str) -> String {
    let part = |value: &Value| URL_SAFE_NO_PAD.encode(value.to_string());
    format!("{}.{}.{signature}", part(header), part(claims))
}

/// The server's generated JWT secret.
fn secret_of(app: &TestApp) -> Vec<u8> {
    let path = app.data_dir.path().join("jwt_secret");
    let text = std::fs::read_to_string(&path).expect("the generated secret");
    text.trim().as_bytes().to_vec()
}

/// Asserts `token` is refused on `GET /users/me` and on the WebSocket upgrade.
async fn assert_refused_everywhere(app: &TestApp, token: &str, what: &str) {
    let response = app.get("/api/v1/users/me", Some(token)).await;
    assert_eq!(response.status, 401, "{what} over HTTP: {}", response.text);
    assert_error(&response, 401, "unauthorized");
    let (status, body) = app.ws_refused(Some(&format!("Bearer {token}")), "").await;
    assert_eq!(status, 401, "{what} on the WebSocket upgrade: {body}");
    let (status, body) = app
        .ws_refused(None, &format!("?access_token={token}"))
        .await;
    assert_eq!(
        status, 401,
        "{what} on the WebSocket upgrade by query: {body}"
    );
}

#[tokio::test]
async fn forged_access_tokens_are_refused_over_http_and_websocket() {
    let app = spawn_app().await;
    let user = app.register_and_login("forger").await;
    let claims = claims_of(&user.access_token);
    let secret = secret_of(&app);

    // The control: the same claims, HS256, the server's secret, are a valid token.
    let control = sign(Algorithm::HS256, &claims, &secret);
    app.get("/api/v1/users/me", Some(&control))
        .await
        .assert_status(200);
    app.ws_connect(&control).await.ping_pong().await;

    let real_signature = user.access_token.rsplit('.').next().expect("a signature");
    let mut forgeries = vec![
        (
            "alg none, no signature",
            unsigned(&json!({"alg": "none", "typ": "JWT"}), &claims, ""),
        ),
        (
            "alg none, the real signature",
            unsigned(&json!({"alg": "none"}), &claims, real_signature),
        ),
        (
            "HS384 under the server's secret",
            sign(Algorithm::HS384, &claims, &secret),
        ),
        (
            "HS512 under the server's secret",
            sign(Algorithm::HS512, &claims, &secret),
        ),
        (
            "HS256 under another key",
            sign(
                Algorithm::HS256,
                &claims,
                b"another-key-that-is-32-bytes-long!!",
            ),
        ),
    ];
    let mut changed = claims.clone();
    changed["exp"] = json!(claims["exp"].as_u64().expect("exp") + 3600);
    forgeries.push((
        "claims changed after signing",
        unsigned(
            &json!({"alg": "HS256", "typ": "JWT"}),
            &changed,
            real_signature,
        ),
    ));

    for (what, token) in &forgeries {
        assert_refused_everywhere(&app, token, what).await;
    }
    // Nothing the forgeries did harmed the real login.
    app.get("/api/v1/users/me", Some(&user.access_token))
        .await
        .assert_status(200);
}

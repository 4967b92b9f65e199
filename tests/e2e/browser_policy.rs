//! What browsers are allowed to do: CORS and the WebSocket `Origin` check share one
//! allow-list (`CHAT_ALLOWED_ORIGINS`), and every response carries the security headers.

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use crate::support::{spawn_app, spawn_app_with, TestApp};

const APP_ORIGIN: &str = "https://app.example.com";

/// The status of a WebSocket upgrade sent with `origin`, and the body of a refusal.
async fn upgrade_from(app: &TestApp, token: &str, origin: &str) -> (u16, String) {
    let mut request = format!("{}?access_token={token}", app.ws_url)
        .into_client_request()
        .expect("a valid ws url");
    request.headers_mut().insert(
        "Origin",
        HeaderValue::from_str(origin).expect("header value"),
    );
    match tokio_tungstenite::connect_async(request).await {
        Ok((_stream, response)) => (response.status().as_u16(), String::new()),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            (response.status().as_u16(), body)
        }
        Err(other) => panic!("upgrade failed: {other:?}"),
    }
}

#[tokio::test]
async fn a_page_from_a_foreign_origin_cannot_open_a_websocket() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let (status, body) = upgrade_from(&app, &alice.access_token, "https://evil.example").await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("origin_not_allowed"), "{body}");
    // The server's own origin (a page it would serve) is fine.
    let own = app.base_url.clone();
    let (status, body) = upgrade_from(&app, &alice.access_token, &own).await;
    assert_eq!(status, 101, "{body}");
}

#[tokio::test]
async fn listed_origins_may_open_websockets_and_call_the_api() {
    let app = spawn_app_with(vec![(
        "CHAT_ALLOWED_ORIGINS".to_owned(),
        format!("{APP_ORIGIN}, http://localhost:3000"),
    )])
    .await;
    let alice = app.register_and_login("alice").await;
    let (status, body) = upgrade_from(&app, &alice.access_token, APP_ORIGIN).await;
    assert_eq!(status, 101, "{body}");

    let preflight = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/rooms"))
        .header("Origin", APP_ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .expect("preflight");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    assert_eq!(
        preflight
            .headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap_or("")),
        Some(APP_ORIGIN)
    );

    // A page elsewhere gets no CORS grant, so its browser withholds the answer.
    let foreign = app
        .client
        .get(app.url("/api/v1/rooms"))
        .header("Origin", "https://evil.example")
        .bearer_auth(&alice.access_token)
        .send()
        .await
        .expect("request");
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/healthz", "/api/v1/rooms", "/no/such/route"] {
        let response = app.client.get(app.url(path)).send().await.expect("request");
        let headers = response.headers();
        for (name, value) in [
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cache-control", "no-store"),
        ] {
            assert_eq!(
                headers.get(name).map(|v| v.to_str().unwrap_or("")),
                Some(value),
                "{name} on {path}"
            );
        }
        assert!(headers.contains_key("content-security-policy"), "{path}");
    }
}

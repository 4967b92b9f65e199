//! Requests that must be refused, each with its status and code, before any port is touched
//! (the mocks have no expectations unless a test says so).

use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::test;
use chat_domain::ids::Uuid;

use super::{authed, call, code, post_json, Mocks};

#[actix_web::test]
async fn malformed_json_is_an_invalid_request_that_touches_no_port() {
    for body in [
        "{not json",
        "",
        "[]",
        r#"{"username": 5, "password": "secret-pw"}"#,
        r#"{"username": "alice"}"#,
    ] {
        let (status, _, body_json) =
            call(Mocks::default(), post_json("/api/v1/auth/register", body)).await;
        assert_eq!(
            (status, code(&body_json)),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{body:?}"
        );
    }
}

/// Found by schemathesis: serde reads a struct from an array of its fields too, so
/// `[null, null]` made an invite link and `["alice", "secret-pw"]` registered alice.
#[actix_web::test]
async fn a_body_that_is_an_array_of_the_fields_is_an_invalid_request() {
    let room = Uuid::now_v7();
    for (uri, body) in [
        (
            "/api/v1/auth/register".to_owned(),
            r#"["alice", "secret-pw"]"#,
        ),
        ("/api/v1/auth/login".to_owned(), r#"["alice", "secret-pw"]"#),
        (format!("/api/v1/rooms/{room}/invite-links"), "[null, null]"),
        (
            format!("/api/v1/rooms/{room}/messages"),
            r#"["hi", null, null]"#,
        ),
        (format!("/api/v1/rooms/{room}/read"), "[1]"),
    ] {
        let (status, _, body_json) = call(Mocks::default(), authed(post_json(&uri, body))).await;
        assert_eq!(
            (status, code(&body_json)),
            (StatusCode::BAD_REQUEST, "invalid_request"),
            "{uri} {body}"
        );
        assert!(
            body_json["error"]["message"]
                .as_str()
                .unwrap()
                .contains("expected a JSON object"),
            "{body_json}"
        );
    }
}

#[actix_web::test]
async fn a_body_that_is_not_declared_json_is_an_invalid_request() {
    let request = test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header((CONTENT_TYPE, "text/plain"))
        .set_payload(r#"{"username": "alice", "password": "secret-pw"}"#);
    let (status, _, body) = call(Mocks::default(), request).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[actix_web::test]
async fn an_oversize_body_is_payload_too_large() {
    let mocks = Mocks {
        max_json_bytes: Some(64),
        ..Mocks::default()
    };
    let big = format!(r#"{{"refresh_token": "{}"}}"#, "x".repeat(100));
    let (status, _, body) = call(mocks, post_json("/api/v1/auth/refresh", &big)).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
}

#[actix_web::test]
async fn protected_routes_refuse_missing_and_bad_tokens() {
    let (status, _, body) = call(
        Mocks::default(),
        test::TestRequest::get().uri("/api/v1/rooms"),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    let bad = test::TestRequest::get()
        .uri("/api/v1/users/me")
        .insert_header((AUTHORIZATION, "Bearer forged"));
    let (status, _, body) = call(Mocks::default(), bad).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
}

#[actix_web::test]
async fn history_parameters_are_checked_before_the_store() {
    let room = Uuid::now_v7();
    let cases = [
        ("before=5&after=1", "invalid_request"),
        ("limit=abc", "invalid_request"),
        ("before=-1", "invalid_request"),
        ("limit=0", "invalid_limit"),
        ("limit=101", "invalid_limit"),
    ];
    for (query, expected) in cases {
        let uri = format!("/api/v1/rooms/{room}/messages?{query}");
        let (status, _, body) =
            call(Mocks::default(), authed(test::TestRequest::get().uri(&uri))).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, expected),
            "{query}"
        );
    }
}

#[actix_web::test]
async fn a_path_id_that_is_not_an_id_is_not_found() {
    let (status, _, body) = call(
        Mocks::default(),
        authed(test::TestRequest::get().uri("/api/v1/rooms/nope")),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "room_not_found")
    );
    let (status, _, body) = call(
        Mocks::default(),
        authed(test::TestRequest::get().uri("/api/v1/users/nope")),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, "user_not_found")
    );
}

#[actix_web::test]
async fn a_reply_to_that_is_not_an_id_is_invalid_reply_to() {
    let mut mocks = Mocks::default();
    mocks.ids.expect_new_id().returning(Uuid::now_v7);
    let uri = format!("/api/v1/users/{}/messages", Uuid::now_v7());
    let request = authed(post_json(&uri, r#"{"body": "hi", "reply_to": "nope"}"#));
    let (status, _, body) = call(mocks, request).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_reply_to")
    );
}

#[actix_web::test]
async fn unknown_routes_and_wrong_methods_answer_in_json() {
    let (status, _, body) = call(
        Mocks::default(),
        test::TestRequest::get().uri("/api/v1/nothing"),
    )
    .await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, _, body) =
        call(Mocks::default(), test::TestRequest::get().uri("/elsewhere")).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
    let (status, allow, body) = call(
        Mocks::default(),
        test::TestRequest::get().uri("/api/v1/auth/login"),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    assert_eq!(allow.as_deref(), Some("POST"));
}

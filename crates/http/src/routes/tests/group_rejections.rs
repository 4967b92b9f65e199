//! The routes of issue 4 refusing requests before any port is touched: malformed bodies,
//! ids that are no ids, wrong methods and missing tokens. [`super::value_rejections`] has
//! the well-formed bodies whose values are refused. Every mock is expectation-free, so a
//! store call fails the test.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::{Method, StatusCode};
use actix_web::test;
use chat_domain::ids::Uuid;

use super::{bare, call, code, json, refused, Mocks};

#[actix_web::test]
async fn malformed_bodies_are_invalid_requests() {
    let (room, user, message) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let routes = [
        (Method::POST, "/api/v1/groups".to_owned()),
        (Method::PATCH, format!("/api/v1/rooms/{room}")),
        (Method::POST, format!("/api/v1/rooms/{room}/invites")),
        (Method::POST, format!("/api/v1/rooms/{room}/invite-links")),
        (
            Method::PATCH,
            format!("/api/v1/rooms/{room}/members/{user}"),
        ),
        (Method::POST, format!("/api/v1/rooms/{room}/transfer")),
        (Method::POST, format!("/api/v1/rooms/{room}/read")),
        (
            Method::PATCH,
            format!("/api/v1/rooms/{room}/messages/{message}"),
        ),
    ];
    for (method, uri) in routes {
        for body in ["{not json", "", "[]"] {
            let case = format!("{method} {uri} {body:?}");
            let expected = (StatusCode::BAD_REQUEST, "invalid_request");
            refused(json(method.clone(), &uri, body), expected, &case).await;
        }
    }
}

#[actix_web::test]
async fn missing_and_mistyped_fields_are_invalid_requests() {
    let room = Uuid::now_v7();
    let cases = [
        ("/api/v1/groups".to_owned(), r#"{"description": "x"}"#),
        (
            "/api/v1/groups".to_owned(),
            r#"{"name": "a", "invite": "b"}"#,
        ),
        (format!("/api/v1/rooms/{room}/read"), r#"{"seq": -1}"#),
        (format!("/api/v1/rooms/{room}/read"), r#"{"seq": "7"}"#),
        (format!("/api/v1/rooms/{room}/invites"), r#"{"user": "x"}"#),
        (
            format!("/api/v1/rooms/{room}/invite-links"),
            r#"{"max_uses": -1}"#,
        ),
        (format!("/api/v1/rooms/{room}/transfer"), "{}"),
    ];
    for (uri, body) in cases {
        let expected = (StatusCode::BAD_REQUEST, "invalid_request");
        refused(json(Method::POST, &uri, body), expected, body).await;
    }
}

#[actix_web::test]
async fn path_ids_that_are_not_ids_name_nothing() {
    let (room, id) = (Uuid::now_v7(), Uuid::now_v7());
    let not_found = |code| (StatusCode::NOT_FOUND, code);
    let cases = [
        (
            Method::PATCH,
            "/api/v1/rooms/nope".to_owned(),
            not_found("room_not_found"),
        ),
        (
            Method::DELETE,
            "/api/v1/rooms/nope".to_owned(),
            not_found("room_not_found"),
        ),
        (
            Method::GET,
            "/api/v1/rooms/nope/members".to_owned(),
            not_found("room_not_found"),
        ),
        (
            Method::POST,
            "/api/v1/rooms/nope/read".to_owned(),
            not_found("room_not_found"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/rooms/{room}/members/nope"),
            not_found("member_not_found"),
        ),
        (
            Method::PATCH,
            format!("/api/v1/rooms/{room}/messages/nope"),
            not_found("message_not_found"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/rooms/{room}/messages/nope"),
            not_found("message_not_found"),
        ),
        (
            Method::GET,
            format!("/api/v1/rooms/{room}/messages/nope/history"),
            not_found("message_not_found"),
        ),
        (
            Method::DELETE,
            format!("/api/v1/rooms/nope/messages/{id}"),
            not_found("room_not_found"),
        ),
        (
            Method::POST,
            "/api/v1/invites/nope/accept".to_owned(),
            not_found("invite_not_found"),
        ),
        (
            Method::POST,
            "/api/v1/invites/nope/decline".to_owned(),
            not_found("invite_not_found"),
        ),
        (
            Method::DELETE,
            "/api/v1/invites/nope".to_owned(),
            not_found("invite_not_found"),
        ),
        (
            Method::POST,
            "/api/v1/users/nope/block".to_owned(),
            not_found("user_not_found"),
        ),
        (
            Method::DELETE,
            "/api/v1/users/nope/block".to_owned(),
            not_found("user_not_found"),
        ),
    ];
    for (method, uri, expected) in cases {
        let case = format!("{method} {uri}");
        // Bodies that would be valid, so only the id can be what is refused.
        let body = match (method.as_str(), uri.contains("/messages/")) {
            ("PATCH", true) => r#"{"body": "new"}"#,
            ("PATCH", false) => r#"{"name": "new"}"#,
            ("POST", _) if uri.ends_with("/read") => r#"{"seq": 1}"#,
            _ => "{}",
        };
        refused(json(method, &uri, body), expected, &case).await;
    }
}

#[actix_web::test]
async fn ids_in_bodies_that_are_not_ids_name_nothing() {
    let room = Uuid::now_v7();
    let cases = [
        (
            "/api/v1/groups".to_owned(),
            r#"{"name": "Team", "invite": ["nope"]}"#,
            "user_not_found",
        ),
        (
            format!("/api/v1/rooms/{room}/invites"),
            r#"{"user_id": "nope"}"#,
            "user_not_found",
        ),
        (
            format!("/api/v1/rooms/{room}/transfer"),
            r#"{"user_id": "nope"}"#,
            "member_not_found",
        ),
    ];
    for (uri, body, expected) in cases {
        refused(
            json(Method::POST, &uri, body),
            (StatusCode::NOT_FOUND, expected),
            body,
        )
        .await;
    }
}

#[actix_web::test]
async fn wrong_methods_list_the_allowed_ones() {
    let room = Uuid::now_v7();
    let cases = [
        (Method::GET, "/api/v1/groups".to_owned(), "POST"),
        (
            Method::PUT,
            format!("/api/v1/rooms/{room}"),
            "GET, PATCH, DELETE",
        ),
        (
            Method::GET,
            format!("/api/v1/rooms/{room}/members/{room}"),
            "PATCH, DELETE",
        ),
        (
            Method::GET,
            "/api/v1/users/x/block".to_owned(),
            "POST, DELETE",
        ),
        (Method::POST, "/api/v1/invites".to_owned(), "GET"),
    ];
    for (method, uri, allowed) in cases {
        let (status, allow, body) = call(Mocks::default(), bare(method, &uri)).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
        );
        assert_eq!(allow.as_deref(), Some(allowed), "{uri}");
    }
}

#[actix_web::test]
async fn the_new_routes_need_a_token() {
    let request = test::TestRequest::post()
        .uri("/api/v1/groups")
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(r#"{"name": "Team"}"#);
    refused(
        request,
        (StatusCode::UNAUTHORIZED, "unauthorized"),
        "no token",
    )
    .await;
    let request = test::TestRequest::get().uri("/api/v1/presence?user_ids=");
    refused(
        request,
        (StatusCode::UNAUTHORIZED, "unauthorized"),
        "no token",
    )
    .await;
}

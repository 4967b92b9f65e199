//! Well-formed requests to the routes of issue 4 whose values are refused before any port is
//! touched: roles, page parameters, group texts, invite links, too many invitees, presence
//! queries. Every mock is expectation-free, so a store call fails the test.

use actix_web::http::{Method, StatusCode};
use chat_domain::ids::Uuid;

use super::{bare, json, refused};

#[actix_web::test]
async fn roles_other_than_admin_and_member_are_invalid_roles() {
    let uri = format!(
        "/api/v1/rooms/{}/members/{}",
        Uuid::now_v7(),
        Uuid::now_v7()
    );
    // `owner` is a role name, refused by the use case only after it knows the caller may
    // change roles at all (its own tests cover that); these are not role names at all.
    for role in ["superuser", "Admin", ""] {
        let body = format!(r#"{{"role": "{role}"}}"#);
        let expected = (StatusCode::BAD_REQUEST, "invalid_role");
        refused(json(Method::PATCH, &uri, &body), expected, role).await;
    }
}

#[actix_web::test]
async fn member_page_parameters_are_checked_before_the_store() {
    let room = Uuid::now_v7();
    let cases = [
        ("limit=0", "invalid_limit"),
        ("limit=201", "invalid_limit"),
        ("limit=abc", "invalid_request"),
        ("limit=-1", "invalid_request"),
        ("after=nope", "invalid_request"),
    ];
    for (query, expected) in cases {
        let uri = format!("/api/v1/rooms/{room}/members?{query}");
        refused(
            bare(Method::GET, &uri),
            (StatusCode::BAD_REQUEST, expected),
            query,
        )
        .await;
    }
}

#[actix_web::test]
async fn texts_and_links_the_use_cases_refuse_up_front() {
    let room = Uuid::now_v7();
    let long = "d".repeat(1001);
    let cases = [
        (
            Method::POST,
            "/api/v1/groups".to_owned(),
            r#"{"name": "   "}"#.to_owned(),
            "invalid_name",
        ),
        (
            Method::POST,
            "/api/v1/groups".to_owned(),
            format!(r#"{{"name": "a", "description": "{long}"}}"#),
            "invalid_description",
        ),
        (
            Method::PATCH,
            format!("/api/v1/rooms/{room}"),
            r#"{"name": ""}"#.to_owned(),
            "invalid_name",
        ),
        (
            Method::PATCH,
            format!("/api/v1/rooms/{room}"),
            "{}".to_owned(),
            "invalid_request",
        ),
        (
            Method::POST,
            format!("/api/v1/rooms/{room}/invite-links"),
            r#"{"max_uses": 0}"#.to_owned(),
            "invalid_link",
        ),
        (
            Method::POST,
            format!("/api/v1/rooms/{room}/invite-links"),
            r#"{"expires_in": 0}"#.to_owned(),
            "invalid_link",
        ),
        (
            Method::POST,
            format!("/api/v1/rooms/{room}/invite-links"),
            r#"{"expires_in": 31536001}"#.to_owned(),
            "invalid_link",
        ),
        (
            Method::PATCH,
            format!("/api/v1/rooms/{room}/messages/{}", Uuid::now_v7()),
            r#"{"body": "  "}"#.to_owned(),
            "invalid_body",
        ),
    ];
    for (method, uri, body, expected) in cases {
        let case = format!("{method} {uri} {expected}");
        refused(
            json(method, &uri, &body),
            (StatusCode::BAD_REQUEST, expected),
            &case,
        )
        .await;
    }
}

#[actix_web::test]
async fn a_group_with_more_invitees_than_it_can_hold_is_full() {
    let invite: Vec<String> = (0..1000)
        .map(|_| format!("\"{}\"", Uuid::now_v7()))
        .collect();
    let body = format!(r#"{{"name": "Big", "invite": [{}]}}"#, invite.join(","));
    let request = json(Method::POST, "/api/v1/groups", &body);
    refused(
        request,
        (StatusCode::CONFLICT, "room_full"),
        "1000 invitees",
    )
    .await;
}

#[actix_web::test]
async fn presence_queries_are_checked_before_the_store() {
    let many: Vec<String> = (0..101).map(|_| Uuid::now_v7().to_string()).collect();
    for query in [
        "user_ids=nope".to_owned(),
        format!("user_ids={}", many.join(",")),
    ] {
        let uri = format!("/api/v1/presence?{query}");
        let expected = (StatusCode::BAD_REQUEST, "invalid_request");
        refused(
            bare(Method::GET, &uri),
            expected,
            query.get(..20).unwrap_or(&query),
        )
        .await;
    }
}

//! Invite links: any signed-in user joins through one, up to its `max_uses` and until it expires
//! or an admin revokes it.
//!
//! The specification names no status for a link that no longer admits anyone; these tests
//! accept 404 or 410 with the usual error body and check that nobody was added.

use std::time::Duration;

use serde_json::json;

use crate::support::{
    assert_error_status, assert_group_room, id_of, spawn_app, ApiResponse, EVENT_TIMEOUT,
};

/// A refused join: 404 or 410, with an error body.
fn assert_link_refused(response: &ApiResponse) {
    assert!(
        response.status == 404 || response.status == 410,
        "a spent, expired or revoked link is refused with 404 or 410, got {} {}",
        response.status,
        response.text
    );
    assert_error_status(response, response.status);
}

#[tokio::test]
async fn an_invite_link_admits_any_signed_in_user_up_to_its_max_uses() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let first = app.register_and_login("first").await;
    let second = app.register_and_login("second").await;
    let third = app.register_and_login("third").await;
    let room = id_of(&app.create_group(&owner, "Open mic").await);
    let mut owner_ws = app.ws_connect(&owner.access_token).await;
    let mut first_ws = app.ws_connect(&first.access_token).await;
    owner_ws.ping_pong().await;
    first_ws.ping_pong().await;

    let created = app
        .try_create_link(&owner, &room, &json!({"max_uses": 2}))
        .await;
    created.assert_status(201);
    let link = created.field("link");
    let token = link["token"].as_str().expect("link token").to_owned();
    assert!(!token.is_empty());

    let joined = app.try_join_link(&first, &token).await;
    joined.assert_status(200);
    assert_group_room(joined.field("room"), "Open mic");
    assert_eq!(joined.field("room")["id"], room.as_str());
    let event = first_ws.wait_for("room_joined", EVENT_TIMEOUT).await;
    assert_eq!(event["room"]["id"], room.as_str());
    let event = owner_ws.wait_for("member_joined", EVENT_TIMEOUT).await;
    assert_eq!(event["room_id"], room.as_str());
    assert_eq!(event["user_id"], first.id.as_str());

    // The joiner's connection carries the room from now on, without reconnecting.
    let hello = app.send_to_room(&owner, &room, "welcome, first").await;
    first_ws
        .wait_for_matching("message", EVENT_TIMEOUT, |e| {
            e["message"]["id"] == hello["id"]
        })
        .await;

    app.try_join_link(&second, &token).await.assert_status(200);
    assert_link_refused(&app.try_join_link(&third, &token).await);

    let members = app.all_members(&owner, &room).await;
    assert_eq!(members.len(), 3, "{members:?}");
    assert!(members.iter().all(|m| m["user_id"] != third.id.as_str()));
    assert!(members
        .iter()
        .filter(|m| m["user_id"] != owner.id.as_str())
        .all(|m| m["role"] == "member"));
    // Members joined by link read the room like anyone else.
    app.send_to_room(&second, &room, "hello from the link")
        .await;
    assert_eq!(app.full_history(&first, &room).await.len(), 2);
}

#[tokio::test]
async fn a_revoked_invite_link_admits_nobody_and_only_admins_revoke() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let member = app.register_and_login("member").await;
    let late = app.register_and_login("late").await;
    let room = app.group_with(&owner, "Private party", &[&member]).await;
    let token = app.create_link(&owner, &room, &json!({})).await;

    assert_error_status(&app.try_revoke_link(&member, &room, &token).await, 403);
    app.try_revoke_link(&owner, &room, &token)
        .await
        .assert_status(204);

    assert_link_refused(&app.try_join_link(&late, &token).await);
    assert_eq!(app.all_members(&owner, &room).await.len(), 2);
}

#[tokio::test]
async fn an_invite_link_stops_admitting_when_it_expires() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let early = app.register_and_login("early").await;
    let late = app.register_and_login("late").await;
    let room = id_of(&app.create_group(&owner, "Flash sale").await);
    let token = app
        .create_link(&owner, &room, &json!({"expires_in": 1}))
        .await;
    app.try_join_link(&early, &token).await.assert_status(200);

    tokio::time::sleep(Duration::from_millis(1_500)).await;

    assert_link_refused(&app.try_join_link(&late, &token).await);
    assert_eq!(app.all_members(&owner, &room).await.len(), 2);
}

#[tokio::test]
async fn an_unknown_invite_link_is_refused() {
    let app = spawn_app().await;
    let user = app.register_and_login("user").await;

    assert_link_refused(&app.try_join_link(&user, "no-such-link-token").await);
    assert!(app.rooms(&user).await.is_empty());
}

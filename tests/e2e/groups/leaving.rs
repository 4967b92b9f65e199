//! The end of a membership: removal and leaving take the room away at once, over HTTP and on
//! the already open connection; an owner who leaves hands the group on, or closes it.

use serde_json::json;

use crate::support::{
    assert_error, assert_error_status, id_of, spawn_app, TestApp, TestUser, EVENT_TIMEOUT, QUIET,
};

/// Asserts that `user` can no longer see or use `room` over HTTP.
async fn assert_no_access(app: &TestApp, user: &TestUser, room: &str) {
    assert_error(&app.try_get_room(user, room).await, 404, "room_not_found");
    assert_error(
        &app.try_history(user, room, "").await,
        404,
        "room_not_found",
    );
    assert_error(
        &app.try_send_to_room(user, room, &json!({"body": "still here?"}))
            .await,
        404,
        "room_not_found",
    );
    assert_error(
        &app.try_members(user, room, "").await,
        404,
        "room_not_found",
    );
    assert!(
        app.rooms(user).await.iter().all(|r| r["id"] != room),
        "{room} left {}'s room list",
        user.username
    );
}

#[tokio::test]
async fn a_removed_member_loses_access_at_once_and_hears_nothing_more_without_reconnecting() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let room = app.group_with(&owner, "Strict", &[&bob, &carol]).await;
    let mut carol_ws = app.ws_connect(&carol.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    carol_ws.ping_pong().await;
    bob_ws.ping_pong().await;
    // Carol has written there, so the node remembers that she may.
    app.send_to_room(&carol, &room, "before the removal").await;

    app.try_remove_member(&owner, &room, &carol.id)
        .await
        .assert_status(204);
    // Refused at once: the node forgot her access before the removal was answered.
    assert_error(
        &app.try_send_to_room(&carol, &room, &json!({"body": "quick, once more"}))
            .await,
        404,
        "room_not_found",
    );

    // The removed user is told too, and so are the others.
    for ws in [&mut carol_ws, &mut bob_ws] {
        let event = ws.wait_for("member_removed", EVENT_TIMEOUT).await;
        assert_eq!(event["room_id"], room.as_str(), "{event}");
        assert_eq!(event["user_id"], carol.id.as_str(), "{event}");
    }
    assert_no_access(&app, &carol, &room).await;

    // The same connection gets nothing more of the room, and may not write into it.
    let message = app.send_to_room(&owner, &room, "after carol").await;
    bob_ws
        .wait_for_matching("message", EVENT_TIMEOUT, |e| {
            e["message"]["id"] == message["id"]
        })
        .await;
    carol_ws.send_to_room("sneak", &room, "let me back").await;
    let error = carol_ws.wait_for("error", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "room_not_found", "{error}");
    assert_eq!(error["ref"], "sneak");
    carol_ws.expect_nothing_about(&room, QUIET).await;
    carol_ws.ping_pong().await;
    assert_eq!(app.full_history(&owner, &room).await.len(), 2);
}

#[tokio::test]
async fn a_member_who_leaves_loses_access_and_the_others_get_member_left() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let bob = app.register_and_login("bob").await;
    let room = app.group_with(&owner, "Revolving door", &[&bob]).await;
    let mut owner_ws = app.ws_connect(&owner.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    owner_ws.ping_pong().await;
    bob_ws.ping_pong().await;

    app.leave(&bob, &room).await;

    let event = owner_ws.wait_for("member_left", EVENT_TIMEOUT).await;
    assert_eq!(event["room_id"], room.as_str(), "{event}");
    assert_eq!(event["user_id"], bob.id.as_str(), "{event}");
    assert_no_access(&app, &bob, &room).await;
    app.send_to_room(&owner, &room, "bye bob").await;
    bob_ws.expect_nothing_about(&room, QUIET).await;
    assert_eq!(app.all_members(&owner, &room).await.len(), 1);
    // Leaving twice: no longer a member, so the room is not found.
    assert_error(
        &app.try_remove_member(&bob, &room, &bob.id).await,
        404,
        "room_not_found",
    );
}

#[tokio::test]
async fn an_owner_who_leaves_hands_the_group_to_the_longest_standing_admin() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let oldest_member = app.register_and_login("oldmember").await;
    let first_admin = app.register_and_login("firstadmin").await;
    let second_admin = app.register_and_login("secondadmin").await;
    let room = app
        .group_with(
            &owner,
            "Succession",
            &[&oldest_member, &first_admin, &second_admin],
        )
        .await;
    // Promote the later joiner first: seniority is by joining, not by promotion.
    app.set_role(&owner, &room, &second_admin, "admin").await;
    app.set_role(&owner, &room, &first_admin, "admin").await;
    let mut ws = app.ws_connect(&oldest_member.access_token).await;
    ws.ping_pong().await;

    app.leave(&owner, &room).await;

    let event = ws
        .wait_for_matching("role_changed", EVENT_TIMEOUT, |e| e["role"] == "owner")
        .await;
    assert_eq!(event["user_id"], first_admin.id.as_str(), "{event}");
    assert_eq!(
        app.role_of(&oldest_member, &room, &first_admin.id)
            .await
            .as_deref(),
        Some("owner")
    );
    assert_eq!(app.all_members(&oldest_member, &room).await.len(), 3);
    assert_no_access(&app, &owner, &room).await;
}

#[tokio::test]
async fn an_owner_without_admins_hands_the_group_to_the_longest_standing_member() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let first = app.register_and_login("first").await;
    let second = app.register_and_login("second").await;
    let room = app.group_with(&owner, "Elders", &[&first, &second]).await;

    app.leave(&owner, &room).await;

    assert_eq!(
        app.role_of(&second, &room, &first.id).await.as_deref(),
        Some("owner")
    );
    assert_eq!(
        app.role_of(&second, &room, &second.id).await.as_deref(),
        Some("member")
    );
    // The new owner can do what owners do.
    app.try_update_room(&first, &room, &json!({"name": "First's"}))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn the_last_member_leaving_closes_the_group() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let invitee = app.register_and_login("invitee").await;
    let passer_by = app.register_and_login("passerby").await;
    let room = id_of(&app.create_group(&owner, "Ghost town").await);
    let invite = id_of(&app.invite(&owner, &room, &invitee).await);
    let token = app.create_link(&owner, &room, &json!({})).await;

    app.leave(&owner, &room).await;

    assert_no_access(&app, &owner, &room).await;
    // Nobody can come in any more: neither by the pending invite nor by the link.
    let accepted = app.try_accept(&invitee, &invite).await;
    assert!(
        (400..500).contains(&accepted.status),
        "accepting an invite into a closed group must fail, got {} {}",
        accepted.status,
        accepted.text
    );
    assert_error_status(&accepted, accepted.status);
    let joined = app.try_join_link(&passer_by, &token).await;
    assert!(
        (400..500).contains(&joined.status),
        "joining a closed group by link must fail, got {} {}",
        joined.status,
        joined.text
    );
    for user in [&invitee, &passer_by] {
        assert_error(&app.try_get_room(user, &room).await, 404, "room_not_found");
    }
}

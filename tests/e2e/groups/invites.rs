//! Creating a group and the life of an invite: sent, listed, accepted, declined, cancelled,
//! expired.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{
    assert_error, assert_error_status, assert_group_room, assert_rfc3339_utc, id_of, spawn_app,
    spawn_app_with, TestUser, EVENT_TIMEOUT, QUIET,
};

/// Asserts the whole invite object: ids, times and the room and inviter it names.
fn assert_invite(invite: &Value, room: &str, room_name: &str, inviter: &TestUser, invitee: &str) {
    assert!(
        invite["id"].as_str().is_some_and(|id| !id.is_empty()),
        "invite id of {invite}"
    );
    assert_eq!(invite["room_id"], room, "room_id of {invite}");
    assert_eq!(
        invite["inviter_id"],
        inviter.id.as_str(),
        "inviter_id of {invite}"
    );
    assert_eq!(invite["invitee_id"], invitee, "invitee_id of {invite}");
    assert_rfc3339_utc(&invite["created_at"]);
    assert_rfc3339_utc(&invite["expires_at"]);
    assert!(
        invite["expires_at"].as_str() > invite["created_at"].as_str(),
        "an invite expires after it was made: {invite}"
    );
    // The invitee cannot see the room yet, so the invite tells who and where.
    assert_eq!(invite["room"]["id"], room, "room of {invite}");
    assert_eq!(invite["room"]["name"], room_name, "room name of {invite}");
    assert_eq!(
        invite["inviter"]["id"],
        inviter.id.as_str(),
        "inviter of {invite}"
    );
    assert_eq!(
        invite["inviter"]["username"],
        inviter.username.as_str(),
        "inviter name of {invite}"
    );
}

#[tokio::test]
async fn creating_a_group_makes_the_creator_its_owner_and_only_invites_the_listed_users() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    alice_ws.ping_pong().await;
    bob_ws.ping_pong().await;

    let response = app
        .try_create_group(
            &alice,
            &json!({"name": "Climbers", "description": "Saturday crag", "invite": [bob.id, carol.id]}),
        )
        .await;

    response.assert_status(201);
    let room = response.field("room").clone();
    assert_group_room(&room, "Climbers");
    assert_eq!(room["description"], "Saturday crag");
    assert_eq!(
        room["member_count"], 1,
        "invited users are not members: {room}"
    );
    let room_id = id_of(&room);

    let joined = alice_ws.wait_for("room_joined", EVENT_TIMEOUT).await;
    assert_eq!(joined["room"]["id"], room_id.as_str());
    let invited = bob_ws.wait_for("invite", EVENT_TIMEOUT).await;
    assert_invite(&invited["invite"], &room_id, "Climbers", &alice, &bob.id);

    let members = app.all_members(&alice, &room_id).await;
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0]["user_id"], alice.id.as_str());
    assert_eq!(members[0]["role"], "owner");
    for invitee in [&bob, &carol] {
        let pending = app.pending_invites(invitee).await;
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert_invite(&pending[0], &room_id, "Climbers", &alice, &invitee.id);
        assert_error(
            &app.try_get_room(invitee, &room_id).await,
            404,
            "room_not_found",
        );
        assert!(app.rooms(invitee).await.is_empty());
    }
    assert_eq!(app.rooms(&alice).await.len(), 1);
}

#[tokio::test]
async fn a_group_needs_a_name() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;

    for request in [json!({}), json!({"name": "   "}), json!({"name": 7})] {
        let response = app.try_create_group(&alice, &request).await;
        assert_error_status(&response, 400);
    }
    assert!(app.rooms(&alice).await.is_empty());
}

#[tokio::test]
async fn an_invite_names_the_room_and_the_inviter_and_reaches_the_invitee_live() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = id_of(&app.create_group(&alice, "Book club").await);
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    bob_ws.ping_pong().await;

    let response = app.try_invite(&alice, &room, &bob.id).await;

    response.assert_status(201);
    let invite = response.field("invite").clone();
    assert_invite(&invite, &room, "Book club", &alice, &bob.id);
    let live = bob_ws.wait_for("invite", EVENT_TIMEOUT).await;
    assert_eq!(live["invite"]["id"], invite["id"]);
    assert_invite(&live["invite"], &room, "Book club", &alice, &bob.id);
    let pending = app.pending_invites(&bob).await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["id"], invite["id"]);
    // Nobody else is told about it.
    assert!(app.pending_invites(&alice).await.is_empty());
}

#[tokio::test]
async fn accepting_an_invite_joins_the_group_and_every_member_hears_of_it() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let room = app.group_with(&alice, "Band", &[&bob]).await;
    let invite = app.invite(&alice, &room, &carol).await;
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    let mut carol_ws = app.ws_connect(&carol.access_token).await;
    for ws in [&mut alice_ws, &mut bob_ws, &mut carol_ws] {
        ws.ping_pong().await;
    }

    let response = app.try_accept(&carol, &id_of(&invite)).await;

    response.assert_status(200);
    let joined_room = response.field("room").clone();
    assert_group_room(&joined_room, "Band");
    assert_eq!(joined_room["id"], room.as_str());
    assert_eq!(joined_room["member_count"], 3);
    let joined = carol_ws.wait_for("room_joined", EVENT_TIMEOUT).await;
    assert_eq!(joined["room"]["id"], room.as_str());
    for ws in [&mut alice_ws, &mut bob_ws] {
        let event = ws.wait_for("member_joined", EVENT_TIMEOUT).await;
        assert_eq!(event["room_id"], room.as_str(), "{event}");
        assert_eq!(event["user_id"], carol.id.as_str(), "{event}");
    }
    assert!(app.pending_invites(&carol).await.is_empty());
    assert_eq!(
        app.role_of(&carol, &room, &carol.id).await.as_deref(),
        Some("member")
    );

    // Carol's connection, opened before she joined, carries the room from now on.
    let message = app.send_to_room(&bob, &room, "welcome carol").await;
    let live = carol_ws
        .wait_for_matching("message", EVENT_TIMEOUT, |e| {
            e["message"]["id"] == message["id"]
        })
        .await;
    assert_eq!(live["message"]["body"], "welcome carol");
    // And the invite is spent.
    assert_error_status(&app.try_accept(&carol, &id_of(&invite)).await, 404);
}

#[tokio::test]
async fn declining_an_invite_drops_it_and_adds_nobody() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = id_of(&app.create_group(&alice, "Chess").await);
    let invite = id_of(&app.invite(&alice, &room, &bob).await);
    let mut alice_ws = app.ws_connect(&alice.access_token).await;
    alice_ws.ping_pong().await;

    app.try_decline(&bob, &invite).await.assert_status(204);

    assert!(app.pending_invites(&bob).await.is_empty());
    assert_error_status(&app.try_accept(&bob, &invite).await, 404);
    assert_error(&app.try_get_room(&bob, &room).await, 404, "room_not_found");
    assert_eq!(app.all_members(&alice, &room).await.len(), 1);
    alice_ws.expect_none("member_joined", QUIET).await;
}

#[tokio::test]
async fn the_inviter_or_an_admin_cancels_an_invite_and_a_plain_member_cannot() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let admin = app.register_and_login("admin").await;
    let member = app.register_and_login("member").await;
    let dave = app.register_and_login("dave").await;
    let erin = app.register_and_login("erin").await;
    let room = app.group_with(&owner, "Team", &[&admin, &member]).await;
    app.set_role(&owner, &room, &admin, "admin").await;
    let by_owner = id_of(&app.invite(&owner, &room, &dave).await);
    let by_admin = id_of(&app.invite(&admin, &room, &erin).await);

    // A plain member may not cancel someone else's invite.
    assert_error_status(&app.try_cancel_invite(&member, &by_owner).await, 403);
    assert_eq!(app.pending_invites(&dave).await.len(), 1);

    // An admin cancels the owner's invite; the inviter (an admin) cancels their own.
    app.try_cancel_invite(&admin, &by_owner)
        .await
        .assert_status(204);
    app.try_cancel_invite(&admin, &by_admin)
        .await
        .assert_status(204);

    for (invitee, invite) in [(&dave, &by_owner), (&erin, &by_admin)] {
        assert!(app.pending_invites(invitee).await.is_empty());
        assert_error_status(&app.try_accept(invitee, invite).await, 404);
        assert_error(
            &app.try_get_room(invitee, &room).await,
            404,
            "room_not_found",
        );
    }
    assert_eq!(app.all_members(&owner, &room).await.len(), 3);
}

#[tokio::test]
async fn an_invite_is_answered_only_by_its_invitee() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mallory = app.register_and_login("mallory").await;
    let room = id_of(&app.create_group(&alice, "Quiet").await);
    let invite = id_of(&app.invite(&alice, &room, &bob).await);

    // Someone else cannot see the invite at all.
    assert_error_status(&app.try_accept(&mallory, &invite).await, 404);
    assert_error_status(&app.try_decline(&mallory, &invite).await, 404);
    assert_error(
        &app.try_get_room(&mallory, &room).await,
        404,
        "room_not_found",
    );
    assert!(app.pending_invites(&mallory).await.is_empty());

    // Bob's invite is untouched.
    app.accept(&bob, &invite).await;
    assert_eq!(app.all_members(&alice, &room).await.len(), 2);
}

#[tokio::test]
async fn accepting_an_expired_invite_is_410_invite_expired() {
    // The invite lifetime is configuration; one second keeps the test short.
    let app = spawn_app_with(vec![("CHAT_INVITE_TTL_SECS".into(), "1".into())]).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = id_of(&app.create_group(&alice, "Fleeting").await);
    let invite = app.invite(&alice, &room, &bob).await;
    assert!(
        invite["expires_at"].as_str() > invite["created_at"].as_str(),
        "{invite}"
    );

    tokio::time::sleep(Duration::from_millis(1_500)).await;

    let response = app.try_accept(&bob, &id_of(&invite)).await;
    assert_error(&response, 410, "invite_expired");
    assert_error(&app.try_get_room(&bob, &room).await, 404, "room_not_found");
    assert_eq!(app.all_members(&alice, &room).await.len(), 1);
    assert!(
        app.pending_invites(&bob).await.is_empty(),
        "an expired invite is no longer pending"
    );
}

#[tokio::test]
async fn a_fresh_invite_is_accepted_when_the_ttl_is_short() {
    // The counterpart of the expiry test: the same short TTL does not refuse a timely answer.
    let app = spawn_app_with(vec![("CHAT_INVITE_TTL_SECS".into(), "30".into())]).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = id_of(&app.create_group(&alice, "Timely").await);
    let invite = id_of(&app.invite(&alice, &room, &bob).await);

    app.accept(&bob, &invite).await;

    assert_eq!(app.all_members(&alice, &room).await.len(), 2);
}

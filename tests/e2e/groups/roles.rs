//! Roles and what they allow: the owner promotes, demotes, transfers and deletes; owner and
//! admins remove members (admins never admins or the owner) and rename the group; every change
//! reaches the members' connections as an event.

use serde_json::json;

use crate::support::{
    assert_error, assert_error_status, assert_group_room, assert_success, spawn_app, EVENT_TIMEOUT,
    QUIET, UNKNOWN_ID,
};

#[tokio::test]
async fn the_owner_promotes_and_demotes_and_every_member_gets_role_changed() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let room = app.group_with(&owner, "Crew", &[&bob, &carol]).await;
    let mut carol_ws = app.ws_connect(&carol.access_token).await;
    let mut bob_ws = app.ws_connect(&bob.access_token).await;
    carol_ws.ping_pong().await;
    bob_ws.ping_pong().await;

    let promoted = app.try_set_role(&owner, &room, &bob.id, "admin").await;
    assert_success(&promoted, "promoting");

    for ws in [&mut carol_ws, &mut bob_ws] {
        let event = ws.wait_for("role_changed", EVENT_TIMEOUT).await;
        assert_eq!(event["room_id"], room.as_str(), "{event}");
        assert_eq!(event["user_id"], bob.id.as_str(), "{event}");
        assert_eq!(event["role"], "admin", "{event}");
    }
    assert_eq!(
        app.role_of(&carol, &room, &bob.id).await.as_deref(),
        Some("admin")
    );

    assert_success(
        &app.try_set_role(&owner, &room, &bob.id, "member").await,
        "demoting",
    );
    let event = carol_ws.wait_for("role_changed", EVENT_TIMEOUT).await;
    assert_eq!(event["user_id"], bob.id.as_str());
    assert_eq!(event["role"], "member");
    assert_eq!(
        app.role_of(&carol, &room, &bob.id).await.as_deref(),
        Some("member")
    );
}

#[tokio::test]
async fn only_the_owner_changes_roles() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let admin = app.register_and_login("admin").await;
    let member = app.register_and_login("member").await;
    let room = app
        .group_with(&owner, "Hierarchy", &[&admin, &member])
        .await;
    app.set_role(&owner, &room, &admin, "admin").await;

    assert_error_status(
        &app.try_set_role(&admin, &room, &member.id, "admin").await,
        403,
    );
    assert_error_status(
        &app.try_set_role(&member, &room, &member.id, "admin").await,
        403,
    );
    assert_error_status(
        &app.try_set_role(&admin, &room, &admin.id, "member").await,
        403,
    );
    // Not a role is a bad request; not a member is not found.
    assert_error_status(
        &app.try_set_role(&owner, &room, &member.id, "emperor").await,
        400,
    );
    assert_error_status(
        &app.try_set_role(&owner, &room, UNKNOWN_ID, "admin").await,
        404,
    );

    assert_eq!(
        app.role_of(&owner, &room, &member.id).await.as_deref(),
        Some("member")
    );
    assert_eq!(
        app.role_of(&owner, &room, &admin.id).await.as_deref(),
        Some("admin")
    );
}

#[tokio::test]
async fn the_owner_transfers_ownership_and_keeps_no_owner_rights() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let heir = app.register_and_login("heir").await;
    let room = app.group_with(&owner, "Dynasty", &[&heir]).await;
    let mut heir_ws = app.ws_connect(&heir.access_token).await;
    heir_ws.ping_pong().await;

    let response = app.try_transfer(&owner, &room, &heir.id).await;
    assert_success(&response, "transferring");

    let event = heir_ws
        .wait_for_matching("role_changed", EVENT_TIMEOUT, |e| {
            e["user_id"] == heir.id.as_str()
        })
        .await;
    assert_eq!(event["role"], "owner");
    assert_eq!(event["room_id"], room.as_str());
    let members = app.all_members(&heir, &room).await;
    let owners: Vec<_> = members.iter().filter(|m| m["role"] == "owner").collect();
    assert_eq!(owners.len(), 1, "exactly one owner: {members:?}");
    assert_eq!(owners[0]["user_id"], heir.id.as_str());
    // The former owner stays a member but lost the owner's rights.
    assert!(members.iter().any(|m| m["user_id"] == owner.id.as_str()));
    assert_error_status(&app.try_delete_room(&owner, &room).await, 403);
    assert_error_status(&app.try_transfer(&owner, &room, &owner.id).await, 403);
    // The new owner has them.
    assert_success(
        &app.try_set_role(&heir, &room, &owner.id, "member").await,
        "the new owner demotes",
    );
}

#[tokio::test]
async fn admins_remove_members_but_never_admins_or_the_owner() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let admin = app.register_and_login("admin").await;
    let other_admin = app.register_and_login("admin2").await;
    let member = app.register_and_login("member").await;
    let victim = app.register_and_login("victim").await;
    let room = app
        .group_with(&owner, "Rules", &[&admin, &other_admin, &member, &victim])
        .await;
    app.set_role(&owner, &room, &admin, "admin").await;
    app.set_role(&owner, &room, &other_admin, "admin").await;

    // A plain member removes nobody.
    assert_error_status(
        &app.try_remove_member(&member, &room, &victim.id).await,
        403,
    );
    // An admin removes neither another admin nor the owner.
    assert_error_status(
        &app.try_remove_member(&admin, &room, &other_admin.id).await,
        403,
    );
    assert_error_status(&app.try_remove_member(&admin, &room, &owner.id).await, 403);
    assert_eq!(app.all_members(&owner, &room).await.len(), 5);

    // An admin removes a member; the owner removes an admin.
    app.try_remove_member(&admin, &room, &victim.id)
        .await
        .assert_status(204);
    app.try_remove_member(&owner, &room, &other_admin.id)
        .await
        .assert_status(204);
    let members = app.all_members(&owner, &room).await;
    let ids: Vec<_> = members.iter().map(|m| m["user_id"].clone()).collect();
    assert_eq!(members.len(), 3, "{members:?}");
    assert!(!ids.contains(&json!(victim.id)) && !ids.contains(&json!(other_admin.id)));
}

#[tokio::test]
async fn owner_and_admins_rename_and_describe_the_group_and_members_get_room_updated() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let admin = app.register_and_login("admin").await;
    let member = app.register_and_login("member").await;
    let room = app.group_with(&owner, "Old name", &[&admin, &member]).await;
    app.set_role(&owner, &room, &admin, "admin").await;
    let mut member_ws = app.ws_connect(&member.access_token).await;
    member_ws.ping_pong().await;

    let response = app
        .try_update_room(
            &admin,
            &room,
            &json!({"name": "New name", "description": "Now with a description"}),
        )
        .await;

    response.assert_status(200);
    let updated = response.field("room");
    assert_group_room(updated, "New name");
    assert_eq!(updated["description"], "Now with a description");
    let event = member_ws.wait_for("room_updated", EVENT_TIMEOUT).await;
    assert_eq!(event["room"]["id"], room.as_str());
    assert_eq!(event["room"]["name"], "New name");
    assert_eq!(event["room"]["description"], "Now with a description");
    let seen = app.get_room(&member, &room).await;
    assert_eq!(seen["name"], "New name");

    // The owner may too; a plain member may not; an empty name is refused.
    app.try_update_room(&owner, &room, &json!({"name": "Owner's name"}))
        .await
        .assert_status(200);
    assert_error_status(
        &app.try_update_room(&member, &room, &json!({"name": "Mine now"}))
            .await,
        403,
    );
    assert_error_status(
        &app.try_update_room(&owner, &room, &json!({"name": "  "}))
            .await,
        400,
    );
    assert_eq!(app.get_room(&member, &room).await["name"], "Owner's name");
}

#[tokio::test]
async fn the_owner_deletes_the_group_and_every_member_loses_it_at_once() {
    let app = spawn_app().await;
    let owner = app.register_and_login("owner").await;
    let admin = app.register_and_login("admin").await;
    let member = app.register_and_login("member").await;
    let room = app.group_with(&owner, "Doomed", &[&admin, &member]).await;
    app.set_role(&owner, &room, &admin, "admin").await;
    app.send_to_room(&member, &room, "last words").await;
    let mut admin_ws = app.ws_connect(&admin.access_token).await;
    let mut member_ws = app.ws_connect(&member.access_token).await;
    admin_ws.ping_pong().await;
    member_ws.ping_pong().await;

    assert_error_status(&app.try_delete_room(&admin, &room).await, 403);
    assert_error_status(&app.try_delete_room(&member, &room).await, 403);
    app.try_delete_room(&owner, &room).await.assert_status(204);

    for ws in [&mut admin_ws, &mut member_ws] {
        let event = ws.wait_for("room_deleted", EVENT_TIMEOUT).await;
        assert_eq!(event["room_id"], room.as_str(), "{event}");
    }
    for user in [&owner, &admin, &member] {
        assert_error(&app.try_get_room(user, &room).await, 404, "room_not_found");
        assert_error(
            &app.try_history(user, &room, "").await,
            404,
            "room_not_found",
        );
        assert!(app
            .rooms(user)
            .await
            .iter()
            .all(|r| r["id"] != room.as_str()));
    }
    // Sending into it is refused, and nobody hears anything more of it.
    member_ws.send_to_room("late", &room, "anyone?").await;
    let error = member_ws.wait_for("error", EVENT_TIMEOUT).await;
    assert_eq!(error["code"], "room_not_found");
    admin_ws.expect_nothing_about(&room, QUIET).await;
}

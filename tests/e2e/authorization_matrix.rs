//! The authorization matrix: every group route and client event, tried by a user in each
//! position (owner, admin, member, stranger, removed member, invited but not accepted).
//!
//! What a position allows succeeds. The rest fails the way the specification says: 404
//! (`room_not_found` for room routes) for whoever cannot see the room, that is the stranger, the
//! removed member and the invitee who has not accepted; 403 for a member who sees the room but
//! lacks the role. Each attempt that changes something gets a fresh target (a new victim, a new
//! invite, a new message), so one attempt never decides the next.

use serde_json::json;

use crate::support::{
    assert_error, assert_error_status, id_of, spawn_app, ApiResponse, GroupFixture, TestApp,
    TestUser, EVENT_TIMEOUT, QUIET,
};

/// A position relative to the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Owner,
    Admin,
    Member,
    Stranger,
    Removed,
    Invited,
}

use Who::{Admin, Invited, Member, Owner, Removed, Stranger};

/// Outsiders first and the owner last, so an allowed attempt that ends a right (a transfer)
/// comes after every refusal.
const EVERYONE: [Who; 6] = [Stranger, Removed, Invited, Member, Admin, Owner];
const MEMBERS: [Who; 3] = [Owner, Admin, Member];
const MANAGERS: [Who; 2] = [Owner, Admin];

impl Who {
    fn sees_the_room(self) -> bool {
        MEMBERS.contains(&self)
    }

    fn user(self, fixture: &GroupFixture) -> &TestUser {
        match self {
            Owner => &fixture.owner,
            Admin => &fixture.admin,
            Member => &fixture.member,
            Stranger => &fixture.stranger,
            Removed => &fixture.removed,
            Invited => &fixture.invited,
        }
    }
}

/// A route, with what it needs set up fresh for each attempt.
#[derive(Debug, Clone, Copy)]
enum Route {
    GetRoom,
    History,
    Send,
    Members,
    Read,
    EditHistory,
    Rename,
    Invite,
    CreateLink,
    RevokeLink,
    CancelInvite,
    RemoveMember,
    RemoveAdmin,
    SetRole,
    EditMembersMessage,
    DeleteMembersMessage,
    Transfer,
}

impl Route {
    /// The 404 of a route under `/rooms/{id}` says `room_not_found`.
    fn is_room_route(self) -> bool {
        !matches!(self, Route::CancelInvite)
    }
}

/// Makes a new user a member of the group (through the owner) and returns them.
async fn fresh_member(app: &TestApp, fixture: &GroupFixture) -> TestUser {
    let user = app.register_and_login("victim").await;
    app.add_member(&fixture.owner, &fixture.room, &user).await;
    user
}

/// Performs `route` as `actor`.
async fn attempt(
    app: &TestApp,
    fixture: &GroupFixture,
    route: Route,
    actor: &TestUser,
) -> ApiResponse {
    let room = fixture.room.as_str();
    let owner = &fixture.owner;
    match route {
        Route::GetRoom => app.try_get_room(actor, room).await,
        Route::History => app.try_history(actor, room, "").await,
        Route::Send => {
            app.try_send_to_room(actor, room, &json!({"body": "matrix"}))
                .await
        }
        Route::Members => app.try_members(actor, room, "limit=10").await,
        Route::Read => app.try_mark_read(actor, room, 1).await,
        Route::EditHistory => {
            let message = app.send_to_room(&fixture.member, room, "draft").await;
            app.edit(&fixture.member, room, &id_of(&message), "final")
                .await;
            app.try_edit_history(actor, room, &id_of(&message)).await
        }
        Route::Rename => {
            app.try_update_room(
                actor,
                room,
                &json!({"name": format!("By {}", actor.username)}),
            )
            .await
        }
        Route::Invite => {
            let invitee = app.register_and_login("invitee").await;
            app.try_invite(actor, room, &invitee.id).await
        }
        Route::CreateLink => app.try_create_link(actor, room, &json!({})).await,
        Route::RevokeLink => {
            let token = app.create_link(owner, room, &json!({})).await;
            app.try_revoke_link(actor, room, &token).await
        }
        Route::CancelInvite => {
            let invitee = app.register_and_login("invitee").await;
            let invite = id_of(&app.invite(owner, room, &invitee).await);
            app.try_cancel_invite(actor, &invite).await
        }
        Route::RemoveMember => {
            let victim = fresh_member(app, fixture).await;
            app.try_remove_member(actor, room, &victim.id).await
        }
        Route::RemoveAdmin => {
            let victim = fresh_member(app, fixture).await;
            app.set_role(owner, room, &victim, "admin").await;
            app.try_remove_member(actor, room, &victim.id).await
        }
        Route::SetRole => {
            let target = fresh_member(app, fixture).await;
            app.try_set_role(actor, room, &target.id, "admin").await
        }
        Route::EditMembersMessage => {
            let message = app.send_to_room(&fixture.member, room, "member's").await;
            app.try_edit(actor, room, &id_of(&message), "changed").await
        }
        Route::DeleteMembersMessage => {
            let message = app.send_to_room(&fixture.member, room, "member's").await;
            app.try_delete_message(actor, room, &id_of(&message)).await
        }
        Route::Transfer => {
            let heir = fresh_member(app, fixture).await;
            app.try_transfer(actor, room, &heir.id).await
        }
    }
}

/// Asserts the outcome of `route` for `who`: success when allowed, else 403 or 404.
fn check(route: Route, who: Who, allowed: &[Who], response: &ApiResponse) {
    let context = format!(
        "{route:?} by {who:?}: HTTP {} {}",
        response.status, response.text
    );
    if allowed.contains(&who) {
        assert!(
            (200..300).contains(&response.status),
            "allowed, so a 2xx: {context}"
        );
    } else if who.sees_the_room() {
        assert_eq!(response.status, 403, "a role it lacks: {context}");
        assert_error_status(response, 403);
    } else if route.is_room_route() {
        assert_eq!(response.status, 404, "a room it cannot see: {context}");
        assert_error(response, 404, "room_not_found");
    } else {
        assert_eq!(response.status, 404, "something it cannot see: {context}");
        assert_error_status(response, 404);
    }
}

#[tokio::test]
async fn every_group_route_is_allowed_exactly_to_the_positions_that_hold_the_right() {
    let app = spawn_app().await;
    let fixture = app.group_fixture("Matrix").await;
    app.send_to_room(&fixture.owner, &fixture.room, "first")
        .await;
    let table: [(Route, &[Who]); 17] = [
        (Route::GetRoom, &MEMBERS),
        (Route::History, &MEMBERS),
        (Route::Send, &MEMBERS),
        (Route::Members, &MEMBERS),
        (Route::Read, &MEMBERS),
        (Route::EditHistory, &MEMBERS),
        (Route::Rename, &MANAGERS),
        (Route::Invite, &MANAGERS),
        (Route::CreateLink, &MANAGERS),
        (Route::RevokeLink, &MANAGERS),
        (Route::CancelInvite, &MANAGERS),
        (Route::RemoveMember, &MANAGERS),
        (Route::RemoveAdmin, &[Owner]),
        (Route::SetRole, &[Owner]),
        (Route::EditMembersMessage, &[Member]),
        (Route::DeleteMembersMessage, &MEMBERS),
        // Last: the owner's allowed attempt hands the group on.
        (Route::Transfer, &[Owner]),
    ];

    for (route, allowed) in table {
        for who in EVERYONE {
            let response = attempt(&app, &fixture, route, who.user(&fixture)).await;
            check(route, who, allowed, &response);
        }
    }
}

#[tokio::test]
async fn nobody_removes_the_owner_and_only_the_owner_deletes_the_group() {
    let app = spawn_app().await;
    let fixture = app.group_fixture("Throne").await;
    let (room, owner) = (fixture.room.as_str(), &fixture.owner);

    for who in [Stranger, Removed, Invited, Member, Admin] {
        let response = app
            .try_remove_member(who.user(&fixture), room, &owner.id)
            .await;
        check(Route::RemoveMember, who, &[], &response);
    }
    for who in EVERYONE {
        let response = app.try_delete_room(who.user(&fixture), room).await;
        check(Route::GetRoom, who, &[Owner], &response);
    }
}

#[tokio::test]
async fn members_leave_and_outsiders_have_nothing_to_leave() {
    let app = spawn_app().await;
    let fixture = app.group_fixture("Exit").await;
    let room = fixture.room.as_str();

    for who in [Stranger, Removed, Invited, Member, Admin] {
        let user = who.user(&fixture);
        let response = app.try_remove_member(user, room, &user.id).await;
        check(Route::GetRoom, who, &[Member, Admin], &response);
        assert_error(&app.try_get_room(user, room).await, 404, "room_not_found");
    }
}

#[tokio::test]
async fn every_client_event_is_taken_from_members_only_and_room_events_reach_members_only() {
    let app = spawn_app().await;
    let fixture = app.group_fixture("Wire").await;
    let room = fixture.room.clone();
    app.send_to_room(&fixture.owner, &room, "first").await;
    let mut sockets = Vec::new();
    for who in EVERYONE {
        let mut ws = app.ws_connect(&who.user(&fixture).access_token).await;
        ws.ping_pong().await;
        sockets.push((who, ws));
    }

    for (who, ws) in &mut sockets {
        let frames = [
            json!({"type": "send", "ref": "m", "room_id": room, "body": "over the wire"}),
            json!({"type": "typing", "room_id": room}),
            json!({"type": "read", "room_id": room, "seq": 1}),
            json!({"type": "received", "room_id": room, "seq": 1}),
        ];
        for frame in frames {
            ws.send_json(&frame).await;
            if !who.sees_the_room() {
                let error = ws.wait_for("error", EVENT_TIMEOUT).await;
                assert_eq!(error["code"], "room_not_found", "{who:?} {frame}: {error}");
            } else if frame["type"] == "send" {
                let ack = ws.answer_to("m", EVENT_TIMEOUT).await;
                assert_eq!(ack["type"], "ack", "{who:?}: {ack}");
            }
        }
        if who.sees_the_room() {
            ws.expect_none("error", QUIET).await;
        }
    }

    // A message of the room reaches the members' connections and nobody else's.
    let message = app
        .send_to_room(&fixture.member, &room, "who hears this?")
        .await;
    for (who, ws) in &mut sockets {
        if who.sees_the_room() {
            ws.wait_for_matching("message", EVENT_TIMEOUT, |e| {
                e["message"]["id"] == message["id"]
            })
            .await;
        } else {
            ws.expect_nothing_about(&room, QUIET).await;
        }
    }
}

#[tokio::test]
async fn group_routes_on_a_private_room_are_refused_to_its_members_and_hidden_from_others() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let (room, _) = app.send_private(&alice, &bob, "just us").await;
    let room = id_of(&room);

    let attempts = |user: &TestUser| {
        let user = user.clone();
        let room = room.clone();
        let carol_id = carol.id.clone();
        let bob_id = bob.id.clone();
        let app = &app;
        async move {
            vec![
                ("invite", app.try_invite(&user, &room, &carol_id).await),
                ("link", app.try_create_link(&user, &room, &json!({})).await),
                (
                    "rename",
                    app.try_update_room(&user, &room, &json!({"name": "Ours"}))
                        .await,
                ),
                (
                    "role",
                    app.try_set_role(&user, &room, &bob_id, "admin").await,
                ),
                ("transfer", app.try_transfer(&user, &room, &bob_id).await),
                ("remove", app.try_remove_member(&user, &room, &bob_id).await),
                ("delete", app.try_delete_room(&user, &room).await),
            ]
        }
    };

    for (what, response) in attempts(&alice).await {
        assert!(
            response.status == 400 || response.status == 403,
            "{what} on a private room by a member: 400 or 403, got {} {}",
            response.status,
            response.text
        );
        assert_error_status(&response, response.status);
    }
    for (what, response) in attempts(&carol).await {
        assert_eq!(
            response.status, 404,
            "{what} by an outsider: {}",
            response.text
        );
        assert_error(&response, 404, "room_not_found");
    }
    // Still exactly the two of them, and the room works.
    let listed = app.get_room(&bob, &room).await;
    assert_eq!(listed["member_count"], 2);
    assert!(app.pending_invites(&carol).await.is_empty());
    app.send_private(&bob, &alice, "still here").await;
}

#[tokio::test]
async fn only_the_invitee_answers_an_invite() {
    let app = spawn_app().await;
    let fixture = app.group_fixture("Invitation").await;

    for who in [Stranger, Removed] {
        let user = who.user(&fixture);
        let accepted = app.try_accept(user, &fixture.invite).await;
        assert_error_status(&accepted, 404);
        let declined = app.try_decline(user, &fixture.invite).await;
        assert_error_status(&declined, 404);
    }
    // Members see the room, not someone else's invite: refused either way.
    for who in MEMBERS {
        let accepted = app.try_accept(who.user(&fixture), &fixture.invite).await;
        assert!(
            accepted.status == 403 || accepted.status == 404,
            "{who:?} accepting another's invite: {} {}",
            accepted.status,
            accepted.text
        );
        assert_error_status(&accepted, accepted.status);
    }

    let room = app.accept(&fixture.invited, &fixture.invite).await;
    assert_eq!(room["id"], fixture.room.as_str());
    assert_eq!(
        app.role_of(&fixture.owner, &fixture.room, &fixture.invited.id)
            .await
            .as_deref(),
        Some("member")
    );
}

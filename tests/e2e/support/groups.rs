//! Group helpers: creating groups, invites and invite links, members and roles.
//!
//! `try_*` helpers return the [`ApiResponse`] whatever it is (for tests about refusals); the
//! others assert the success status of the specification and return the interesting object.
//! [`GroupFixture`] builds the cast of the authorization tests once: an owner, an admin, a
//! member, a stranger, a removed member and an invited-but-not-accepted user.

use serde_json::{json, Value};

use super::app::TestApp;
use super::http::ApiResponse;
use super::users::TestUser;

/// The `id` of an object as an owned string (rooms, messages, invites, users).
pub fn id_of(object: &Value) -> String {
    object["id"]
        .as_str()
        .unwrap_or_else(|| panic!("object without a string id: {object}"))
        .to_owned()
}

/// Asserts that `room` is a group named `name` as the room object describes it.
pub fn assert_group_room(room: &Value, name: &str) {
    assert!(
        room["id"].as_str().is_some_and(|id| !id.is_empty()),
        "room id of {room}"
    );
    assert_eq!(room["kind"], "group", "kind of {room}");
    assert_eq!(room["name"], name, "name of {room}");
    assert!(
        room["member_count"].as_u64().is_some_and(|n| n >= 1),
        "member_count of {room}"
    );
}

impl TestApp {
    /// `POST /api/v1/groups` with any JSON body.
    pub async fn try_create_group(&self, owner: &TestUser, request: &Value) -> ApiResponse {
        self.post("/api/v1/groups", Some(&owner.access_token), request)
            .await
    }

    /// Creates a group named `name`, asserting 201; returns the room.
    pub async fn create_group(&self, owner: &TestUser, name: &str) -> Value {
        let response = self.try_create_group(owner, &json!({"name": name})).await;
        response.assert_status(201);
        response.field("room").clone()
    }

    /// `GET /api/v1/rooms/{room}` as `user`.
    pub async fn try_get_room(&self, user: &TestUser, room: &str) -> ApiResponse {
        self.get(&format!("/api/v1/rooms/{room}"), Some(&user.access_token))
            .await
    }

    /// `GET /api/v1/rooms/{room}` as `user`, asserting 200; returns the room.
    pub async fn get_room(&self, user: &TestUser, room: &str) -> Value {
        let response = self.try_get_room(user, room).await;
        response.assert_status(200);
        response.field("room").clone()
    }

    /// `POST /api/v1/rooms/{room}/invites` {user_id} as `inviter`.
    pub async fn try_invite(&self, inviter: &TestUser, room: &str, invitee: &str) -> ApiResponse {
        self.post(
            &format!("/api/v1/rooms/{room}/invites"),
            Some(&inviter.access_token),
            &json!({"user_id": invitee}),
        )
        .await
    }

    /// Invites `invitee`, asserting 201; returns the invite.
    pub async fn invite(&self, inviter: &TestUser, room: &str, invitee: &TestUser) -> Value {
        let response = self.try_invite(inviter, room, &invitee.id).await;
        response.assert_status(201);
        response.field("invite").clone()
    }

    /// `GET /api/v1/invites` as `user`, asserting 200; returns the pending invites.
    pub async fn pending_invites(&self, user: &TestUser) -> Vec<Value> {
        let response = self.get("/api/v1/invites", Some(&user.access_token)).await;
        response.assert_status(200);
        response
            .field("invites")
            .as_array()
            .unwrap_or_else(|| panic!("`invites` is not an array: {}", response.text))
            .clone()
    }

    /// `POST /api/v1/invites/{invite}/accept` as `user`.
    pub async fn try_accept(&self, user: &TestUser, invite: &str) -> ApiResponse {
        self.post(
            &format!("/api/v1/invites/{invite}/accept"),
            Some(&user.access_token),
            &json!({}),
        )
        .await
    }

    /// Accepts an invite, asserting 200; returns the room.
    pub async fn accept(&self, user: &TestUser, invite: &str) -> Value {
        let response = self.try_accept(user, invite).await;
        response.assert_status(200);
        response.field("room").clone()
    }

    /// `POST /api/v1/invites/{invite}/decline` as `user`.
    pub async fn try_decline(&self, user: &TestUser, invite: &str) -> ApiResponse {
        self.post(
            &format!("/api/v1/invites/{invite}/decline"),
            Some(&user.access_token),
            &json!({}),
        )
        .await
    }

    /// `DELETE /api/v1/invites/{invite}` (cancel) as `user`.
    pub async fn try_cancel_invite(&self, user: &TestUser, invite: &str) -> ApiResponse {
        self.delete(
            &format!("/api/v1/invites/{invite}"),
            Some(&user.access_token),
        )
        .await
    }

    /// Invites `user` as `inviter` and accepts at once: `user` is now a member.
    pub async fn add_member(&self, inviter: &TestUser, room: &str, user: &TestUser) {
        let invite = self.invite(inviter, room, user).await;
        self.accept(user, &id_of(&invite)).await;
    }

    /// A group named `name` owned by `owner` with `members` added in order; returns its id.
    pub async fn group_with(&self, owner: &TestUser, name: &str, members: &[&TestUser]) -> String {
        let room = id_of(&self.create_group(owner, name).await);
        for member in members {
            self.add_member(owner, &room, member).await;
        }
        room
    }

    /// `POST /api/v1/rooms/{room}/invite-links` with any JSON body.
    pub async fn try_create_link(
        &self,
        user: &TestUser,
        room: &str,
        request: &Value,
    ) -> ApiResponse {
        self.post(
            &format!("/api/v1/rooms/{room}/invite-links"),
            Some(&user.access_token),
            request,
        )
        .await
    }

    /// Creates an invite link, asserting 201; returns its token.
    pub async fn create_link(&self, user: &TestUser, room: &str, request: &Value) -> String {
        let response = self.try_create_link(user, room, request).await;
        response.assert_status(201);
        response.field("link")["token"]
            .as_str()
            .unwrap_or_else(|| panic!("link without a token: {}", response.text))
            .to_owned()
    }

    /// `POST /api/v1/invite-links/{token}/join` as `user`.
    pub async fn try_join_link(&self, user: &TestUser, token: &str) -> ApiResponse {
        self.post(
            &format!("/api/v1/invite-links/{token}/join"),
            Some(&user.access_token),
            &json!({}),
        )
        .await
    }

    /// `DELETE /api/v1/rooms/{room}/invite-links/{token}` as `user`.
    pub async fn try_revoke_link(&self, user: &TestUser, room: &str, token: &str) -> ApiResponse {
        self.delete(
            &format!("/api/v1/rooms/{room}/invite-links/{token}"),
            Some(&user.access_token),
        )
        .await
    }

    /// `GET /api/v1/rooms/{room}/members?{query}` as `user`.
    pub async fn try_members(&self, user: &TestUser, room: &str, query: &str) -> ApiResponse {
        self.get(
            &format!("/api/v1/rooms/{room}/members?{query}"),
            Some(&user.access_token),
        )
        .await
    }

    /// One page of members, asserting 200; returns `(members, has_more)`.
    pub async fn members_page(
        &self,
        user: &TestUser,
        room: &str,
        query: &str,
    ) -> (Vec<Value>, bool) {
        let response = self.try_members(user, room, query).await;
        response.assert_status(200);
        let members = response
            .field("members")
            .as_array()
            .unwrap_or_else(|| panic!("`members` is not an array: {}", response.text))
            .clone();
        let has_more = response
            .field("has_more")
            .as_bool()
            .unwrap_or_else(|| panic!("`has_more` is not a boolean: {}", response.text));
        (members, has_more)
    }

    /// Every member of `room`, walked with `after` pages of 200.
    pub async fn all_members(&self, user: &TestUser, room: &str) -> Vec<Value> {
        let (mut all, mut has_more) = self.members_page(user, room, "limit=200").await;
        while has_more {
            let last = all.last().expect("a page with has_more is not empty")["user_id"]
                .as_str()
                .expect("user_id")
                .to_owned();
            let (mut page, more) = self
                .members_page(user, room, &format!("after={last}&limit=200"))
                .await;
            all.append(&mut page);
            has_more = more;
        }
        all
    }

    /// The role of `member` in `room` as `viewer` sees it; `None` when not a member.
    pub async fn role_of(&self, viewer: &TestUser, room: &str, member: &str) -> Option<String> {
        self.all_members(viewer, room)
            .await
            .iter()
            .find(|m| m["user_id"] == member)
            .map(|m| m["role"].as_str().expect("role").to_owned())
    }

    /// `PATCH /api/v1/rooms/{room}/members/{member}` {role} as `actor`.
    pub async fn try_set_role(
        &self,
        actor: &TestUser,
        room: &str,
        member: &str,
        role: &str,
    ) -> ApiResponse {
        self.patch(
            &format!("/api/v1/rooms/{room}/members/{member}"),
            Some(&actor.access_token),
            &json!({"role": role}),
        )
        .await
    }

    /// Sets `member`'s role, asserting a 2xx answer.
    pub async fn set_role(&self, actor: &TestUser, room: &str, member: &TestUser, role: &str) {
        let response = self.try_set_role(actor, room, &member.id, role).await;
        assert_success(&response, "changing a role");
    }

    /// `POST /api/v1/rooms/{room}/transfer` {user_id} as `actor`.
    pub async fn try_transfer(&self, actor: &TestUser, room: &str, to: &str) -> ApiResponse {
        self.post(
            &format!("/api/v1/rooms/{room}/transfer"),
            Some(&actor.access_token),
            &json!({"user_id": to}),
        )
        .await
    }

    /// `DELETE /api/v1/rooms/{room}/members/{member}` as `actor` (removal, or leaving when
    /// `member` is the actor).
    pub async fn try_remove_member(
        &self,
        actor: &TestUser,
        room: &str,
        member: &str,
    ) -> ApiResponse {
        self.delete(
            &format!("/api/v1/rooms/{room}/members/{member}"),
            Some(&actor.access_token),
        )
        .await
    }

    /// `user` leaves `room` (removes themselves), asserting 204.
    pub async fn leave(&self, user: &TestUser, room: &str) {
        self.try_remove_member(user, room, &user.id)
            .await
            .assert_status(204);
    }

    /// `PATCH /api/v1/rooms/{room}` with any JSON body (rename, describe).
    pub async fn try_update_room(
        &self,
        actor: &TestUser,
        room: &str,
        request: &Value,
    ) -> ApiResponse {
        self.patch(
            &format!("/api/v1/rooms/{room}"),
            Some(&actor.access_token),
            request,
        )
        .await
    }

    /// `DELETE /api/v1/rooms/{room}` as `actor`.
    pub async fn try_delete_room(&self, actor: &TestUser, room: &str) -> ApiResponse {
        self.delete(&format!("/api/v1/rooms/{room}"), Some(&actor.access_token))
            .await
    }

    /// Builds a [`GroupFixture`] in a new group named `name`.
    pub async fn group_fixture(&self, name: &str) -> GroupFixture {
        let owner = self.register_and_login("owner").await;
        let admin = self.register_and_login("admin").await;
        let member = self.register_and_login("member").await;
        let stranger = self.register_and_login("stranger").await;
        let removed = self.register_and_login("removed").await;
        let invited = self.register_and_login("invited").await;
        let room = self
            .group_with(&owner, name, &[&admin, &member, &removed])
            .await;
        self.set_role(&owner, &room, &admin, "admin").await;
        self.try_remove_member(&owner, &room, &removed.id)
            .await
            .assert_status(204);
        let invite = id_of(&self.invite(&owner, &room, &invited).await);
        GroupFixture {
            room,
            owner,
            admin,
            member,
            stranger,
            removed,
            invited,
            invite,
        }
    }
}

/// Panics with the body unless the answer is a 2xx (for routes whose exact success status the
/// specification leaves open).
pub fn assert_success(response: &ApiResponse, what: &str) {
    assert!(
        (200..300).contains(&response.status),
        "{what}: expected a 2xx answer, got {} with body {}",
        response.status,
        response.text
    );
}

/// One group and a user in every position the authorization rules distinguish.
#[derive(Debug)]
pub struct GroupFixture {
    /// The group's id.
    pub room: String,
    /// Created the group.
    pub owner: TestUser,
    /// A member promoted to admin.
    pub admin: TestUser,
    /// A plain member.
    pub member: TestUser,
    /// Never had anything to do with the group.
    pub stranger: TestUser,
    /// Was a member, then was removed by the owner.
    pub removed: TestUser,
    /// Has a pending invite, not accepted.
    pub invited: TestUser,
    /// The id of `invited`'s pending invite.
    pub invite: String,
}

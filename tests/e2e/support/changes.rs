//! Helpers for what happens to messages after they are sent, and around them: edits, deletes,
//! edit history, read markers, blocks and presence look-ups.
//!
//! Where the specification names no field, the assumption lives here once (see
//! [`reply_preview`] and [`edit_entries`]) so that a different choice by the server is one
//! line to change.

use serde_json::{json, Value};

use super::app::TestApp;
use super::http::ApiResponse;
use super::users::TestUser;

/// The short preview of the answered message that a reply carries.
///
/// The specification says a reply "carries a short preview of the one it answers" without
/// naming the field; the server calls it `reply_preview`: `{id, sender_id, body, deleted}`, the
/// body shortened, and `null` once the answered message is deleted.
pub fn reply_preview(message: &Value) -> &Value {
    let preview = &message["reply_preview"];
    assert!(
        preview.is_object(),
        "a reply carries a `reply_preview` object: {message}"
    );
    preview
}

/// The entries of an edit-history answer, oldest first. The specification names no shape; the
/// server answers `{"edits": [{"body", "replaced_at"}, ...]}`.
pub fn edit_entries(response: &ApiResponse) -> Vec<Value> {
    response
        .field("edits")
        .as_array()
        .unwrap_or_else(|| panic!("`edits` is not an array: {}", response.text))
        .clone()
}

impl TestApp {
    /// `PATCH /api/v1/rooms/{room}/messages/{message}` {body} as `user`.
    pub async fn try_edit(
        &self,
        user: &TestUser,
        room: &str,
        message: &str,
        body: &str,
    ) -> ApiResponse {
        self.patch(
            &format!("/api/v1/rooms/{room}/messages/{message}"),
            Some(&user.access_token),
            &json!({"body": body}),
        )
        .await
    }

    /// Edits a message, asserting 200; returns the updated message.
    pub async fn edit(&self, user: &TestUser, room: &str, message: &str, body: &str) -> Value {
        let response = self.try_edit(user, room, message, body).await;
        response.assert_status(200);
        response.field("message").clone()
    }

    /// `DELETE /api/v1/rooms/{room}/messages/{message}` as `user`.
    pub async fn try_delete_message(
        &self,
        user: &TestUser,
        room: &str,
        message: &str,
    ) -> ApiResponse {
        self.delete(
            &format!("/api/v1/rooms/{room}/messages/{message}"),
            Some(&user.access_token),
        )
        .await
    }

    /// Deletes a message, asserting 200 or 204 (the specification names no status for it);
    /// returns the tombstone as the history shows it.
    pub async fn delete_message(&self, user: &TestUser, room: &str, message: &str) -> Value {
        let response = self.try_delete_message(user, room, message).await;
        assert!(
            response.status == 200 || response.status == 204,
            "deleting a message: expected 200 or 204, got {} with {}",
            response.status,
            response.text
        );
        self.find_message(user, room, message).await
    }

    /// `GET /api/v1/rooms/{room}/messages/{message}/history` as `user`.
    pub async fn try_edit_history(
        &self,
        user: &TestUser,
        room: &str,
        message: &str,
    ) -> ApiResponse {
        self.get(
            &format!("/api/v1/rooms/{room}/messages/{message}/history"),
            Some(&user.access_token),
        )
        .await
    }

    /// The message with id `message`, read from the history of `room` as `user`.
    pub async fn find_message(&self, user: &TestUser, room: &str, message: &str) -> Value {
        self.full_history(user, room)
            .await
            .into_iter()
            .find(|m| m["id"] == message)
            .unwrap_or_else(|| panic!("message {message} is not in the history of {room}"))
    }

    /// `POST /api/v1/rooms/{room}/read` {seq} as `user`.
    pub async fn try_mark_read(&self, user: &TestUser, room: &str, seq: u64) -> ApiResponse {
        self.post(
            &format!("/api/v1/rooms/{room}/read"),
            Some(&user.access_token),
            &json!({"seq": seq}),
        )
        .await
    }

    /// Moves `user`'s read marker, asserting 204.
    pub async fn mark_read(&self, user: &TestUser, room: &str, seq: u64) {
        self.try_mark_read(user, room, seq).await.assert_status(204);
    }

    /// `room` as it appears in `user`'s room list (where the unread counts live).
    pub async fn listed_room(&self, user: &TestUser, room: &str) -> Value {
        self.rooms(user)
            .await
            .into_iter()
            .find(|r| r["id"] == room)
            .unwrap_or_else(|| panic!("room {room} is not in {}'s list", user.username))
    }

    /// `(unread_count, mention_count)` of `room` in `user`'s room list.
    pub async fn unread(&self, user: &TestUser, room: &str) -> (u64, u64) {
        let listed = self.listed_room(user, room).await;
        let count = |key: &str| {
            listed[key]
                .as_u64()
                .unwrap_or_else(|| panic!("no numeric `{key}` in {listed}"))
        };
        (count("unread_count"), count("mention_count"))
    }

    /// `POST /api/v1/users/{target}/block` as `user`.
    pub async fn try_block(&self, user: &TestUser, target: &str) -> ApiResponse {
        self.post(
            &format!("/api/v1/users/{target}/block"),
            Some(&user.access_token),
            &json!({}),
        )
        .await
    }

    /// `DELETE /api/v1/users/{target}/block` as `user`.
    pub async fn try_unblock(&self, user: &TestUser, target: &str) -> ApiResponse {
        self.delete(
            &format!("/api/v1/users/{target}/block"),
            Some(&user.access_token),
        )
        .await
    }

    /// `GET /api/v1/presence?user_ids=...` as `user`, asserting 200; returns the entries.
    pub async fn presence(&self, user: &TestUser, ids: &[&str]) -> Vec<Value> {
        let response = self
            .get(
                &format!("/api/v1/presence?user_ids={}", ids.join(",")),
                Some(&user.access_token),
            )
            .await;
        response.assert_status(200);
        response
            .field("presence")
            .as_array()
            .unwrap_or_else(|| panic!("`presence` is not an array: {}", response.text))
            .clone()
    }
}

//! Chat helpers: sending messages, reading rooms and history.

use serde_json::{json, Value};

use super::app::TestApp;
use super::http::ApiResponse;
use super::users::TestUser;

impl TestApp {
    /// `POST /api/v1/users/{to}/messages` as `from` with any JSON body.
    pub async fn try_send_private(
        &self,
        from: &TestUser,
        to: &str,
        request: &Value,
    ) -> ApiResponse {
        self.post(
            &format!("/api/v1/users/{to}/messages"),
            Some(&from.access_token),
            request,
        )
        .await
    }

    /// Sends `body` from `from` to user `to`, asserting 201; returns `(room, message)`.
    pub async fn send_private(&self, from: &TestUser, to: &TestUser, body: &str) -> (Value, Value) {
        let response = self
            .try_send_private(from, &to.id, &json!({"body": body}))
            .await;
        response.assert_status(201);
        (
            response.field("room").clone(),
            response.field("message").clone(),
        )
    }

    /// `POST /api/v1/rooms/{room}/messages` as `from` with any JSON body.
    pub async fn try_send_to_room(
        &self,
        from: &TestUser,
        room: &str,
        request: &Value,
    ) -> ApiResponse {
        self.post(
            &format!("/api/v1/rooms/{room}/messages"),
            Some(&from.access_token),
            request,
        )
        .await
    }

    /// Sends `body` into `room`, asserting 201; returns the message.
    pub async fn send_to_room(&self, from: &TestUser, room: &str, body: &str) -> Value {
        let response = self
            .try_send_to_room(from, room, &json!({"body": body}))
            .await;
        response.assert_status(201);
        response.field("message").clone()
    }

    /// `GET /api/v1/rooms/{room}/messages?{query}` as `user`.
    pub async fn try_history(&self, user: &TestUser, room: &str, query: &str) -> ApiResponse {
        let path = if query.is_empty() {
            format!("/api/v1/rooms/{room}/messages")
        } else {
            format!("/api/v1/rooms/{room}/messages?{query}")
        };
        self.get(&path, Some(&user.access_token)).await
    }

    /// One history page, asserting 200; returns `(messages, has_more)`.
    pub async fn history(&self, user: &TestUser, room: &str, query: &str) -> (Vec<Value>, bool) {
        let response = self.try_history(user, room, query).await;
        response.assert_status(200);
        let messages = response
            .field("messages")
            .as_array()
            .unwrap_or_else(|| panic!("`messages` is not an array: {}", response.text))
            .clone();
        let has_more = response
            .field("has_more")
            .as_bool()
            .unwrap_or_else(|| panic!("`has_more` is not a boolean: {}", response.text));
        (messages, has_more)
    }

    /// Every message of `room`, oldest first, walked backwards page by page.
    pub async fn full_history(&self, user: &TestUser, room: &str) -> Vec<Value> {
        let (mut all, mut has_more) = self.history(user, room, "limit=100").await;
        while has_more {
            let oldest = all.first().expect("a page with has_more is not empty")["seq"]
                .as_u64()
                .expect("seq");
            let (mut page, more) = self
                .history(user, room, &format!("before={oldest}&limit=100"))
                .await;
            page.append(&mut all);
            all = page;
            has_more = more;
        }
        all
    }

    /// `GET /api/v1/rooms` as `user`, asserting 200; returns the `rooms` array.
    pub async fn rooms(&self, user: &TestUser) -> Vec<Value> {
        let response = self.get("/api/v1/rooms", Some(&user.access_token)).await;
        response.assert_status(200);
        response
            .field("rooms")
            .as_array()
            .unwrap_or_else(|| panic!("`rooms` is not an array: {}", response.text))
            .clone()
    }
}

/// The `seq` of every message, in the order given.
pub fn seqs(messages: &[Value]) -> Vec<u64> {
    messages
        .iter()
        .map(|m| m["seq"].as_u64().unwrap_or_else(|| panic!("no seq in {m}")))
        .collect()
}

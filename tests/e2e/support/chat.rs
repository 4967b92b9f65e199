//! Chat helpers: sending messages, reading rooms and history.

use std::time::Duration;

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

    /// Sends `body` into `room` the way a client rides out an outage: with a `client_msg_id`,
    /// retried with the same key after each `503 store_unavailable` until it is acknowledged
    /// (201, or 200 when an earlier try was committed after all), for up to `timeout`.
    /// Returns the acknowledged message.
    pub async fn send_with_retries(
        &self,
        from: &TestUser,
        room: &str,
        body: &str,
        client_msg_id: &str,
        timeout: Duration,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        let request = json!({"body": body, "client_msg_id": client_msg_id});
        loop {
            let response = self.try_send_to_room(from, room, &request).await;
            match response.status {
                200 | 201 => return response.field("message").clone(),
                503 if tokio::time::Instant::now() < deadline => {
                    assert_eq!(
                        response.body["error"]["code"], "store_unavailable",
                        "{}",
                        response.text
                    );
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                _ => panic!(
                    "send {client_msg_id:?} not acknowledged within {timeout:?}: HTTP {} {}",
                    response.status, response.text
                ),
            }
        }
    }

    /// The whole history of `room` once it has settled: read until two reads in a row agree
    /// and the seqs run from 1 without a gap, for up to `timeout`; the last read after that.
    ///
    /// After a fault, jobs that were never acknowledged may still be retried and committed
    /// (taking the next seqs), and a seq taken by a commit that failed is filled with a
    /// tombstone by a later commit; a single read could catch either half-way.
    pub async fn settled_history(
        &self,
        user: &TestUser,
        room: &str,
        timeout: Duration,
    ) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut previous = self.full_history(user, room).await;
        loop {
            tokio::time::sleep(Duration::from_millis(500)).await;
            let current = self.full_history(user, room).await;
            let gapless = seqs(&current)
                .iter()
                .enumerate()
                .all(|(index, seq)| *seq == index as u64 + 1);
            if (gapless && current == previous) || tokio::time::Instant::now() >= deadline {
                return current;
            }
            previous = current;
        }
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

//! Waiting for WebSocket events by type, with whatever else arrives in between skipped.
//!
//! [`WsClient::expect_event`] is strict (the very next event must match), which is right for
//! ordering checks but brittle once a connection also carries presence, typing, receipts and
//! membership events. These helpers look for one kind of event and step over the rest, and
//! [`WsClient::expect_none`] listens for a while to prove an event did *not* come. They also
//! send the client events of the group feature set (`typing`, `read`, `received`, `resume`).

use std::time::Duration;

use serde_json::{json, Value};

use super::ws::{Frame, WsClient};

impl WsClient {
    /// The first event of type `kind` within `timeout`; events of other types are skipped.
    pub async fn wait_for(&mut self, kind: &str, timeout: Duration) -> Value {
        self.wait_for_matching(kind, timeout, |_| true).await
    }

    /// The first event of type `kind` for which `matches` holds; everything else is skipped.
    pub async fn wait_for_matching(
        &mut self,
        kind: &str,
        timeout: Duration,
        matches: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut skipped = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await {
                Frame::Event(event) if event["type"] == kind && matches(&event) => return event,
                Frame::Event(event) => skipped.push(event),
                Frame::Closed(code) => panic!(
                    "connection closed (code {code:?}) while waiting for a `{kind}` event; \
                     got before: {skipped:?}"
                ),
                Frame::Timeout => panic!(
                    "no matching `{kind}` event within {timeout:?}; got instead: {skipped:?}"
                ),
            }
        }
    }

    /// Every event that arrives within `duration` (the connection must stay open).
    pub async fn collect_for(&mut self, duration: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + duration;
        let mut events = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await {
                Frame::Event(event) => events.push(event),
                Frame::Timeout => return events,
                Frame::Closed(code) => {
                    panic!("connection closed (code {code:?}) while listening; got {events:?}")
                }
            }
        }
    }

    /// Listens for `duration` and fails if an event of type `kind` arrives (others are fine).
    pub async fn expect_none(&mut self, kind: &str, duration: Duration) {
        self.expect_none_matching(kind, duration, |_| true).await;
    }

    /// Listens for `duration` and fails if an event of type `kind` matching `matches` arrives.
    pub async fn expect_none_matching(
        &mut self,
        kind: &str,
        duration: Duration,
        matches: impl Fn(&Value) -> bool,
    ) {
        for event in self.collect_for(duration).await {
            assert!(
                !(event["type"] == kind && matches(&event)),
                "expected no such `{kind}` event, got {event}"
            );
        }
    }

    /// Listens for `duration` and fails if any event about room `room_id` arrives (a message of
    /// it, or any event whose `room_id` or `room.id` names it).
    pub async fn expect_nothing_about(&mut self, room_id: &str, duration: Duration) {
        for event in self.collect_for(duration).await {
            assert!(
                !is_about(&event, room_id),
                "expected nothing about room {room_id}, got {event}"
            );
        }
    }

    /// Sends `{"type":"typing","room_id":...}`.
    pub async fn send_typing(&mut self, room_id: &str) {
        self.send_json(&json!({"type": "typing", "room_id": room_id}))
            .await;
    }

    /// Sends `{"type":"read","room_id":...,"seq":...}`.
    pub async fn send_read(&mut self, room_id: &str, seq: u64) {
        self.send_json(&json!({"type": "read", "room_id": room_id, "seq": seq}))
            .await;
    }

    /// Sends `{"type":"received","room_id":...,"seq":...}` (a cumulative delivery receipt).
    pub async fn send_received(&mut self, room_id: &str, seq: u64) {
        self.send_json(&json!({"type": "received", "room_id": room_id, "seq": seq}))
            .await;
    }

    /// Sends `{"type":"resume","rooms":{...}}` with `rooms` as the map of last revs seen.
    pub async fn send_resume(&mut self, rooms: &Value) {
        self.send_json(&json!({"type": "resume", "rooms": rooms}))
            .await;
    }
}

/// Whether `event` concerns room `room_id`.
pub fn is_about(event: &Value, room_id: &str) -> bool {
    event["room_id"] == room_id
        || event["room"]["id"] == room_id
        || event["message"]["room_id"] == room_id
        || event["invite"]["room_id"] == room_id
}

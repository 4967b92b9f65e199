//! What one case's junk must be answered with, checked as the answers come in.
//!
//! Answers may come in any order (a refused send is answered by its own task, after frames
//! sent later), so they are tallied: each ref'd `error` exactly once, anonymous errors, pongs
//! and resumes by count, never more than expected, and no `ack` but the valid send's.

use std::collections::HashSet;

use serde_json::Value;

use super::junk::Answer;
use crate::support::{Frame, WsClient, EVENT_TIMEOUT};

#[derive(Debug, Default)]
pub struct Expectations {
    errors: HashSet<String>,
    anonymous: usize,
    pongs: usize,
    resumes: HashSet<String>,
    resumes_left: usize,
}

impl Expectations {
    pub fn add(&mut self, answer: Answer) {
        match answer {
            Answer::Error(reference) => {
                assert!(self.errors.insert(reference), "refs are unique");
            }
            Answer::Anonymous => self.anonymous += 1,
            Answer::Pongs(n) => self.pongs += n,
            Answer::Resumed(reference) => {
                self.resumes.insert(reference);
                self.resumes_left += 1;
            }
            Answer::Nothing => {}
        }
    }

    fn done(&self) -> bool {
        self.errors.is_empty() && self.anonymous == 0 && self.pongs == 0 && self.resumes_left == 0
    }

    /// Reads until every answer came and the send `probe` was acknowledged; returns its `ack`.
    pub async fn settle(&mut self, ws: &mut WsClient, probe: &str) -> Value {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        let mut ack = None;
        let mut seen = Vec::new();
        while ack.is_none() || !self.done() {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let event = match ws.next_frame(left).await {
                Frame::Event(event) => event,
                Frame::Closed(code) => panic!(
                    "the server closed the connection ({code:?}) over junk; \
                     still expected {self:?}; seen {seen:?}"
                ),
                Frame::Timeout => panic!("answers missing: {self:?}; seen {seen:?}"),
            };
            match event["type"].as_str() {
                Some("error") => self.error(&event),
                Some("pong") => {
                    assert!(self.pongs > 0, "a pong nobody asked for");
                    self.pongs -= 1;
                }
                Some("resumed") => {
                    assert!(self.resumes_left > 0, "a resumed nobody asked for: {event}");
                    self.resumes_left -= 1;
                }
                Some("ack") => {
                    assert_eq!(event["ref"], probe, "junk was acknowledged: {event}");
                    assert!(ack.is_none(), "two acks for one send");
                    ack = Some(event.clone());
                }
                _ => {}
            }
            seen.push(event);
        }
        ack.expect("the ack")
    }

    fn error(&mut self, event: &Value) {
        assert!(
            event["code"].as_str().is_some_and(|c| !c.is_empty())
                && event["message"].as_str().is_some_and(|m| !m.is_empty()),
            "an error needs a code and a message: {event}"
        );
        match event["ref"].as_str() {
            None => {
                assert!(event["ref"].is_null(), "ref is a string or null: {event}");
                assert!(self.anonymous > 0, "an error nobody caused: {event}");
                self.anonymous -= 1;
            }
            Some(reference) if self.errors.remove(reference) => {}
            Some(reference) if self.resumes.contains(reference) => {
                assert_eq!(event["code"], "invalid_request", "{event}");
                assert!(self.resumes_left > 0, "a resume answered twice: {event}");
                self.resumes_left -= 1;
            }
            Some(_) => panic!("an error for no frame, or a second one: {event}"),
        }
    }
}

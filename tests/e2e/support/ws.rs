//! A WebSocket client that speaks the JSON event protocol of `GET /api/v1/ws`.
//!
//! Reads skip protocol-level ping and pong frames (tungstenite answers pings by itself) so a
//! test only sees JSON events and the close frame. `expect_event` is strict on purpose: the next
//! event must have the given type, which is how the tests check ordering (`room_joined` before
//! `message`, `ack` before the echo).

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::app::TestApp;
use super::EVENT_TIMEOUT;

/// What came out of the socket next.
#[derive(Debug)]
pub enum Frame {
    /// A JSON text frame.
    Event(Value),
    /// The server closed the connection; the close code if it sent a close frame.
    Closed(Option<u16>),
    /// Nothing within the timeout.
    Timeout,
}

/// One open WebSocket connection.
#[derive(Debug)]
pub struct WsClient {
    pub(super) stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl TestApp {
    /// Opens a connection authenticated with `Authorization: Bearer <token>`.
    pub async fn ws_connect(&self, token: &str) -> WsClient {
        let mut request = self
            .ws_url
            .as_str()
            .into_client_request()
            .expect("a valid ws url");
        request.headers_mut().insert(
            "Authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header value"),
        );
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .unwrap_or_else(|e| panic!("WebSocket upgrade failed: {e:?}"));
        WsClient { stream }
    }

    /// Opens a connection authenticated with `?access_token=<token>` (what browsers do).
    pub async fn ws_connect_query(&self, token: &str) -> WsClient {
        let url = format!("{}?access_token={token}", self.ws_url);
        let (stream, _) = tokio_tungstenite::connect_async(url)
            .await
            .unwrap_or_else(|e| panic!("WebSocket upgrade failed: {e:?}"));
        WsClient { stream }
    }

    /// Tries an upgrade that must be refused; returns the HTTP status and body of the refusal.
    ///
    /// `authorization` is the raw `Authorization` header, `query` is appended to the url.
    pub async fn ws_refused(&self, authorization: Option<&str>, query: &str) -> (u16, String) {
        let mut request = format!("{}{query}", self.ws_url)
            .into_client_request()
            .expect("a valid ws url");
        if let Some(value) = authorization {
            request.headers_mut().insert(
                "Authorization",
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        match tokio_tungstenite::connect_async(request).await {
            Ok(_) => panic!(
                "the upgrade was accepted (authorization {authorization:?}, query {query:?})"
            ),
            Err(WsError::Http(response)) => {
                let body = response
                    .body()
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default();
                (response.status().as_u16(), body)
            }
            Err(other) => panic!("expected an HTTP refusal, got {other:?}"),
        }
    }
}

impl WsClient {
    /// Sends `value` as one text frame.
    pub async fn send_json(&mut self, value: &Value) {
        self.send_text(&value.to_string()).await;
    }

    /// Sends `text` as one text frame, whatever it contains.
    pub async fn send_text(&mut self, text: &str) {
        self.stream
            .send(Message::text(text))
            .await
            .expect("sending a WebSocket frame");
    }

    /// Sends `text` as one text frame and ignores a write error (the server may close the
    /// connection while the frame is still being written, e.g. for an oversized frame).
    pub async fn send_text_lossy(&mut self, text: &str) {
        let _ = self.stream.send(Message::text(text)).await;
    }

    /// Sends a WebSocket ping control frame carrying `payload` and waits for the pong with the
    /// same payload, skipping any events that come first; panics on a close or a timeout.
    pub async fn control_ping(&mut self, payload: &[u8]) {
        self.stream
            .send(Message::Ping(payload.to_vec().into()))
            .await
            .expect("sending a ping");
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Ok(Some(Ok(Message::Pong(echoed)))) if echoed.as_ref() == payload => return,
                Ok(Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_)))) => continue,
                other => panic!("expected the pong of a ping, got {other:?}"),
            }
        }
    }

    /// The next JSON event, the close, or a timeout.
    pub async fn next_frame(&mut self, timeout: Duration) -> Frame {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let next = match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => return Frame::Timeout,
                Ok(next) => next,
            };
            match next {
                None => return Frame::Closed(None),
                Some(Err(WsError::ConnectionClosed | WsError::AlreadyClosed)) => {
                    return Frame::Closed(None)
                }
                Some(Err(WsError::Protocol(_) | WsError::Io(_))) => return Frame::Closed(None),
                Some(Err(e)) => panic!("WebSocket read error: {e:?}"),
                Some(Ok(Message::Text(text))) => {
                    let value = serde_json::from_str(text.as_str())
                        .unwrap_or_else(|e| panic!("server sent non-JSON text {text:?}: {e}"));
                    return Frame::Event(value);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Frame::Closed(frame.map(|f| u16::from(f.code)))
                }
                Some(Ok(Message::Binary(bytes))) => {
                    panic!(
                        "server sent a binary frame ({} bytes); the protocol is JSON text",
                        bytes.len()
                    )
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            }
        }
    }

    /// The next JSON event; panics on a close or a timeout.
    pub async fn next_event(&mut self, timeout: Duration) -> Value {
        match self.next_frame(timeout).await {
            Frame::Event(value) => value,
            Frame::Closed(code) => {
                panic!("connection closed (code {code:?}) while waiting for an event")
            }
            Frame::Timeout => panic!("no event within {timeout:?}"),
        }
    }

    /// The next JSON event, which must be of type `kind`.
    pub async fn expect_event(&mut self, kind: &str, timeout: Duration) -> Value {
        let event = self.next_event(timeout).await;
        assert_eq!(
            event["type"], kind,
            "expected a `{kind}` event, got {event}"
        );
        event
    }

    /// Asserts that no event (and no close) arrives for `duration`.
    pub async fn expect_no_event(&mut self, duration: Duration) {
        match self.next_frame(duration).await {
            Frame::Timeout => {}
            Frame::Event(value) => panic!("expected silence, got {value}"),
            Frame::Closed(code) => {
                panic!("expected silence, the connection closed (code {code:?})")
            }
        }
    }

    /// Waits for the server to close the connection; returns the close code it sent.
    ///
    /// Events that arrive first are returned too, so a test can check what came before.
    pub async fn expect_close(&mut self, timeout: Duration) -> (Option<u16>, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            match self.next_frame(timeout).await {
                Frame::Event(value) => before.push(value),
                Frame::Closed(code) => return (code, before),
                Frame::Timeout => {
                    panic!("the connection was not closed within {timeout:?}; got {before:?}")
                }
            }
        }
    }

    /// Reads events until a `message` event for message `id` arrives and returns it, skipping
    /// any other event; `None` when it has not come within `timeout`. Panics if the
    /// connection closes: the tests that use this prove a connection survives a fault.
    pub async fn wait_for_message(&mut self, id: &Value, timeout: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await {
                Frame::Event(event)
                    if event["type"] == "message" && event["message"]["id"] == *id =>
                {
                    return Some(event["message"].clone())
                }
                Frame::Event(_) => {}
                Frame::Timeout => return None,
                Frame::Closed(code) => {
                    panic!("the connection closed (code {code:?}) while waiting for message {id}")
                }
            }
        }
    }

    /// Reads events until the `ack` or `error` that answers the `send` with ref `reference`,
    /// skipping any other event, and returns it; panics after `timeout` or on a close.
    pub async fn answer_to(&mut self, reference: &str, timeout: Duration) -> Value {
        self.answers_to(&[reference], timeout)
            .await
            .pop()
            .expect("one answer")
    }

    /// Reads events until every `send` of `references` has its `ack` or `error`, whatever
    /// their order, skipping any other event; returns the answers in the order of
    /// `references`. Panics after `timeout` or on a close.
    pub async fn answers_to(&mut self, references: &[&str], timeout: Duration) -> Vec<Value> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut answers: Vec<Option<Value>> = vec![None; references.len()];
        while answers.iter().any(Option::is_none) {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next_frame(left).await {
                Frame::Event(event) if event["type"] == "ack" || event["type"] == "error" => {
                    if let Some(slot) = references.iter().position(|r| event["ref"] == *r) {
                        answers[slot] = Some(event);
                    }
                }
                Frame::Event(_) => {}
                Frame::Timeout => {
                    panic!("not every send of {references:?} was answered within {timeout:?}")
                }
                Frame::Closed(code) => panic!(
                    "the connection closed (code {code:?}) before the answers to {references:?}"
                ),
            }
        }
        answers.into_iter().flatten().collect()
    }

    /// Sends a close frame with `code` and returns the code of the close frame the server
    /// answers with (events still in flight before it are skipped).
    pub async fn close_with(&mut self, code: u16) -> Option<u16> {
        use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
        use tokio_tungstenite::tungstenite::protocol::CloseFrame;
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: "bye".into(),
        };
        self.stream
            .send(Message::Close(Some(frame)))
            .await
            .expect("sending a close frame");
        loop {
            match self.next_frame(EVENT_TIMEOUT).await {
                Frame::Closed(code) => return code,
                Frame::Event(_) => {}
                Frame::Timeout => panic!("the server did not answer the close frame"),
            }
        }
    }

    /// Closes the connection from the client side (a close frame, then waits for the server's
    /// answer or the end of the stream), as an app does when it goes away cleanly.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        while let Ok(Some(Ok(_))) = tokio::time::timeout_at(deadline, self.stream.next()).await {}
    }

    /// Sends `{"type":"ping"}` and asserts the very next event is a pong: the connection works.
    pub async fn ping_pong(&mut self) {
        self.send_json(&json!({"type": "ping"})).await;
        // Presence notices of room-mates arrive whenever they connect; they are not what a
        // ping checks, so they may come first.
        loop {
            let event = self.next_event(EVENT_TIMEOUT).await;
            match event["type"].as_str() {
                Some("pong") => return,
                Some("presence") => continue,
                _ => panic!("expected a `pong` event, got {event}"),
            }
        }
    }

    /// Sends `{"type":"send", ...}` to user `to`.
    pub async fn send_to_user(&mut self, reference: &str, to: &str, body: &str) {
        self.send_json(&json!({"type": "send", "ref": reference, "to": to, "body": body}))
            .await;
    }

    /// Sends `{"type":"send", ...}` into `room_id`.
    pub async fn send_to_room(&mut self, reference: &str, room_id: &str, body: &str) {
        self.send_json(
            &json!({"type": "send", "ref": reference, "room_id": room_id, "body": body}),
        )
        .await;
    }
}

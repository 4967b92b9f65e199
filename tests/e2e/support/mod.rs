//! Shared test harness: a server process per test and client helpers around it.
//!
//! - `app`: [`spawn_app`] starts the real binary on port 0 with a temporary data directory,
//!   waits for its `chat-server listening on ...` line and kills it (SIGKILL) when dropped;
//!   [`TestApp::restart`] is the `kill -9` + start-again of the durability tests.
//! - `http`: [`ApiResponse`] and the request helpers (`get`, `post`, `post_raw`, ...).
//! - `users`: [`TestUser`], unique usernames, register/login/refresh helpers.
//! - `chat`: sending messages, reading history and rooms.
//! - `ws`: [`WsClient`], a WebSocket client that speaks the JSON event protocol.
//! - `assertions`: checks of the shapes every response must have (error body, message, room).

mod app;
mod assertions;
mod chat;
mod http;
mod users;
mod ws;

#[allow(unused_imports)]
pub use app::{spawn_app, TestApp};
#[allow(unused_imports)]
pub use assertions::{
    assert_error, assert_error_status, assert_message_shape, assert_private_room,
    assert_rfc3339_utc,
};
#[allow(unused_imports)]
pub use chat::seqs;
#[allow(unused_imports)]
pub use http::ApiResponse;
#[allow(unused_imports)]
pub use users::{unique_username, TestUser, Tokens, PASSWORD};
#[allow(unused_imports)]
pub use ws::{Frame, WsClient};

use std::time::Duration;

/// How long to wait for an event that must arrive. Generous on purpose: the CI machine has two
/// shared cores and these tests assert behaviour, never speed.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(20);

/// How long to listen for an event that must NOT arrive.
pub const QUIET: Duration = Duration::from_millis(750);

/// A well-formed id (UUIDv7 layout) that no server will ever have issued.
pub const UNKNOWN_ID: &str = "01900000-0000-7000-8000-000000000000";

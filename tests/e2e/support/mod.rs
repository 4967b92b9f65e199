//! Shared test harness: a server process per test and client helpers around it.
//!
//! - `app`: [`spawn_app`] starts the real binary on port 0 with a temporary data directory,
//!   waits for its `chat-server listening on ...` line and kills it (SIGKILL) when dropped;
//!   [`TestApp::restart`] is the `kill -9` + start-again of the durability tests.
//! - `http`: [`ApiResponse`] and the request helpers (`get`, `post`, `post_raw`, ...).
//! - `users`: [`TestUser`], unique usernames, register/login/refresh helpers.
//! - `chat`: sending messages, reading history and rooms.
//! - `ws`: [`WsClient`], a WebSocket client that speaks the JSON event protocol.
//! - `assertions`: checks of the shapes every response must have (error body, message, room),
//!   and of what durability promises (every acknowledged message stored once, gapless seqs).
//! - `stack`: [`Stack`], the fresh PostgreSQL database, MongoDB database and Redis prefix the
//!   nodes of one cluster test share, and [`spawn_app_with`] underneath it.
//! - `groups`: groups, invites and invite links, members and roles, and [`GroupFixture`]
//!   (one user in every position the authorization rules know).
//! - `changes`: edits, deletes, edit history, read markers, blocks and presence look-ups.
//! - `events`: waiting for WebSocket events by type with the others skipped, proving one did
//!   not come, and the client events `typing`, `read`, `received` and `resume`.
//! - `raw_frames`: fragments, control frames and raw bytes no well-behaved client sends (the
//!   WebSocket fuzz tests).
//! - `services`: [`OwnedServer`], a private `redis-server` or SecantusDB a fault test kills and
//!   restarts.

mod app;
mod assertions;
mod changes;
mod chat;
mod events;
mod groups;
mod http;
mod raw_frames;
mod services;
mod stack;
mod users;
mod ws;

#[allow(unused_imports)]
pub use app::{spawn_app, spawn_app_with, start_expecting_exit, TestApp};
#[allow(unused_imports)]
pub use assertions::{
    assert_acknowledged_once, assert_error, assert_error_status, assert_gapless,
    assert_message_shape, assert_private_room, assert_rfc3339_utc,
};
#[allow(unused_imports)]
pub use changes::{edit_entries, reply_preview};
#[allow(unused_imports)]
pub use chat::seqs;
#[allow(unused_imports)]
pub use events::is_about;
#[allow(unused_imports)]
pub use groups::{assert_group_room, assert_success, id_of, GroupFixture};
#[allow(unused_imports)]
pub use http::ApiResponse;
#[allow(unused_imports)]
pub use raw_frames::{client_frame, client_header, fragments, CONTINUATION, RESERVED, TEXT};
#[allow(unused_imports)]
pub use services::OwnedServer;
#[allow(unused_imports)]
pub use stack::{Stack, StackConfig};
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

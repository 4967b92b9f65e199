//! Black-box end-to-end tests of the `chat-server` binary.
//!
//! Every test starts its own server process on port 0 with a fresh temporary data directory
//! (SQLite database and JWT secret inside it) and talks to it only as a client app would: JSON
//! over HTTP and JSON text frames over WebSocket. Nothing here links against the server's crates,
//! so the suite checks the wire contract of `docs/protocol.md`, not the implementation.
//!
//! Layout, one file per concern:
//! - `support/`: starting and killing the server, HTTP and WebSocket client helpers, test users;
//! - `auth`: registration, login, refresh rotation and reuse, logout, user look-ups;
//! - `private_chat`: lazy private rooms, live delivery, idempotent retries, replies;
//! - `races`: concurrent first messages, concurrent sends, concurrent retries;
//! - `rooms`: the room list (shape, order, unread counts) and a single room;
//! - `history`: the `before`/`after`/`limit` cursors;
//! - `authorization`: outsiders and missing tokens;
//! - `bad_input`: malformed requests over HTTP and WebSocket;
//! - `websocket`: ping, late-joined rooms, per-connection ordering;
//! - `durability`: `kill -9` after acknowledgements loses nothing;
//! - `health`: liveness and readiness probes.

mod support;

mod auth;
mod authorization;
mod bad_input;
mod durability;
mod health;
mod history;
mod private_chat;
mod races;
mod rooms;
mod websocket;

//! Black-box end-to-end tests of the `chat-server` binary.
//!
//! Every test starts its own server process on port 0 with a fresh temporary data directory
//! (SQLite database and JWT secret inside it) and talks to it only as a client app would: JSON
//! over HTTP and JSON text frames over WebSocket. Nothing here links against the server's crates,
//! so the suite checks the wire contract of `docs/protocol.md`, not the implementation. The
//! cluster and fault tests run several nodes on the full stack instead (PostgreSQL, MongoDB,
//! Redis), found through `chat_testkit` (`CHAT_TEST_*` variables) and skipped loudly when
//! missing, or failed under `CHAT_REQUIRE_SERVICES=1`.
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
//! - `health`: liveness and readiness probes, start-up failures and the metrics;
//! - `logging`: JSON logs with request ids and without a single secret;
//! - `cluster`: two nodes on one full stack: live delivery across nodes, cross-node races,
//!   one history, `kill -9` of a node;
//! - `faults`: Redis restarting and MongoDB going away under running nodes;
//! - `groups/`: groups, invites, invite links, members, roles, leaving and their events;
//! - `message_changes`: replies with previews, edits and their history, deletes, `rev`;
//! - `receipts`: read markers, exact unread and mention counts, delivery receipts;
//! - `typing_presence`: typing relayed to the other members, presence and its grace period;
//! - `resume`: catch-up after a reconnect, nothing lost and nothing doubled;
//! - `blocking`: blocked users cannot message privately or invite;
//! - `authorization_matrix`: every group route and event by every position in a group;
//! - `room_limit`: the rooms-per-user limit on every way into a room, over HTTP and WebSocket.
//! - `sessions`: a user's own logins: listing, revoking one, logging out everywhere;
//! - `revoked_tokens`: a revoked login's access tokens are refused on HTTP at once (logout,
//!   ended sessions, lock, after a restart, and on the other node of a cluster);
//! - `admin`: the admin routes' access rules, connection figures, disconnect, lock and
//!   unlock, dead letters over HTTP;
//! - `tokens`: forged access tokens (`alg: none`, other algorithms, other keys) are 401.
//! - `ws_fuzz/`: proptest fuzzing of the WebSocket gateway (junk frames get `error` events,
//!   protocol violations close with 1009, 1007 or 1002, other connections never notice).

mod support;

mod admin;
mod auth;
mod authorization;
mod authorization_matrix;
mod bad_input;
mod blocking;
mod browser_policy;
mod cluster;
mod durability;
mod faults;
mod groups;
mod health;
mod history;
mod limits;
mod logging;
mod message_changes;
mod private_chat;
mod races;
mod receipts;
mod resume;
mod revoked_tokens;
mod room_limit;
mod rooms;
mod sessions;
mod tokens;
mod typing_presence;
mod websocket;
mod ws_fuzz;

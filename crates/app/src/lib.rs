//! The use cases of chat-system, written against the ports only.
//!
//! - [`auth`]: register, login, refresh-token rotation, logout, a user's own sessions,
//!   access-token checks.
//! - [`admin`]: who administers, disconnecting and locking users, dead letters.
//! - [`users`]: profiles and search.
//! - [`messaging`]: sending (with lazy private rooms), room lists with unread and mention
//!   counts, history, reply previews, edits and deletes, read and delivery receipts, typing,
//!   and the building blocks of catch-up after a reconnect.
//! - [`groups`]: groups, their invites, invite links, members and roles.
//! - [`blocks`]: blocking users.
//! - [`presence`]: who is online, with a grace period against flapping.
//! - [`access_cache`]: the node's memory of who may send where, so a message costs no store
//!   read before it is queued.
//! - [`ordering`]: the node's publish order that keeps a room's changes in rev order.
//! - [`room_limit`]: the rooms-per-user limit, checked wherever a user gains a room.
//! - [`worker`]: the job workers: group-committed message persistence, event publication
//!   retries, housekeeping, backoff and dead letters.
//! - [`events`]: the per-node pump that takes events off the bus, settles waiting sends and
//!   hands the rest to the local WebSocket gateway.
//!
//! Every service takes its ports as `Arc<dyn Port>` through [`Ports`], so the server wires real
//! adapters and the tests wire mockall mocks.

pub mod access_cache;
pub mod admin;
pub mod auth;
pub mod blocks;
pub mod config;
pub mod events;
pub mod groups;
pub mod messaging;
pub mod ordering;
pub mod ports;
pub mod presence;
pub mod room_limit;
pub mod users;
pub mod worker;

pub use config::{AppConfig, DEFAULT_GROUP_COMMIT_INTERVAL, DEFAULT_MAX_ROOMS_PER_USER};
pub use ports::Ports;

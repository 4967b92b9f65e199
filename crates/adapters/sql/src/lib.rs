//! sea-orm adapter: users, rooms, memberships, messages, invites, blocks, sessions and dead
//! letters on SQLite, PostgreSQL or MySQL/MariaDB.
//!
//! Start with [`SqlDatabase::connect`], run [`SqlDatabase::migrate`], then take the stores it
//! hands out ([`SqlDatabase::users`], [`SqlDatabase::rooms`], ...), each an `Arc` of a type that
//! implements one port of `chat-ports`. All stores of one [`SqlDatabase`] share its connections.
//!
//! Layout: `connection` opens the database, `sqlite` holds the SQLite durability and
//! single-writer decisions and `checkpoint` its WAL checkpoints off the writer's path; one
//! module per store (`users`, `rooms`, `messages` with `append`
//! for the group commit, `edits` for edits and deletions and `unread` for unread counts, `send_access` for the two statements on every message's path,
//! `invites` and `blocks`, `sessions`, `dead_letters`, and `sequences`: the per-room counters
//! and the gap record for a message store that keeps messages elsewhere); `joins` holds the
//! one way into a room (adding a member, accepting an invite, redeeming a link), atomic
//! against racing joins; `retry` runs a transaction again after a deadlock or a race; `entity`
//! maps tables to rows; `decode` and `error` turn rows and driver errors into domain values and
//! [`StoreError`](chat_ports::StoreError)s, so no sea-orm type crosses this crate's boundary.

mod append;
mod blocks;
mod changes;
mod checkpoint;
mod connection;
mod dead_letters;
mod decode;
mod edits;
mod entity;
mod error;
mod figures;
mod groups;
mod invites;
mod joins;
mod json_batch;
mod members;
mod messages;
mod one_query;
mod pg_commit;
mod retry;
mod rooms;
mod send_access;
mod sequences;
mod sessions;
mod sqlite;
mod sqlite_commit;
mod unread;
mod users;

pub use blocks::SqlBlockStore;
pub use connection::{SqlBackend, SqlDatabase, DEFAULT_MAX_CONNECTIONS};
pub use dead_letters::SqlDeadLetterStore;
pub use invites::SqlInviteStore;
pub use messages::SqlMessageStore;
pub use rooms::SqlRoomStore;
pub use sequences::SqlSeqAllocator;
pub use sessions::SqlSessionStore;
pub use users::SqlUserStore;

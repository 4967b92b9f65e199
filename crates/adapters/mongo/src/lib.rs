//! MongoDB adapter: the message store of chat-system, for deployments whose message history
//! outgrows the SQL database.
//!
//! Messages live in one `messages` collection; the per-room seq counters do not. MongoDB
//! cannot raise a counter and insert the messages in one atomic step without a multi-document
//! transaction per batch (and a replica set), so seqs come from a
//! [`SeqAllocator`](chat_ports::SeqAllocator), in production the SQL database's
//! `rooms.last_seq` (`chat_sql::SqlSeqAllocator`). A batch then costs MongoDB two round trips
//! whatever the number of rooms in it: one `find` for the originals of retried sends, one
//! `insert_many`. A seq that was taken but could not be filled is recorded as a gap and later
//! filled with a tombstone (`deleted: true`, no body), so every room's history stays gapless.
//!
//! One promise differs from the SQL store: the insert is one unordered bulk write, not a
//! transaction, so a batch that reports `Unavailable` (the connection dropped mid-write) may
//! have stored some of its messages. Nothing is lost or doubled by it: the retried job finds
//! those by message id and gets them back as `Duplicate`, with the seq they were stored at.
//!
//! Revs (the per-room change counter) come from the same allocator: a batch's revs arrive with
//! its seqs in the one `allocate` call, and an edit or a deletion takes one with
//! `allocate_rev` and then writes with a single `find_one_and_update` (an edit costs MongoDB
//! one command; a deletion two, since it first looks whether the message is a tombstone
//! already, so that deleting twice takes no rev). A rev taken for a change that then did not
//! happen stays unused; that is harmless, because revs are only "changes after" cursors (see
//! `edits` for this and for the one ordering window the split between two databases leaves).
//!
//! Needs MongoDB 4.2 or later: edits move the old body with an update pipeline and unread
//! counts match mentions with `$regexMatch` (the compose file runs 7.0).
//!
//! Start with [`MongoMessageStore::connect`], call [`MongoMessageStore::ensure_indexes`] once at
//! start-up, and read [`MongoMessageStore::round_trips`] as a metric.
//!
//! Layout: `store` holds the connection and the [`MessageStore`](chat_ports::MessageStore)
//! impl; `schema` the indexes and the backfill of revs; `append` the group commit; `gaps` the
//! recording and filling of gaps; `in_flight` the node-local claims that keep two batches of
//! one node from racing on one send; `edits` the edits, deletions and edit history; `reads`
//! the history and change queries; `unread` the unread counts; `document` the stored form of a
//! message; `error` the translation of driver errors, so no `mongodb` type crosses this
//! crate's boundary.

mod append;
mod document;
mod edits;
mod error;
mod figures;
mod gaps;
mod in_flight;
mod reads;
mod schema;
mod store;
mod unread;

pub use store::{MongoMessageStore, DEFAULT_DATABASE};

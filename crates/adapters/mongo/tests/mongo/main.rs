//! `chat-mongo` against a real MongoDB (or a wire-compatible server), with the seq counters of a
//! migrated SQLite database in memory, as the server wires them.
//!
//! One test binary for all of them, because each binary links the driver and sea-orm anew.
//! The server comes from `chat_testkit::mongodb()` (`CHAT_TEST_MONGODB_URI`, else a container
//! when a Docker engine answers, else a loud skip, or a failure under
//! `CHAT_REQUIRE_SERVICES=1`); every test works in a database of its own, dropped after it.
//!
//! - `contract`: the messages contract suite of `chat-contract`;
//! - `changes`: edits and deletions overtaken by newer changes, operator-like bodies, the
//!   backfill of revs, mentions;
//! - `round_trips`: what a batch costs in MongoDB commands;
//! - `races`: two nodes storing the same send; re-run jobs; unreadable documents;
//! - `outage`: MongoDB unreachable, and MongoDB lost between taking seqs and writing them;
//! - `send_keys`: documents stored before send keys existed, and by older nodes;
//! - `indexes`: the indexes exist and serve the reads (where the server can tell);
//! - `provision` and `proxy`: the fresh databases, and a TCP proxy a test can cut.

mod changes;
mod contract;
mod indexes;
mod outage;
mod provision;
mod proxy;
mod races;
mod round_trips;
mod send_keys;

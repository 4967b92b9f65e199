//! Contract test suites: each port's behaviour written once, as plain async functions that
//! panic on a broken promise, and run by every adapter of that port from its own tests.
//!
//! An adapter's test calls e.g. `chat_contract::messages::run_all(|| async { fresh_store() })`:
//! the factory gives each check a fresh, empty store, so checks do not see each other's data.
//! The races the product promises (one private room per pair, gapless seqs, idempotent
//! retries, single-use refresh tokens) are part of the contracts, so every backend proves them.

pub mod bus;
pub mod dead_letters;
pub mod fixtures;
pub mod invites;
pub mod messages;
pub mod queue;
pub mod rooms;
pub mod sequences;
pub mod sessions;
pub mod users;

//! Store latency for `/metrics`: how long each Redis operation of the queue takes.
//!
//! Timed per operation of the port (`enqueue`, `reserve`, `complete`, `retry`, `pending`,
//! `waiting`), connection checkout included; a reserve is timed per script run, so the time a
//! reserver spends blocked waiting for work is not counted as latency.

use std::time::Instant;

/// Records the time since `started` in `chat_store_duration_seconds{adapter="redis", op}`.
pub(crate) fn record(op: &'static str, started: Instant) {
    metrics::histogram!("chat_store_duration_seconds", "adapter" => "redis", "op" => op)
        .record(started.elapsed().as_secs_f64());
}

//! Redis adapters: the priority job queue ([`RedisJobQueue`]) and the event bus shared by every
//! node of a deployment ([`RedisEventBus`]).
//!
//! Layout: [`queue`] keeps jobs in sorted sets driven by Lua scripts (its scripts in a private
//! `scripts` module, its blocking wait in `waiter`); [`bus`] publishes on one pub/sub channel
//! and keeps each node's one subscription alive across reconnects (in `subscription`);
//! [`pool()`] builds the connection pool the queue is given (the bus builds its own from its
//! URL).
//!
//! # What lives in Redis, and what must not
//!
//! Redis may run without persistence (and a restart may lose what it held), so the server
//! must not acknowledge to a client anything that lives only here; dead letters are kept in the
//! SQL metadata store. What Redis holds is work in flight, which workers make idempotent, and
//! events in transit, which pub/sub never keeps (see [`bus`] for how they are caught up).
//!
//! # Keys
//!
//! Every key of a queue starts with the `key_prefix` given to [`RedisJobQueue::new`] (below,
//! `{p}`); one Redis can hold several queues, or several test runs, side by side.
//!
//! | key | type | holds | TTL |
//! |---|---|---|---|
//! | `{p}:ready:interactive`, `{p}:ready:normal`, `{p}:ready:background` | sorted set | the jobs of that priority that are not leased; member `<seq as 16 hex digits>:<job id>`, score the Redis time (ms) it is ready from | none |
//! | `{p}:leased` | sorted set | leased jobs; member the job id, score the Redis time (ms) the lease runs out | none |
//! | `{p}:job:<job id>` | hash | `body` (the payload as JSON), `priority`, `attempts` (made so far) | none: deleted on `complete` |
//! | `{p}:seq` | string | the enqueue counter that orders jobs ready in the same millisecond | none |
//! | `{p}:wake` | list | wake-up tokens for waiting reservers (at most 64) | 60 s, renewed on each push |
//!
//! The event bus uses one pub/sub channel (`chat:events` by convention), no key. Presence keys
//! are listed in [`presence`].
//!
//! Jobs have no TTL on purpose: a job leaves Redis when it is completed (a worker that gives up
//! on a job stores it in the dead letters first, then completes it). Run Redis with
//! `maxmemory-policy noeviction`: an evicting policy would silently drop jobs. Times are Redis's
//! own (`TIME`), so nodes whose clocks disagree still agree on when a job is due.
//!
//! # Connections
//!
//! [`pool()`] builds a pool with a response timeout of [`RESPONSE_TIMEOUT`]; the client's default
//! (half a second) is too short for a busy server. A reserver that waits for work blocks in
//! `BLPOP` on a connection of its own taken out of the pool, with the response timeout stretched
//! past the blocking time, so the client never gives up on a command that is meant to block.

pub mod bus;
mod figures;
pub mod presence;
pub mod queue;

use std::error::Error as StdError;
use std::time::Duration;

use chat_ports::{BusError, QueueError};
use deadpool_redis::redis::AsyncConnectionConfig;
use deadpool_redis::{Manager, Pool, Runtime};
use thiserror::Error;

pub use bus::RedisEventBus;
pub use deadpool_redis;
pub use presence::RedisPresence;
pub use queue::RedisJobQueue;

/// How long a command may take before the client gives up on it (blocking commands aside).
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The most connections the pool keeps; reservers blocked in `BLPOP` hold theirs outside it.
pub const POOL_SIZE: usize = 16;

/// A connection pool for `url` (`redis://[user:password@]host:port[/db]`), with the timeouts
/// above. Connects lazily: an unreachable Redis shows up at the first command, not here.
pub fn pool(url: &str) -> Result<Pool, RedisConfigError> {
    let connection = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(CONNECT_TIMEOUT))
        .set_response_timeout(Some(RESPONSE_TIMEOUT));
    let manager = Manager::new_with_config(url, connection).map_err(RedisConfigError::new)?;
    Pool::builder(manager)
        .runtime(Runtime::Tokio1)
        .max_size(POOL_SIZE)
        .create_timeout(Some(CONNECT_TIMEOUT))
        .recycle_timeout(Some(RESPONSE_TIMEOUT))
        .build()
        .map_err(RedisConfigError::new)
}

/// A Redis URL or pool setting that cannot work; reported at start-up.
#[derive(Debug, Error)]
#[error("invalid Redis configuration: {0}")]
pub struct RedisConfigError(#[source] Box<dyn StdError + Send + Sync>);

impl RedisConfigError {
    fn new(source: impl StdError + Send + Sync + 'static) -> Self {
        Self(Box::new(source))
    }
}

// Failures reach callers as the ports' own `Unavailable` errors (Redis is down, restarting or
// too slow; a later call may succeed), never as a `RedisError`.

/// A failed queue command.
fn queue_unavailable(source: impl StdError + Send + Sync + 'static) -> QueueError {
    QueueError::Unavailable(Box::new(source))
}

/// A failed bus command.
fn bus_unavailable(source: impl StdError + Send + Sync + 'static) -> BusError {
    BusError::Unavailable(Box::new(source))
}

//! How a reserver with nothing to do waits: `BLPOP` on the queue's wake-up list, on a
//! connection of its own.
//!
//! A blocked `BLPOP` holds its connection until it returns, so it cannot share one: a command
//! pipelined behind it would wait as long. Each waiting reserver therefore takes a connection
//! out of the pool for good and keeps it in a small stash between waits. Its response timeout
//! is stretched to the blocking time plus [`MARGIN`] for every wait: the client must not give
//! up on a command that is meant to block (its default is half a second), yet a connection
//! that died without a word (no reply long after Redis's own timeout) is still noticed.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chat_ports::QueueError;
use deadpool_redis::redis::aio::MultiplexedConnection;
use deadpool_redis::redis::AsyncCommands;
use deadpool_redis::{Connection, Pool};

use crate::queue_unavailable;

/// How much longer than the blocking time the client waits for `BLPOP`'s reply.
const MARGIN: Duration = Duration::from_secs(5);
/// Blocking connections kept between waits; more than this many concurrent waiters close
/// theirs after waiting.
const STASH: usize = 32;

/// Waits for wake-up tokens of one queue.
pub(crate) struct Waiter {
    pool: Pool,
    wake_key: String,
    // A std mutex: held only to push or pop, never across an await.
    idle: Mutex<Vec<MultiplexedConnection>>,
}

impl std::fmt::Debug for Waiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiter")
            .field("wake_key", &self.wake_key)
            .field("idle", &self.idle().len())
            .finish_non_exhaustive()
    }
}

impl Waiter {
    /// A waiter on `wake_key`, taking its connections from `pool`.
    pub(crate) fn new(pool: Pool, wake_key: String) -> Self {
        Self {
            pool,
            wake_key,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Returns when a token arrives or after `timeout` (rounded up to whole milliseconds, at
    /// least one), whichever is first; the caller then looks at the queue again.
    pub(crate) async fn wait(&self, timeout: Duration) -> Result<(), QueueError> {
        let stashed = self.idle().pop();
        let mut connection = match stashed {
            Some(connection) => connection,
            None => Connection::take(self.pool.get().await.map_err(queue_unavailable)?),
        };
        let millis = timeout.as_millis().clamp(1, u128::from(u32::MAX));
        // Whole milliseconds as fractional seconds (Redis 6 and later); never 0, which would
        // block forever.
        let seconds = f64::from(u32::try_from(millis).unwrap_or(u32::MAX)) / 1000.0;
        connection.set_response_timeout(Duration::from_secs_f64(seconds) + MARGIN);
        let popped: Result<Option<(String, String)>, _> =
            connection.blpop(&self.wake_key, seconds).await;
        match popped {
            Ok(_) => {
                let mut idle = self.idle();
                if idle.len() < STASH {
                    idle.push(connection);
                }
                Ok(())
            }
            Err(error) => {
                // Redis went away or restarted: the stashed connections are as dead as this one.
                self.idle().clear();
                Err(queue_unavailable(error))
            }
        }
    }

    fn idle(&self) -> MutexGuard<'_, Vec<MultiplexedConnection>> {
        // Nothing panics while the lock is held; a poisoned stash is still a list of
        // connections.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

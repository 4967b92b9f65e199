//! The in-process [`JobQueue`]: priorities, delays and leases kept in memory, for a single node
//! or for tests.
//!
//! [`state`] holds the bookkeeping; this module adds the locking and the waiting. Jobs do not
//! survive a restart: a deployment that must not lose accepted messages on a crash uses a
//! durable queue adapter instead.

mod state;

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chat_domain::JobId;
use chat_ports::{JobQueue, LeasedJob, NewJob, Priority, QueueError};
use tokio::sync::Notify;
use tokio::time::Instant;

use self::state::QueueState;

/// A priority job queue held in this process's memory.
///
/// Leases last the visibility timeout given to [`InProcessJobQueue::new`]; a lease that runs
/// out is noticed lazily, by the next `reserve` or by a reserver that sleeps until that moment.
#[derive(Debug)]
pub struct InProcessJobQueue {
    // A std mutex rather than tokio's: every critical section is a few map operations with no
    // `.await` inside, so it is never held across a suspension point and is cheaper than an
    // async lock. Waiting for work happens outside it, on `wakeup`.
    state: Mutex<QueueState>,
    /// Signalled once for each job that becomes ready through an enqueue or a retry, so one
    /// sleeping reserver wakes per job rather than all of them.
    wakeup: Notify,
}

impl InProcessJobQueue {
    /// An empty queue whose leases time out after `visibility_timeout`.
    pub fn new(visibility_timeout: Duration) -> Self {
        Self {
            state: Mutex::new(QueueState::new(visibility_timeout)),
            wakeup: Notify::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // A panic while the lock is held could only come from a failed allocation halfway
        // through an update; the queue stays usable rather than failing every later call.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl JobQueue for InProcessJobQueue {
    async fn enqueue(&self, job: NewJob) -> Result<(), QueueError> {
        self.lock().enqueue(job, Instant::now());
        // Also for a delayed job: the woken reserver recomputes when to wake up next, which may
        // now be earlier than the moment it was sleeping until.
        self.wakeup.notify_one();
        Ok(())
    }

    async fn reserve(&self, max: usize, wait: Duration) -> Result<Vec<LeasedJob>, QueueError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        // `None` when `wait` is too long to represent: wait for work however long it takes.
        let deadline = Instant::now().checked_add(wait);
        loop {
            // Register for a wake-up before looking at the state: an enqueue that lands after
            // the look but before the sleep still finds this reserver waiting.
            let notified = self.wakeup.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();

            let now = Instant::now();
            let (jobs, more_ready, next_change) = {
                let mut state = self.lock();
                let jobs = state.take_ready(max, now);
                let more_ready = !jobs.is_empty() && state.has_ready(now);
                (jobs, more_ready, state.next_change())
            };
            if !jobs.is_empty() {
                if more_ready {
                    // This reserver took its fill and left ready jobs behind: pass the
                    // wake-up on so another sleeping reserver takes them.
                    self.wakeup.notify_one();
                }
                return Ok(jobs);
            }
            if deadline.is_some_and(|deadline| now >= deadline) {
                return Ok(jobs);
            }
            // Sleep until whichever comes first: the deadline, a delayed job falling due or a
            // lease running out (both change the state without anyone calling in), or a
            // wake-up from an enqueue or a retry. Then look again; nothing here polls.
            let wake_at = match (deadline, next_change) {
                (Some(deadline), Some(change)) => Some(deadline.min(change)),
                (deadline, change) => deadline.or(change),
            };
            match wake_at {
                Some(at) => {
                    tokio::select! {
                        () = &mut notified => {}
                        () = tokio::time::sleep_until(at) => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    async fn complete(&self, id: JobId) -> Result<(), QueueError> {
        // A job that is not leased any more (its lease ran out and it waits or runs again) is
        // left alone: delivery is at least once and handlers are idempotent.
        self.lock().complete(id);
        Ok(())
    }

    async fn retry(&self, id: JobId, delay: Duration) -> Result<(), QueueError> {
        if self.lock().retry(id, delay, Instant::now()) {
            self.wakeup.notify_one();
        }
        Ok(())
    }

    async fn pending(&self) -> Result<usize, QueueError> {
        Ok(self.lock().pending())
    }

    async fn waiting(&self) -> Result<Vec<(Priority, usize)>, QueueError> {
        Ok(self.lock().waiting())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
#[path = "queue_tests.rs"]
mod tests;

//! The priority job queue port.
//!
//! Background work (persisting messages, publishing events, housekeeping) runs as jobs that a
//! pool of workers takes from this queue. Delivery is at least once: a job is leased, and a
//! lease that is neither completed nor retried before the visibility timeout (its worker died)
//! makes the job available again. Handlers are therefore idempotent.

use std::time::Duration;

use async_trait::async_trait;
use chat_domain::{JobId, NewMessage, Timestamp};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::BusEvent;

/// How urgent a job is. A worker always takes ready jobs of a more urgent class first, so
/// user-facing work overtakes housekeeping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// A user is waiting for it (a message awaiting its ack).
    Interactive,
    /// Users will notice if it lags (event delivery retries).
    Normal,
    /// Nobody waits for it (pruning).
    Background,
}

impl Priority {
    /// Every priority, most urgent first.
    pub const ALL: [Self; 3] = [Self::Interactive, Self::Normal, Self::Background];

    /// The stored form.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Interactive => "interactive",
            Self::Normal => "normal",
            Self::Background => "background",
        }
    }

    /// Parses the stored form.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == raw)
    }
}

/// What a job is to do. Serialized as JSON wherever a queue or the dead letters keep it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum JobPayload {
    /// Store an accepted message (group-committed with others) and publish it.
    PersistMessage {
        /// The message.
        message: NewMessage,
    },
    /// Publish an event whose first publication failed.
    PublishEvent {
        /// The event.
        event: BusEvent,
    },
    /// Delete sessions and spent refresh tokens older than `before`.
    PruneSessions {
        /// The cut-off.
        before: Timestamp,
    },
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// Its id (kept through retries and into the dead letters).
    pub id: JobId,
    /// What to do.
    pub payload: JobPayload,
    /// How urgent.
    pub priority: Priority,
    /// Not before this long from now (zero: at once).
    pub delay: Duration,
    /// Attempts already made (0 for a new job; a replayed dead letter starts over).
    pub attempts: u32,
}

/// A job a worker holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeasedJob {
    /// Its id.
    pub id: JobId,
    /// What to do.
    pub payload: JobPayload,
    /// How urgent.
    pub priority: Priority,
    /// This attempt's number, from 1.
    pub attempt: u32,
}

/// What can go wrong with the queue.
#[derive(Debug, Error)]
pub enum QueueError {
    /// The queue is closed for new work (shutting down).
    #[error("queue closed")]
    Closed,
    /// The backing service failed; retrying later may succeed.
    #[error("queue unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// A priority queue of jobs with leases, delays and at-least-once delivery.
///
/// Implementations MUST:
/// - hand out ready jobs most urgent priority first, and within a priority oldest first;
/// - never hand out a job before its delay has passed;
/// - hand a leased job to nobody else until it is completed, retried, or its lease times out;
/// - make a job whose lease timed out available again (with its attempt count raised).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Adds a job.
    async fn enqueue(&self, job: NewJob) -> Result<(), QueueError>;
    /// Leases up to `max` ready jobs, waiting up to `wait` for the first; empty on timeout.
    async fn reserve(&self, max: usize, wait: Duration) -> Result<Vec<LeasedJob>, QueueError>;
    /// Finishes a leased job for good.
    async fn complete(&self, id: JobId) -> Result<(), QueueError>;
    /// Finishes every job of `ids`, as `complete` one after the other would, in as few round
    /// trips as the queue allows (one, on Redis): a group commit completes its whole batch
    /// with it. On an error, any of them may have been completed.
    async fn complete_all(&self, ids: &[JobId]) -> Result<(), QueueError> {
        for id in ids {
            self.complete(*id).await?;
        }
        Ok(())
    }
    /// Puts a leased job back, ready again after `delay`.
    async fn retry(&self, id: JobId, delay: Duration) -> Result<(), QueueError>;
    /// Jobs waiting or leased: zero means the queue is drained.
    async fn pending(&self) -> Result<usize, QueueError>;
    /// Jobs waiting in each priority class, ready or delayed (leased ones are not counted),
    /// for every priority of [`Priority::ALL`] in that order.
    async fn waiting(&self) -> Result<Vec<(Priority, usize)>, QueueError>;
}

//! The dead-letter port: jobs that failed all their attempts, kept durably for an operator.

use async_trait::async_trait;
use chat_domain::{JobId, Timestamp};

use crate::{JobPayload, Priority, StoreError};

/// A job that failed for good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The job's id.
    pub id: JobId,
    /// What it was to do.
    pub payload: JobPayload,
    /// Its priority, kept for replay.
    pub priority: Priority,
    /// How many times it ran.
    pub attempts: u32,
    /// The last error, as text.
    pub error: String,
    /// When it was given up on.
    pub failed_at: Timestamp,
}

/// Durable store of dead letters; lives in the metadata database in every mode, so dead letters
/// survive even when the queue itself keeps nothing on disk.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DeadLetterStore: Send + Sync {
    /// Keeps a dead letter; inserting the same id twice keeps one.
    async fn insert(&self, letter: &DeadLetter) -> Result<(), StoreError>;
    /// Up to `limit` dead letters, oldest first.
    async fn list(&self, limit: u32) -> Result<Vec<DeadLetter>, StoreError>;
    /// Removes and returns one dead letter (to replay it).
    async fn take(&self, id: JobId) -> Result<Option<DeadLetter>, StoreError>;
    /// Removes every dead letter; returns how many there were.
    async fn purge(&self) -> Result<u64, StoreError>;
}

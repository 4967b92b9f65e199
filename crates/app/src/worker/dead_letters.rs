//! Listing, replaying and purging dead letters (the operator's side of the worker).

use chat_domain::JobId;
use chat_ports::{DeadLetter, NewJob, QueueError, StoreError};
use thiserror::Error;

use crate::Ports;

/// Why a dead-letter operation failed.
#[derive(Debug, Error)]
pub enum DeadLetterError {
    /// No dead letter has this id.
    #[error("dead letter not found")]
    NotFound,
    /// The dead-letter store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The queue refused the replayed job.
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// Operator access to the dead letters.
#[derive(Debug)]
pub struct DeadLetterService {
    ports: Ports,
}

impl DeadLetterService {
    /// A service over `ports`.
    pub fn new(ports: Ports) -> Self {
        Self { ports }
    }

    /// Up to `limit` dead letters, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn list(&self, limit: u32) -> Result<Vec<DeadLetter>, DeadLetterError> {
        Ok(self.ports.dead_letters.list(limit).await?)
    }

    /// Puts a dead letter back on the queue with a fresh set of attempts.
    #[tracing::instrument(skip_all, fields(job_id = %id))]
    pub async fn replay(&self, id: JobId) -> Result<(), DeadLetterError> {
        let letter = self
            .ports
            .dead_letters
            .take(id)
            .await?
            .ok_or(DeadLetterError::NotFound)?;
        let job = NewJob {
            id: letter.id,
            payload: letter.payload.clone(),
            priority: letter.priority,
            delay: std::time::Duration::ZERO,
            attempts: 0,
        };
        if let Err(error) = self.ports.queue.enqueue(job).await {
            // Put it back so a failed replay loses nothing.
            self.ports.dead_letters.insert(&letter).await?;
            return Err(error.into());
        }
        Ok(())
    }

    /// Deletes every dead letter; returns how many.
    #[tracing::instrument(skip_all)]
    pub async fn purge(&self) -> Result<u64, DeadLetterError> {
        Ok(self.ports.dead_letters.purge().await?)
    }
}

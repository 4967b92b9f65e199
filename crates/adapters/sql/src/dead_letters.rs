//! [`SqlDeadLetterStore`]: jobs that failed for good, in the `dead_letters` table.
//!
//! Dead letters are few and read by operators, so this store favours plainness: the payload is
//! JSON text, listing is by `failed_at` (then id, for a stable order among equal times), and a
//! second insert of one id keeps the first letter, because a job can be dead-lettered twice
//! when the worker that did it dies before completing the job.

use async_trait::async_trait;
use chat_domain::JobId;
use chat_ports::{DeadLetter, DeadLetterStore, StoreError};
use sea_orm::{EntityTrait, ModelTrait, QueryOrder, QuerySelect, TransactionTrait};

use crate::connection::Handles;
use crate::entity::dead_letters;
use crate::error::{is_unique_violation, unavailable};

/// Dead letters on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlDeadLetterStore {
    db: Handles,
}

impl SqlDeadLetterStore {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }
}

#[async_trait]
impl DeadLetterStore for SqlDeadLetterStore {
    /// Keeps a dead letter; inserting the same id twice keeps one.
    async fn insert(&self, letter: &DeadLetter) -> Result<(), StoreError> {
        match dead_letters::Entity::insert(dead_letters::new_row(letter)?)
            .exec_without_returning(&self.db.write)
            .await
        {
            Ok(_) => Ok(()),
            // Already kept: the first letter stays.
            Err(err) if is_unique_violation(&err) => Ok(()),
            Err(err) => Err(unavailable(err)),
        }
    }

    /// Up to `limit` dead letters, oldest first.
    async fn list(&self, limit: u32) -> Result<Vec<DeadLetter>, StoreError> {
        dead_letters::Entity::find()
            .order_by_asc(dead_letters::Column::FailedAt)
            .order_by_asc(dead_letters::Column::Id)
            .limit(u64::from(limit))
            .all(&self.db.read)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(dead_letters::Model::into_dead_letter)
            .collect()
    }

    /// Removes and returns one dead letter (to replay it).
    async fn take(&self, id: JobId) -> Result<Option<DeadLetter>, StoreError> {
        let txn = self.db.write.begin().await.map_err(unavailable)?;
        let Some(row) = dead_letters::Entity::find_by_id(id.to_string())
            .one(&txn)
            .await
            .map_err(unavailable)?
        else {
            return Ok(None);
        };
        // Two operators taking the same letter at once: only the one whose delete removed the
        // row gets it, so a letter is never replayed twice.
        let deleted = row.clone().delete(&txn).await.map_err(unavailable)?;
        txn.commit().await.map_err(unavailable)?;
        if deleted.rows_affected == 0 {
            return Ok(None);
        }
        row.into_dead_letter().map(Some)
    }

    /// Removes every dead letter; returns how many there were.
    async fn purge(&self) -> Result<u64, StoreError> {
        let deleted = dead_letters::Entity::delete_many()
            .exec(&self.db.write)
            .await
            .map_err(unavailable)?;
        Ok(deleted.rows_affected)
    }
}

//! [`SqlBlockStore`]: blocks between users in the `blocks` table, keyed by the pair.
//!
//! Blocking twice is one block: the insert ignores a row that exists (`ON CONFLICT DO
//! NOTHING`, written `ON DUPLICATE KEY UPDATE` on MySQL), so racing blocks never fail.

use async_trait::async_trait;
use chat_domain::{Timestamp, UserId};
use chat_ports::{BlockStore, StoreError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::connection::Handles;
use crate::entity::blocks;
use crate::error::{is_foreign_key_violation, unavailable};

/// Blocks on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlBlockStore {
    db: Handles,
}

impl SqlBlockStore {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }
}

#[async_trait]
impl BlockStore for SqlBlockStore {
    /// `blocker` blocks `blocked`; blocking twice is one block.
    async fn block(
        &self,
        blocker: UserId,
        blocked: UserId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let keep_first =
            OnConflict::columns([blocks::Column::BlockerId, blocks::Column::BlockedId])
                .do_nothing_on([blocks::Column::BlockerId])
                .to_owned();
        match blocks::Entity::insert(blocks::new_row(blocker, blocked, at))
            .on_conflict(keep_first)
            .do_nothing()
            .exec_without_returning(&self.db.write)
            .await
        {
            Ok(_) => Ok(()),
            // One of the users does not exist.
            Err(err) if is_foreign_key_violation(&err) => Err(StoreError::NotFound),
            Err(err) => Err(unavailable(err)),
        }
    }

    /// Lifts a block; lifting none is fine.
    async fn unblock(&self, blocker: UserId, blocked: UserId) -> Result<(), StoreError> {
        blocks::Entity::delete_by_id((blocker.to_string(), blocked.to_string()))
            .exec(&self.db.write)
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// Whether `blocker` has blocked `blocked`.
    async fn is_blocked(&self, blocker: UserId, blocked: UserId) -> Result<bool, StoreError> {
        let found = blocks::Entity::find()
            .filter(blocks::Column::BlockerId.eq(blocker.to_string()))
            .filter(blocks::Column::BlockedId.eq(blocked.to_string()))
            .count(&self.db.read)
            .await
            .map_err(unavailable)?;
        Ok(found > 0)
    }
}

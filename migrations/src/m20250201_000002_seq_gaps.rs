//! The `seq_gaps` table: seqs taken from a room's counter that hold no message yet.
//!
//! Only a message store that keeps its messages apart from the counters (MongoDB, with the
//! counters in `rooms.last_seq`) can take a seq and then fail to write it. It records such seqs
//! here, in the same durable database as the counters, so that any node can later write a
//! tombstone there and readers never wait on a hole. The primary key `(room_id, seq)` makes
//! recording the same gap twice harmless; the index on `recorded_at` serves "oldest first".
//!
//! No foreign key to `rooms`: gaps are bookkeeping written on a failure path, and a row that
//! outlived its room would only cost a tombstone write that nobody reads.

use sea_orm_migration::{prelude::*, schema::*};

use crate::tables::SeqGaps;

/// Length of an id column: a hyphenated UUID (as in the initial schema).
const ID_LEN: u32 = 36;

/// Creates `seq_gaps`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(SeqGaps::Table)
            .col(string_len(SeqGaps::RoomId, ID_LEN))
            .col(big_integer(SeqGaps::Seq))
            // Unix milliseconds, like every time column of the schema.
            .col(big_integer(SeqGaps::RecordedAt))
            .primary_key(Index::create().col(SeqGaps::RoomId).col(SeqGaps::Seq))
            .to_owned();
        manager.create_table(table).await?;
        let index = Index::create()
            .name("ix_seq_gaps_recorded_at")
            .table(SeqGaps::Table)
            .col(SeqGaps::RecordedAt)
            .col(SeqGaps::RoomId)
            .col(SeqGaps::Seq)
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop = Table::drop().table(SeqGaps::Table).if_exists().to_owned();
        manager.drop_table(drop).await
    }
}

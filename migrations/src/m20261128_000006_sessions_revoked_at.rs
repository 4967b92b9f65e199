//! An index on `sessions.revoked_at`: every node reads the logins revoked within the last
//! access-token lifetime (at start, and every few seconds after) to refuse their access tokens
//! on plain HTTP, and pruning deletes the ones revoked long ago. Both are ranges of
//! `revoked_at`; without the index each read scans every login ever made.

use sea_orm_migration::prelude::*;

use crate::tables::Sessions;

const INDEX: &str = "ix_sessions_revoked_at";

/// Indexes `sessions.revoked_at`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::create()
            .name(INDEX)
            .table(Sessions::Table)
            .col(Sessions::RevokedAt)
            .col(Sessions::Id)
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::drop().name(INDEX).table(Sessions::Table).to_owned();
        manager.drop_index(index).await
    }
}

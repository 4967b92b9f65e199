//! Session devices and account locks: `sessions.device` names the device a login came from
//! (shown when a user lists their logins), `users.locked_at` marks an account an administrator
//! locked (no login, refresh or WebSocket while it is set).
//!
//! Both columns are nullable, so existing rows are valid the moment they exist: old logins
//! have no device, and no account starts locked. One `ALTER TABLE` per column, as SQLite
//! takes one change per statement.

use sea_orm_migration::{prelude::*, schema::*};

use crate::tables::{Sessions, Users};

/// Longest stored device name, in characters (the domain's `DeviceName::MAX_CHARS`).
const DEVICE_LEN: u32 = 128;

/// Adds `sessions.device` and `users.locked_at`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let device = Table::alter()
            .table(Sessions::Table)
            .add_column(string_len_null(Sessions::Device, DEVICE_LEN))
            .to_owned();
        manager.alter_table(device).await?;
        let locked = Table::alter()
            .table(Users::Table)
            .add_column(big_integer_null(Users::LockedAt))
            .to_owned();
        manager.alter_table(locked).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let locked = Table::alter()
            .table(Users::Table)
            .drop_column(Users::LockedAt)
            .to_owned();
        manager.alter_table(locked).await?;
        let device = Table::alter()
            .table(Sessions::Table)
            .drop_column(Sessions::Device)
            .to_owned();
        manager.alter_table(device).await
    }
}

//! sea-orm migrations of chat-system's SQL schema.
//!
//! The same migrations run on SQLite (the embedded default), PostgreSQL and MySQL/MariaDB, so
//! they stick to what all three understand: ids are UUID strings in `varchar(36)`, times are
//! `bigint` Unix milliseconds (exact on every backend, no time-zone conversions), and every
//! indexed text column has a length so MySQL can index it.
//!
//! Layout: `tables` names the tables and columns; each `mYYYYMMDD_NNNNNN_*` module is one
//! migration, applied in the order [`Migrator::migrations`] lists them. `chat-sql` runs the
//! [`Migrator`] at start-up through `SqlDatabase::migrate`.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::{async_trait, MigrationTrait};

mod m20250101_000001_initial_schema;
mod m20250201_000002_seq_gaps;
mod m20250301_000003_groups_and_revs;
mod m20250401_000004_session_devices_and_locks;
mod m20261128_000005_rev_marks;
mod m20261128_000006_sessions_revoked_at;
mod tables;

/// Every migration of the schema, oldest first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250101_000001_initial_schema::Migration),
            Box::new(m20250201_000002_seq_gaps::Migration),
            Box::new(m20250301_000003_groups_and_revs::Migration),
            Box::new(m20250401_000004_session_devices_and_locks::Migration),
            Box::new(m20261128_000005_rev_marks::Migration),
            Box::new(m20261128_000006_sessions_revoked_at::Migration),
        ]
    }
}

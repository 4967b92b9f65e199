//! Opening the database: [`SqlDatabase`] and the connection handles every store shares.
//!
//! Stores take a [`Handles`]: a writer and a reader. PostgreSQL and MySQL handle concurrent
//! writers themselves, so both are one pool there; SQLite gets a single writer connection and a
//! read pool, set up in `crate::sqlite`, which also holds its durability settings.

use std::sync::Arc;
use std::time::Duration;

use chat_migrations::{Migrator, MigratorTrait};
use chat_ports::StoreError;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::checkpoint::Checkpointer;
use crate::error::unavailable;
use crate::{
    SqlBlockStore, SqlDeadLetterStore, SqlInviteStore, SqlMessageStore, SqlRoomStore,
    SqlSeqAllocator, SqlSessionStore, SqlUserStore,
};

/// Connections of a PostgreSQL or MySQL pool, and of the SQLite read pool, unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// How long an operation waits for a free connection before reporting the store unavailable.
pub(crate) const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// The database engines this adapter speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlBackend {
    /// SQLite, a file or in memory.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
}

/// The connections a store uses: `write` for anything that changes data (and for reads inside a
/// transaction), `read` for plain reads. Both are the same pool except on a SQLite file.
#[derive(Debug, Clone)]
pub(crate) struct Handles {
    pub(crate) write: DatabaseConnection,
    pub(crate) read: DatabaseConnection,
    /// On a SQLite file only: moves WAL checkpoints off the writer (`crate::checkpoint`).
    pub(crate) checkpoints: Option<Arc<Checkpointer>>,
}

/// A connected database: runs the migrations and hands out the stores.
#[derive(Debug, Clone)]
pub struct SqlDatabase {
    handles: Handles,
}

impl SqlDatabase {
    /// The connections, for tests of the statements beneath the stores.
    #[cfg(test)]
    pub(crate) fn handles(&self) -> &Handles {
        &self.handles
    }

    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:`, `postgres://...` or
    /// `mysql://...`) with [`DEFAULT_MAX_CONNECTIONS`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Connects to `url` with up to `max_connections` pooled connections (on a SQLite file, the
    /// size of the read pool; the writer is always one connection).
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let max_connections = max_connections.max(1);
        let mut handles = if url.starts_with("sqlite:") {
            crate::sqlite::connect(url, max_connections).await?
        } else {
            let mut options = ConnectOptions::new(url);
            // Statement logging off: sea-orm would log every statement at INFO level.
            options
                .max_connections(max_connections)
                .acquire_timeout(ACQUIRE_TIMEOUT)
                .sqlx_logging(false);
            let pool = Database::connect(options).await.map_err(unavailable)?;
            Handles {
                write: pool.clone(),
                read: pool,
                checkpoints: None,
            }
        };
        crate::figures::observe(&mut handles.write);
        crate::figures::observe(&mut handles.read);
        Ok(Self { handles })
    }

    /// Brings the schema up to date (idempotent).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        Migrator::up(&self.handles.write, None)
            .await
            .map_err(unavailable)
    }

    /// Answers when both the writer and the readers can reach the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.handles.write.ping().await.map_err(unavailable)?;
        self.handles.read.ping().await.map_err(unavailable)
    }

    /// Which engine this is.
    pub fn backend(&self) -> SqlBackend {
        match self.handles.write.get_database_backend() {
            DbBackend::Sqlite => SqlBackend::Sqlite,
            DbBackend::Postgres => SqlBackend::Postgres,
            DbBackend::MySql => SqlBackend::MySql,
        }
    }

    /// Closes every connection; the stores handed out stop working.
    pub async fn close(self) -> Result<(), StoreError> {
        self.handles.write.close().await.map_err(unavailable)?;
        self.handles.read.close().await.map_err(unavailable)
    }

    /// The store of accounts.
    pub fn users(&self) -> Arc<SqlUserStore> {
        Arc::new(SqlUserStore::new(self.handles.clone()))
    }

    /// The store of rooms and memberships.
    pub fn rooms(&self) -> Arc<SqlRoomStore> {
        Arc::new(SqlRoomStore::new(self.handles.clone()))
    }

    /// The store of pending invites and invite links.
    pub fn invites(&self) -> Arc<SqlInviteStore> {
        Arc::new(SqlInviteStore::new(self.handles.clone()))
    }

    /// The store of blocks between users.
    pub fn blocks(&self) -> Arc<SqlBlockStore> {
        Arc::new(SqlBlockStore::new(self.handles.clone()))
    }

    /// The store of messages.
    pub fn messages(&self) -> Arc<SqlMessageStore> {
        Arc::new(SqlMessageStore::new(self.handles.clone()))
    }

    /// The per-room seq counters and the gap record, for a message store that keeps its
    /// messages outside this database (MongoDB).
    pub fn sequences(&self) -> Arc<SqlSeqAllocator> {
        Arc::new(SqlSeqAllocator::new(self.handles.clone()))
    }

    /// The store of sessions and refresh tokens.
    pub fn sessions(&self) -> Arc<SqlSessionStore> {
        Arc::new(SqlSessionStore::new(self.handles.clone()))
    }

    /// The store of dead letters.
    pub fn dead_letters(&self) -> Arc<SqlDeadLetterStore> {
        Arc::new(SqlDeadLetterStore::new(self.handles.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sqlite_file_database_reports_its_backend_and_answers_ping() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("chat.db").display());
        let db = SqlDatabase::connect(&url).await.unwrap();
        assert_eq!(db.backend(), SqlBackend::Sqlite);
        db.ping().await.unwrap();
        db.migrate().await.unwrap();
        db.migrate().await.unwrap();
        db.close().await.unwrap();
    }

    #[tokio::test]
    async fn a_url_of_no_supported_database_is_refused_as_unavailable() {
        let refused = SqlDatabase::connect("redis://127.0.0.1:6379").await;
        assert!(
            matches!(refused, Err(StoreError::Unavailable(_))),
            "{refused:?}"
        );
    }

    #[tokio::test]
    async fn a_unique_violation_maps_to_a_conflict_naming_the_rule() {
        let db = SqlDatabase::connect("sqlite::memory:").await.unwrap();
        let write = &db.handles.write;
        write
            .execute_unprepared("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .await
            .unwrap();
        write
            .execute_unprepared("INSERT INTO t VALUES ('a')")
            .await
            .unwrap();
        let err = write
            .execute_unprepared("INSERT INTO t VALUES ('a')")
            .await
            .unwrap_err();
        assert!(crate::error::is_retryable(&err));
        match crate::error::store_err(err, "k is taken") {
            StoreError::Conflict(rule) => assert_eq!(rule, "k is taken"),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
}

//! Opening the database: [`SqlDatabase`] and the connection handles every store shares.
//!
//! SQLite is the embedded default, so it gets the most care:
//! - durability: WAL journal with `synchronous=FULL`, so an acknowledged message survives a
//!   `kill -9` or a power loss; the batch (group) commit of the persistence worker keeps the
//!   fsync per batch, not per message;
//! - no `SQLITE_BUSY` under racing writers: every write goes through ONE connection (a pool of
//!   one, so writers queue in the pool instead of fighting over the file lock), while reads use
//!   a small pool of their own, which WAL lets run beside the writer;
//! - `:memory:`: each in-memory connection would be a separate database, so one connection
//!   serves reads and writes, and it is never closed for idleness (that would drop the data).
//!
//! The SQLite pools are built with sqlx directly rather than through sea-orm's
//! `ConnectOptions`, because only sqlx's `PoolOptions` can switch the idle timeout and maximum
//! lifetime off. PostgreSQL and MySQL handle concurrent writers themselves: reads and writes
//! share one pool there.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chat_migrations::{Migrator, MigratorTrait};
use chat_ports::StoreError;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, SqlxSqliteConnector,
};

use crate::error::unavailable;
use crate::{SqlDeadLetterStore, SqlMessageStore, SqlRoomStore, SqlSessionStore, SqlUserStore};

/// Connections of a PostgreSQL or MySQL pool, and of the SQLite read pool, unless told otherwise.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 10;

/// How long SQLite waits on a lock held by another process before giving up. Within this
/// process the single writer connection means it never waits on itself.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an operation waits for a free connection before reporting the store unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

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
}

/// A connected database: runs the migrations and hands out the stores.
#[derive(Debug, Clone)]
pub struct SqlDatabase {
    handles: Handles,
}

impl SqlDatabase {
    /// Connects to `url` (`sqlite://path?mode=rwc`, `sqlite::memory:`, `postgres://...` or
    /// `mysql://...`) with [`DEFAULT_MAX_CONNECTIONS`].
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, DEFAULT_MAX_CONNECTIONS).await
    }

    /// Connects to `url` with up to `max_connections` pooled connections (on a SQLite file, the
    /// size of the read pool; the writer is always one connection).
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let max_connections = max_connections.max(1);
        let handles = if url.starts_with("sqlite:") {
            connect_sqlite(url, max_connections).await?
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
            }
        };
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

    /// The store of messages.
    pub fn messages(&self) -> Arc<SqlMessageStore> {
        Arc::new(SqlMessageStore::new(self.handles.clone()))
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

/// Whether a SQLite URL names an in-memory database.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

async fn connect_sqlite(url: &str, readers: u32) -> Result<Handles, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::unavailable)?
        .foreign_keys(true)
        .busy_timeout(SQLITE_BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Full);
    // One connection that never closes: for `:memory:` it IS the database, and for a file it is
    // the writer every write queues for.
    let single = || {
        SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire(false)
    };
    if is_in_memory(url) {
        let pool = single()
            .connect_with(options)
            .await
            .map_err(StoreError::unavailable)?;
        let connection = SqlxSqliteConnector::from_sqlx_sqlite_pool(pool);
        return Ok(Handles {
            write: connection.clone(),
            read: connection,
        });
    }
    // SQLite creates a missing file but not a missing directory (`./data/` on a first start).
    if let Some(parent) = options
        .get_filename()
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent).map_err(StoreError::unavailable)?;
    }
    // The writer opens (and with `mode=rwc` creates) the file and switches it to WAL, which is
    // then a property of the file: the readers need not set it again.
    let writer = single()
        .connect_with(options.clone().journal_mode(SqliteJournalMode::Wal))
        .await
        .map_err(StoreError::unavailable)?;
    let readers = SqlitePoolOptions::new()
        .max_connections(readers)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(StoreError::unavailable)?;
    Ok(Handles {
        write: SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
        read: SqlxSqliteConnector::from_sqlx_sqlite_pool(readers),
    })
}

#[cfg(test)]
mod tests {
    use sea_orm::Statement;

    use super::*;

    /// The value of SQLite's `PRAGMA name`, as text.
    async fn pragma(db: &DatabaseConnection, name: &str) -> String {
        let row = db
            .query_one(Statement::from_string(
                db.get_database_backend(),
                format!("PRAGMA {name}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index::<i64>(0)
            .map(|n| n.to_string())
            .or_else(|_| row.try_get_by_index::<String>(0))
            .unwrap()
    }

    /// The most connections `db`'s SQLite pool may open.
    fn pool_size(db: &DatabaseConnection) -> u32 {
        db.get_sqlite_connection_pool()
            .options()
            .get_max_connections()
    }

    #[tokio::test]
    async fn a_sqlite_file_is_durable_and_writes_through_one_connection() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("nested/dir/chat.db").display()
        );
        let db = SqlDatabase::connect_with(&url, 3).await.unwrap();
        let handles = &db.handles;

        assert_eq!(pragma(&handles.write, "journal_mode").await, "wal");
        // 2 is FULL: every commit is fsynced before it is acknowledged.
        assert_eq!(pragma(&handles.write, "synchronous").await, "2");
        assert_eq!(pragma(&handles.write, "foreign_keys").await, "1");
        assert_eq!(pragma(&handles.read, "foreign_keys").await, "1");
        assert_eq!(pragma(&handles.write, "busy_timeout").await, "5000");
        assert_eq!(pool_size(&handles.write), 1);
        assert_eq!(pool_size(&handles.read), 3);
        assert_eq!(db.backend(), SqlBackend::Sqlite);
        db.ping().await.unwrap();
    }

    #[tokio::test]
    async fn an_in_memory_database_is_one_connection_for_reads_and_writes() {
        let db = SqlDatabase::connect("sqlite::memory:").await.unwrap();
        db.migrate().await.unwrap();
        assert_eq!(pool_size(&db.handles.write), 1);
        assert_eq!(pool_size(&db.handles.read), 1);
        // Reads see the schema the writer made: they are the same database.
        let read = &db.handles.read;
        let count =
            Statement::from_string(read.get_database_backend(), "SELECT COUNT(*) FROM users");
        assert!(read.query_one(count).await.unwrap().is_some());
        assert_eq!(pragma(read, "foreign_keys").await, "1");
    }

    #[test]
    fn in_memory_urls_are_recognised() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://file?mode=memory&cache=shared"));
        assert!(!is_in_memory("sqlite://./data/chat.db?mode=rwc"));
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

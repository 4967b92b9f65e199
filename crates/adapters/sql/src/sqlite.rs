//! SQLite, the embedded default: durable, and free of `SQLITE_BUSY` under racing writers.
//!
//! - Durability: WAL journal with `synchronous=FULL`, so an acknowledged message survives a
//!   `kill -9` or a power loss; the batch (group) commit of the persistence worker keeps it to
//!   one fsync per batch, not per message.
//! - Checkpoints: the writer checkpoints the WAL by itself only as a backstop; after group
//!   commits a reader connection runs passive checkpoints in the background
//!   (`crate::checkpoint`), so no commit waits for one.
//! - No `SQLITE_BUSY`: every write goes through ONE connection (a pool of one, so writers queue
//!   in the pool instead of fighting over the file lock), while reads use a small pool of their
//!   own, which WAL lets run beside the writer. `busy_timeout` covers other processes (a backup,
//!   an operator's shell) holding the file.
//! - Statement journals in memory (`temp_store=MEMORY`): a multi-row statement inside a
//!   transaction keeps the pages it changes in a statement journal, so that a failed row can
//!   undo it alone. By default that journal spills to a temporary FILE beyond 64 KiB, which a
//!   group commit of ten messages (about sixty pages) passes: profiled at 7,000 msg/s of the
//!   pairs workload, those temp-file `pwrite`s were 8 % of the writer thread
//!   (docs/benchmarks.md). In memory they cost a copy; the journal lives one statement.
//! - `:memory:`: each in-memory connection would be a separate database, so one connection
//!   serves reads and writes, and it is never closed for idleness (that would drop the data).
//!
//! The pools are built with sqlx directly rather than through sea-orm's `ConnectOptions`,
//! because only sqlx's `PoolOptions` can switch the idle timeout and maximum lifetime off; the
//! pragmas are set through sqlx's `SqliteConnectOptions`, which applies them to every new
//! connection.

use std::str::FromStr;
use std::time::Duration;

use chat_ports::StoreError;
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::SqlxSqliteConnector;

use crate::checkpoint::{self, Checkpointer};
use crate::connection::{Handles, ACQUIRE_TIMEOUT};

/// How long SQLite waits on a lock held by another process before giving up. Within this
/// process the single writer connection means it never waits on itself.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether a SQLite URL names an in-memory database.
fn is_in_memory(url: &str) -> bool {
    url.contains(":memory:") || url.contains("mode=memory")
}

/// Opens the database at `url` with a single writer and up to `readers` reader connections.
pub(crate) async fn connect(url: &str, readers: u32) -> Result<Handles, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(StoreError::unavailable)?
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .synchronous(SqliteSynchronous::Full)
        .pragma("temp_store", "memory");
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
            checkpoints: None,
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
    let writer_options = options.clone().journal_mode(SqliteJournalMode::Wal).pragma(
        "wal_autocheckpoint",
        checkpoint::WRITER_AUTOCHECKPOINT_PAGES.to_string(),
    );
    let writer = single()
        .connect_with(writer_options)
        .await
        .map_err(StoreError::unavailable)?;
    let readers = SqlitePoolOptions::new()
        .max_connections(readers)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(StoreError::unavailable)?;
    let read = SqlxSqliteConnector::from_sqlx_sqlite_pool(readers);
    Ok(Handles {
        write: SqlxSqliteConnector::from_sqlx_sqlite_pool(writer),
        checkpoints: Some(Checkpointer::new(read.clone())),
        read,
    })
}

#[cfg(test)]
mod tests {
    use chat_migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

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
        let handles = connect(&url, 3).await.unwrap();

        assert_eq!(pragma(&handles.write, "journal_mode").await, "wal");
        // 2 is FULL: every commit is fsynced before it is acknowledged.
        assert_eq!(pragma(&handles.write, "synchronous").await, "2");
        assert_eq!(pragma(&handles.write, "foreign_keys").await, "1");
        assert_eq!(pragma(&handles.read, "foreign_keys").await, "1");
        assert_eq!(pragma(&handles.write, "busy_timeout").await, "5000");
        // 2 is MEMORY: statement journals never spill to a temporary file.
        assert_eq!(pragma(&handles.write, "temp_store").await, "2");
        assert_eq!(pragma(&handles.read, "temp_store").await, "2");
        // The writer checkpoints only as a backstop; `crate::checkpoint` does it otherwise.
        assert_eq!(
            pragma(&handles.write, "wal_autocheckpoint").await,
            checkpoint::WRITER_AUTOCHECKPOINT_PAGES.to_string()
        );
        assert_eq!(pool_size(&handles.write), 1);
        assert_eq!(pool_size(&handles.read), 3);
    }

    #[tokio::test]
    async fn an_in_memory_database_is_one_connection_for_reads_and_writes() {
        let handles = connect("sqlite::memory:", 4).await.unwrap();
        Migrator::up(&handles.write, None).await.unwrap();
        assert_eq!(pool_size(&handles.write), 1);
        assert_eq!(pool_size(&handles.read), 1);
        // Reads see the schema the writer made: they are the same database.
        let read = &handles.read;
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
}

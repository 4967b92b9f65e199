//! WAL checkpoints off the writer's path, for a SQLite file.
//!
//! In WAL mode a commit appends the changed pages to the `-wal` file, and a *checkpoint* later
//! copies them back into the database file. Left to SQLite, the committing connection runs the
//! checkpoint itself as soon as the WAL passes 1,000 pages: every few group commits, one
//! commit also copies and fsyncs thousands of pages, while every message of the next batch
//! waits for the single writer. Measured here, that made a commit of 60 messages in 60 rooms
//! take 7.7 ms instead of 3.7 ms (docs/benchmarks.md).
//!
//! So the writer's automatic checkpoint is a backstop only ([`WRITER_AUTOCHECKPOINT_PAGES`],
//! set in `crate::sqlite`), and after a group commit the store *nudges* this checkpointer: at
//! most every [`INTERVAL`], and never twice at once, a task runs a `PASSIVE` checkpoint on a
//! reader connection. A passive checkpoint takes no lock a writer needs, so it runs on the
//! other core while the next batch is committed; it copies each page once however many commits
//! rewrote it since the last one. A checkpoint that fails is only logged: the pages stay in the
//! WAL, which is as durable as the database file, and the next nudge or the writer's backstop
//! checkpoints them.
//!
//! Nothing runs unless a commit nudges, so an idle database (and each of the many test
//! databases) costs no task.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// The shortest time between two checkpoints.
pub(crate) const INTERVAL: Duration = Duration::from_millis(100);

/// The writer checkpoints by itself only once the WAL holds this many pages (40 MiB of 4 KiB
/// pages): a backstop for when the checkpointer cannot keep up or a reader pins old pages.
pub(crate) const WRITER_AUTOCHECKPOINT_PAGES: u32 = 10_000;

/// Runs passive checkpoints on `connection` when nudged; see the module docs.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    connection: DatabaseConnection,
    /// [`INTERVAL`], except in tests.
    interval: Duration,
    running: AtomicBool,
    last: Mutex<Instant>,
    started: AtomicU64,
}

impl Checkpointer {
    /// A checkpointer that runs its checkpoints on `connection` (a reader pool of the file).
    pub(crate) fn new(connection: DatabaseConnection) -> Arc<Self> {
        Self::with_interval(connection, INTERVAL)
    }

    fn with_interval(connection: DatabaseConnection, interval: Duration) -> Arc<Self> {
        Arc::new(Self {
            connection,
            interval,
            running: AtomicBool::new(false),
            last: Mutex::new(Instant::now()),
            started: AtomicU64::new(0),
        })
    }

    /// Called after a commit: starts a checkpoint in the background unless one is running or
    /// the last began less than [`INTERVAL`] ago. Returns at once.
    pub(crate) fn nudge(self: &Arc<Self>) {
        {
            let last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
            if last.elapsed() < self.interval {
                return;
            }
        }
        if self.running.swap(true, Ordering::AcqRel) {
            return;
        }
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Instant::now();
        self.started.fetch_add(1, Ordering::Relaxed);
        let this = Arc::clone(self);
        tokio::spawn(async move {
            if let Err(error) = this.checkpoint().await {
                tracing::warn!(%error, "WAL checkpoint failed; the writer's backstop will run one");
            }
            this.running.store(false, Ordering::Release);
        });
    }

    /// One passive checkpoint, now: how many frames the WAL holds, and how many of them are
    /// in the database file afterwards.
    pub(crate) async fn checkpoint(&self) -> Result<(i64, i64), DbErr> {
        let statement = Statement::from_string(
            self.connection.get_database_backend(),
            "PRAGMA wal_checkpoint(PASSIVE)",
        );
        let row = self
            .connection
            .query_one(statement)
            .await?
            .ok_or_else(|| DbErr::Custom("wal_checkpoint answered no row".to_owned()))?;
        // (busy, frames in the WAL, frames copied into the database)
        Ok((row.try_get_by_index(1)?, row.try_get_by_index(2)?))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    async fn file_database() -> (tempfile::TempDir, crate::connection::Handles) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("chat.db").display());
        let handles = crate::sqlite::connect(&url, 2).await.unwrap();
        let backend = handles.write.get_database_backend();
        for sql in ["CREATE TABLE t (x INTEGER)", "INSERT INTO t VALUES (1)"] {
            handles
                .write
                .execute(Statement::from_string(backend, sql))
                .await
                .unwrap();
        }
        (dir, handles)
    }

    #[tokio::test]
    async fn a_checkpoint_on_a_reader_copies_what_the_writer_appended_to_the_wal() {
        let (_dir, handles) = file_database().await;
        let checkpointer = Checkpointer::new(handles.read.clone());
        let (frames, copied) = checkpointer.checkpoint().await.unwrap();
        assert!(frames > 0, "the writer's commits are in the WAL");
        assert_eq!(copied, frames);
    }

    /// Waits until no checkpoint runs.
    async fn settled(checkpointer: &Checkpointer) {
        tokio::time::timeout(Duration::from_secs(5), async {
            while checkpointer.running.load(Ordering::Acquire) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .expect("the checkpoint ends");
    }

    #[tokio::test]
    async fn a_nudge_within_the_interval_starts_nothing() {
        let (_dir, handles) = file_database().await;
        let checkpointer =
            Checkpointer::with_interval(handles.read.clone(), Duration::from_secs(3600));
        checkpointer.nudge();
        assert_eq!(checkpointer.started.load(Ordering::Relaxed), 0);
    }

    #[tokio::test]
    async fn a_nudge_after_the_interval_starts_one_checkpoint_unless_one_runs() {
        let (_dir, handles) = file_database().await;
        let checkpointer = Checkpointer::with_interval(handles.read.clone(), Duration::ZERO);
        checkpointer.nudge();
        assert_eq!(checkpointer.started.load(Ordering::Relaxed), 1);
        settled(&checkpointer).await;
        checkpointer.nudge();
        assert_eq!(checkpointer.started.load(Ordering::Relaxed), 2);
        settled(&checkpointer).await;

        // One is running: a nudge leaves it alone.
        checkpointer.running.store(true, Ordering::Release);
        checkpointer.nudge();
        assert_eq!(checkpointer.started.load(Ordering::Relaxed), 2);
    }
}

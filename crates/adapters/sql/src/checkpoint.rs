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
//!
//! **Restarting the WAL.** Checkpoints copy pages; only a *restart* lets SQLite write the WAL
//! from its beginning again, and SQLite restarts it only in a write transaction that began
//! while every frame was already copied. Under a steady load the writer commits again before
//! any background pass ends, so that never happens by itself: the WAL grew to the backstop
//! (10,000 pages then) and the writer's own checkpoint, which restarted it, took 11 to 24 ms
//! of the commit stage every 300 ms at 12,500 msg/s (docs/benchmarks.md, eighth
//! measurement). So once a pass finds the WAL [`RESTART_FRAMES`] long, a second pass copies
//! what came in during the first, and the writer is asked ([`Checkpointer::restart_on`]) to
//! checkpoint the last few commits' frames itself, between two commits; its next commit then
//! restarts the WAL.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

/// The shortest time between two checkpoints.
pub(crate) const INTERVAL: Duration = Duration::from_millis(100);

/// The writer checkpoints by itself only once the WAL holds this many pages (128 MiB of 4 KiB
/// pages): a backstop for when the checkpointer cannot keep up or a reader pins old pages.
pub(crate) const WRITER_AUTOCHECKPOINT_PAGES: u32 = 32_768;

/// A WAL this long (64 MiB of 4 KiB pages) after a background pass is restarted.
///
/// Each restart costs the commit stage one checkpoint on the writer (the frames of the
/// commits that came during the last pass: 2 to 20 ms at 12,500 msg/s), so the longer the WAL
/// may grow, the rarer that pause. At 12,500 msg/s of pairs, about 50,000 frames a second,
/// restarting from 4,096 frames gave p99 33-47 ms, from 16,384 19-32 ms and from 40,000
/// 21-29 ms (docs/benchmarks.md, eighth measurement); this bound keeps the file at a size an
/// operator expects of an embedded database.
pub(crate) const RESTART_FRAMES: i64 = 16_384;

/// Runs passive checkpoints on `connection` when nudged; see the module docs.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    connection: DatabaseConnection,
    /// [`INTERVAL`], except in tests.
    interval: Duration,
    /// [`RESTART_FRAMES`], except in tests.
    restart_frames: i64,
    /// Set by a pass that found the WAL long; cleared by the writer's checkpoint.
    restart_wanted: AtomicBool,
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
            restart_frames: RESTART_FRAMES,
            restart_wanted: AtomicBool::new(false),
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
            if let Err(error) = this.pass().await {
                tracing::warn!(%error, "WAL checkpoint failed; the writer's backstop will run one");
            }
            this.running.store(false, Ordering::Release);
        });
    }

    /// One background pass: a checkpoint and, when the WAL is long, a second one and a
    /// request to the writer to restart it.
    async fn pass(&self) -> Result<(), DbErr> {
        let (frames, _) = self.checkpoint().await?;
        if frames >= self.restart_frames {
            self.checkpoint().await?;
            self.restart_wanted.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Called after a commit with the writer connection: if a pass asked for it, checkpoints
    /// the frames the passes left on `writer`, in the background, so that a later commit
    /// restarts the WAL. A reader still on an older snapshot keeps some frames from being
    /// copied; then the request stands and the call after the next commit tries again.
    pub(crate) fn restart_on(self: &Arc<Self>, writer: &DatabaseConnection) {
        if !self.restart_wanted.swap(false, Ordering::AcqRel) {
            return;
        }
        let (this, writer) = (Arc::clone(self), writer.clone());
        // Off the committing task: its commit is announced meanwhile, and the next commit
        // queues for the writer connection behind this checkpoint.
        tokio::spawn(async move { this.checkpoint_on_writer(&writer).await });
    }

    /// The writer's part of a restart: see [`Self::restart_on`]. A checkpoint that finds
    /// another one running (a background pass) answers -1 frames: that too is tried again.
    async fn checkpoint_on_writer(&self, writer: &DatabaseConnection) {
        match passive_checkpoint(writer).await {
            Ok((frames, copied)) if frames < 0 || copied < frames => {
                self.restart_wanted.store(true, Ordering::Release);
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "WAL checkpoint on the writer failed; the backstop will run one");
            }
        }
    }

    /// One passive checkpoint, now: how many frames the WAL holds, and how many of them are
    /// in the database file afterwards.
    pub(crate) async fn checkpoint(&self) -> Result<(i64, i64), DbErr> {
        passive_checkpoint(&self.connection).await
    }
}

/// One passive checkpoint on `connection`: how many frames the WAL holds, and how many of
/// them are in the database file afterwards.
async fn passive_checkpoint(connection: &DatabaseConnection) -> Result<(i64, i64), DbErr> {
    let statement = Statement::from_string(
        connection.get_database_backend(),
        "PRAGMA wal_checkpoint(PASSIVE)",
    );
    let row = connection
        .query_one(statement)
        .await?
        .ok_or_else(|| DbErr::Custom("wal_checkpoint answered no row".to_owned()))?;
    // (busy, frames in the WAL, frames copied into the database)
    Ok((row.try_get_by_index(1)?, row.try_get_by_index(2)?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use sea_orm::TransactionTrait;

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

    async fn write_a_row(db: &impl ConnectionTrait) {
        let sql = "INSERT INTO t VALUES (2)";
        db.execute(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
    }

    /// How the load starves the restart, and how the writer's checkpoint ends it: a write
    /// transaction that began before a background pass ended cannot restart the WAL, nor can
    /// any after it, until a checkpoint ends between two of them.
    #[tokio::test]
    async fn the_writer_restarts_a_wal_that_background_passes_alone_cannot() {
        let (_dir, handles) = file_database().await;
        let mut checkpointer = Checkpointer::with_interval(handles.read.clone(), Duration::ZERO);
        Arc::get_mut(&mut checkpointer).unwrap().restart_frames = 1;
        let txn = handles.write.begin().await.unwrap();
        write_a_row(&txn).await;
        checkpointer.pass().await.unwrap();
        txn.commit().await.unwrap();
        write_a_row(&handles.write).await;

        // What `restart_on` does after a commit, without the task.
        assert!(checkpointer.restart_wanted.swap(false, Ordering::AcqRel));
        checkpointer.checkpoint_on_writer(&handles.write).await;
        assert!(
            !checkpointer.restart_wanted.load(Ordering::Acquire),
            "every frame was copied: nothing to try again"
        );
        write_a_row(&handles.write).await;

        // Restarted, the WAL holds the last commit alone: one page of `t`. Not restarted, it
        // would hold every commit since the table was made.
        let (frames, _) = checkpointer.checkpoint().await.unwrap();
        assert_eq!(frames, 1, "the WAL starts again from its beginning");
    }

    #[tokio::test]
    async fn a_short_wal_asks_the_writer_for_nothing() {
        let (_dir, handles) = file_database().await;
        let checkpointer = Checkpointer::new(handles.read.clone());
        checkpointer.pass().await.unwrap();
        assert!(!checkpointer.restart_wanted.load(Ordering::Acquire));
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

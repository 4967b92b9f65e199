//! The pace of a node's group commits: under load, each waits until a short interval has
//! passed since the previous one began, so that it carries the messages that arrive meanwhile.
//!
//! Why: a group commit's cost is mostly per commit, not per message. On the SQLite default
//! every commit is an fsync, and each message dirties its room's index leaves, its room's
//! counter row and its sender's membership row; messages of one commit that share a page
//! write it once. Left to run back to back, commits at 9,000 msg/s of the pairs workload
//! carried about 7 messages each (a commit took 0.6 ms); spaced 3 ms apart they carried 37,
//! the SQLite writer thread ran a third less, and the whole server used a quarter less CPU for
//! the same messages (docs/benchmarks.md, eighth measurement). A networked store saves its
//! round trips the same way.
//!
//! The cost is latency, and only under load: a commit that comes long after the previous one
//! began (a quiet room, a lone message) starts at once, and a message never waits more than
//! the interval for its commit to start on top of the commit it waits behind.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// When this node's group commits may start; shared by its workers.
#[derive(Debug)]
pub(super) struct CommitPacing {
    interval: Duration,
    last_start: Mutex<Option<Instant>>,
}

impl CommitPacing {
    /// Commits at least `interval` apart; [`Duration::ZERO`] lets them run back to back.
    pub(super) fn new(interval: Duration) -> Self {
        Self {
            interval,
            last_start: Mutex::new(None),
        }
    }

    /// Waits until `interval` has passed since the previous commit started, and records now
    /// as this commit's start. Call it while holding the node's commit stage, so that starts
    /// are taken one at a time.
    pub(super) async fn wait_for_start(&self) {
        let due = self.last_start().map(|last| last + self.interval);
        if let Some(due) = due.filter(|due| *due > Instant::now()) {
            tokio::time::sleep_until(due).await;
        }
        *self.lock() = Some(Instant::now());
    }

    fn last_start(&self) -> Option<Instant> {
        *self.lock()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.last_start
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVAL: Duration = Duration::from_millis(3);

    #[tokio::test(start_paused = true)]
    async fn the_first_commit_starts_at_once() {
        let pacing = CommitPacing::new(INTERVAL);
        let before = Instant::now();
        pacing.wait_for_start().await;
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_commit_right_after_another_waits_out_the_interval() {
        let pacing = CommitPacing::new(INTERVAL);
        pacing.wait_for_start().await;
        tokio::time::advance(Duration::from_millis(1)).await;
        let before = Instant::now();
        pacing.wait_for_start().await;
        // The interval counts from the previous start, not from the end of this one's wait.
        assert_eq!(before.elapsed(), Duration::from_millis(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_commit_long_after_the_previous_one_starts_at_once() {
        let pacing = CommitPacing::new(INTERVAL);
        pacing.wait_for_start().await;
        tokio::time::advance(Duration::from_millis(10)).await;
        let before = Instant::now();
        pacing.wait_for_start().await;
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_zero_interval_never_waits() {
        let pacing = CommitPacing::new(Duration::ZERO);
        let before = Instant::now();
        for _ in 0..3 {
            pacing.wait_for_start().await;
        }
        assert_eq!(before.elapsed(), Duration::ZERO);
    }
}

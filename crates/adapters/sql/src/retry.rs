//! Running a transaction again when the database says another run may succeed.
//!
//! PostgreSQL and MySQL resolve a deadlock by aborting one of the transactions involved, and a
//! racing writer may break a unique index between a transaction's read and its insert; both
//! are worth a fresh run, which then sees the other writer's committed rows (see
//! [`is_retryable`]). A run reports a [`Failure`]: either the database's refusal, which may be
//! retried, or a verdict of the store's own (`NotFound`, a corrupt row) that another run would
//! not change.

use std::future::Future;

use chat_ports::StoreError;
use sea_orm::DbErr;

use crate::error::{is_retryable, store_err};

/// Runs of one transaction before a persistent race or deadlock is reported.
pub(crate) const MAX_ATTEMPTS: u32 = 5;

/// Why one run of a transaction stopped.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The database refused; maybe worth another run.
    Db(DbErr),
    /// A verdict that another run would not change.
    Store(StoreError),
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        Self::Store(err)
    }
}

/// Calls `run` until it succeeds, fails for good, or [`MAX_ATTEMPTS`] runs were refused; a last
/// refusal that breaks a unique index is a `Conflict` naming `rule`.
pub(crate) async fn retrying<T, F, Fut>(what: &str, rule: &str, mut run: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut attempt = 1;
    loop {
        match run().await {
            Ok(done) => return Ok(done),
            Err(Failure::Db(err)) if is_retryable(&err) && attempt < MAX_ATTEMPTS => {
                tracing::debug!(attempt, error = %err, "{what} raced another writer; running it again");
                attempt += 1;
            }
            Err(Failure::Db(err)) => return Err(store_err(err, rule)),
            Err(Failure::Store(err)) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[tokio::test]
    async fn a_verdict_of_the_store_is_not_retried() {
        let runs = Cell::new(0);
        let result: Result<(), _> = retrying("test", "rule", || {
            runs.set(runs.get() + 1);
            async { Err(Failure::Store(StoreError::NotFound)) }
        })
        .await;
        assert!(matches!(result, Err(StoreError::NotFound)));
        assert_eq!(runs.get(), 1);
    }

    #[tokio::test]
    async fn a_driver_error_that_no_rerun_fixes_is_reported_at_once_as_unavailable() {
        let runs = Cell::new(0);
        let result: Result<(), _> = retrying("test", "rule", || {
            runs.set(runs.get() + 1);
            async { Err(Failure::Db(DbErr::Custom("disk full".into()))) }
        })
        .await;
        assert!(matches!(result, Err(StoreError::Unavailable(_))));
        assert_eq!(runs.get(), 1);
    }

    #[tokio::test]
    async fn a_run_that_succeeds_returns_its_value() {
        let result = retrying("test", "rule", || async { Ok::<_, Failure>(7) }).await;
        assert_eq!(result.expect("ok"), 7);
    }
}

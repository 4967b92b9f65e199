//! Translation of the driver's errors into the ports' [`StoreError`], and the time limit every
//! MongoDB operation runs under.
//!
//! This is the only module that looks inside a `mongodb::error::Error`. A duplicate key
//! (server code 11000) is the one error the store acts on, and only where it expects one (an
//! insert that raced another writer), besides a missing collection (26) when it looks at the
//! indexes of a fresh database; everything else is [`StoreError::Unavailable`] with the
//! driver error kept as the source for logs.

use std::future::IntoFuture;
use std::time::Duration;

use chat_ports::StoreError;
use mongodb::error::{Error, ErrorKind};

/// The server's code for a unique index violation.
const DUPLICATE_KEY: i32 = 11000;

/// The server's code for a collection (or database) that does not exist.
const NAMESPACE_NOT_FOUND: i32 = 26;

/// The longest any one MongoDB operation may take. Server selection already fails within its
/// own (shorter) timeout when the server is down; this bounds a server that accepted the
/// connection and stopped answering, which the driver alone would wait on forever.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// Maps a driver error to [`StoreError::Unavailable`].
pub(crate) fn unavailable(err: Error) -> StoreError {
    StoreError::unavailable(err)
}

/// Runs `operation` under [`OPERATION_TIMEOUT`], mapping every failure to `Unavailable`.
pub(crate) async fn bounded<T>(
    operation: impl IntoFuture<Output = Result<T, Error>>,
) -> Result<T, StoreError> {
    bounded_raw(operation).await?.map_err(unavailable)
}

/// Runs `operation` under [`OPERATION_TIMEOUT`] and hands its own error back for a closer
/// look; only running out of time is already a [`StoreError`].
pub(crate) async fn bounded_raw<T>(
    operation: impl IntoFuture<Output = Result<T, Error>>,
) -> Result<Result<T, Error>, StoreError> {
    tokio::time::timeout(OPERATION_TIMEOUT, operation)
        .await
        .map_err(|_| {
            StoreError::corrupt(format!(
                "MongoDB did not answer within {} s",
                OPERATION_TIMEOUT.as_secs()
            ))
        })
}

/// For an `insert_many` that failed only because some documents broke a unique index: the
/// positions of those documents. `None` for any other failure (a write concern error, a
/// network error, any other write error), after which nothing is known about what was stored.
pub(crate) fn duplicate_key_positions(err: &Error) -> Option<Vec<usize>> {
    match err.kind.as_ref() {
        ErrorKind::InsertMany(failure) if failure.write_concern_error.is_none() => {
            let errors = failure.write_errors.as_ref()?;
            let all_duplicates =
                !errors.is_empty() && errors.iter().all(|e| e.code == DUPLICATE_KEY);
            all_duplicates.then(|| errors.iter().map(|e| e.index).collect())
        }
        _ => None,
    }
}

/// Whether a command failed because its collection does not exist (yet).
pub(crate) fn is_namespace_not_found(err: &Error) -> bool {
    matches!(err.kind.as_ref(), ErrorKind::Command(failure) if failure.code == NAMESPACE_NOT_FOUND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_that_are_not_duplicate_keys_are_unavailable() {
        let err = Error::custom("boom");
        assert!(duplicate_key_positions(&err).is_none());
        assert!(matches!(unavailable(err), StoreError::Unavailable(_)));
    }

    #[tokio::test]
    async fn an_operation_that_fails_is_unavailable() {
        let failed = bounded(async { Err::<(), _>(Error::custom("down")) }).await;
        assert!(
            matches!(failed, Err(StoreError::Unavailable(_))),
            "{failed:?}"
        );
        let done = bounded(async { Ok::<_, Error>(7) }).await;
        assert_eq!(done.expect("in time"), 7);
    }
}

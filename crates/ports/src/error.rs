//! The error every store port returns.

use thiserror::Error;

/// What can go wrong in a store, in terms the use cases can act on.
///
/// Adapters translate their driver's errors into these and never let a driver error type
/// escape; the source is kept for logs.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The record the operation needs does not exist.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule would be broken (the string names which).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The store could not be reached or failed; retrying later may succeed.
    #[error("store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps any error as [`StoreError::Unavailable`].
    pub fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(error))
    }

    /// An [`StoreError::Unavailable`] from a message (for data a store cannot decode).
    pub fn corrupt(message: impl Into<String>) -> Self {
        Self::Unavailable(message.into().into())
    }
}

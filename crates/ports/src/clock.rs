//! Time and ids, as ports so tests decide what "now" and "a new id" are.

use chat_domain::ids::Uuid;
use chat_domain::Timestamp;

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC, to the millisecond.
    fn now(&self) -> Timestamp;
}

/// A source of fresh ids.
///
/// Implementations MUST return ids that are unique across nodes and sort by creation time
/// (UUIDv7); use cases wrap them in the typed ids of the domain.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A new unique, time-sortable id.
    fn new_id(&self) -> Uuid;
}

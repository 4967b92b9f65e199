//! The real clock and the real id source, for production wiring; tests use the ports' mocks or
//! fixed values instead.

use chat_domain::ids::Uuid;
use chat_domain::Timestamp;
use chat_ports::{Clock, IdGenerator};

/// The system's wall clock, in UTC, truncated to the millisecond.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_datetime(chrono::Utc::now())
    }
}

/// UUIDv7 ids from the system clock.
///
/// The `uuid` crate keeps a process-wide counter for ids made within one millisecond, so ids
/// from this process sort in the order they were made; across nodes they sort by time to the
/// millisecond, which is what the ports ask for.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_at_millisecond_precision_and_close_to_the_system_time() {
        let before = chrono::Utc::now().timestamp_millis();
        let now = SystemClock.now().unix_millis();
        let after = chrono::Utc::now().timestamp_millis();
        assert!((before..=after).contains(&now));
        assert_eq!(
            SystemClock.now().to_datetime().timestamp_subsec_nanos() % 1_000_000,
            0
        );
    }

    #[test]
    fn ids_are_version_7_and_sort_in_creation_order() {
        let ids: Vec<Uuid> = (0..1000).map(|_| UuidV7Ids.new_id()).collect();
        assert!(ids.iter().all(|id| id.get_version_num() == 7));
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }
}

//! [`KeyedLimit`]: one `governor` rate limiter with a state per key, whose memory stays
//! bounded however many keys (IPs, usernames, users) pass through.

use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::HashMapStateStore;
use governor::RateLimiter;

use super::Rate;

/// Checks between two sweeps of keys whose bucket is full again (they hold no information).
const SWEEP_EVERY: u64 = 4096;

/// A rate per key.
pub struct KeyedLimit<K: Hash + Eq + Clone> {
    rate: Rate,
    limiter: RateLimiter<K, HashMapStateStore<K>, DefaultClock>,
    clock: DefaultClock,
    checks: AtomicU64,
}

impl<K: Hash + Eq + Clone> std::fmt::Debug for KeyedLimit<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyedLimit")
            .field("rate", &self.rate)
            .field("keys", &self.limiter.len())
            .finish()
    }
}

impl<K: Hash + Eq + Clone> KeyedLimit<K> {
    /// A limiter allowing `rate` per key.
    pub fn new(rate: Rate) -> Self {
        let clock = DefaultClock::default();
        Self {
            rate,
            limiter: RateLimiter::new(rate.quota(), HashMapStateStore::default(), clock.clone()),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// The rate in force.
    pub fn rate(&self) -> Rate {
        self.rate
    }

    /// Takes one cell for `key`: `Ok` when allowed, else how long until the next is.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter
            .check_key(key)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }

    /// Keys currently holding state.
    pub fn tracked_keys(&self) -> usize {
        self.limiter.len()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn allows_the_burst_then_refuses_with_a_wait() {
        let limit = KeyedLimit::new("3/min".parse().unwrap());
        for _ in 0..3 {
            assert!(limit.check(&"ip").is_ok());
        }
        let wait = limit.check(&"ip").unwrap_err();
        assert!(
            wait > Duration::from_secs(1) && wait <= Duration::from_secs(20),
            "{wait:?}"
        );
    }

    #[test]
    fn keys_do_not_share_a_bucket() {
        let limit = KeyedLimit::new("1/min".parse().unwrap());
        assert!(limit.check(&"a").is_ok());
        assert!(limit.check(&"a").is_err());
        assert!(limit.check(&"b").is_ok());
    }

    #[test]
    fn full_buckets_are_swept_so_memory_stays_bounded() {
        let limit = KeyedLimit::new("1000000/s".parse().unwrap());
        for key in 0..(SWEEP_EVERY * 2) {
            let _ = limit.check(&key);
        }
        // Every key took one cell of a bucket refilling every microsecond: by the second sweep
        // most buckets are full again and forgotten; without sweeping there would be 8192.
        assert!(
            limit.tracked_keys() < (SWEEP_EVERY * 2) as usize,
            "{}",
            limit.tracked_keys()
        );
    }
}

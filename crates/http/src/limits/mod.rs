//! Abuse limits of the delivery layer: per-key rates for logins, registrations and sends.
//!
//! | limit | key | default | refused with |
//! |---|---|---|---|
//! | `login_per_username` | the username as typed, lower-cased | 10/min | 429 `rate_limited` |
//! | `login_per_ip` | the peer IP | 60/min | 429 `rate_limited` |
//! | `register_per_ip` | the peer IP | 20/h | 429 `rate_limited` |
//! | `sends_per_user` | the sender | 50/s | 429, or a WebSocket `error` `rate_limited` |
//! | `sends_per_room` | the sender and the room (or recipient) | 20/s | same |
//!
//! Each limit is a token bucket (`governor`'s GCRA) that allows its whole count as a burst and
//! refills evenly. Logins are counted before the password is checked, failed or not: the
//! bucket bounds guessing and also the bcrypt work an attacker can make a node do.
//!
//! **Scope: per node.** Each node keeps its own buckets in memory, so behind a load balancer
//! spreading a client over `n` nodes the effective limit is up to `n` times the configured one;
//! divide by the node count when that matters. A cluster-wide bucket would cost a Redis round
//! trip on every send, the hottest path there is; per-node buckets cost a hash lookup.
//!
//! The `bench` profile switches every limit off (see the server's settings).

mod keyed;
mod rate;

use std::net::IpAddr;
use std::time::Duration;

use chat_app::messaging::SendTarget;
use chat_domain::{RoomId, UserId};

pub use keyed::KeyedLimit;
pub use rate::{parse_limit, Rate, RateParseError};

use crate::ApiError;

/// The longest username key a login bucket is kept under.
const MAX_USERNAME_KEY_CHARS: usize = 64;

/// The configured rates; `None` switches a limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSettings {
    /// Login attempts per username.
    pub login_per_username: Option<Rate>,
    /// Login attempts per client IP.
    pub login_per_ip: Option<Rate>,
    /// Registrations per client IP.
    pub register_per_ip: Option<Rate>,
    /// Messages a user sends, over all rooms.
    pub sends_per_user: Option<Rate>,
    /// Messages a user sends into one room (or to one recipient).
    pub sends_per_room: Option<Rate>,
}

impl Default for RateSettings {
    fn default() -> Self {
        let rate = |count, secs| Rate::new(count, Duration::from_secs(secs));
        Self {
            login_per_username: rate(10, 60),
            login_per_ip: rate(60, 60),
            register_per_ip: rate(20, 3600),
            sends_per_user: rate(50, 1),
            sends_per_room: rate(20, 1),
        }
    }
}

impl RateSettings {
    /// Every limit off (the `bench` profile).
    pub fn off() -> Self {
        Self {
            login_per_username: None,
            login_per_ip: None,
            register_per_ip: None,
            sends_per_user: None,
            sends_per_room: None,
        }
    }
}

/// Where a send goes, as a rate-limit key: a room, or the recipient of a private message
/// whose room may not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendTargetKey {
    /// A room by id.
    Room(RoomId),
    /// A user by id.
    User(UserId),
}

impl From<&SendTarget> for SendTargetKey {
    fn from(target: &SendTarget) -> Self {
        match target {
            SendTarget::Room(room) => Self::Room(*room),
            SendTarget::User(user) => Self::User(*user),
        }
    }
}

/// A refused action: which limit, and when to try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The limit's name (a metrics label and the error message).
    pub limit: &'static str,
    /// How long until one more is allowed.
    pub retry_after: Duration,
}

impl Refusal {
    /// Whole seconds to wait, at least one (the `Retry-After` header).
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs();
        if self.retry_after.subsec_nanos() > 0 || secs == 0 {
            secs + 1
        } else {
            secs
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError::RateLimited {
            limit: refusal.limit,
            retry_after_secs: refusal.retry_after_secs(),
        }
    }
}

/// The live buckets of every limit on this node.
#[derive(Debug)]
pub struct RateLimits {
    login_per_username: Option<KeyedLimit<String>>,
    login_per_ip: Option<KeyedLimit<IpAddr>>,
    register_per_ip: Option<KeyedLimit<IpAddr>>,
    sends_per_user: Option<KeyedLimit<UserId>>,
    sends_per_room: Option<KeyedLimit<(UserId, SendTargetKey)>>,
}

impl RateLimits {
    /// Fresh buckets for `settings`.
    pub fn new(settings: &RateSettings) -> Self {
        Self {
            login_per_username: settings.login_per_username.map(KeyedLimit::<String>::new),
            login_per_ip: settings.login_per_ip.map(KeyedLimit::new),
            register_per_ip: settings.register_per_ip.map(KeyedLimit::new),
            sends_per_user: settings.sends_per_user.map(KeyedLimit::new),
            sends_per_room: settings.sends_per_room.map(KeyedLimit::new),
        }
    }

    /// One login attempt for `username` from `ip` (`None`: the peer address is unknown).
    pub fn login(&self, ip: Option<IpAddr>, username: &str) -> Result<(), Refusal> {
        if let Some(ip) = ip {
            take(&self.login_per_ip, &ip, "login_per_ip")?;
        }
        // Usernames are at most 32 characters; a longer guess is keyed by its first 64, so
        // the buckets never hold more than a small key each whatever clients send.
        let key: String = username
            .trim()
            .chars()
            .take(MAX_USERNAME_KEY_CHARS)
            .flat_map(char::to_lowercase)
            .collect();
        take(&self.login_per_username, &key, "login_per_username")
    }

    /// One registration from `ip`.
    pub fn register(&self, ip: Option<IpAddr>) -> Result<(), Refusal> {
        match ip {
            Some(ip) => take(&self.register_per_ip, &ip, "register_per_ip"),
            None => Ok(()),
        }
    }

    /// One message from `sender` to `target`.
    pub fn send(&self, sender: UserId, target: SendTargetKey) -> Result<(), Refusal> {
        take(&self.sends_per_room, &(sender, target), "sends_per_room")?;
        take(&self.sends_per_user, &sender, "sends_per_user")
    }
}

/// Takes a cell from `limit` for `key`, counting refusals in the metrics.
fn take<K: std::hash::Hash + Eq + Clone>(
    limit: &Option<KeyedLimit<K>>,
    key: &K,
    name: &'static str,
) -> Result<(), Refusal> {
    let Some(limit) = limit else {
        return Ok(());
    };
    limit.check(key).map_err(|retry_after| {
        metrics::counter!("chat_rate_limited_total", "limit" => name).increment(1);
        Refusal {
            limit: name,
            retry_after,
        }
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    fn settings(rate: &str) -> RateSettings {
        let rate = Some(rate.parse().unwrap());
        RateSettings {
            login_per_username: rate,
            login_per_ip: rate,
            register_per_ip: rate,
            sends_per_user: rate,
            sends_per_room: rate,
        }
    }

    #[test]
    fn logins_are_counted_per_username_whatever_its_case() {
        let limits = RateLimits::new(&RateSettings {
            login_per_ip: None,
            ..settings("2/min")
        });
        limits.login(None, "Alice").unwrap();
        limits.login(None, "alice ").unwrap();
        let refusal = limits.login(None, "ALICE").unwrap_err();
        assert_eq!(refusal.limit, "login_per_username");
        assert!(refusal.retry_after_secs() >= 1);
        limits.login(None, "bob").unwrap();
    }

    #[test]
    fn huge_usernames_share_the_bucket_of_their_first_64_characters() {
        let limits = RateLimits::new(&RateSettings {
            login_per_ip: None,
            ..settings("1/min")
        });
        let prefix = "x".repeat(64);
        limits
            .login(None, &format!("{prefix}a{}", "y".repeat(10_000)))
            .unwrap();
        let refusal = limits.login(None, &format!("{prefix}b")).unwrap_err();
        assert_eq!(refusal.limit, "login_per_username");
    }

    #[test]
    fn logins_are_counted_per_ip_across_usernames() {
        let limits = RateLimits::new(&RateSettings {
            login_per_username: None,
            ..settings("2/min")
        });
        let ip = Some(IpAddr::from([10, 0, 0, 1]));
        limits.login(ip, "a").unwrap();
        limits.login(ip, "b").unwrap();
        assert_eq!(limits.login(ip, "c").unwrap_err().limit, "login_per_ip");
        limits
            .login(Some(IpAddr::from([10, 0, 0, 2])), "c")
            .unwrap();
    }

    #[test]
    fn sends_are_limited_per_room_and_overall() {
        let limits = RateLimits::new(&RateSettings {
            sends_per_room: Some("2/min".parse().unwrap()),
            sends_per_user: Some("3/min".parse().unwrap()),
            ..RateSettings::off()
        });
        let sender = UserId::new_v7();
        let room_a = SendTargetKey::Room(RoomId::new_v7());
        let room_b = SendTargetKey::Room(RoomId::new_v7());
        limits.send(sender, room_a).unwrap();
        limits.send(sender, room_a).unwrap();
        assert_eq!(
            limits.send(sender, room_a).unwrap_err().limit,
            "sends_per_room"
        );
        limits.send(sender, room_b).unwrap();
        assert_eq!(
            limits.send(sender, room_b).unwrap_err().limit,
            "sends_per_user"
        );
    }

    #[test]
    fn switched_off_limits_never_refuse() {
        let limits = RateLimits::new(&RateSettings::off());
        for _ in 0..1000 {
            limits.register(Some(IpAddr::from([127, 0, 0, 1]))).unwrap();
        }
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        let refusal = |millis| Refusal {
            limit: "x",
            retry_after: Duration::from_millis(millis),
        };
        assert_eq!(refusal(0).retry_after_secs(), 1);
        assert_eq!(refusal(10).retry_after_secs(), 1);
        assert_eq!(refusal(1000).retry_after_secs(), 1);
        assert_eq!(refusal(1001).retry_after_secs(), 2);
    }
}

//! Typing indicators: relayed to the room, throttled, never stored.
//!
//! Clients send a typing frame on every keystroke or so; relaying each would flood the bus
//! and every member's connection. A node relays at most one per (user, room) per
//! `AppConfig::typing_throttle`, and clients let an indicator expire a few seconds after the
//! last one they received, so nothing needs to announce that typing stopped.
//!
//! The throttle is per node, not cluster-wide: a user typing on two devices connected to two
//! nodes may be relayed twice as often, which costs little and needs no shared state.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chat_domain::{RoomId, UserId};
use chat_ports::{BusEvent, StoreError};
use thiserror::Error;
use tokio::time::Instant;

use super::{MembershipError, MessagingService};

/// Past this many remembered (user, room) pairs, stale ones are swept out, so the map stays
/// as small as the set of people typing right now.
const SWEEP_ABOVE: usize = 1024;

/// Why a typing indicator was refused.
#[derive(Debug, Error)]
pub enum TypingError {
    /// No such room, or the user is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl From<MembershipError> for TypingError {
    fn from(error: MembershipError) -> Self {
        match error {
            MembershipError::NotAMember => Self::RoomNotFound,
            MembershipError::Store(error) => Self::Unavailable(error),
        }
    }
}

/// When each (user, room) pair was last relayed on this node.
///
/// A std `Mutex`: it guards one map operation at a time and is never held across an await.
#[derive(Debug, Default)]
pub(super) struct TypingThrottle {
    last_relayed: Mutex<HashMap<(UserId, RoomId), Instant>>,
}

impl TypingThrottle {
    /// Whether `key` may be relayed now; if so, remembers that it was.
    fn admit(&self, key: (UserId, RoomId), interval: std::time::Duration) -> bool {
        let now = Instant::now();
        let mut last = self
            .last_relayed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < interval)
        {
            return false;
        }
        if last.len() >= SWEEP_ABOVE {
            last.retain(|_, at| now.duration_since(*at) < interval);
        }
        last.insert(key, now);
        true
    }
}

impl MessagingService {
    /// Tells the other members of `room` that `user` is typing, unless this node relayed the
    /// same a moment ago. Returns whether it was relayed.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn typing(&self, user: UserId, room: RoomId) -> Result<bool, TypingError> {
        self.require_membership(room, user).await?;
        if !self.typing.admit((user, room), self.config.typing_throttle) {
            return Ok(false);
        }
        let event = BusEvent::Typing {
            room_id: room,
            user_id: user,
        };
        // An indicator that expires in seconds is not worth a retry: drop it if the bus fails.
        if let Err(error) = self.ports.bus.publish(&event).await {
            tracing::debug!(%error, "typing indicator dropped");
        }
        Ok(true)
    }
}

//! In-process presence: connection counts per user for a single node.
//!
//! A std `Mutex` suffices: each call is a map update, never held across an await.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chat_domain::{Timestamp, UserId};
use chat_ports::{Presence, PresenceTracker, StoreError};

#[derive(Debug, Default)]
struct Entry {
    connections: u32,
    last_seen: Option<Timestamp>,
}

/// Presence of the users connected to this process.
#[derive(Debug, Default)]
pub struct InProcessPresence {
    users: Mutex<HashMap<UserId, Entry>>,
}

impl InProcessPresence {
    /// No one online.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<UserId, Entry>> {
        // Counters stay consistent even if a holder panicked: each update is one assignment.
        self.users.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl PresenceTracker for InProcessPresence {
    async fn connected(&self, user: UserId, _now: Timestamp) -> Result<bool, StoreError> {
        let mut users = self.lock();
        let entry = users.entry(user).or_default();
        entry.connections += 1;
        Ok(entry.connections == 1)
    }

    async fn disconnected(&self, user: UserId, now: Timestamp) -> Result<bool, StoreError> {
        let mut users = self.lock();
        let entry = users.entry(user).or_default();
        entry.connections = entry.connections.saturating_sub(1);
        if entry.connections == 0 {
            entry.last_seen = Some(now);
            return Ok(true);
        }
        Ok(false)
    }

    async fn presence(&self, users: &[UserId]) -> Result<Vec<Presence>, StoreError> {
        let known = self.lock();
        Ok(users
            .iter()
            .map(|&user_id| {
                let entry = known.get(&user_id);
                let online = entry.is_some_and(|e| e.connections > 0);
                Presence {
                    user_id,
                    online,
                    last_seen: if online {
                        None
                    } else {
                        entry.and_then(|e| e.last_seen)
                    },
                }
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_user_is_online_from_the_first_connection_to_the_last() {
        let presence = InProcessPresence::new();
        let user = UserId::new_v7();
        let at = Timestamp::from_unix_millis(5);
        assert!(presence.connected(user, at).await.unwrap());
        assert!(!presence.connected(user, at).await.unwrap());
        assert!(!presence.disconnected(user, at).await.unwrap());
        assert!(presence.presence(&[user]).await.unwrap()[0].online);
        assert!(presence.disconnected(user, at).await.unwrap());
        let now = presence.presence(&[user]).await.unwrap()[0];
        assert!(!now.online);
        assert_eq!(now.last_seen, Some(at));
    }

    #[tokio::test]
    async fn a_user_never_seen_is_offline_without_last_seen() {
        let presence = InProcessPresence::new();
        let user = UserId::new_v7();
        let seen = presence.presence(&[user]).await.unwrap();
        assert_eq!(
            seen,
            vec![Presence {
                user_id: user,
                online: false,
                last_seen: None
            }]
        );
    }
}

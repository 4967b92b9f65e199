//! Presence: who is online, announced to the users who share a room with them.
//!
//! A user is online while any of their connections is open, on any node; the
//! [`PresenceTracker`](chat_ports::PresenceTracker) port counts them. Their first connection
//! announces them online at once. Their last connection closing does not announce them
//! offline at once: a page reload or a flaky network would make them flap. The announcement
//! waits `AppConfig::presence_grace` and happens only if they are still offline then.
//!
//! A reconnect on this node during the grace period cancels the pending announcement, and
//! since nobody was told they went offline, nobody is told they came back either. A reconnect
//! on another node announces them online there (a harmless repeat) and this node's check at
//! the end of the grace period finds them online and stays silent.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chat_domain::{RoomId, Timestamp, UserId};
use chat_ports::{BusEvent, Presence, StoreError};
use thiserror::Error;

use crate::ordering::publish_or_queue;
use crate::{AppConfig, Ports};

/// Most users one presence query may name.
pub const PRESENCE_MAX_USERS: usize = 100;

/// Why presence could not be recorded or read.
#[derive(Debug, Error)]
pub enum PresenceError {
    /// More than [`PRESENCE_MAX_USERS`] users asked about at once.
    #[error("at most {PRESENCE_MAX_USERS} users per query")]
    TooManyUsers,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Offline announcements waiting out their grace period on this node, by user, each with the
/// generation that tells a still-current wait from one a reconnect cancelled. A std `Mutex`:
/// it guards one map operation at a time and is never held across an await.
type PendingOffline = Arc<Mutex<HashMap<UserId, u64>>>;

/// Connecting, disconnecting, and asking who is online.
#[derive(Debug)]
pub struct PresenceService {
    ports: Ports,
    config: AppConfig,
    pending_offline: PendingOffline,
    generation: AtomicU64,
}

impl PresenceService {
    /// A service over `ports`; build one per node, since it remembers this node's pending
    /// offline announcements.
    pub fn new(ports: Ports, config: AppConfig) -> Self {
        Self {
            ports,
            config,
            pending_offline: PendingOffline::default(),
            generation: AtomicU64::new(0),
        }
    }

    /// A connection of `user` opened; announces them online if it is their first and they
    /// were not merely within the grace period of a disconnect here.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn connected(&self, user: UserId) -> Result<(), PresenceError> {
        let first = self
            .ports
            .presence
            .connected(user, self.ports.clock.now())
            .await
            .map_err(PresenceError::Unavailable)?;
        let cancelled = lock(&self.pending_offline).remove(&user).is_some();
        if first && !cancelled {
            let rooms = rooms_of(&self.ports, user)
                .await
                .map_err(PresenceError::Unavailable)?;
            let event = BusEvent::PresenceChanged {
                user_id: user,
                online: true,
                last_seen: None,
                rooms,
            };
            publish_or_queue(&self.ports, &self.config, event).await;
        }
        Ok(())
    }

    /// A connection of `user` closed; if it was their last, announces them offline after the
    /// grace period unless they came back meanwhile. Returns without waiting.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn disconnected(&self, user: UserId) -> Result<(), PresenceError> {
        let last = self
            .ports
            .presence
            .disconnected(user, self.ports.clock.now())
            .await
            .map_err(PresenceError::Unavailable)?;
        if !last {
            return Ok(());
        }
        let generation = self.generation.fetch_add(1, Ordering::Relaxed);
        lock(&self.pending_offline).insert(user, generation);
        let (ports, config) = (self.ports.clone(), self.config.clone());
        let pending = Arc::clone(&self.pending_offline);
        tokio::spawn(async move {
            tokio::time::sleep(config.presence_grace).await;
            let still_waiting = {
                let mut pending = lock(&pending);
                let current = pending.get(&user) == Some(&generation);
                if current {
                    pending.remove(&user);
                }
                current
            };
            if still_waiting {
                if let Err(error) = announce_offline(&ports, &config, user).await {
                    tracing::warn!(%error, %user, "could not announce that a user went offline");
                }
            }
        });
        Ok(())
    }

    /// The presence of those of `users` who share a room with `caller` (and of `caller`
    /// themselves), in the order asked, each once; the others are left out, so presence
    /// never tells a stranger whether an account is active.
    #[tracing::instrument(skip_all, fields(user_id = %caller, users = users.len()))]
    pub async fn presence_of(
        &self,
        caller: UserId,
        users: &[UserId],
    ) -> Result<Vec<Presence>, PresenceError> {
        if users.len() > PRESENCE_MAX_USERS {
            return Err(PresenceError::TooManyUsers);
        }
        let mut seen = HashSet::new();
        let mut visible = Vec::new();
        for &user in users {
            if !seen.insert(user) {
                continue;
            }
            let shares = user == caller
                || self
                    .ports
                    .rooms
                    .share_a_room(caller, user)
                    .await
                    .map_err(PresenceError::Unavailable)?;
            if shares {
                visible.push(user);
            }
        }
        if visible.is_empty() {
            return Ok(Vec::new());
        }
        self.ports
            .presence
            .presence(&visible)
            .await
            .map_err(PresenceError::Unavailable)
    }
}

/// Announces `user` offline with their `last_seen`, unless a connection opened meanwhile.
async fn announce_offline(
    ports: &Ports,
    config: &AppConfig,
    user: UserId,
) -> Result<(), StoreError> {
    let now: Option<Presence> = ports.presence.presence(&[user]).await?.into_iter().next();
    let last_seen: Option<Timestamp> = match now {
        Some(presence) if presence.online => return Ok(()),
        Some(presence) => presence.last_seen,
        None => None,
    };
    let rooms = rooms_of(ports, user).await?;
    let event = BusEvent::PresenceChanged {
        user_id: user,
        online: false,
        last_seen,
        rooms,
    };
    publish_or_queue(ports, config, event).await;
    Ok(())
}

/// Every room of `user`: the event goes to whoever shares one of them.
async fn rooms_of(ports: &Ports, user: UserId) -> Result<Vec<RoomId>, StoreError> {
    let rooms = ports.rooms.list_rooms_of_user(user).await?;
    Ok(rooms.into_iter().map(|r| r.room.id).collect())
}

fn lock(pending: &Mutex<HashMap<UserId, u64>>) -> std::sync::MutexGuard<'_, HashMap<UserId, u64>> {
    // A panic while holding the lock cannot leave the map half-updated.
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

//! A node's memory of who may send where: the positive answers of
//! [`RoomStore::send_access`](chat_ports::RoomStore::send_access), so a member writing into a
//! room they already wrote to costs no store read at all. Every message meets this check; on
//! the embedded SQLite default it was the last store round trip (a hop to the driver's
//! thread) between a client's frame and the queue.
//!
//! Guarantees:
//! - **Only "yes" is remembered.** A refusal (not a member, blocked) is read from the store
//!   every time, so gaining access (a join, an unblock) takes effect at once.
//! - **Losing access takes effect at once on the node where it happens.** The stores wrapped by
//!   [`SendAccessCache::wrap`] forget the affected answers as soon as a member is removed, a
//!   room deleted or a user blocked, before the use case returns.
//! - **On other nodes, as soon as they hear the event.** The event pump hands every bus event
//!   to [`SendAccessCache::observe`]: `MemberLeft`, `MemberRemoved`, `RoomDeleted` and
//!   `UserBlocked` forget what they concern; a resubscription (events may have been missed)
//!   forgets everything. Until the event arrives, a send on another node can still pass the
//!   check, as it could before this cache between the check and the commit.
//! - **Never older than [`DEFAULT_TTL`]**, whatever was missed.
//! - **No stale answer survives a race.** An answer read from the store is remembered only if
//!   nothing was forgotten since the read began (an epoch, compared under the same lock that
//!   forgetting takes), so a read that saw a membership just before its removal cannot put it
//!   back after the removal was forgotten.
//!
//! Memory is bounded: at [`DEFAULT_CAPACITY`] answers the cache starts over.

mod stores;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use chat_domain::{Room, RoomId, UserId};
use chat_ports::BusEvent;

use crate::Ports;

/// How long an answer is trusted without hearing otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(10);

/// Answers kept at most (about 150 bytes each).
pub const DEFAULT_CAPACITY: usize = 100_000;

/// See the module docs.
#[derive(Debug)]
pub struct SendAccessCache {
    state: Mutex<State>,
    ttl: Duration,
    capacity: usize,
}

#[derive(Debug, Default)]
struct State {
    /// Bumped by every forgetting; see [`SendAccessCache::remember`].
    epoch: u64,
    entries: HashMap<(RoomId, UserId), Entry>,
}

#[derive(Debug)]
struct Entry {
    room: Room,
    remembered_at: Instant,
}

/// Where the cache stood when a store read began; hand it back to
/// [`SendAccessCache::remember`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Epoch(u64);

impl SendAccessCache {
    /// A cache with [`DEFAULT_TTL`] and [`DEFAULT_CAPACITY`].
    pub fn new() -> Arc<Self> {
        Self::with_limits(DEFAULT_TTL, DEFAULT_CAPACITY)
    }

    /// A cache trusting answers for `ttl`, holding at most `capacity` of them.
    pub fn with_limits(ttl: Duration, capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::default(),
            ttl,
            capacity: capacity.max(1),
        })
    }

    /// `ports` with the room and block stores answering `send_access` from this cache and
    /// forgetting what a removal, a deletion or a block revokes.
    pub fn wrap(self: &Arc<Self>, ports: Ports) -> Ports {
        Ports {
            rooms: Arc::new(stores::CachedRooms::new(
                ports.rooms.clone(),
                Arc::clone(self),
            )),
            blocks: Arc::new(stores::CachedBlocks::new(
                ports.blocks.clone(),
                Arc::clone(self),
            )),
            ..ports
        }
    }

    /// The room `user` may send into, if remembered and fresh at `now`.
    pub fn get(&self, room: RoomId, user: UserId, now: Instant) -> Option<Room> {
        let mut state = self.lock();
        let entry = state.entries.get(&(room, user))?;
        if now.saturating_duration_since(entry.remembered_at) < self.ttl {
            return Some(entry.room.clone());
        }
        state.entries.remove(&(room, user));
        None
    }

    /// Call before reading the store; pass the result to [`Self::remember`].
    pub fn epoch(&self) -> Epoch {
        Epoch(self.lock().epoch)
    }

    /// Remembers that `user` may send into `room`, unless anything was forgotten since `read`
    /// (the answer may predate that), in which case the next send reads the store again.
    pub fn remember(&self, read: Epoch, user: UserId, room: Room, now: Instant) {
        let mut state = self.lock();
        if state.epoch != read.0 {
            return;
        }
        if state.entries.len() >= self.capacity {
            state.entries.clear();
        }
        let entry = Entry {
            room,
            remembered_at: now,
        };
        state.entries.insert((entry.room.id, user), entry);
    }

    /// Forgets whether `user` may send into `room`.
    pub fn forget_member(&self, room: RoomId, user: UserId) {
        self.forget(|state| {
            state.entries.remove(&(room, user));
        });
    }

    /// Forgets every answer about `room`.
    pub fn forget_room(&self, room: RoomId) {
        self.forget(|state| state.entries.retain(|(r, _), _| *r != room));
    }

    /// Forgets every answer about what `user` may send (someone blocked them).
    pub fn forget_user(&self, user: UserId) {
        self.forget(|state| state.entries.retain(|(_, u), _| *u != user));
    }

    /// Forgets everything.
    pub fn clear(&self) {
        self.forget(|state| state.entries.clear());
    }

    /// Forgets what `event`, heard on the bus from any node, revokes.
    pub fn observe(&self, event: &BusEvent) {
        match event {
            BusEvent::MemberLeft { room_id, user_id }
            | BusEvent::MemberRemoved { room_id, user_id } => {
                self.forget_member(*room_id, *user_id);
            }
            BusEvent::RoomDeleted { room_id } => self.forget_room(*room_id),
            // Not a revocation, but the remembered room carries its name and description.
            BusEvent::RoomUpdated { room, .. } => self.forget_room(room.id),
            BusEvent::UserBlocked { blocked, .. } => self.forget_user(*blocked),
            _ => {}
        }
    }

    /// How many answers are remembered.
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn forget(&self, change: impl FnOnce(&mut State)) {
        let mut state = self.lock();
        state.epoch = state.epoch.wrapping_add(1);
        change(&mut state);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Every change is a single map operation: a poisoned lock holds a consistent map.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests;

//! This node's registry of WebSocket connections and the router of bus events to them.
//!
//! Guarantees:
//! - a connection gets the events of every room its user belongs to, including rooms joined
//!   after it connected: it is registered *before* its room list is read, events that arrive
//!   meanwhile wait in a backlog and are replayed (filtered by the list) once it is attached,
//!   and a `RoomJoined` adds the room to every connection of the user before any later event;
//! - a slow consumer never holds up the others: each connection has a bounded buffer filled
//!   with `try_send`, and a connection whose buffer is full is closed with 1013;
//! - routing runs on the single event-pump task, in bus order, under one std `Mutex` that is
//!   never held across an await.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::events::{route, Afterwards, Route};
use super::ids::{self, Ids};
use super::outbound::{CloseSignal, Outbound};
use super::queue::{self, QueueReceiver, QueueSender, TrySendError};
use super::room_set::RoomSet;
use chat_app::events::LocalDelivery;
use chat_domain::{RoomId, SessionId, UserId};
use chat_ports::BusEvent;

/// Identifies one connection on this node.
pub type ConnectionId = u64;

/// A snapshot of this node's connections, for operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionStats {
    /// Open WebSocket connections.
    pub connections: usize,
    /// Distinct users with at least one of them.
    pub users: usize,
}

/// What a freshly registered connection is handed.
#[derive(Debug)]
pub struct Registration {
    /// Its id, for `attach_rooms` and `unregister`.
    pub id: ConnectionId,
    /// Its outbound queue, for its own frames (acks, errors, pongs), and where the
    /// connection itself decides to close.
    pub sender: QueueSender,
    /// What its writer drains; it carries the close signal (set by the gateway or the
    /// connection itself) with the close code to use.
    pub receiver: QueueReceiver,
}

/// Why a connection was not registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegisterRefusal {
    /// The node is shutting down.
    ShuttingDown,
    /// The user already holds `limit` connections on this node.
    TooManyConnections {
        /// The limit in force.
        limit: usize,
    },
}

/// One entry of the `connections` table, paid by every open connection: kept to what a
/// connection needs for as long as it is open (56 bytes; the backlog of its first moments
/// lives in `Registry::attaching`).
#[derive(Debug)]
struct Connection {
    user_id: UserId,
    session_id: SessionId,
    sender: QueueSender,
    rooms: RoomSet,
}

#[derive(Debug, Default)]
struct Registry {
    next_id: ConnectionId,
    connections: HashMap<ConnectionId, Connection>,
    by_user: HashMap<UserId, Ids>,
    by_room: HashMap<RoomId, HashSet<ConnectionId>>,
    by_session: HashMap<SessionId, Ids>,
    /// Connections registered whose room list is not attached yet, with their backlog (the
    /// events that may concern them): room events visit these few, not every connection of
    /// the node.
    attaching: HashMap<ConnectionId, Vec<(RoomId, Outbound)>>,
    shutting_down: bool,
}

/// The WebSocket gateway of this node.
#[derive(Debug)]
pub struct Gateway {
    registry: Mutex<Registry>,
    buffer: usize,
}

impl Gateway {
    /// A gateway whose connections buffer up to `buffer` outbound events each.
    pub fn new(buffer: usize) -> Arc<Self> {
        Arc::new(Self {
            registry: Mutex::new(Registry::default()),
            buffer: buffer.max(1),
        })
    }

    /// Registers a connection of `user` under `session`; `None` once shutting down.
    pub fn register(&self, user_id: UserId, session_id: SessionId) -> Option<Registration> {
        self.register_limited(user_id, session_id, None).ok()
    }

    /// Registers a connection unless the node is shutting down or `user` already holds
    /// `max_per_user` connections here. Check and insert happen under one lock, so racing
    /// upgrades of one user never get past the limit together.
    pub fn register_limited(
        &self,
        user_id: UserId,
        session_id: SessionId,
        max_per_user: Option<usize>,
    ) -> Result<Registration, RegisterRefusal> {
        let (sender, receiver) = queue::channel(self.buffer);
        let mut registry = self.lock();
        if registry.shutting_down {
            return Err(RegisterRefusal::ShuttingDown);
        }
        if let Some(limit) = max_per_user {
            let held = registry.by_user.get(&user_id).map_or(0, Ids::len);
            if held >= limit {
                return Err(RegisterRefusal::TooManyConnections { limit });
            }
        }
        registry.next_id += 1;
        let id = registry.next_id;
        ids::add(&mut registry.by_user, user_id, id);
        ids::add(&mut registry.by_session, session_id, id);
        registry.connections.insert(
            id,
            Connection {
                user_id,
                session_id,
                sender: sender.clone(),
                rooms: RoomSet::default(),
            },
        );
        registry.attaching.insert(id, Vec::new());
        Ok(Registration {
            id,
            sender,
            receiver,
        })
    }

    /// Subscribes a registered connection to `rooms` and replays what arrived meanwhile.
    pub fn attach_rooms(&self, id: ConnectionId, rooms: Vec<RoomId>) {
        let mut registry = self.lock();
        let Some(connection) = registry.connections.get_mut(&id) else {
            return;
        };
        connection.rooms.extend(rooms.iter().copied());
        let backlog = registry.attaching.remove(&id).unwrap_or_default();
        for room in rooms {
            registry.by_room.entry(room).or_default().insert(id);
        }
        for (room, item) in backlog {
            let joined = matches!(item, Outbound::RoomJoined { .. });
            let member = registry
                .connections
                .get(&id)
                .is_some_and(|c| c.rooms.contains(&room));
            if joined && !member {
                registry.subscribe(id, room);
                registry.push(id, item);
            } else if !joined && member {
                registry.push(id, item);
            }
        }
    }

    /// Forgets a connection (its socket is gone).
    pub fn unregister(&self, id: ConnectionId) {
        self.lock().remove(id);
    }

    /// Closes every connection with 1001 and refuses new ones.
    pub fn shutdown(&self) {
        let mut registry = self.lock();
        registry.shutting_down = true;
        let ids: Vec<ConnectionId> = registry.connections.keys().copied().collect();
        for id in ids {
            registry.close(id, CloseSignal::GoingAway);
        }
    }

    /// How many connections this node holds.
    pub fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }

    /// This node's open connections and how many distinct users hold them.
    pub fn stats(&self) -> ConnectionStats {
        let registry = self.lock();
        ConnectionStats {
            connections: registry.connections.len(),
            users: registry.by_user.len(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // Every mutation leaves the maps consistent before anything can panic, so a poisoned
        // lock still guards a usable registry.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl LocalDelivery for Gateway {
    fn deliver(&self, event: &BusEvent) {
        let route = route(event);
        let mut registry = self.lock();
        match route {
            Route::Room {
                room,
                item,
                except,
                afterwards,
            } => {
                registry.deliver_to_room(room, item, except);
                match afterwards {
                    Afterwards::Keep => {}
                    Afterwards::Unsubscribe(user) => registry.unsubscribe_user(room, user),
                    Afterwards::UnsubscribeAll => registry.unsubscribe_all(room),
                }
            }
            Route::Joined { user, room, item } => registry.deliver_room_joined(user, room, item),
            Route::Senders { room, users, item } => {
                for user in users {
                    for id in registry.connections_of(user) {
                        if registry
                            .connections
                            .get(&id)
                            .is_some_and(|c| c.rooms.contains(&room))
                        {
                            registry.push(id, item.clone());
                        }
                    }
                }
            }
            Route::User { user, item } => {
                for id in registry.connections_of(user) {
                    registry.push(id, item.clone());
                }
            }
            Route::SharedRooms { user, rooms, item } => {
                let mut targets: Vec<ConnectionId> = rooms
                    .iter()
                    .flat_map(|room| registry.by_room.get(room).into_iter().flatten().copied())
                    .collect();
                targets.sort_unstable();
                targets.dedup();
                for id in targets {
                    if registry
                        .connections
                        .get(&id)
                        .is_some_and(|c| c.user_id != user)
                    {
                        registry.push(id, item.clone());
                    }
                }
            }
            Route::Revoke(session) => {
                let ids: Vec<ConnectionId> = registry
                    .by_session
                    .get(&session)
                    .into_iter()
                    .flatten()
                    .copied()
                    .collect();
                for id in ids {
                    registry.close(id, CloseSignal::Revoked);
                }
            }
            Route::Disconnect(user) => {
                for id in registry.connections_of(user) {
                    registry.close(id, CloseSignal::Revoked);
                }
            }
            Route::Nowhere => {}
        }
    }
}

impl Registry {
    fn connections_of(&self, user: UserId) -> Vec<ConnectionId> {
        self.by_user
            .get(&user)
            .into_iter()
            .flatten()
            .copied()
            .collect()
    }

    fn unsubscribe_user(&mut self, room: RoomId, user: UserId) {
        for id in self.connections_of(user) {
            if let Some(connection) = self.connections.get_mut(&id) {
                connection.rooms.remove(&room);
            }
            drop_from(&mut self.by_room, room, id);
        }
    }

    fn unsubscribe_all(&mut self, room: RoomId) {
        for id in self.by_room.remove(&room).into_iter().flatten() {
            if let Some(connection) = self.connections.get_mut(&id) {
                connection.rooms.remove(&room);
            }
        }
    }

    fn deliver_to_room(&mut self, room: RoomId, item: Outbound, except: Option<UserId>) {
        let targets: Vec<ConnectionId> = self
            .by_room
            .get(&room)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for id in targets {
            if except.is_some() && self.connections.get(&id).map(|c| c.user_id) == except {
                continue;
            }
            self.push(id, item.clone());
        }
        for backlog in self.attaching.values_mut() {
            backlog.push((room, item.clone()));
        }
    }

    fn deliver_room_joined(&mut self, user: UserId, room: RoomId, item: Outbound) {
        let targets: Vec<ConnectionId> = self
            .by_user
            .get(&user)
            .into_iter()
            .flatten()
            .copied()
            .collect();
        for id in targets {
            if let Some(backlog) = self.attaching.get_mut(&id) {
                backlog.push((room, item.clone()));
                continue;
            }
            let Some(connection) = self.connections.get_mut(&id) else {
                continue;
            };
            if connection.rooms.insert(room) {
                self.by_room.entry(room).or_default().insert(id);
                self.push(id, item.clone());
            }
        }
    }

    fn subscribe(&mut self, id: ConnectionId, room: RoomId) {
        if let Some(connection) = self.connections.get_mut(&id) {
            connection.rooms.insert(room);
            self.by_room.entry(room).or_default().insert(id);
        }
    }

    /// Queues `item` for a connection; a full buffer marks a slow consumer, closed with 1013.
    fn push(&mut self, id: ConnectionId, item: Outbound) {
        let Some(connection) = self.connections.get(&id) else {
            return;
        };
        match connection.sender.try_send(item) {
            Ok(()) => {}
            Err(TrySendError::Full) => {
                tracing::info!(connection = id, user = %connection.user_id, "slow consumer; closing with 1013");
                self.close(id, CloseSignal::SlowConsumer);
            }
            Err(TrySendError::Closed) => self.remove(id),
        }
    }

    fn close(&mut self, id: ConnectionId, signal: CloseSignal) {
        if let Some(connection) = self.connections.get(&id) {
            // Stored in the queue, so a writer that has not started yet still finds it.
            connection.sender.close(signal);
        }
        self.remove(id);
    }

    fn remove(&mut self, id: ConnectionId) {
        let Some(connection) = self.connections.remove(&id) else {
            return;
        };
        self.attaching.remove(&id);
        ids::remove(&mut self.by_user, connection.user_id, id);
        ids::remove(&mut self.by_session, connection.session_id, id);
        for room in connection.rooms.iter() {
            drop_from(&mut self.by_room, room, id);
        }
    }
}

fn drop_from<K: std::hash::Hash + Eq>(
    index: &mut HashMap<K, HashSet<ConnectionId>>,
    key: K,
    id: ConnectionId,
) {
    if let Some(set) = index.get_mut(&key) {
        set.remove(&id);
        if set.is_empty() {
            index.remove(&key);
        }
    }
}

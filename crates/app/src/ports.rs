//! The bundle of ports every service is built from.

use std::sync::Arc;

use chat_ports::{
    BlockStore, Clock, DeadLetterStore, EventBus, IdGenerator, InviteStore, JobQueue, MessageStore,
    PasswordHasher, PresenceTracker, RoomStore, SessionStore, TokenIssuer, UserStore,
};

/// Every port the use cases use, as shared trait objects.
///
/// Cloning is cheap (reference counts); each service keeps its own clone.
#[derive(Clone)]
pub struct Ports {
    /// Accounts.
    pub users: Arc<dyn UserStore>,
    /// Rooms and memberships.
    pub rooms: Arc<dyn RoomStore>,
    /// Invites and invite links.
    pub invites: Arc<dyn InviteStore>,
    /// Blocks between users.
    pub blocks: Arc<dyn BlockStore>,
    /// Who is online, across nodes.
    pub presence: Arc<dyn PresenceTracker>,
    /// Messages and their seqs.
    pub messages: Arc<dyn MessageStore>,
    /// Logins and refresh tokens.
    pub sessions: Arc<dyn SessionStore>,
    /// Jobs that failed for good.
    pub dead_letters: Arc<dyn DeadLetterStore>,
    /// Background work.
    pub queue: Arc<dyn JobQueue>,
    /// Cross-node events.
    pub bus: Arc<dyn EventBus>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Access and refresh tokens.
    pub tokens: Arc<dyn TokenIssuer>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Ports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ports { .. }")
    }
}

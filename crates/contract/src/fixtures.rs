//! Helpers the contract suites share: the store bundles their factories yield, and builders of
//! users, rooms, messages, sessions and dead letters with valid, distinct values.
//!
//! Suites whose port reads other aggregates get a bundle instead of a single store: rooms need
//! registered users (members are listed with their profiles), messages need a room to live in,
//! sessions belong to a user. The bundle's stores MUST share one backing database, and setup
//! always goes through the ports, so an adapter that enforces foreign keys and one that does
//! not pass the same suites.

use std::fmt;
use std::sync::Arc;

use chat_domain::ids::Uuid;
use chat_domain::{
    ClientMsgId, JobId, MessageBody, MessageId, NewMessage, PrivatePair, Room, RoomId, RoomKind,
    SessionId, Timestamp, User, UserId, Username, DEFAULT_MAX_BODY_CHARS,
};
use chat_ports::{
    BlockStore, DeadLetter, JobPayload, MessageStore, NewPrivateRoom, NewUser, PasswordHash,
    Priority, RoomStore, Session, SessionStore, UserStore,
};

/// What the rooms suite's factory yields: users, rooms and blocks over one database.
#[derive(Clone)]
pub struct RoomStores {
    /// Accounts, to register members.
    pub users: Arc<dyn UserStore>,
    /// The store under test.
    pub rooms: Arc<dyn RoomStore>,
    /// Blocks between users, which [`RoomStore::send_access`] reads.
    pub blocks: Arc<dyn BlockStore>,
}

/// What the messages suite's factory yields: users, rooms and messages over one database.
#[derive(Clone)]
pub struct MessageStores {
    /// Accounts, to register senders.
    pub users: Arc<dyn UserStore>,
    /// Rooms, to create the rooms messages go to.
    pub rooms: Arc<dyn RoomStore>,
    /// The store under test.
    pub messages: Arc<dyn MessageStore>,
}

/// What the sessions suite's factory yields: users and sessions over one database.
#[derive(Clone)]
pub struct SessionStores {
    /// Accounts, to register who logs in.
    pub users: Arc<dyn UserStore>,
    /// The store under test.
    pub sessions: Arc<dyn SessionStore>,
}

// The ports are not `Debug`; a bundle prints as its name only.
impl fmt::Debug for RoomStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RoomStores").finish_non_exhaustive()
    }
}

impl fmt::Debug for MessageStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MessageStores").finish_non_exhaustive()
    }
}

impl fmt::Debug for SessionStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionStores").finish_non_exhaustive()
    }
}

/// A fixed instant plus `offset_ms`: checks use small offsets to order events.
pub fn at(offset_ms: i64) -> Timestamp {
    Timestamp::from_unix_millis(1_767_323_045_000 + offset_ms)
}

/// A username that no other call returns: `prefix` (at most 20 characters) and random hex.
pub fn unique_username(prefix: &str) -> Username {
    let random = Uuid::now_v7().simple().to_string();
    let suffix = &random[random.len() - 10..];
    Username::parse(&format!("{prefix}_{suffix}")).expect("fixture usernames are valid")
}

/// An account to register under `username`, with a fresh id.
pub fn new_user(username: Username) -> NewUser {
    NewUser {
        user: User {
            id: UserId::new_v7(),
            username,
            created_at: at(0),
        },
        password_hash: PasswordHash(
            "$2b$04$fixture.hash.not.a.real.bcrypt.output.at.all.".to_owned(),
        ),
    }
}

/// Registers `username` (which must be valid and free) and returns the account.
pub async fn register(users: &dyn UserStore, username: &str) -> User {
    let new = new_user(Username::parse(username).expect("fixture usernames are valid"));
    users
        .insert(&new)
        .await
        .expect("registering a fixture user");
    new.user
}

/// Registers a user with a unique name starting with `prefix`.
pub async fn register_unique(users: &dyn UserStore, prefix: &str) -> User {
    let new = new_user(unique_username(prefix));
    users
        .insert(&new)
        .await
        .expect("registering a fixture user");
    new.user
}

/// A new private room for `a` and `b`, with a fresh id.
pub fn new_private_room(a: UserId, b: UserId, created_at: Timestamp) -> NewPrivateRoom {
    NewPrivateRoom {
        room: Room {
            id: RoomId::new_v7(),
            kind: RoomKind::Private,
            name: None,
            description: None,
            created_at,
        },
        pair: PrivatePair::new(a, b).expect("fixture pairs are of two users"),
    }
}

/// A new group named `name`, with a fresh id and no description.
pub fn new_group(name: &str, created_at: Timestamp) -> Room {
    Room {
        id: RoomId::new_v7(),
        kind: RoomKind::Group,
        name: Some(name.to_owned()),
        description: None,
        created_at,
    }
}

/// Registers an owner and creates a group of theirs; returns the group and its owner.
pub async fn group(users: &dyn UserStore, rooms: &dyn RoomStore) -> (Room, User) {
    let owner = register_unique(users, "own").await;
    let room = new_group("Fixture group", at(1));
    rooms
        .create_group(&room, owner.id)
        .await
        .expect("creating a fixture group");
    (room, owner)
}

/// Registers two users and creates their private room; returns the room and both users.
pub async fn private_room(users: &dyn UserStore, rooms: &dyn RoomStore) -> (Room, User, User) {
    let a = register_unique(users, "pa").await;
    let b = register_unique(users, "pb").await;
    let outcome = rooms
        .create_private_room(&new_private_room(a.id, b.id, at(1)))
        .await
        .expect("creating a fixture room");
    (outcome.room().clone(), a, b)
}

/// A message from `sender` to `room`, with a fresh id and an optional idempotency key.
pub fn message(
    room: RoomId,
    sender: UserId,
    body: &str,
    client_msg_id: Option<&str>,
) -> NewMessage {
    NewMessage {
        id: MessageId::new_v7(),
        room_id: room,
        sender_id: sender,
        body: MessageBody::parse(body, DEFAULT_MAX_BODY_CHARS).expect("fixture bodies are valid"),
        client_msg_id: client_msg_id.map(self::client_msg_id),
        reply_to: None,
        created_at: at(2),
    }
}

/// The idempotency key `raw`, which must be valid.
pub fn client_msg_id(raw: &str) -> ClientMsgId {
    ClientMsgId::parse(raw).expect("fixture client_msg_ids are valid")
}

/// A new, active session of `user`, created at `created_at`.
pub fn session(user: UserId, created_at: Timestamp) -> Session {
    Session {
        id: SessionId::new_v7(),
        user_id: user,
        device: None,
        created_at,
        last_used_at: created_at,
        revoked_at: None,
    }
}

/// A distinct refresh token hash (64 hex characters, like a SHA-256).
pub fn token_hash() -> String {
    format!("{}{}", Uuid::now_v7().simple(), Uuid::now_v7().simple())
}

/// A dead letter that failed at `failed_at`, carrying `payload`.
pub fn dead_letter(payload: JobPayload, failed_at: Timestamp) -> DeadLetter {
    DeadLetter {
        id: JobId::new_v7(),
        payload,
        priority: Priority::Interactive,
        attempts: 5,
        error: "store unavailable: connection refused".to_owned(),
        failed_at,
    }
}

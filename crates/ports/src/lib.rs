//! The ports of chat-system: every trait the use cases need from the outside world.
//!
//! One narrow trait per aggregate (users, rooms and memberships, messages, sessions, dead
//! letters), plus the job queue, the event bus, the password hasher, the token issuer, the clock
//! and the id generator. Each trait's docs state the contract its adapters MUST keep; the
//! `chat-contract` crate holds that contract as a test suite run against every adapter.
//!
//! With the `mocks` feature (or in this crate's own tests) each trait also has a mockall
//! `Mock*` twin, which is how the use cases are tested.

pub mod bus;
pub mod clock;
pub mod dead_letters;
pub mod error;
pub mod invites;
pub mod messages;
pub mod presence;
pub mod queue;
pub mod rooms;
pub mod security;
pub mod sequences;
pub mod sessions;
pub mod users;

pub use bus::{BusError, BusEvent, EventBus, EventStream, RoomView, UserSummary};
pub use clock::{Clock, IdGenerator};
pub use dead_letters::{DeadLetter, DeadLetterStore};
pub use error::StoreError;
pub use invites::{BlockStore, InviteStore, LinkOutcome};
pub use messages::{Appended, HistoryCursor, MessageStore, UnreadCount};
pub use presence::{Presence, PresenceTracker};
pub use queue::{JobPayload, JobQueue, LeasedJob, NewJob, Priority, QueueError};
pub use rooms::{
    JoinOutcome, MemberProfile, NewPrivateRoom, PrivateRoomOutcome, RoomStore, SendAccess, UserRoom,
};
pub use security::{
    AccessClaims, IssuedAccessToken, PasswordHash, PasswordHasher, TokenError, TokenIssuer,
};
pub use sequences::{SeqAllocator, SeqRange};
pub use sessions::{RotateOutcome, Session, SessionStore};
pub use users::{NewUser, UserCredentials, UserStore};

#[cfg(any(test, feature = "mocks"))]
pub use {
    bus::MockEventBus, clock::MockClock, clock::MockIdGenerator, dead_letters::MockDeadLetterStore,
    invites::MockBlockStore, invites::MockInviteStore, messages::MockMessageStore,
    presence::MockPresenceTracker, queue::MockJobQueue, rooms::MockRoomStore,
    security::MockPasswordHasher, security::MockTokenIssuer, sequences::MockSeqAllocator,
    sessions::MockSessionStore, users::MockUserStore,
};

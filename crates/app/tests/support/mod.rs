//! Fixtures shared by the use-case tests.
//!
//! [`MockPorts`] holds one mockall mock per port, each without expectations: a test sets the
//! ones its use case is about, and any other call fails it ("No matching expectation found").
//! Only time and ids come preset, a fixed clock and sequential ids, because nearly every use
//! case asks for them and no test is about them.
//!
//! The sample entities use ids from disjoint ranges (users, rooms, messages, jobs, sessions,
//! invites, generated), so an id never stands for two things by accident.
//!
//! Layout: this file holds the mocks, the ids and the recorders; `entities` the sample
//! entities; `services` the services under test; `group_fixtures` the cast of group 3.

// Each test binary uses its own share of these fixtures.
#![allow(dead_code)]

mod entities;
pub mod group_fixtures;
mod services;

pub use entities::*;
// Account tests build their services themselves.
#[allow(unused_imports)]
pub use services::*;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chat_app::messaging::PendingSends;
use chat_app::Ports;
use chat_domain::ids::Uuid;
use chat_domain::{InviteId, JobId, MessageId, Rev, RoomId, Seq, SessionId, Timestamp, UserId};
use chat_ports::{
    BusError, BusEvent, JobPayload, MockBlockStore, MockClock, MockDeadLetterStore, MockEventBus,
    MockIdGenerator, MockInviteStore, MockJobQueue, MockMessageStore, MockPasswordHasher,
    MockPresenceTracker, MockRoomStore, MockSessionStore, MockTokenIssuer, MockUserStore, NewJob,
    QueueError, StoreError,
};

/// What the fixed clock says.
pub const NOW: Timestamp = Timestamp::from_unix_millis(1_767_323_045_678);

const USERS: u64 = 0x1;
const ROOMS: u64 = 0x2;
const MESSAGES: u64 = 0x3;
const JOBS: u64 = 0x4;
const SESSIONS: u64 = 0x5;
const INVITES: u64 = 0x6;
const GENERATED: u64 = 0xF;

/// One mockall mock per port; turn it into [`Ports`] with [`MockPorts::build`].
pub struct MockPorts {
    pub users: MockUserStore,
    pub rooms: MockRoomStore,
    pub invites: MockInviteStore,
    pub blocks: MockBlockStore,
    pub presence: MockPresenceTracker,
    pub messages: MockMessageStore,
    pub sessions: MockSessionStore,
    pub dead_letters: MockDeadLetterStore,
    pub queue: MockJobQueue,
    pub bus: MockEventBus,
    pub hasher: MockPasswordHasher,
    pub tokens: MockTokenIssuer,
    pub clock: MockClock,
    pub ids: MockIdGenerator,
}

impl Default for MockPorts {
    fn default() -> Self {
        let mut clock = MockClock::new();
        clock.expect_now().return_const(NOW);
        let mut ids = MockIdGenerator::new();
        let next = AtomicU64::new(1);
        ids.expect_new_id()
            .returning(move || generated_id(next.fetch_add(1, Ordering::Relaxed)));
        Self {
            users: MockUserStore::new(),
            rooms: MockRoomStore::new(),
            invites: MockInviteStore::new(),
            blocks: MockBlockStore::new(),
            presence: MockPresenceTracker::new(),
            messages: MockMessageStore::new(),
            sessions: MockSessionStore::new(),
            dead_letters: MockDeadLetterStore::new(),
            queue: MockJobQueue::new(),
            bus: MockEventBus::new(),
            hasher: MockPasswordHasher::new(),
            tokens: MockTokenIssuer::new(),
            clock,
            ids,
        }
    }
}

impl MockPorts {
    /// Every store, the queue, the bus, the hasher and the signer without expectations; a
    /// clock fixed at [`NOW`]; ids [`generated_id`]`(1)`, `(2)`, ... in call order.
    pub fn new() -> Self {
        Self::default()
    }

    /// The ports a service is built from.
    pub fn build(self) -> Ports {
        Ports {
            users: Arc::new(self.users),
            rooms: Arc::new(self.rooms),
            invites: Arc::new(self.invites),
            blocks: Arc::new(self.blocks),
            presence: Arc::new(self.presence),
            messages: Arc::new(self.messages),
            sessions: Arc::new(self.sessions),
            dead_letters: Arc::new(self.dead_letters),
            queue: Arc::new(self.queue),
            bus: Arc::new(self.bus),
            hasher: Arc::new(self.hasher),
            tokens: Arc::new(self.tokens),
            clock: Arc::new(self.clock),
            ids: Arc::new(self.ids),
        }
    }
}

/// The `n`th id the [`MockPorts`] id generator hands out (from 1).
pub fn generated_id(n: u64) -> Uuid {
    Uuid::from_u64_pair(GENERATED, n)
}

pub fn user_id(n: u64) -> UserId {
    UserId::from_uuid(Uuid::from_u64_pair(USERS, n))
}

pub fn room_id(n: u64) -> RoomId {
    RoomId::from_uuid(Uuid::from_u64_pair(ROOMS, n))
}

pub fn message_id(n: u64) -> MessageId {
    MessageId::from_uuid(Uuid::from_u64_pair(MESSAGES, n))
}

pub fn job_id(n: u64) -> JobId {
    JobId::from_uuid(Uuid::from_u64_pair(JOBS, n))
}

pub fn session_id(n: u64) -> SessionId {
    SessionId::from_uuid(Uuid::from_u64_pair(SESSIONS, n))
}

pub fn invite_id(n: u64) -> InviteId {
    InviteId::from_uuid(Uuid::from_u64_pair(INVITES, n))
}

pub fn store_down() -> StoreError {
    StoreError::corrupt("the disk is on fire")
}

pub fn bus_down() -> BusError {
    BusError::Unavailable("the broker is gone".into())
}

pub fn queue_down() -> QueueError {
    QueueError::Unavailable("the queue is gone".into())
}

/// An answer for `JobQueue::enqueue` that accepts a `PersistMessage` job and then, from
/// another task and after this call returned, settles its send as a worker does once it
/// committed the message under `seq`.
pub fn commit_in_background(
    pending: &Arc<PendingSends>,
    seq: u64,
) -> impl FnMut(NewJob) -> Result<(), QueueError> + Send + 'static {
    let pending = Arc::clone(pending);
    move |job| {
        let JobPayload::PersistMessage { message } = job.payload else {
            panic!(
                "a send must enqueue a PersistMessage job, got {:?}",
                job.payload
            );
        };
        let pending = Arc::clone(&pending);
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            let id = message.id;
            pending.settle(id, &message.into_message(Seq(seq), Rev(seq)));
        });
        Ok(())
    }
}

/// Lets every publication through and records it; returns the record, in publication order.
pub fn record_publishes(bus: &mut MockEventBus) -> Arc<Mutex<Vec<BusEvent>>> {
    let record = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&record);
    bus.expect_publish().returning(move |event| {
        sink.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
        Ok(())
    });
    let sink = Arc::clone(&record);
    bus.expect_publish_all().returning(move |events| {
        sink.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(events);
        Ok(())
    });
    record
}

/// What `record` holds now.
pub fn recorded<T: Clone>(record: &Mutex<Vec<T>>) -> Vec<T> {
    record
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

/// Every user belongs to 3 rooms: far below the rooms-per-user limit of [`config`], so a use
/// case through which a user gains a room goes ahead.
pub fn below_the_room_limit(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_count_rooms_of_user()
        .returning(|_| Ok(3));
}

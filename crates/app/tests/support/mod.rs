//! Fixtures shared by the use-case tests.
//!
//! [`MockPorts`] holds one mockall mock per port, each without expectations: a test sets the
//! ones its use case is about, and any other call fails it ("No matching expectation found").
//! Only time and ids come preset, a fixed clock and sequential ids, because nearly every use
//! case asks for them and no test is about them.
//!
//! The sample entities use ids from disjoint ranges (users, rooms, messages, jobs, sessions,
//! generated), so an id never stands for two things by accident.

// Each test binary uses its own share of these fixtures.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chat_app::messaging::{MessagingService, PendingSends, SendRequest, SendTarget};
use chat_app::worker::JobWorkers;
use chat_app::{AppConfig, Ports};
use chat_domain::ids::Uuid;
use chat_domain::{
    JobId, Membership, Message, MessageBody, MessageId, NewMessage, Role, Room, RoomId, RoomKind,
    Seq, SessionId, Timestamp, User, UserId, Username,
};
use chat_ports::{
    BusError, BusEvent, JobPayload, LeasedJob, MemberProfile, MockClock, MockDeadLetterStore,
    MockEventBus, MockIdGenerator, MockJobQueue, MockMessageStore, MockPasswordHasher,
    MockRoomStore, MockSessionStore, MockTokenIssuer, MockUserStore, NewJob, Priority, QueueError,
    Session, StoreError,
};

/// What the fixed clock says.
pub const NOW: Timestamp = Timestamp::from_unix_millis(1_767_323_045_678);

const USERS: u64 = 0x1;
const ROOMS: u64 = 0x2;
const MESSAGES: u64 = 0x3;
const JOBS: u64 = 0x4;
const SESSIONS: u64 = 0x5;
const GENERATED: u64 = 0xF;

/// One mockall mock per port; turn it into [`Ports`] with [`MockPorts::build`].
pub struct MockPorts {
    pub users: MockUserStore,
    pub rooms: MockRoomStore,
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

/// Settings with timeouts short enough for tests: a send gives up after 5 s, a job is retried
/// after 100 ms, 200 ms, ... up to 1 s, and becomes a dead letter at its third attempt.
pub fn config() -> AppConfig {
    AppConfig {
        send_commit_timeout: Duration::from_secs(5),
        job_max_attempts: 3,
        job_backoff_base: Duration::from_millis(100),
        job_backoff_max: Duration::from_secs(1),
        ..AppConfig::default()
    }
}

/// A messaging service over `mocks` with the test [`config`], settling sends in `pending`.
pub fn messaging(mocks: MockPorts, pending: &Arc<PendingSends>) -> MessagingService {
    messaging_with(mocks, pending, config())
}

/// A messaging service over `mocks` with `config`, settling sends in `pending`.
pub fn messaging_with(
    mocks: MockPorts,
    pending: &Arc<PendingSends>,
    config: AppConfig,
) -> MessagingService {
    MessagingService::new(mocks.build(), config, Arc::clone(pending))
}

/// Job workers over `mocks` with the test [`config`], settling sends in `pending`.
pub fn workers(mocks: MockPorts, pending: &Arc<PendingSends>) -> Arc<JobWorkers> {
    JobWorkers::new(mocks.build(), config(), Arc::clone(pending))
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

/// User `n`, called `name`.
pub fn user(n: u64, name: &str) -> User {
    User {
        id: user_id(n),
        username: Username::parse(name).expect("a valid sample username"),
        created_at: NOW,
    }
}

/// Private room `n`, created at [`NOW`].
pub fn private_room(n: u64) -> Room {
    Room {
        id: room_id(n),
        kind: RoomKind::Private,
        name: None,
        created_at: NOW,
    }
}

/// Group `n`, created at [`NOW`].
pub fn group_room(n: u64) -> Room {
    Room {
        id: room_id(n),
        kind: RoomKind::Group,
        name: Some(format!("group {n}")),
        created_at: NOW,
    }
}

/// `user`'s membership of `room`, read up to `read_seq`.
pub fn membership(room: RoomId, user: UserId, read_seq: u64) -> Membership {
    Membership {
        room_id: room,
        user_id: user,
        role: Role::Member,
        joined_at: NOW,
        read_seq: Seq(read_seq),
    }
}

/// `user` as a member of `room`, as `list_members` returns them.
pub fn member(room: RoomId, user: &User) -> MemberProfile {
    MemberProfile {
        user: user.clone(),
        membership: membership(room, user.id, 0),
    }
}

/// Message `n` from `sender` to `room`, accepted but not yet stored.
pub fn new_message(n: u64, room: RoomId, sender: UserId) -> NewMessage {
    NewMessage {
        id: message_id(n),
        room_id: room,
        sender_id: sender,
        body: MessageBody::parse(&format!("message {n}"), 4000).expect("a valid sample body"),
        client_msg_id: None,
        reply_to: None,
        created_at: NOW,
    }
}

/// `message` as the store keeps it under `seq`.
pub fn stored(message: &NewMessage, seq: u64) -> Message {
    message.clone().into_message(Seq(seq))
}

/// A stored message `n` of `room` by `sender` with `seq`, created `at`.
pub fn stored_at(n: u64, room: RoomId, sender: UserId, seq: u64, at: Timestamp) -> Message {
    Message {
        created_at: at,
        ..stored(&new_message(n, room, sender), seq)
    }
}

/// Job `n` with `payload`, leased for its `attempt`th run.
pub fn leased(n: u64, payload: JobPayload, priority: Priority, attempt: u32) -> LeasedJob {
    LeasedJob {
        id: job_id(n),
        payload,
        priority,
        attempt,
    }
}

/// Job `n` persisting `message`, leased for its `attempt`th run.
pub fn persist_job(n: u64, message: &NewMessage, attempt: u32) -> LeasedJob {
    leased(
        n,
        JobPayload::PersistMessage {
            message: message.clone(),
        },
        Priority::Interactive,
        attempt,
    )
}

/// The lease a worker would get for a freshly enqueued `job`.
pub fn lease_of(job: NewJob) -> LeasedJob {
    LeasedJob {
        id: job.id,
        payload: job.payload,
        priority: job.priority,
        attempt: job.attempts + 1,
    }
}

/// An active session `n` of `user`.
pub fn session(n: u64, user: UserId) -> Session {
    Session {
        id: session_id(n),
        user_id: user,
        created_at: NOW,
        last_used_at: NOW,
        revoked_at: None,
    }
}

/// A send from `sender` to `target` with message id [`message_id`]`(1000)`.
pub fn request(sender: UserId, target: SendTarget, body: &str) -> SendRequest {
    SendRequest {
        id: message_id(1000),
        sender,
        target,
        body: body.to_owned(),
        client_msg_id: None,
        reply_to: None,
    }
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
            pending.settle(id, &message.into_message(Seq(seq)));
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
    record
}

/// What `record` holds now.
pub fn recorded<T: Clone>(record: &Mutex<Vec<T>>) -> Vec<T> {
    record
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone()
}

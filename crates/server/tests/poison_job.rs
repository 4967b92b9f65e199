//! A poison job: one that fails every time it runs. It must end in the dead letters after its
//! retries, with its attempts and last error, while the workers go on storing every valid
//! message; and an operator must see it with `chat-server dlq list`, put it back on the queue
//! with `dlq replay <id>` and clear the list with `dlq purge`.
//!
//! Such a job cannot be provoked from outside (every route validates before it enqueues), so
//! this runs the real workers (`chat_app::worker::JobWorkers`) in process over the real
//! adapters: the metadata and messages in SQLite in a temporary directory, the queue in
//! process or on Redis (when `chat_testkit::redis` finds one; the Redis tests skip loudly
//! otherwise), with a tiny backoff and three attempts. The poison is a `PersistMessage` for a
//! room that does not exist, which the message store refuses every time. The `dlq` commands run
//! the real binary on the same database (and the same Redis queue), as an operator would.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use chat_app::messaging::PendingSends;
use chat_app::ordering::PublishOrder;
use chat_app::worker::JobWorkers;
use chat_app::{AppConfig, Ports};
use chat_auth::{BcryptPasswordHasher, JwtTokenIssuer};
use chat_domain::{
    JobId, MessageBody, MessageId, NewMessage, PrivatePair, Room, RoomId, RoomKind, Timestamp,
    User, UserId, Username,
};
use chat_memory::{
    InProcessEventBus, InProcessJobQueue, InProcessPresence, SystemClock, UuidV7Ids,
};
use chat_ports::{
    DeadLetter, HistoryCursor, JobPayload, JobQueue, NewJob, NewPrivateRoom, NewUser, PasswordHash,
    Priority,
};
use chat_redis::RedisJobQueue;
use chat_sql::SqlDatabase;
use serde_json::Value;
use tempfile::TempDir;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How many times a job runs before it becomes a dead letter.
const MAX_ATTEMPTS: u32 = 3;

/// How long anything the workers do may take before the test gives up; never a speed claim.
const PATIENCE: Duration = Duration::from_secs(30);

/// How long a leased job may stay leased (long: no worker dies in these tests).
const VISIBILITY_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the queue lives.
#[derive(Debug, Clone)]
enum QueueKind {
    InProcess,
    /// The Redis at `url`, under the key prefix `prefix` + `:queue` (what the server uses for
    /// `CHAT_REDIS_PREFIX=prefix`).
    Redis {
        url: String,
        prefix: String,
    },
}

/// A SQLite database in a temporary directory, the ports over it, and running workers.
struct Harness {
    dir: TempDir,
    database_url: String,
    queue_kind: QueueKind,
    ports: Ports,
    room: RoomId,
    sender: UserId,
    shutdown: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Harness {
    /// Migrates a fresh database, makes two users and their private room, and starts two
    /// workers on a queue of `queue_kind`.
    async fn start(queue_kind: QueueKind) -> Self {
        let dir = tempfile::tempdir().expect("a temporary data directory");
        let database_url = format!("sqlite://{}?mode=rwc", dir.path().join("chat.db").display());
        let database = SqlDatabase::connect(&database_url)
            .await
            .expect("opening SQLite");
        database.migrate().await.expect("migrating");
        let queue: Arc<dyn JobQueue> = match &queue_kind {
            QueueKind::InProcess => Arc::new(InProcessJobQueue::new(VISIBILITY_TIMEOUT)),
            QueueKind::Redis { url, prefix } => Arc::new(RedisJobQueue::new(
                chat_redis::pool(url).expect("a Redis pool"),
                &format!("{prefix}:queue"),
                VISIBILITY_TIMEOUT,
            )),
        };
        let ports = Ports {
            users: database.users(),
            rooms: database.rooms(),
            invites: database.invites(),
            blocks: database.blocks(),
            presence: Arc::new(InProcessPresence::new()),
            messages: database.messages(),
            sessions: database.sessions(),
            dead_letters: database.dead_letters(),
            queue,
            bus: Arc::new(InProcessEventBus::new()),
            hasher: Arc::new(BcryptPasswordHasher::new(4)),
            tokens: Arc::new(JwtTokenIssuer::new(
                b"a test secret of at least thirty-two bytes",
                Duration::from_secs(900),
            )),
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Ids),
        };
        let (room, sender) = private_room(&ports).await;
        let config = AppConfig {
            job_max_attempts: MAX_ATTEMPTS,
            job_backoff_base: Duration::from_millis(10),
            job_backoff_max: Duration::from_millis(40),
            ..AppConfig::default()
        };
        let (shutdown, stop) = watch::channel(false);
        let workers = JobWorkers::new(
            ports.clone(),
            config,
            PendingSends::new(),
            Arc::new(PublishOrder::new()),
        )
        .spawn(2, stop);
        Self {
            dir,
            database_url,
            queue_kind,
            ports,
            room,
            sender,
            shutdown,
            workers,
        }
    }

    /// Enqueues the persistence of `body` into `room` and returns the job's id.
    async fn enqueue_message(&self, room: RoomId, body: &str) -> JobId {
        let job = NewJob {
            id: JobId::new_v7(),
            payload: JobPayload::PersistMessage {
                message: NewMessage {
                    id: MessageId::new_v7(),
                    room_id: room,
                    sender_id: self.sender,
                    body: MessageBody::parse(body, 100).expect("a valid body"),
                    client_msg_id: None,
                    reply_to: None,
                    created_at: now(),
                },
            },
            priority: Priority::Interactive,
            delay: Duration::ZERO,
            attempts: 0,
        };
        let id = job.id;
        self.ports.queue.enqueue(job).await.expect("enqueueing");
        id
    }

    /// The bodies stored in the valid room, oldest first.
    async fn stored_bodies(&self) -> Vec<String> {
        self.ports
            .messages
            .page(self.room, HistoryCursor::Latest, 100)
            .await
            .expect("reading the room")
            .into_iter()
            .map(|message| message.body.unwrap_or_default())
            .collect()
    }

    /// Waits until the valid room holds exactly `bodies`, each once, in any order: the workers
    /// run while the jobs are enqueued, so one may reserve the poison with the first valid
    /// message while another takes the rest, and which commits first is not fixed (the failed
    /// batch is written again one message at a time after its group commit fails).
    async fn wait_for_bodies(&self, bodies: &[&str]) {
        let mut want: Vec<String> = bodies.iter().map(|b| (*b).to_owned()).collect();
        want.sort();
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let mut got = self.stored_bodies().await;
            got.sort();
            if got == want {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the valid messages were not all stored: {got:?}, want {want:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the dead letters are exactly the jobs `ids`, and returns them.
    async fn wait_for_dead_letters(&self, ids: &[JobId]) -> Vec<DeadLetter> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let letters = self
                .ports
                .dead_letters
                .list(100)
                .await
                .expect("listing dead letters");
            if letters.iter().map(|l| l.id).collect::<Vec<_>>() == ids {
                return letters;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "dead letters {:?}, want {ids:?}",
                letters.iter().map(|l| l.id).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs `chat-server <args>` on this harness's database (and Redis queue); returns its
    /// stdout, asserting it exited with success.
    fn cli(&self, args: &[&str]) -> String {
        let mut command = Command::new(env!("CARGO_BIN_EXE_chat-server"));
        command
            .args(args)
            .env("CHAT_DATA_DIR", self.dir.path())
            .env("CHAT_DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "warn")
            .env_remove("CHAT_MONGODB_URI")
            .env_remove("CHAT_JWT_SECRET");
        match &self.queue_kind {
            QueueKind::InProcess => {
                command
                    .env_remove("CHAT_REDIS_URL")
                    .env_remove("CHAT_REDIS_PREFIX");
            }
            QueueKind::Redis { url, prefix } => {
                command
                    .env("CHAT_REDIS_URL", url)
                    .env("CHAT_REDIS_PREFIX", prefix);
            }
        }
        let output = command.output().expect("running chat-server");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "chat-server {args:?} failed ({}):\n{stdout}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        stdout
    }

    /// `chat-server dlq list`, one JSON object per line.
    fn cli_list(&self) -> Vec<Value> {
        self.cli(&["dlq", "list"])
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                serde_json::from_str(line).unwrap_or_else(|e| {
                    panic!("`dlq list` printed a line that is not JSON: {line:?}: {e}")
                })
            })
            .collect()
    }

    /// Stops the workers once the queue is drained.
    async fn stop(self) {
        let _ = self.shutdown.send(true);
        for worker in self.workers {
            tokio::time::timeout(PATIENCE, worker)
                .await
                .expect("the workers stop once the queue is drained")
                .expect("a worker panicked");
        }
    }
}

/// Two users and their private room, made through the stores; returns the room and one user.
async fn private_room(ports: &Ports) -> (RoomId, UserId) {
    let mut ids = Vec::new();
    for name in ["poison_alice", "poison_bob"] {
        let user = User {
            id: UserId::new_v7(),
            username: Username::parse(name).expect("a valid username"),
            created_at: now(),
        };
        ids.push(user.id);
        ports
            .users
            .insert(&NewUser {
                user,
                password_hash: PasswordHash("not a real hash".to_owned()),
            })
            .await
            .expect("inserting a user");
    }
    let room = Room {
        id: RoomId::new_v7(),
        kind: RoomKind::Private,
        name: None,
        description: None,
        created_at: now(),
    };
    let pair = PrivatePair::new(ids[0], ids[1]).expect("two users");
    let created = ports
        .rooms
        .create_private_room(&NewPrivateRoom { room, pair })
        .await
        .expect("creating the room");
    (created.room().id, ids[0])
}

fn now() -> Timestamp {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    Timestamp::from_unix_millis(i64::try_from(since_epoch.as_millis()).expect("a sane clock"))
}

/// The Redis queue of a fresh prefix, or `None` (announced) when there is no Redis.
async fn redis_queue(label: &str) -> Option<QueueKind> {
    let redis = chat_testkit::redis().await?;
    Some(QueueKind::Redis {
        url: redis.url,
        prefix: chat_testkit::unique_prefix(label),
    })
}

/// The scenario both queues share: the poison goes to the dead letters after its attempts,
/// with its error, while the valid messages around it are stored and later ones still are.
async fn poison_is_dead_lettered_and_the_workers_go_on(queue_kind: QueueKind) -> Harness {
    let harness = Harness::start(queue_kind).await;
    let nowhere = RoomId::new_v7();

    // A reservation that takes the poison with valid messages fails its group commit, writes
    // its batch one by one, and only the poison is retried.
    let poison = harness
        .enqueue_message(nowhere, "into a room that does not exist")
        .await;
    for body in ["valid 1", "valid 2", "valid 3"] {
        harness.enqueue_message(harness.room, body).await;
    }

    let letters = harness.wait_for_dead_letters(&[poison]).await;
    let letter = &letters[0];
    assert_eq!(
        letter.attempts, MAX_ATTEMPTS,
        "dead-lettered after its last attempt"
    );
    assert!(!letter.error.is_empty(), "the last error is kept");
    assert_eq!(letter.priority, Priority::Interactive);
    assert!(
        matches!(&letter.payload, JobPayload::PersistMessage { message } if message.room_id == nowhere),
        "the payload is kept for a replay: {:?}",
        letter.payload
    );
    harness
        .wait_for_bodies(&["valid 1", "valid 2", "valid 3"])
        .await;

    // The workers keep going after the poison is out of the way.
    harness.enqueue_message(harness.room, "valid 4").await;
    harness
        .wait_for_bodies(&["valid 1", "valid 2", "valid 3", "valid 4"])
        .await;
    assert_eq!(harness.wait_for_dead_letters(&[poison]).await.len(), 1);
    harness
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_job_is_dead_lettered_after_its_retries_and_the_in_process_workers_go_on() {
    let harness = poison_is_dead_lettered_and_the_workers_go_on(QueueKind::InProcess).await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_job_is_dead_lettered_after_its_retries_and_the_redis_workers_go_on() {
    let Some(queue) = redis_queue("poison job").await else {
        return;
    };
    let harness = poison_is_dead_lettered_and_the_workers_go_on(queue).await;
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dlq_commands_list_replay_and_purge_the_dead_letters_of_a_redis_queue() {
    let Some(queue) = redis_queue("dlq commands").await else {
        return;
    };
    let harness = poison_is_dead_lettered_and_the_workers_go_on(queue).await;
    let letter = harness.ports.dead_letters.list(10).await.expect("listing")[0].clone();

    // `dlq list` shows it as the store has it.
    let listed = harness.cli_list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], letter.id.to_string());
    assert_eq!(listed[0]["attempts"], MAX_ATTEMPTS);
    assert_eq!(listed[0]["priority"], "interactive");
    assert_eq!(listed[0]["error"], letter.error.as_str());
    assert_eq!(listed[0]["payload"]["kind"], "persist_message");

    // `dlq replay` puts it back on the shared queue: the running workers take it, it fails
    // its attempts again, and it comes back as a dead letter under the same id.
    let replayed = harness.cli(&["dlq", "replay", &letter.id.to_string()]);
    assert!(replayed.contains(&letter.id.to_string()), "{replayed}");
    let again = harness.wait_for_dead_letters(&[letter.id]).await;
    assert_eq!(
        again[0].attempts, MAX_ATTEMPTS,
        "the replay ran with fresh attempts"
    );
    assert!(
        again[0].failed_at.unix_millis() >= letter.failed_at.unix_millis(),
        "it failed again after the replay"
    );

    // `dlq purge` empties the list.
    let purged = harness.cli(&["dlq", "purge"]);
    assert!(purged.contains("purged 1"), "{purged}");
    assert!(harness.cli_list().is_empty());
    assert!(harness
        .ports
        .dead_letters
        .list(10)
        .await
        .expect("listing")
        .is_empty());
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dlq_commands_list_and_purge_the_dead_letters_of_the_embedded_default() {
    let harness = poison_is_dead_lettered_and_the_workers_go_on(QueueKind::InProcess).await;
    let letter = harness.ports.dead_letters.list(10).await.expect("listing")[0].clone();

    let listed = harness.cli_list();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["id"], letter.id.to_string());
    assert_eq!(listed[0]["attempts"], MAX_ATTEMPTS);

    let purged = harness.cli(&["dlq", "purge"]);
    assert!(purged.contains("purged 1"), "{purged}");
    assert!(harness.cli_list().is_empty());
    harness.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replaying_a_dead_letter_without_a_shared_queue_does_not_lose_it() {
    let harness = poison_is_dead_lettered_and_the_workers_go_on(QueueKind::InProcess).await;
    let letter = harness.ports.dead_letters.list(10).await.expect("listing")[0].clone();

    // The queue of the embedded default lives inside the node's process: a `dlq replay` run
    // beside it cannot reach it. Whatever the command answers, the letter must not vanish.
    let output = Command::new(env!("CARGO_BIN_EXE_chat-server"))
        .args(["dlq", "replay", &letter.id.to_string()])
        .env("CHAT_DATA_DIR", harness.dir.path())
        .env("CHAT_DATABASE_URL", &harness.database_url)
        .env_remove("CHAT_REDIS_URL")
        .env_remove("CHAT_MONGODB_URI")
        .output()
        .expect("running chat-server");

    assert!(
        !output.status.success(),
        "a replay with nowhere to go must fail loudly"
    );
    let listed = harness.cli_list();
    assert_eq!(
        listed.len(),
        1,
        "`dlq replay` answered {} ({}) and the dead letter is gone",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim()
    );
    assert_eq!(listed[0]["id"], letter.id.to_string());
    harness.stop().await;
}

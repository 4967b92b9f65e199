//! Redis restarting mid-run: the bus subscriber reconnects by itself and hears what is published
//! after the restart, and a worker loop on the queue keeps taking jobs.
//!
//! Each test starts its own `redis-server` ([`server`]) and kills it, never the shared one.
//! Nothing here asserts how fast recovery is; every wait ends as soon as the awaited thing
//! happens and fails only after [`PATIENCE`].

#[path = "fault/server.rs"]
mod server;

use std::sync::Arc;
use std::time::Duration;

use chat_domain::ids::Uuid;
use chat_domain::{JobId, SessionId, Timestamp};
use chat_ports::{BusEvent, EventBus, EventStream, JobPayload, JobQueue, NewJob, Priority};
use chat_redis::{RedisEventBus, RedisJobQueue};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use self::server::RedisServer;

/// Long enough that reaching it means failure, not a slow machine.
const PATIENCE: Duration = Duration::from_secs(60);

/// Event number `index` of publisher `publisher`.
fn event(publisher: u64, index: u64) -> BusEvent {
    BusEvent::SessionRevoked {
        session_id: SessionId::from_uuid(Uuid::from_u64_pair(publisher, index)),
    }
}

fn origin(event: &BusEvent) -> (u64, u64) {
    match event {
        BusEvent::SessionRevoked { session_id } => session_id.as_uuid().as_u64_pair(),
        other => panic!("an event nobody published: {other:?}"),
    }
}

async fn next_event(events: &mut EventStream) -> BusEvent {
    match tokio::time::timeout(PATIENCE, events.next()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the subscription ended"),
        Err(_) => panic!("no event within {PATIENCE:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_reconnects_after_a_restart_and_hears_later_events() {
    let Some(mut server) = RedisServer::start().await else {
        return;
    };
    let bus = Arc::new(RedisEventBus::new(&server.url(), "chat:events").unwrap());
    let mut events = bus.subscribe().await.unwrap();
    bus.publish(&event(0, 0)).await.unwrap();
    assert_eq!(next_event(&mut events).await, event(0, 0));

    server.restart().await;

    // Pub/sub keeps nothing: what is published before the subscriber is back is lost to it.
    // So publish steadily until one event arrives; it must be one published after the restart.
    let publisher = tokio::spawn({
        let bus = Arc::clone(&bus);
        async move {
            for index in 0.. {
                let _ = bus.publish(&event(1, index)).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let (first_publisher, _) = origin(&next_event(&mut events).await);
    publisher.abort();
    let _ = publisher.await;
    assert_eq!(first_publisher, 1);

    // Back for good: a further run of events arrives whole and in order (after any of the
    // steady publisher's that were still in flight).
    let sent: Vec<BusEvent> = (0..20).map(|index| event(2, index)).collect();
    for event in &sent {
        bus.publish(event).await.unwrap();
    }
    let mut got = next_event(&mut events).await;
    while origin(&got).0 == 1 {
        got = next_event(&mut events).await;
    }
    assert_eq!(got, sent[0]);
    for expected in &sent[1..] {
        assert_eq!(&next_event(&mut events).await, expected);
    }
}

fn job() -> NewJob {
    NewJob {
        id: JobId::new_v7(),
        payload: JobPayload::PruneSessions {
            before: Timestamp::from_unix_millis(0),
        },
        priority: Priority::Interactive,
        delay: Duration::ZERO,
        attempts: 0,
    }
}

/// A worker as the server runs them: reserve, complete, report; on an error, pause and go on.
async fn work(queue: Arc<RedisJobQueue>, done: mpsc::UnboundedSender<JobId>) {
    loop {
        match queue.reserve(5, Duration::from_millis(200)).await {
            Ok(jobs) => {
                for leased in jobs {
                    if queue.complete(leased.id).await.is_ok() {
                        let _ = done.send(leased.id);
                    }
                }
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
}

async fn handed_out(done: &mut mpsc::UnboundedReceiver<JobId>) -> JobId {
    let id = tokio::time::timeout(PATIENCE, done.recv()).await;
    id.expect("no job was handed out in time")
        .expect("the worker stopped")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_keeps_taking_jobs_after_a_restart() {
    let Some(mut server) = RedisServer::start().await else {
        return;
    };
    let pool = chat_redis::pool(&server.url()).unwrap();
    let queue = Arc::new(RedisJobQueue::new(
        pool,
        "chat:queue",
        Duration::from_secs(120),
    ));
    let (done, mut handed) = mpsc::unbounded_channel();
    let worker = tokio::spawn(work(Arc::clone(&queue), done));

    let before = job();
    queue.enqueue(before.clone()).await.unwrap();
    assert_eq!(handed_out(&mut handed).await, before.id);

    server.restart().await;

    // The pool replaces its dead connections as it hands them out, so the first enqueue after
    // the restart already reaches the new server.
    let after = job();
    queue.enqueue(after.clone()).await.unwrap();
    assert_eq!(handed_out(&mut handed).await, after.id);
    assert!(!worker.is_finished(), "the worker loop ended");
    worker.abort();
}

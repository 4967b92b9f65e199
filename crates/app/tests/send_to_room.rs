//! Sending to a room the sender belongs to, and how a send waits for its commit.

mod support;

use std::time::{Duration, Instant};

use chat_app::messaging::{PendingSends, SendError, SendRequest, SendTarget};
use chat_app::AppConfig;
use chat_domain::Seq;
use chat_ports::{Appended, BusEvent, JobPayload, NewJob, Priority};
use mockall::predicate::eq;
use support::*;
use tokio::sync::mpsc;

/// Alice writing to group 3.
fn to_group(body: &str) -> SendRequest {
    request(user_id(1), SendTarget::Room(room_id(3)), body)
}

/// Alice is a member of group 3: one read says so.
fn alice_in_group(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_send_access()
        .with(eq(room_id(3)), eq(user_id(1)))
        .times(1)
        .returning(|_, _| Ok(Some(access(group_room(3)))));
}

/// Hands every enqueued job to the returned channel instead of a queue.
fn enqueue_into_channel(mocks: &mut MockPorts) -> mpsc::UnboundedReceiver<NewJob> {
    let (jobs, received) = mpsc::unbounded_channel();
    mocks.queue.expect_enqueue().times(1).returning(move |job| {
        jobs.send(job).expect("the test still listens");
        Ok(())
    });
    received
}

#[tokio::test]
async fn a_member_s_message_is_enqueued_into_the_room_at_interactive_priority() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .withf(|job| {
            job.priority == Priority::Interactive
                && matches!(&job.payload, JobPayload::PersistMessage { message }
                    if message.room_id == room_id(3)
                        && message.sender_id == user_id(1)
                        && message.created_at == NOW)
        })
        .times(1)
        .returning(commit_in_background(&pending, 4));
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(to_group("hello all"))
        .await
        .expect("the message is sent");

    assert_eq!(outcome.room, group_room(3));
    assert_eq!(outcome.message.seq, Seq(4));
    assert!(outcome.created);
}

#[tokio::test]
async fn a_non_member_gets_room_not_found_and_nothing_is_enqueued() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_send_access()
        .with(eq(room_id(3)), eq(user_id(1)))
        .returning(|_, _| Ok(None));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service.send(to_group("let me in")).await;

    assert!(matches!(result, Err(SendError::RoomNotFound)), "{result:?}");
}

#[tokio::test]
async fn a_store_failure_on_the_access_check_is_unavailable_and_enqueues_nothing() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_send_access()
        .returning(|_, _| Err(store_down()));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service.send(to_group("hello")).await;

    assert!(
        matches!(result, Err(SendError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_reply_to_a_message_outside_the_room_is_refused_and_nothing_is_enqueued() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks
        .messages
        .expect_find_in_room()
        .with(eq(room_id(3)), eq(message_id(50)))
        .times(1)
        .returning(|_, _| Ok(None));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service
        .send(SendRequest {
            reply_to: Some(message_id(50)),
            ..to_group("re")
        })
        .await;

    assert!(
        matches!(result, Err(SendError::ReplyNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_reply_is_persisted_with_the_message_it_answers() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks
        .messages
        .expect_find_in_room()
        .with(eq(room_id(3)), eq(message_id(50)))
        .returning(|room, _| Ok(Some(stored(&new_message(50, room, user_id(2)), 1))));
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .withf(|job| {
            matches!(&job.payload, JobPayload::PersistMessage { message } if message.reply_to == Some(message_id(50)))
        })
        .times(1)
        .returning(commit_in_background(&pending, 2));
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(SendRequest {
            reply_to: Some(message_id(50)),
            ..to_group("re")
        })
        .await
        .expect("the reply is sent");

    assert_eq!(outcome.message.reply_to, Some(message_id(50)));
}

#[tokio::test]
async fn a_send_does_not_return_before_its_message_is_committed() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    let mut jobs = enqueue_into_channel(&mut mocks);
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let send = tokio::spawn(async move { service.send(to_group("wait for me")).await });
    let job = jobs.recv().await.expect("the send enqueued its job");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !send.is_finished(),
        "the send answered before its message was committed"
    );

    let JobPayload::PersistMessage { message } = job.payload else {
        panic!("a send enqueues a PersistMessage job");
    };
    let committed = stored(&message, 12);
    pending.settle(message.id, &committed);
    let outcome = send
        .await
        .expect("the send task ran")
        .expect("the send succeeds once committed");

    assert_eq!(outcome.message, committed);
    assert!(outcome.created);
}

#[tokio::test]
async fn a_send_nobody_commits_fails_as_unavailable_after_the_commit_timeout() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks.queue.expect_enqueue().times(1).returning(|_| Ok(()));
    let pending = PendingSends::new();
    let timeout = Duration::from_millis(100);
    let service = messaging_with(
        mocks,
        &pending,
        AppConfig {
            send_commit_timeout: timeout,
            ..config()
        },
    );

    let started = Instant::now();
    let result = service.send(to_group("into the void")).await;

    assert!(
        matches!(result, Err(SendError::Unavailable(_))),
        "{result:?}"
    );
    assert!(
        started.elapsed() >= timeout,
        "gave up after {:?}",
        started.elapsed()
    );
    assert!(
        pending.is_empty(),
        "a send that gave up must not stay registered"
    );
}

#[tokio::test]
async fn a_send_completes_when_a_worker_commits_its_job() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    let mut jobs = enqueue_into_channel(&mut mocks);
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    // The worker side, sharing the node's pending sends, with a store that gives seq 5.
    let mut worker_mocks = MockPorts::new();
    worker_mocks
        .messages
        .expect_append_batch()
        .times(1)
        .returning(|batch| {
            Ok(batch
                .iter()
                .map(|m| Appended::Created(stored(m, 5)))
                .collect())
        });
    worker_mocks
        .bus
        .expect_publish_all()
        .withf(|events| {
            matches!(events, [BusEvent::MessageCreated { message, .. }] if message.seq == Seq(5))
        })
        .times(1)
        .returning(|_| Ok(()));
    worker_mocks
        .queue
        .expect_complete_all()
        .withf(|ids| ids.len() == 1)
        .times(1)
        .returning(|_| Ok(()));
    worker_mocks
        .rooms
        .expect_mark_read_many()
        .withf(|marks| marks == [(room_id(3), user_id(1), Seq(5))])
        .times(1)
        .returning(|_| Ok(()));
    let workers = workers(worker_mocks, &pending);
    let worker = tokio::spawn(async move {
        let job = jobs.recv().await.expect("the send enqueued its job");
        workers.handle(vec![lease_of(job)]).await;
    });

    let outcome = service
        .send(to_group("through the worker"))
        .await
        .expect("the worker commits it");
    worker.await.expect("the worker ran its job as expected");

    assert_eq!(outcome.message.id, message_id(1000));
    assert_eq!(outcome.message.seq, Seq(5));
    assert_eq!(outcome.message.body.as_deref(), Some("through the worker"));
    assert!(outcome.created);
}

#[tokio::test]
async fn a_queue_that_refuses_the_job_makes_the_send_unavailable_and_leaves_no_waiter() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks
        .queue
        .expect_enqueue()
        .times(1)
        .returning(|_| Err(queue_down()));
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service.send(to_group("hello")).await;

    assert!(
        matches!(result, Err(SendError::Unavailable(_))),
        "{result:?}"
    );
    assert!(pending.is_empty());
}

//! The job workers: group-committed persistence, the other job kinds, and draining at
//! shutdown. How a batch is formed and pipelined is in [`batching`]; what a commit publishes,
//! and in which order, is in [`publication`]; failed writes and their retries are in
//! [`failures`].

mod support;

#[path = "persistence_worker/batching.rs"]
mod batching;
#[path = "persistence_worker/failures.rs"]
mod failures;
#[path = "persistence_worker/publication.rs"]
mod publication;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chat_app::messaging::PendingSends;
use chat_domain::{NewMessage, RoomId, Seq};
use chat_ports::{Appended, BusEvent, JobPayload, LeasedJob, Priority};
use mockall::predicate::eq;
use mockall::Sequence;
use support::*;
use tokio::sync::watch;

/// Alice's messages 1..=n to group 3.
fn group_messages(n: u64) -> Vec<NewMessage> {
    (1..=n)
        .map(|i| new_message(i, room_id(3), user_id(1)))
        .collect()
}

/// One first-attempt persistence job per message, job `i` for message `i`.
fn jobs_for(messages: &[NewMessage]) -> Vec<LeasedJob> {
    (1..)
        .zip(messages)
        .map(|(n, m)| persist_job(n, m, 1))
        .collect()
}

/// The store commits every batch, giving each room's messages seqs from `first` on.
fn store_commits_from(mocks: &mut MockPorts, first: u64) {
    let next: Mutex<HashMap<RoomId, u64>> = Mutex::default();
    mocks
        .messages
        .expect_append_batch()
        .returning(move |batch| {
            let mut next = next.lock().unwrap_or_else(PoisonError::into_inner);
            Ok(batch
                .iter()
                .map(|m| {
                    let seq = next.entry(m.room_id).or_insert(first);
                    *seq += 1;
                    Appended::Created(stored(m, *seq - 1))
                })
                .collect())
        });
}

/// Completing jobs and moving read markers succeed; nothing else is expected of them.
fn bookkeeping_succeeds(mocks: &mut MockPorts) {
    mocks.queue.expect_complete_all().returning(|_| Ok(()));
    mocks.rooms.expect_mark_read_many().returning(|_| Ok(()));
}

fn created_seqs(events: &[BusEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            BusEvent::MessageCreated { message, .. } => Some(message.seq.get()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn persistence_jobs_of_one_reservation_are_committed_in_one_write() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    let expected = messages.clone();
    mocks
        .messages
        .expect_append_batch()
        .withf(move |batch| batch == expected.as_slice())
        .times(1)
        .returning(|batch| {
            Ok((4..)
                .zip(batch)
                .map(|(seq, m)| Appended::Created(stored(m, seq)))
                .collect())
        });
    record_publishes(&mut mocks.bus);
    bookkeeping_succeeds(&mut mocks);
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;
}

#[tokio::test]
async fn every_committed_job_is_completed() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    record_publishes(&mut mocks.bus);
    mocks.rooms.expect_mark_read_many().returning(|_| Ok(()));
    mocks
        .queue
        .expect_complete_all()
        .withf(|ids| ids == [job_id(1), job_id(2), job_id(3)])
        .times(1)
        .returning(|_| Ok(()));
    mocks.queue.expect_retry().never();
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;
}

#[tokio::test]
async fn the_sender_s_read_marker_moves_once_per_room_to_their_newest_message() {
    // Group 3 gets seqs 10, 11, 12 (Alice, Bob, Alice); group 4 gets 10 (Alice).
    let messages = vec![
        new_message(1, room_id(3), user_id(1)),
        new_message(2, room_id(3), user_id(2)),
        new_message(3, room_id(3), user_id(1)),
        new_message(4, room_id(4), user_id(1)),
    ];
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 10);
    record_publishes(&mut mocks.bus);
    mocks.queue.expect_complete_all().returning(|_| Ok(()));
    mocks
        .rooms
        .expect_mark_read_many()
        .withf(|marks| {
            let mut marks = marks.to_vec();
            marks.sort();
            let expected = [(3, 1, 12), (3, 2, 11), (4, 1, 10)]
                .map(|(room, user, seq)| (room_id(room), user_id(user), Seq(seq)));
            let mut expected = expected.to_vec();
            expected.sort();
            marks == expected
        })
        .times(1)
        .returning(|_| Ok(()));
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;
}

#[tokio::test]
async fn the_sender_s_read_marker_moves_before_the_commit_is_announced_or_answered() {
    // A client listing its rooms right after its send was answered must not see its own
    // message as unread.
    let message = new_message(1, room_id(3), user_id(1));
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    let pending = PendingSends::new();
    let waiter = pending.register(message.id);
    let still_waiting = Arc::clone(&pending);
    let mut order = Sequence::new();
    mocks
        .rooms
        .expect_mark_read_many()
        .withf(|marks| marks == [(room_id(3), user_id(1), Seq(4))])
        .times(1)
        .in_sequence(&mut order)
        .returning(move |_| {
            assert_eq!(
                still_waiting.len(),
                1,
                "the send was answered before the marker moved"
            );
            Ok(())
        });
    mocks
        .bus
        .expect_publish_all()
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    mocks.queue.expect_complete_all().returning(|_| Ok(()));

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &message, 1)])
        .await;

    assert_eq!(waiter.wait().await, Some(stored(&message, 4)));
}

#[tokio::test]
async fn a_committed_message_settles_the_send_waiting_for_it() {
    let messages = group_messages(2);
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    record_publishes(&mut mocks.bus);
    bookkeeping_succeeds(&mut mocks);
    let pending = PendingSends::new();
    let waiter = pending.register(messages[1].id);

    workers(mocks, &pending).handle(jobs_for(&messages)).await;

    assert_eq!(waiter.wait().await, Some(stored(&messages[1], 5)));
}

#[tokio::test]
async fn a_publish_event_job_publishes_its_event_and_completes() {
    let event = BusEvent::SessionRevoked {
        session_id: session_id(1),
    };
    let mut mocks = MockPorts::new();
    mocks
        .bus
        .expect_publish()
        .with(eq(event.clone()))
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .queue
        .expect_complete()
        .with(eq(job_id(1)))
        .times(1)
        .returning(|_| Ok(()));
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![leased(
            1,
            JobPayload::PublishEvent { event },
            Priority::Normal,
            1,
        )])
        .await;
}

#[tokio::test]
async fn a_prune_job_prunes_sessions_older_than_its_cut_off() {
    let mut mocks = MockPorts::new();
    mocks
        .sessions
        .expect_prune()
        .with(eq(NOW))
        .times(1)
        .returning(|_| Ok(3));
    mocks
        .queue
        .expect_complete()
        .with(eq(job_id(1)))
        .times(1)
        .returning(|_| Ok(()));
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![leased(
            1,
            JobPayload::PruneSessions { before: NOW },
            Priority::Background,
            1,
        )])
        .await;
}

#[tokio::test]
async fn workers_finish_queued_jobs_and_those_waiting_out_a_backoff_before_stopping() {
    let mut mocks = MockPorts::new();
    let mut order = Sequence::new();
    let prune = |n| {
        leased(
            n,
            JobPayload::PruneSessions { before: NOW },
            Priority::Background,
            1,
        )
    };
    mocks
        .queue
        .expect_reserve()
        .times(1)
        .in_sequence(&mut order)
        .return_once(move |_, _| Ok(vec![prune(1)]));
    // Nothing ready, but one job still waits out its backoff: keep serving.
    mocks
        .queue
        .expect_reserve()
        .times(1)
        .in_sequence(&mut order)
        .return_once(|_, _| Ok(Vec::new()));
    mocks
        .queue
        .expect_pending()
        .times(1)
        .in_sequence(&mut order)
        .return_once(|| Ok(1));
    mocks
        .queue
        .expect_reserve()
        .times(1)
        .in_sequence(&mut order)
        .return_once(move |_, _| Ok(vec![prune(2)]));
    mocks
        .queue
        .expect_reserve()
        .times(1)
        .in_sequence(&mut order)
        .return_once(|_, _| Ok(Vec::new()));
    mocks
        .queue
        .expect_pending()
        .times(1)
        .in_sequence(&mut order)
        .return_once(|| Ok(0));
    mocks.sessions.expect_prune().times(2).returning(|_| Ok(0));
    mocks.queue.expect_complete().times(2).returning(|_| Ok(()));
    let pending = PendingSends::new();
    let workers = workers(mocks, &pending);
    let (stop, shutdown) = watch::channel(false);
    stop.send(true).expect("the workers listen");

    for handle in workers.spawn(1, shutdown) {
        tokio::time::timeout(Duration::from_secs(5), handle)
            .await
            .expect("the worker stops once the queue is drained")
            .expect("the worker ran as expected");
    }
}

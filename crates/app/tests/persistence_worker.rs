//! The job workers: group-committed persistence, what is published after a commit and in which
//! order, retries with backoff, the other job kinds, and draining at shutdown.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chat_app::messaging::PendingSends;
use chat_domain::{ClientMsgId, Message, NewMessage, RoomId, Seq};
use chat_ports::{Appended, BusEvent, JobPayload, LeasedJob, NewJob, Priority};
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
    mocks.queue.expect_complete().returning(|_| Ok(()));
    mocks.rooms.expect_mark_read().returning(|_, _, _| Ok(()));
}

fn created_seqs(events: &[BusEvent]) -> Vec<u64> {
    events
        .iter()
        .filter_map(|e| match e {
            BusEvent::MessageCreated { message } => Some(message.seq.get()),
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
async fn committed_messages_are_published_once_each_in_seq_order() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    let published = record_publishes(&mut mocks.bus);
    bookkeeping_succeeds(&mut mocks);
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;

    assert_eq!(created_seqs(&recorded(&published)), vec![4, 5, 6]);
}

#[tokio::test]
async fn every_committed_job_is_completed() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    record_publishes(&mut mocks.bus);
    mocks.rooms.expect_mark_read().returning(|_, _, _| Ok(()));
    for n in 1..=3 {
        mocks
            .queue
            .expect_complete()
            .with(eq(job_id(n)))
            .times(1)
            .returning(|_| Ok(()));
    }
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
    mocks.queue.expect_complete().returning(|_| Ok(()));
    for (room, user, seq) in [(3, 1, 12), (3, 2, 11), (4, 1, 10)] {
        mocks
            .rooms
            .expect_mark_read()
            .with(eq(room_id(room)), eq(user_id(user)), eq(Seq(seq)))
            .times(1)
            .returning(|_, _, _| Ok(()));
    }
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;
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
async fn the_first_message_of_a_private_room_announces_the_room_to_both_members_before_itself() {
    let first = new_message(1, room_id(7), user_id(1));
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 1);
    bookkeeping_succeeds(&mut mocks);
    mocks
        .rooms
        .expect_find_room()
        .with(eq(room_id(7)))
        .returning(|_| Ok(Some(private_room(7))));
    mocks
        .rooms
        .expect_list_members()
        .with(eq(room_id(7)))
        .returning(|room| {
            Ok(vec![
                member(room, &user(1, "alice")),
                member(room, &user(2, "bob")),
            ])
        });
    let mut order = Sequence::new();
    for joiner in [user_id(1), user_id(2)] {
        mocks
            .bus
            .expect_publish()
            .withf(move |event| {
                matches!(event, BusEvent::RoomJoined { user_id: joined, room }
                    if *joined == joiner
                        && room.room == private_room(7)
                        && room.members.iter().map(|m| m.id).collect::<Vec<_>>() == [user_id(1), user_id(2)])
            })
            .times(1)
            .in_sequence(&mut order)
            .returning(|_| Ok(()));
    }
    mocks
        .bus
        .expect_publish()
        .withf(
            |event| matches!(event, BusEvent::MessageCreated { message } if message.seq == Seq(1)),
        )
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &first, 1)])
        .await;
}

#[tokio::test]
async fn the_first_message_of_a_group_announces_no_room() {
    let first = new_message(1, room_id(3), user_id(1));
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 1);
    bookkeeping_succeeds(&mut mocks);
    mocks
        .rooms
        .expect_find_room()
        .returning(|_| Ok(Some(group_room(3))));
    mocks.rooms.expect_list_members().never();
    let published = record_publishes(&mut mocks.bus);
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &first, 1)])
        .await;

    assert_eq!(
        recorded(&published),
        vec![BusEvent::MessageCreated {
            message: stored(&first, 1)
        }]
    );
}

#[tokio::test]
async fn a_later_message_of_a_private_room_announces_nothing() {
    let second = new_message(2, room_id(7), user_id(2));
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 2);
    bookkeeping_succeeds(&mut mocks);
    mocks.rooms.expect_find_room().never();
    let published = record_publishes(&mut mocks.bus);
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &second, 1)])
        .await;

    assert_eq!(
        recorded(&published),
        vec![BusEvent::MessageCreated {
            message: stored(&second, 2)
        }]
    );
}

#[tokio::test]
async fn a_duplicate_settles_the_waiting_send_with_the_original_and_announces_the_deduplication() {
    let key = ClientMsgId::parse("c-1").expect("a valid client_msg_id");
    let retry = NewMessage {
        client_msg_id: Some(key.clone()),
        ..new_message(2, room_id(3), user_id(1))
    };
    let original = Message {
        client_msg_id: Some(key),
        ..stored(&new_message(1, room_id(3), user_id(1)), 8)
    };
    let mut mocks = MockPorts::new();
    let answer = original.clone();
    mocks
        .messages
        .expect_append_batch()
        .return_once(move |_| Ok(vec![Appended::Duplicate(answer)]));
    // Only the deduplication is published: no second MessageCreated for the original.
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::SendDeduplicated {
            pending_id: retry.id,
            original: original.clone(),
        }))
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .queue
        .expect_complete()
        .with(eq(job_id(1)))
        .times(1)
        .returning(|_| Ok(()));
    mocks.rooms.expect_mark_read().never();
    let pending = PendingSends::new();
    let waiter = pending.register(retry.id);

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &retry, 1)])
        .await;

    assert_eq!(waiter.wait().await, Some(original));
}

#[tokio::test]
async fn a_failed_group_commit_falls_back_to_writing_each_message_alone() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_append_batch()
        .withf(|batch| batch.len() == 3)
        .times(1)
        .returning(|_| Err(store_down()));
    for (seq, message) in (4..).zip(messages.clone()) {
        let alone = message.clone();
        mocks
            .messages
            .expect_append_batch()
            .withf(move |batch| batch == std::slice::from_ref(&alone))
            .times(1)
            .returning(move |_| Ok(vec![Appended::Created(stored(&message, seq))]));
    }
    let published = record_publishes(&mut mocks.bus);
    bookkeeping_succeeds(&mut mocks);
    mocks.queue.expect_retry().never();
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;

    assert_eq!(created_seqs(&recorded(&published)), vec![4, 5, 6]);
}

#[tokio::test]
async fn only_the_message_that_fails_alone_is_retried_after_a_failed_group_commit() {
    let messages = group_messages(3);
    let bad = messages[1].id;
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_append_batch()
        .returning(move |batch| {
            if batch.len() > 1 || batch[0].id == bad {
                Err(store_down())
            } else {
                Ok(vec![Appended::Created(stored(&batch[0], 4))])
            }
        });
    record_publishes(&mut mocks.bus);
    mocks.rooms.expect_mark_read().returning(|_, _, _| Ok(()));
    mocks
        .queue
        .expect_complete()
        .with(eq(job_id(1)))
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .queue
        .expect_complete()
        .with(eq(job_id(3)))
        .times(1)
        .returning(|_| Ok(()));
    mocks.queue.expect_complete().with(eq(job_id(2))).never();
    mocks
        .queue
        .expect_retry()
        .with(eq(job_id(2)), eq(config().job_backoff_base))
        .times(1)
        .returning(|_, _| Ok(()));
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;
}

#[tokio::test]
async fn a_failed_write_before_the_last_attempt_is_retried_after_a_doubling_backoff() {
    for (attempt, delay) in [
        (1, Duration::from_millis(100)),
        (2, Duration::from_millis(200)),
    ] {
        let message = new_message(1, room_id(3), user_id(1));
        let mut mocks = MockPorts::new();
        mocks
            .messages
            .expect_append_batch()
            .returning(|_| Err(store_down()));
        mocks
            .queue
            .expect_retry()
            .with(eq(job_id(1)), eq(delay))
            .times(1)
            .returning(|_, _| Ok(()));
        mocks.queue.expect_complete().never();
        mocks.dead_letters.expect_insert().never();
        let pending = PendingSends::new();

        workers(mocks, &pending)
            .handle(vec![persist_job(1, &message, attempt)])
            .await;
    }
}

#[tokio::test]
async fn an_event_the_bus_refuses_is_queued_for_retry_at_normal_priority() {
    let message = new_message(1, room_id(3), user_id(1));
    let event = BusEvent::MessageCreated {
        message: stored(&message, 4),
    };
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    bookkeeping_succeeds(&mut mocks);
    mocks.bus.expect_publish().returning(|_| Err(bus_down()));
    mocks
        .queue
        .expect_enqueue()
        .withf(move |job| {
            job.payload
                == JobPayload::PublishEvent {
                    event: event.clone(),
                }
                && job.priority == Priority::Normal
                && job.delay == config().job_backoff_base
                && job.attempts == 0
        })
        .times(1)
        .returning(|_| Ok(()));
    let pending = PendingSends::new();
    let waiter = pending.register(message.id);

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &message, 1)])
        .await;

    // The message is committed, so its send is answered although the bus is down.
    assert_eq!(waiter.wait().await, Some(stored(&message, 4)));
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
async fn a_publish_event_job_the_bus_refuses_again_is_retried_not_queued_anew() {
    let event = BusEvent::SessionRevoked {
        session_id: session_id(1),
    };
    let mut mocks = MockPorts::new();
    mocks.bus.expect_publish().returning(|_| Err(bus_down()));
    mocks
        .queue
        .expect_retry()
        .with(eq(job_id(1)), eq(config().job_backoff_base))
        .times(1)
        .returning(|_, _| Ok(()));
    mocks.queue.expect_enqueue().never();
    mocks.queue.expect_complete().never();
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

/// Events in the order something did them.
type EventLog = Arc<Mutex<Vec<BusEvent>>>;

/// Publishes everything except the first event `refused` matches, recording what got through;
/// returns the events published now and the events queued for a later retry, in order.
fn bus_refuses_once(
    mocks: &mut MockPorts,
    refused: impl Fn(&BusEvent) -> bool + Send + 'static,
) -> (EventLog, EventLog) {
    let published = Arc::new(Mutex::new(Vec::new()));
    let queued = Arc::new(Mutex::new(Vec::new()));
    let (to_bus, to_queue) = (Arc::clone(&published), Arc::clone(&queued));
    let mut refused_yet = false;
    mocks.bus.expect_publish().returning(move |event| {
        if !refused_yet && refused(event) {
            refused_yet = true;
            return Err(bus_down());
        }
        to_bus
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event.clone());
        Ok(())
    });
    mocks.queue.expect_enqueue().returning(move |job: NewJob| {
        if let JobPayload::PublishEvent { event } = job.payload {
            to_queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(event);
        }
        Ok(())
    });
    (published, queued)
}

/// The order clients get the events in: what was published now, then what the retries publish.
fn delivery_order(
    published: &Mutex<Vec<BusEvent>>,
    queued: &Mutex<Vec<BusEvent>>,
) -> Vec<BusEvent> {
    recorded(published)
        .into_iter()
        .chain(recorded(queued))
        .collect()
}

#[tokio::test]
async fn a_room_announcement_the_bus_refuses_is_not_overtaken_by_the_first_message() {
    let first = new_message(1, room_id(7), user_id(1));
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 1);
    bookkeeping_succeeds(&mut mocks);
    mocks
        .rooms
        .expect_find_room()
        .returning(|_| Ok(Some(private_room(7))));
    mocks.rooms.expect_list_members().returning(|room| {
        Ok(vec![
            member(room, &user(1, "alice")),
            member(room, &user(2, "bob")),
        ])
    });
    let is_alice_joining =
        |e: &BusEvent| matches!(e, BusEvent::RoomJoined { user_id: u, .. } if *u == user_id(1));
    let (published, queued) = bus_refuses_once(&mut mocks, is_alice_joining);
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &first, 1)])
        .await;

    let order = delivery_order(&published, &queued);
    let joined = order
        .iter()
        .position(is_alice_joining)
        .expect("Alice's announcement is not lost");
    let message = order
        .iter()
        .position(|e| matches!(e, BusEvent::MessageCreated { .. }))
        .expect("the message is not lost");
    assert!(
        joined < message,
        "room_joined must reach Alice before the room's first message; delivery order: {order:?}"
    );
}

#[tokio::test]
async fn a_message_the_bus_refuses_is_not_overtaken_by_the_next_message_of_its_room() {
    let messages = group_messages(2);
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    bookkeeping_succeeds(&mut mocks);
    let first_message = BusEvent::MessageCreated {
        message: stored(&messages[0], 4),
    };
    let (published, queued) = bus_refuses_once(&mut mocks, move |e| *e == first_message);
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;

    assert_eq!(
        created_seqs(&delivery_order(&published, &queued)),
        vec![4, 5],
        "members must get a room's messages in seq order"
    );
}

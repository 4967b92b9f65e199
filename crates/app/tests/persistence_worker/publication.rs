//! What a commit publishes and in which order: messages in seq order, the announcement of a new
//! private room before its first message, deduplicated retries, and events the bus refuses.

use chat_domain::{ClientMsgId, Message};
use chat_ports::NewJob;

use super::*;

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
    // One publication for the commit: both announcements, then the message.
    mocks
        .bus
        .expect_publish_all()
        .withf(|events| {
            let joined = |event: &BusEvent, joiner| {
                matches!(event, BusEvent::RoomJoined { user_id: joined, room }
                    if *joined == joiner
                        && room.room == private_room(7)
                        && room.members.iter().map(|m| m.id).collect::<Vec<_>>() == [user_id(1), user_id(2)])
            };
            matches!(events, [alice, bob, BusEvent::MessageCreated { message, .. }]
                if joined(alice, user_id(1)) && joined(bob, user_id(2)) && message.seq == Seq(1))
        })
        .times(1)
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
            message: stored(&first, 1),
            reply_preview: None
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
            message: stored(&second, 2),
            reply_preview: None
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
    let deduplicated = BusEvent::SendDeduplicated {
        pending_id: retry.id,
        original: original.clone(),
    };
    mocks
        .bus
        .expect_publish_all()
        .withf(move |events| events == std::slice::from_ref(&deduplicated))
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .queue
        .expect_complete_all()
        .withf(|ids| ids == [job_id(1)])
        .times(1)
        .returning(|_| Ok(()));
    mocks.rooms.expect_mark_read_many().never();
    let pending = PendingSends::new();
    let waiter = pending.register(retry.id);

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &retry, 1)])
        .await;

    assert_eq!(waiter.wait().await, Some(original));
}

#[tokio::test]
async fn an_event_the_bus_refuses_is_queued_for_retry_at_normal_priority() {
    let message = new_message(1, room_id(3), user_id(1));
    let event = BusEvent::MessageCreated {
        message: stored(&message, 4),
        reply_preview: None,
    };
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    bookkeeping_succeeds(&mut mocks);
    mocks
        .bus
        .expect_publish_all()
        .returning(|_| Err(bus_down()));
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

/// Events in the order something did them.
type EventLog = Arc<Mutex<Vec<BusEvent>>>;

/// A bus that fails the first publication holding an event `refused` matches, having
/// published the events before it (a failed `publish_all` may have published any prefix);
/// returns the events published now and the events queued for a later retry, in order.
fn bus_refuses_once(
    mocks: &mut MockPorts,
    refused: impl Fn(&BusEvent) -> bool + Send + 'static,
) -> (EventLog, EventLog) {
    let published = Arc::new(Mutex::new(Vec::new()));
    let queued = Arc::new(Mutex::new(Vec::new()));
    let (to_bus, to_queue) = (Arc::clone(&published), Arc::clone(&queued));
    let mut refused_yet = false;
    mocks.bus.expect_publish_all().returning(move |events| {
        for event in events {
            if !refused_yet && refused(event) {
                refused_yet = true;
                return Err(bus_down());
            }
            to_bus
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(event.clone());
        }
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

// The protocol promises `room_joined` "always before any message of that room", and the
// module docs promise publication in commit order; a publish that fails and is retried later
// must not let the events after it go out first.
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

// The protocol promises every connection a room's messages "in seq order".
#[tokio::test]
async fn a_message_the_bus_refuses_is_not_overtaken_by_the_next_message_of_its_room() {
    let messages = group_messages(2);
    let mut mocks = MockPorts::new();
    store_commits_from(&mut mocks, 4);
    bookkeeping_succeeds(&mut mocks);
    let first_message = BusEvent::MessageCreated {
        message: stored(&messages[0], 4),
        reply_preview: None,
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

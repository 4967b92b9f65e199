//! The contract of the [`MessageStore`](chat_ports::MessageStore) port: seq allocation (from 1, consecutive in batch
//! order, gapless under racing batches), idempotent sends by `client_msg_id` (stored, repeated
//! within a batch, and racing), in [`history`] the reads: pages, latest per room, lookups, and
//! in [`changes`] the revs, edits, deletions, catch-up reads and unread counts.
//!
//! An adapter's test runs it with a factory that yields a fresh, empty [`MessageStores`] (user,
//! room and message stores over one database; messages go to rooms created through the room
//! store):
//!
//! ```text
//! chat_contract::messages::run_all(|| async { let db = fresh().await; MessageStores { users: db.users(), rooms: db.rooms(), messages: db.messages() } }).await;
//! ```

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

use chat_domain::{Rev, RoomId, Seq};
use chat_ports::Appended;

use crate::fixtures::{message, private_room, MessageStores};

pub mod changes;
pub mod history;

/// Concurrent batches in the gapless check.
const BATCHES: usize = 20;
/// Concurrent sends of one `client_msg_id` in the retry race check.
const RETRIES: usize = 10;

/// The read marker of `user` in `room`.
async fn read_seq(stores: &MessageStores, room: RoomId, user: chat_domain::UserId) -> Seq {
    stores
        .rooms
        .find_membership(room, user)
        .await
        .expect("find_membership")
        .expect("a member")
        .read_seq
}

/// Runs every check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = MessageStores>,
{
    a_batch_gets_consecutive_seqs_from_one_in_batch_order(make().await).await;
    a_batch_spanning_rooms_numbers_each_room_on_its_own(make().await).await;
    racing_batches_leave_gapless_seqs_in_every_room(make().await).await;
    a_stored_client_msg_id_comes_back_as_a_duplicate_of_the_original(make().await).await;
    a_client_msg_id_repeated_within_a_batch_is_a_duplicate_of_the_first(make().await).await;
    racing_retries_of_one_client_msg_id_store_it_once(make().await).await;
    an_empty_batch_stores_nothing(make().await).await;
    a_store_that_marks_senders_read_moves_each_to_its_newest_message(make().await).await;
    a_reachable_store_answers_ping(make().await).await;
    changes::run_all(&make).await;
    history::run_all(make).await;
}

/// Seqs of a room start at 1 and follow batch order; the next batch continues where it ended.
pub async fn a_batch_gets_consecutive_seqs_from_one_in_batch_order(stores: MessageStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let batch: Vec<_> = (0..5)
        .map(|i| {
            message(
                room.id,
                if i % 2 == 0 { a.id } else { b.id },
                &format!("hello {i}"),
                None,
            )
        })
        .collect();

    let appended = stores
        .messages
        .append_batch(&batch)
        .await
        .expect("append_batch");
    let expected: Vec<_> = batch
        .iter()
        .zip(1..)
        .map(|(new, n)| Appended::Created(new.clone().into_message(Seq(n), Rev(n))))
        .collect();
    assert_eq!(appended, expected);

    let next: Vec<_> = (0..3)
        .map(|i| message(room.id, a.id, &format!("more {i}"), None))
        .collect();
    let appended = stores
        .messages
        .append_batch(&next)
        .await
        .expect("append_batch");
    let seqs: Vec<u64> = appended.iter().map(|a| a.message().seq.get()).collect();
    assert_eq!(seqs, [6, 7, 8]);
}

/// Messages of several rooms in one batch: each room counts its own seqs, in batch order.
pub async fn a_batch_spanning_rooms_numbers_each_room_on_its_own(stores: MessageStores) {
    let (first, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (second, c, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let batch = vec![
        message(first.id, a.id, "1 in first", None),
        message(second.id, c.id, "1 in second", None),
        message(first.id, a.id, "2 in first", None),
        message(first.id, a.id, "3 in first", None),
        message(second.id, c.id, "2 in second", None),
    ];
    let appended = stores
        .messages
        .append_batch(&batch)
        .await
        .expect("append_batch");
    let placed: Vec<(RoomId, u64, u64)> = appended
        .iter()
        .map(Appended::message)
        .map(|m| (m.room_id, m.seq.get(), m.rev.get()))
        .collect();
    assert_eq!(
        placed,
        [
            (first.id, 1, 1),
            (second.id, 1, 1),
            (first.id, 2, 2),
            (first.id, 3, 3),
            (second.id, 2, 2)
        ],
        "seqs and revs count per room"
    );
    assert!(appended.iter().all(|a| matches!(a, Appended::Created(_))));
}

/// Many concurrent batches mixing three rooms: every room ends with seqs 1..=n, no gap, no
/// repeat, and each batch's messages keep their batch order within a room.
pub async fn racing_batches_leave_gapless_seqs_in_every_room(stores: MessageStores) {
    let mut rooms = Vec::new();
    for _ in 0..3 {
        let (room, sender, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
        rooms.push((room.id, sender.id));
    }
    let tasks: Vec<_> = (0..BATCHES)
        .map(|b| {
            let batch: Vec<_> = (0..(2 + b % 4))
                .map(|i| {
                    let (room, sender) = rooms[(b + i) % rooms.len()];
                    message(room, sender, &format!("batch {b} message {i}"), None)
                })
                .collect();
            let messages = Arc::clone(&stores.messages);
            tokio::spawn(async move { messages.append_batch(&batch).await })
        })
        .collect();
    let mut seqs: BTreeMap<RoomId, Vec<(u64, u64)>> = BTreeMap::new();
    for task in tasks {
        let appended = task.await.expect("batch task").expect("append_batch");
        let mut last_in_batch: BTreeMap<RoomId, u64> = BTreeMap::new();
        for outcome in appended {
            let Appended::Created(message) = outcome else {
                panic!("nothing in these batches is a duplicate");
            };
            let previous = last_in_batch.insert(message.room_id, message.seq.get());
            assert!(
                previous < Some(message.seq.get()),
                "batch order is seq order within a room"
            );
            assert_eq!(message.rev, message.created_rev, "created at its rev");
            let placed = (message.seq.get(), message.rev.get());
            seqs.entry(message.room_id).or_default().push(placed);
        }
    }
    for (room, placed) in seqs {
        let (mut taken, mut revs): (Vec<u64>, Vec<u64>) = placed.into_iter().unzip();
        taken.sort_unstable();
        revs.sort_unstable();
        let expected: Vec<u64> = (1..=taken.len() as u64).collect();
        assert_eq!(
            (&taken, &revs),
            (&expected, &expected),
            "seqs and revs of room {room} are gapless and unique"
        );
        let stored = stores
            .messages
            .page(room, chat_ports::HistoryCursor::Latest, 1000)
            .await
            .expect("page");
        let stored: Vec<u64> = stored.iter().map(|m| m.seq.get()).collect();
        assert_eq!(stored, expected, "what is stored matches what was reported");
    }
}

/// Sending again with a stored `(room, sender, client_msg_id)` returns the original and
/// stores nothing; the room's seqs go on as if the retry never happened.
pub async fn a_stored_client_msg_id_comes_back_as_a_duplicate_of_the_original(
    stores: MessageStores,
) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let original = message(room.id, a.id, "first try", Some("send-1"));
    let stored = stores
        .messages
        .append_batch(std::slice::from_ref(&original))
        .await
        .expect("append_batch");
    let first = original.clone().into_message(Seq(1), Rev(1));
    assert_eq!(stored, [Appended::Created(first.clone())]);

    let retry = message(room.id, a.id, "second try", Some("send-1"));
    let after = message(room.id, a.id, "something new", None);
    let appended = stores
        .messages
        .append_batch(&[retry, after.clone()])
        .await
        .expect("append_batch");
    assert_eq!(appended[0], Appended::Duplicate(first));
    let second = after.into_message(Seq(2), Rev(2));
    assert_eq!(appended[1], Appended::Created(second));
}

/// A key repeated later in the same batch is a duplicate of its first occurrence; the same key
/// from another sender or in another room is a different message.
pub async fn a_client_msg_id_repeated_within_a_batch_is_a_duplicate_of_the_first(
    stores: MessageStores,
) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other_room, c, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let first = message(room.id, a.id, "one", Some("k"));
    let batch = vec![
        first.clone(),
        message(room.id, a.id, "two", Some("k2")),
        message(room.id, a.id, "one again", Some("k")),
        message(room.id, b.id, "same key, other sender", Some("k")),
        message(other_room.id, c.id, "same key, other room", Some("k")),
    ];
    let appended = stores
        .messages
        .append_batch(&batch)
        .await
        .expect("append_batch");
    let first_stored = first.into_message(Seq(1), Rev(1));
    assert_eq!(appended[0], Appended::Created(first_stored.clone()));
    assert!(matches!(&appended[1], Appended::Created(m) if m.seq == Seq(2)));
    assert_eq!(appended[2], Appended::Duplicate(first_stored));
    assert!(matches!(&appended[3], Appended::Created(m) if m.seq == Seq(3) && m.sender_id == b.id));
    assert!(
        matches!(&appended[4], Appended::Created(m) if m.seq == Seq(1) && m.room_id == other_room.id)
    );
}

/// Concurrent sends with one key (a client retrying over several connections): exactly one is
/// stored, and every other call reports it as the duplicate.
pub async fn racing_retries_of_one_client_msg_id_store_it_once(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let tasks: Vec<_> = (0..RETRIES)
        .map(|i| {
            let messages = Arc::clone(&stores.messages);
            let send = message(room.id, a.id, &format!("attempt {i}"), Some("retried"));
            tokio::spawn(async move { messages.append_batch(&[send]).await })
        })
        .collect();
    let mut created = Vec::new();
    let mut duplicates = Vec::new();
    for task in tasks {
        let mut appended = task.await.expect("send task").expect("append_batch");
        assert_eq!(appended.len(), 1);
        match appended.remove(0) {
            Appended::Created(message) => created.push(message),
            Appended::Duplicate(message) => duplicates.push(message),
        }
    }
    assert_eq!(created.len(), 1, "exactly one racing send is stored");
    assert_eq!(created[0].seq, Seq(1));
    assert!(
        duplicates.iter().all(|d| *d == created[0]),
        "every other send gets the stored one"
    );
    let stored = stores
        .messages
        .page(room.id, chat_ports::HistoryCursor::Latest, 100)
        .await
        .expect("page");
    assert_eq!(stored, created);
}

/// An empty batch is answered with no results and takes no seq.
pub async fn an_empty_batch_stores_nothing(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    assert!(stores
        .messages
        .append_batch(&[])
        .await
        .expect("append_batch")
        .is_empty());
    let appended = stores
        .messages
        .append_batch(&[message(room.id, a.id, "hi", None)])
        .await
        .expect("append");
    assert_eq!(appended[0].message().seq, Seq(1));
}

/// A reachable store answers its readiness probe.
pub async fn a_reachable_store_answers_ping(stores: MessageStores) {
    stores.messages.ping().await.expect("ping");
}

/// [`marks_senders_read`](chat_ports::MessageStore::marks_senders_read) tells the truth: a
/// store that says yes leaves each sender's marker at its newest message of the batch, in the
/// same commit; one that says no leaves the markers where they were, for the worker to move.
pub async fn a_store_that_marks_senders_read_moves_each_to_its_newest_message(
    stores: MessageStores,
) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let batch = vec![
        message(room.id, a.id, "one", None),
        message(room.id, b.id, "two", None),
        message(room.id, a.id, "three", None),
    ];
    stores
        .messages
        .append_batch(&batch)
        .await
        .expect("append_batch");

    let markers = (
        read_seq(&stores, room.id, a.id).await,
        read_seq(&stores, room.id, b.id).await,
    );
    if stores.messages.marks_senders_read() {
        assert_eq!(markers, (Seq(3), Seq(2)));
    } else {
        assert_eq!(markers, (Seq(0), Seq(0)));
    }
}

//! What a batch costs in MongoDB commands, read from the store's own counter (the metric).
//!
//! The target is at most 0.1 round trips per message under load: a batch pays one `find` and
//! one `insert_many`, whatever its size and however many rooms it spans. An edit is one
//! `findAndModify` and a deletion a `find` and a `findAndModify` (their revs come from SQL);
//! each read of a resume is one command.

use chat_contract::fixtures::{at, message, private_room};
use chat_domain::{MessageBody, Rev, Seq, UserId};
use chat_ports::{Appended, MessageStore};

use crate::provision::{announce, Mongo};

/// Rooms in the batch.
const ROOMS: usize = 50;
/// Messages in the batch.
const MESSAGES: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_of_a_hundred_messages_over_fifty_rooms_costs_at_most_three_round_trips() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (users, rooms) = (fresh.sql.users(), fresh.sql.rooms());
    let mut senders = Vec::new();
    for _ in 0..ROOMS {
        let (room, sender, _) = private_room(users.as_ref(), rooms.as_ref()).await;
        senders.push((room.id, sender.id));
    }
    let batch: Vec<_> = (0..MESSAGES)
        .map(|i| {
            let (room, sender) = senders[i % ROOMS];
            let key = format!("send-{i}");
            message(room, sender, &format!("message {i}"), Some(key.as_str()))
        })
        .collect();

    let before = fresh.store.round_trips();
    let appended = fresh
        .store
        .append_batch(&batch)
        .await
        .expect("append_batch");
    let cost = fresh.store.round_trips() - before;
    announce(&format!(
        "MongoDB round trips: {cost} for a batch of {MESSAGES} messages over {ROOMS} rooms ({:.3} per message)",
        cost as f64 / MESSAGES as f64
    ));
    assert!(cost <= 3, "a batch costs {cost} round trips");
    assert!(appended.iter().all(|a| matches!(a, Appended::Created(_))));
    let second_in_room: Vec<_> = appended[ROOMS..].iter().map(|a| a.message().seq).collect();
    assert!(second_in_room.iter().all(|seq| *seq == Seq(2)));

    // The worker sending the same batch again (its jobs were handed out twice) finds every
    // original in the lookup and writes nothing.
    let before = fresh.store.round_trips();
    let again = fresh
        .store
        .append_batch(&batch)
        .await
        .expect("append_batch");
    let cost = fresh.store.round_trips() - before;
    assert_eq!(cost, 1, "a batch of duplicates is one lookup");
    let originals: Vec<_> = appended
        .into_iter()
        .map(|a| Appended::Duplicate(a.message().clone()))
        .collect();
    assert_eq!(again, originals);
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_and_the_reads_of_a_resume_cost_one_or_two_round_trips() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (users, rooms) = (fresh.sql.users(), fresh.sql.rooms());
    let mut markers = Vec::new();
    let mut sent = Vec::new();
    for _ in 0..3 {
        let (room, sender, _) = private_room(users.as_ref(), rooms.as_ref()).await;
        markers.push((room.id, Seq::ZERO));
        sent.push(message(room.id, sender.id, "hello @someone", None));
    }
    fresh.store.append_batch(&sent).await.expect("append_batch");
    let (room, id) = (sent[0].room_id, sent[0].id);
    let store = &fresh.store;
    let cost = |before: u64| store.round_trips() - before;
    let body = MessageBody::parse("edited", 100).expect("a body");

    let before = store.round_trips();
    store.edit(room, id, &body, at(10)).await.expect("edit");
    let edit = cost(before);
    let before = store.round_trips();
    store.delete(room, id, at(20)).await.expect("delete");
    let delete = cost(before);
    let before = store.round_trips();
    store.delete(room, id, at(30)).await.expect("delete again");
    let delete_again = cost(before);
    let before = store.round_trips();
    store.edit_history(room, id).await.expect("edit_history");
    store
        .changes_since(room, Rev::ZERO, 10)
        .await
        .expect("changes_since");
    store
        .find_many(room, &[id, sent[1].id])
        .await
        .expect("find_many");
    let reader = UserId::new_v7();
    let counts = store.unread_counts(reader, "@someone", &markers).await;
    assert_eq!(counts.expect("unread_counts").len(), 3);
    let reads = cost(before);
    announce(&format!(
        "MongoDB round trips: edit {edit}, delete {delete}, delete of a tombstone {delete_again}, \
         edit_history + changes_since + find_many + unread_counts over 3 rooms {reads}"
    ));
    assert_eq!((edit, delete, delete_again, reads), (1, 2, 1, 4));
    mongo.cleanup().await;
}

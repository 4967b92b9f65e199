//! Promises this adapter makes beyond the contract: two nodes storing the same send at once,
//! a message id reused for another room, a batch for a room that does not exist, and
//! documents that cannot be read.
//!
//! Two stores over one database and one allocator stand for two nodes. Their allocator meets
//! at a barrier, so both have looked for the send (and found nothing) before either writes:
//! the unique indexes then decide, exactly as they would between two servers.

use std::sync::Arc;

use async_trait::async_trait;
use chat_contract::fixtures::{message, private_room};
use chat_domain::{Message, Rev, RoomId, Seq};
use chat_ports::{Appended, HistoryCursor, MessageStore, SeqAllocator, SeqRange, StoreError};
use mongodb::bson::doc;
use tokio::sync::Barrier;

use crate::provision::{sqlite, Mongo};

/// An allocator whose callers wait for each other before they get their seqs.
struct Rendezvous {
    inner: Arc<dyn SeqAllocator>,
    barrier: Barrier,
}

#[async_trait]
impl SeqAllocator for Rendezvous {
    async fn allocate(&self, requests: &[(RoomId, u32)]) -> Result<Vec<SeqRange>, StoreError> {
        self.barrier.wait().await;
        self.inner.allocate(requests).await
    }

    async fn allocate_rev(&self, room: RoomId) -> Result<Rev, StoreError> {
        self.inner.allocate_rev(room).await
    }

    async fn last_revs(&self, rooms: &[RoomId]) -> Result<Vec<(RoomId, Rev)>, StoreError> {
        self.inner.last_revs(rooms).await
    }

    async fn last_allocated(&self, room: RoomId) -> Result<Seq, StoreError> {
        self.inner.last_allocated(room).await
    }

    async fn record_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError> {
        self.inner.record_gaps(gaps).await
    }

    async fn list_gaps(&self, limit: u32) -> Result<Vec<(RoomId, Seq)>, StoreError> {
        self.inner.list_gaps(limit).await
    }

    async fn clear_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError> {
        self.inner.clear_gaps(gaps).await
    }
}

/// Exactly one of two outcomes is `Created`, and the other is a duplicate of it.
fn one_created_one_duplicate(first: Appended, second: Appended) -> Message {
    match (first, second) {
        (Appended::Created(created), Appended::Duplicate(original))
        | (Appended::Duplicate(original), Appended::Created(created)) => {
            assert_eq!(original, created, "the loser reports the winner's message");
            created
        }
        other => panic!("expected one created and one duplicate, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_nodes_storing_one_send_store_it_once_and_fill_the_losers_seq() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let sql = sqlite().await;
    let (room, a, _) = private_room(sql.users().as_ref(), sql.rooms().as_ref()).await;
    let allocator = Arc::new(Rendezvous {
        inner: sql.sequences(),
        barrier: Barrier::new(2),
    });
    let uri = mongo.uri_for(&mongo.new_database());
    let node_a = Arc::new(mongo.store_on(&uri, allocator.clone()).await);
    let node_b = Arc::new(mongo.store_on(&uri, allocator).await);

    // A client retrying one send through both nodes: same key, different message ids.
    let on_a = message(room.id, a.id, "first try", Some("retried"));
    let on_b = message(room.id, a.id, "second try", Some("retried"));
    let (first, second) = tokio::join!(
        node_a.append_batch(std::slice::from_ref(&on_a)),
        node_b.append_batch(std::slice::from_ref(&on_b)),
    );
    let winner = one_created_one_duplicate(
        first.expect("node a").remove(0),
        second.expect("node b").remove(0),
    );

    // A persistence job handed out to both nodes: the same message, twice.
    let job = message(room.id, a.id, "once", None);
    let (first, second) = tokio::join!(
        node_a.append_batch(std::slice::from_ref(&job)),
        node_b.append_batch(std::slice::from_ref(&job)),
    );
    let stored_job = one_created_one_duplicate(
        first.expect("node a").remove(0),
        second.expect("node b").remove(0),
    );
    assert_eq!(stored_job.id, job.id);

    // Four seqs were taken; the two losers' seqs hold tombstones, so history stays gapless,
    // and every document holds a rev of its own.
    let history = node_a
        .page(room.id, HistoryCursor::Latest, 10)
        .await
        .expect("page");
    let seqs: Vec<u64> = history.iter().map(|m| m.seq.get()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    let mut revs: Vec<u64> = history.iter().map(|m| m.rev.get()).collect();
    revs.sort_unstable();
    revs.dedup();
    assert_eq!(revs.len(), 4, "revs are unique: {history:?}");
    let live: Vec<&Message> = history.iter().filter(|m| !m.deleted).collect();
    assert_eq!(live, [&winner, &stored_job]);
    assert!(history
        .iter()
        .filter(|m| m.deleted)
        .all(|m| m.body.is_none()));
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_message_id_reused_for_another_room_is_a_conflict() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (users, rooms) = (fresh.sql.users(), fresh.sql.rooms());
    let (room, a, _) = private_room(users.as_ref(), rooms.as_ref()).await;
    let (elsewhere, _, _) = private_room(users.as_ref(), rooms.as_ref()).await;
    let sent = message(room.id, a.id, "once", None);
    fresh
        .store
        .append_batch(std::slice::from_ref(&sent))
        .await
        .expect("append");
    let mut hijacked = sent;
    hijacked.room_id = elsewhere.id;
    let refused = fresh.store.append_batch(&[hijacked]).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let last = fresh
        .sql
        .sequences()
        .last_allocated(elsewhere.id)
        .await
        .expect("last");
    assert_eq!(last, Seq::ZERO, "a refused batch takes no seq");
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_naming_an_unknown_room_stores_nothing_and_takes_no_seq() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (room, a, _) = private_room(fresh.sql.users().as_ref(), fresh.sql.rooms().as_ref()).await;
    let batch = [
        message(room.id, a.id, "fine", None),
        message(RoomId::new_v7(), a.id, "lost", None),
    ];
    let failed = fresh.store.append_batch(&batch).await;
    assert!(matches!(failed, Err(StoreError::NotFound)), "{failed:?}");
    let page = fresh.store.page(room.id, HistoryCursor::Latest, 10).await;
    assert!(page.expect("page").is_empty());
    let retry = fresh.store.append_batch(&batch[..1]).await.expect("append");
    assert_eq!(
        retry[0].message().seq,
        Seq(1),
        "the failed batch took no seq"
    );
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn documents_that_cannot_be_decoded_are_reported_not_skipped() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (room, a, _) = private_room(fresh.sql.users().as_ref(), fresh.sql.rooms().as_ref()).await;
    let good = message(room.id, a.id, "fine", None);
    fresh
        .store
        .append_batch(std::slice::from_ref(&good))
        .await
        .expect("append");
    let planted = doc! {
        "_id": "not-a-uuid", "room_id": room.id.to_string(), "seq": 2_i64, "rev": 2_i64,
        "sender_id": a.id.to_string(), "created_at": "yesterday", "deleted": false,
    };
    mongo
        .messages(&fresh.database)
        .insert_one(planted)
        .await
        .expect("plant a bad document");

    let page = fresh.store.page(room.id, HistoryCursor::Latest, 10).await;
    assert!(
        matches!(page, Err(StoreError::Unavailable(_))),
        "a bad document fails the page: {page:?}"
    );
    let latest = fresh.store.latest_in_rooms(&[room.id]).await;
    assert!(
        matches!(latest, Err(StoreError::Unavailable(_))),
        "{latest:?}"
    );
    let older = fresh
        .store
        .page(room.id, HistoryCursor::Before(Seq(2)), 10)
        .await;
    assert_eq!(
        older.expect("the good part still reads"),
        [good.into_message(Seq(1), Rev(1))]
    );
    mongo.cleanup().await;
}

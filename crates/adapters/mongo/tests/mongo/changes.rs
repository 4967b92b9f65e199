//! Promises of this adapter's edits, deletions and unread counts beyond the contract: a change
//! that took its rev before a newer change of the same message was written takes a fresh one
//! instead of moving the message's rev backwards; bodies are stored as text even when they look
//! like update operators; documents written before revs existed are brought up to date; and
//! mentions ignore case.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chat_contract::fixtures::{at, message, private_room};
use chat_domain::{MessageBody, MessageId, Rev, RoomId, Seq};
use chat_ports::{HistoryCursor, MessageStore, SeqAllocator, SeqRange, StoreError};
use mongodb::bson::{doc, Document};
use mongodb::Collection;

use crate::provision::{sqlite, Mongo};

/// An allocator that, each time it is asked for a rev, takes the next entry of its list and,
/// if it names a message, lets "another node" change that message at a higher rev before
/// answering: the asking change then holds a rev below the message's.
struct Interloper {
    inner: Arc<dyn SeqAllocator>,
    messages: Collection<Document>,
    targets: Mutex<VecDeque<Option<MessageId>>>,
}

#[async_trait]
impl SeqAllocator for Interloper {
    async fn allocate(&self, requests: &[(RoomId, u32)]) -> Result<Vec<SeqRange>, StoreError> {
        self.inner.allocate(requests).await
    }

    async fn allocate_rev(&self, room: RoomId) -> Result<Rev, StoreError> {
        let rev = self.inner.allocate_rev(room).await?;
        let target = self.targets.lock().expect("not poisoned").pop_front();
        if let Some(Some(target)) = target {
            let newer = self.inner.allocate_rev(room).await?;
            let newer = i64::try_from(newer.get()).expect("a small rev");
            let change = doc! { "$set": { "rev": newer, "body": "from another node" } };
            let filter = doc! { "_id": target.to_string() };
            let changed = self.messages.update_one(filter, change).await;
            assert_eq!(changed.expect("interlope").modified_count, 1);
        }
        Ok(rev)
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

/// A valid body.
fn body(text: &str) -> MessageBody {
    MessageBody::parse(text, 4000).expect("a valid body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_overtaken_by_a_newer_one_takes_a_fresh_rev_instead_of_going_back() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let sql = sqlite().await;
    let (room, a, _) = private_room(sql.users().as_ref(), sql.rooms().as_ref()).await;
    let database = mongo.new_database();
    let interloper = Arc::new(Interloper {
        inner: sql.sequences(),
        messages: mongo.messages(&database),
        targets: Mutex::new(VecDeque::new()),
    });
    let store = mongo
        .store_on(&mongo.uri_for(&database), interloper.clone())
        .await;
    let batch = [
        message(room.id, a.id, "edit me", None),
        message(room.id, a.id, "delete me", None),
    ];
    store.append_batch(&batch).await.expect("append");
    interloper.targets.lock().expect("not poisoned").extend([
        Some(batch[0].id),
        None,
        Some(batch[1].id),
    ]);

    // Revs 1 and 2 are the creations. The edit takes 3, another node writes at 4 first, so
    // the edit runs again at 5; the deletion takes 6, loses to 7, and lands at 8.
    let edited = store
        .edit(room.id, batch[0].id, &body("mine"), at(10))
        .await;
    let edited = edited.expect("edit");
    assert_eq!((edited.rev, edited.body.as_deref()), (Rev(5), Some("mine")));
    let history = store.edit_history(room.id, batch[0].id).await;
    let history: Vec<String> = history
        .expect("history")
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(
        history,
        ["from another node"],
        "the body it replaced is the newer one"
    );
    let deleted = store.delete(room.id, batch[1].id, at(20)).await;
    let deleted = deleted.expect("delete");
    assert_eq!((deleted.rev, deleted.deleted), (Rev(8), true));
    let changes = store.changes_since(room.id, Rev(2), 10).await;
    let revs: Vec<u64> = changes
        .expect("changes")
        .iter()
        .map(|m| m.rev.get())
        .collect();
    assert_eq!(revs, [5, 8]);
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bodies_that_look_like_update_operators_are_stored_as_text() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (room, a, _) = private_room(fresh.sql.users().as_ref(), fresh.sql.rooms().as_ref()).await;
    let original = message(room.id, a.id, "$body", None);
    fresh
        .store
        .append_batch(std::slice::from_ref(&original))
        .await
        .expect("append");

    for text in ["$$NOW", "{ \"$set\": { \"deleted\": true } }", "$edits"] {
        let edited = fresh
            .store
            .edit(room.id, original.id, &body(text), at(10))
            .await;
        assert_eq!(edited.expect("edit").body.as_deref(), Some(text));
    }
    let history = fresh.store.edit_history(room.id, original.id).await;
    let history: Vec<String> = history
        .expect("history")
        .into_iter()
        .map(|e| e.body)
        .collect();
    assert_eq!(
        history,
        ["$body", "$$NOW", "{ \"$set\": { \"deleted\": true } }"]
    );
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn documents_stored_before_revs_existed_get_their_seq_as_rev() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let sql = sqlite().await;
    let (room, a, _) = private_room(sql.users().as_ref(), sql.rooms().as_ref()).await;
    let database = mongo.new_database();
    // As the previous version wrote them: no rev, no created_rev, no rev index.
    let old: Vec<Document> = (1..=3_i64)
        .map(|seq| {
            doc! {
                "_id": MessageId::new_v7().to_string(), "room_id": room.id.to_string(),
                "seq": seq, "sender_id": a.id.to_string(), "body": format!("old {seq}"),
                "created_at": mongodb::bson::DateTime::from_millis(seq), "deleted": false,
            }
        })
        .collect();
    let messages = mongo.messages(&database);
    messages
        .insert_many(old)
        .await
        .expect("plant old documents");

    let store = mongo
        .store_on(&mongo.uri_for(&database), sql.sequences())
        .await;
    let page = store
        .page(room.id, HistoryCursor::Latest, 10)
        .await
        .expect("page");
    let revs: Vec<(u64, u64, u64)> = page
        .iter()
        .map(|m| (m.seq.get(), m.rev.get(), m.created_rev.get()))
        .collect();
    assert_eq!(revs, [(1, 1, 1), (2, 2, 2), (3, 3, 3)]);
    store
        .ensure_indexes()
        .await
        .expect("a second run changes nothing");
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mentions_ignore_case() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (room, reader, other) =
        private_room(fresh.sql.users().as_ref(), fresh.sql.rooms().as_ref()).await;
    let shouted = format!("hey @{}", reader.username.as_str().to_uppercase());
    let batch = [message(room.id, other.id, &shouted, None)];
    fresh.store.append_batch(&batch).await.expect("append");
    let mention = format!("@{}", reader.username.as_str());
    let markers = [(room.id, Seq::ZERO)];
    let counts = fresh
        .store
        .unread_counts(reader.id, &mention, &markers)
        .await;
    let count = counts.expect("unread_counts")[&room.id];
    assert_eq!((count.unread, count.mentions), (1, 1));
    mongo.cleanup().await;
}

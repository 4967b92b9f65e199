//! Send keys, the one field the group commit's lookup reads: documents stored before they
//! existed get theirs when a new node starts, and a send stored by an older node without one
//! is still stored once.

use chat_contract::fixtures::{message, private_room};
use chat_domain::{MessageId, RoomId, Seq, UserId};
use chat_ports::{Appended, HistoryCursor, MessageStore, SeqAllocator};
use mongodb::bson::{doc, Document};

use crate::provision::{sqlite, Mongo};

/// A document as a node without send keys wrote it, at `seq` (taken from the allocator first).
fn old_document(
    id: MessageId,
    room: RoomId,
    sender: UserId,
    seq: u64,
    key: Option<&str>,
) -> Document {
    let seq = i64::try_from(seq).expect("a small seq");
    let mut old = doc! {
        "_id": id.to_string(), "room_id": room.to_string(), "seq": seq, "rev": seq,
        "created_rev": seq, "sender_id": sender.to_string(), "body": format!("old {seq}"),
        "created_at": mongodb::bson::DateTime::from_millis(seq), "deleted": false,
    };
    if let Some(key) = key {
        old.insert("client_msg_id", key);
    }
    old
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn documents_stored_before_send_keys_get_theirs_and_their_retries_take_no_seq() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let sql = sqlite().await;
    let (room, a, _) = private_room(sql.users().as_ref(), sql.rooms().as_ref()).await;
    sql.sequences()
        .allocate(&[(room.id, 2)])
        .await
        .expect("the old node took seqs 1 and 2");
    let (keyed, unkeyed) = (MessageId::new_v7(), MessageId::new_v7());
    let database = mongo.new_database();
    let messages = mongo.messages(&database);
    let old = [
        old_document(keyed, room.id, a.id, 1, Some("sent-before")),
        old_document(unkeyed, room.id, a.id, 2, None),
    ];
    messages
        .insert_many(old)
        .await
        .expect("plant old documents");

    let store = mongo
        .store_on(&mongo.uri_for(&database), sql.sequences())
        .await;
    let stored = messages
        .find_one(doc! { "_id": keyed.to_string() })
        .await
        .expect("find")
        .expect("the keyed document");
    let expected = format!("k/{}/{}/sent-before", room.id, a.id);
    assert_eq!(stored.get_str("send_key").ok(), Some(expected.as_str()));
    let stored = messages
        .find_one(doc! { "_id": unkeyed.to_string() })
        .await
        .expect("find")
        .expect("the unkeyed document");
    let expected = format!("i/{unkeyed}");
    assert_eq!(stored.get_str("send_key").ok(), Some(expected.as_str()));

    // A client retrying the keyed send (a new message id), the job of the unkeyed one run
    // again, and something new.
    let retry = message(room.id, a.id, "again", Some("sent-before"));
    let mut rerun = message(room.id, a.id, "old 2", None);
    rerun.id = unkeyed;
    let fresh = message(room.id, a.id, "new", None);
    let before = store.round_trips();
    let appended = store
        .append_batch(&[retry, rerun, fresh])
        .await
        .expect("append");
    let cost = store.round_trips() - before;
    let outcome: Vec<(bool, MessageId, Seq)> = appended
        .iter()
        .map(|a| {
            (
                matches!(a, Appended::Created(_)),
                a.message().id,
                a.message().seq,
            )
        })
        .collect();
    assert_eq!(
        outcome[..2],
        [(false, keyed, Seq(1)), (false, unkeyed, Seq(2))]
    );
    assert_eq!((outcome[2].0, outcome[2].2), (true, Seq(3)));
    assert_eq!(cost, 2, "found by the lookup, not after a refused insert");
    let last = sql.sequences().last_allocated(room.id).await.expect("last");
    assert_eq!(last, Seq(3), "the duplicates took no seq");
    store
        .ensure_indexes()
        .await
        .expect("a second run changes nothing");
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_send_an_older_node_stored_without_a_send_key_is_still_stored_once() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (room, a, _) = private_room(fresh.sql.users().as_ref(), fresh.sql.rooms().as_ref()).await;
    fresh
        .sql
        .sequences()
        .allocate(&[(room.id, 1)])
        .await
        .expect("the old node took seq 1");
    let original = MessageId::new_v7();
    let old = old_document(original, room.id, a.id, 1, Some("during-upgrade"));
    mongo
        .messages(&fresh.database)
        .insert_one(old)
        .await
        .expect("an old node's document, written after the upgrade began");

    let retry = message(room.id, a.id, "again", Some("during-upgrade"));
    let appended = fresh.store.append_batch(&[retry]).await.expect("append");
    assert!(
        matches!(&appended[..], [Appended::Duplicate(m)] if m.id == original),
        "{appended:?}"
    );
    let history = fresh
        .store
        .page(room.id, HistoryCursor::Latest, 10)
        .await
        .expect("page");
    let live: Vec<MessageId> = history
        .iter()
        .filter(|m| !m.deleted)
        .map(|m| m.id)
        .collect();
    assert_eq!(live, [original], "stored once: {history:?}");
    mongo.cleanup().await;
}

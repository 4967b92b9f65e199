//! The indexes exist as the store needs them, and the reads use them.
//!
//! Index use is read from the server's `explain`. SecantusDB, the wire-compatible server CI
//! runs here, answers `explain` but never uses an index for sorting (it takes the first index
//! that fits the filter, whatever the sort), and answers `$group` with `$first` without a
//! DISTINCT_SCAN: on it those checks are announced as not made instead of being asserted. Against a real MongoDB they are asserted.

use chat_contract::fixtures::{client_msg_id, message, private_room};
use chat_ports::MessageStore;
use mongodb::bson::{doc, Bson, Document};

use crate::provision::{announce, Mongo};

/// Every `stage` of a plan and every `indexName` in it, wherever they sit in the explain
/// output (its shape differs between server versions and query engines).
fn stages(explain: &Document) -> (Vec<String>, Vec<String>) {
    fn walk(value: &Bson, stages: &mut Vec<String>, indexes: &mut Vec<String>) {
        match value {
            Bson::Document(document) => {
                for (key, value) in document {
                    match (key.as_str(), value) {
                        ("stage", Bson::String(stage)) => stages.push(stage.clone()),
                        ("indexName", Bson::String(index)) => indexes.push(index.clone()),
                        _ => walk(value, stages, indexes),
                    }
                }
            }
            Bson::Array(values) => values.iter().for_each(|v| walk(v, stages, indexes)),
            _ => {}
        }
    }
    let (mut found_stages, mut found_indexes) = (Vec::new(), Vec::new());
    walk(
        &Bson::Document(explain.clone()),
        &mut found_stages,
        &mut found_indexes,
    );
    (found_stages, found_indexes)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_unique_indexes_exist_and_ensuring_them_again_changes_nothing() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    fresh
        .store
        .ensure_indexes()
        .await
        .expect("ensure_indexes is idempotent");
    let mut cursor = mongo
        .messages(&fresh.database)
        .list_indexes()
        .await
        .expect("list");
    let mut specs = Vec::new();
    while cursor.advance().await.expect("next index") {
        specs.push(cursor.deserialize_current().expect("an index"));
    }
    let by_name = |name: &str| {
        specs
            .iter()
            .find(|s| s.options.as_ref().and_then(|o| o.name.as_deref()) == Some(name))
            .unwrap_or_else(|| panic!("index {name} exists"))
    };
    let by_seq = by_name("ux_messages_room_seq");
    assert_eq!(by_seq.keys, doc! { "room_id": 1, "seq": 1 });
    assert_eq!(by_seq.options.as_ref().and_then(|o| o.unique), Some(true));
    let by_rev = by_name("ux_messages_room_rev");
    assert_eq!(by_rev.keys, doc! { "room_id": 1, "rev": 1 });
    assert_eq!(by_rev.options.as_ref().and_then(|o| o.unique), Some(true));
    let by_key = by_name("ux_messages_client_msg_id");
    assert_eq!(
        by_key.keys,
        doc! { "room_id": 1, "sender_id": 1, "client_msg_id": 1 }
    );
    let options = by_key.options.as_ref().expect("options");
    assert_eq!(options.unique, Some(true));
    assert_eq!(
        options.partial_filter_expression,
        Some(doc! { "client_msg_id": { "$type": "string" } })
    );
    let by_send_key = by_name("ux_messages_send_key");
    assert_eq!(by_send_key.keys, doc! { "send_key": 1 });
    let options = by_send_key.options.as_ref().expect("options");
    assert_eq!((options.unique, options.sparse), (Some(true), Some(true)));
    mongo.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn history_reads_and_key_lookups_are_answered_from_the_indexes() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let fresh = mongo.fresh().await;
    let (room, a, _) = private_room(fresh.sql.users().as_ref(), fresh.sql.rooms().as_ref()).await;
    let batch: Vec<_> = (0..20)
        .map(|i| {
            message(
                room.id,
                a.id,
                &format!("m {i}"),
                Some(format!("k-{i}").as_str()),
            )
        })
        .collect();
    fresh.store.append_batch(&batch).await.expect("append");
    let database = mongo.admin().database(&fresh.database);
    let explain = |command: Document| {
        let database = database.clone();
        async move {
            let explain = doc! { "explain": command, "verbosity": "queryPlanner" };
            database.run_command(explain).await.expect("explain")
        }
    };
    let room_id = room.id.to_string();

    // The shapes `reads` sends: a page before seq 15, a key lookup, the newest per room, the
    // changes since rev 10; and the lookup of a group commit.
    let page = explain(doc! {
        "find": "messages", "filter": { "room_id": &room_id, "seq": { "$lt": 15_i64 } },
        "sort": { "seq": -1 }, "limit": 5_i64,
    })
    .await;
    let key = client_msg_id("k-3");
    let lookup = explain(doc! {
        "find": "messages", "limit": 1_i64,
        "filter": { "room_id": &room_id, "sender_id": a.id.to_string(),
                    "$and": [{ "client_msg_id": key.as_str() }, { "client_msg_id": { "$type": "string" } }] },
    })
    .await;
    let latest = explain(doc! {
        "aggregate": "messages", "cursor": {},
        "pipeline": [
            { "$match": { "room_id": { "$in": [&room_id] } } },
            { "$sort": { "room_id": -1, "seq": -1 } },
            { "$group": { "_id": "$room_id", "newest": { "$first": "$$ROOT" } } },
        ],
    })
    .await;
    // The group commit's lookup of stored originals.
    let keys: Vec<String> = ["k-3", "k-7", "not-stored"]
        .iter()
        .map(|key| format!("k/{room_id}/{}/{key}", a.id))
        .collect();
    let originals = explain(doc! {
        "find": "messages", "filter": { "send_key": { "$in": keys } },
    })
    .await;
    let changes = explain(doc! {
        "find": "messages", "filter": { "room_id": &room_id, "rev": { "$gt": 10_i64 } },
        "sort": { "rev": 1 }, "limit": 5_i64,
    })
    .await;
    let secantus = page
        .get_document("serverInfo")
        .and_then(|info| info.get_str("host"))
        .is_ok_and(|host| host == "secantus");

    let (page_stages, page_indexes) = stages(&page);
    assert!(
        page_indexes.iter().any(|i| i == "ux_messages_room_seq"),
        "{page_stages:?}"
    );
    assert!(
        !page_stages.iter().any(|s| s == "COLLSCAN"),
        "{page_stages:?}"
    );
    let (changes_stages, changes_indexes) = stages(&changes);
    assert!(
        changes_indexes.iter().any(|i| i == "ux_messages_room_rev"),
        "{changes_stages:?}"
    );
    assert!(
        !changes_stages.iter().any(|s| s == "COLLSCAN"),
        "{changes_stages:?}"
    );
    let (originals_stages, originals_indexes) = stages(&originals);
    assert!(
        originals_indexes
            .iter()
            .any(|i| i == "ux_messages_send_key"),
        "the batch lookup uses the send-key index: {originals_stages:?} on {originals_indexes:?}"
    );
    assert!(
        !originals_stages.iter().any(|s| s == "COLLSCAN"),
        "{originals_stages:?}"
    );
    let (_, lookup_indexes) = stages(&lookup);
    let (latest_stages, latest_indexes) = stages(&latest);
    assert!(
        !latest_stages.iter().any(|s| s == "COLLSCAN"),
        "{latest_stages:?}"
    );
    if secantus {
        announce(&format!(
            "NOT CHECKED on SecantusDB: that history pages and changes_since need no SORT stage \
             (plans: {page_stages:?}, {changes_stages:?}), \
             that latest_in_rooms is a DISTINCT_SCAN on ux_messages_room_seq (plan: \
             {latest_stages:?} on {latest_indexes:?}; SecantusDB picks the first index on \
             room_id whatever the sort), and that key lookups \
             use the partial index (indexes used: {lookup_indexes:?}); SecantusDB does not use \
             indexes for sorting. Checked: pages use ux_messages_room_seq, changes_since \
             uses ux_messages_room_rev, the batch lookup uses ux_messages_send_key, no \
             COLLSCAN"
        ));
    } else {
        assert!(
            latest_indexes.iter().any(|i| i == "ux_messages_room_seq"),
            "{latest_stages:?}"
        );
        assert!(
            !page_stages.iter().any(|s| s == "SORT"),
            "pages are read in index order: {page_stages:?}"
        );
        assert!(
            !changes_stages.iter().any(|s| s == "SORT"),
            "changes are read in index order: {changes_stages:?}"
        );
        assert!(
            lookup_indexes
                .iter()
                .any(|i| i == "ux_messages_client_msg_id"),
            "key lookups use the partial index: {lookup_indexes:?}"
        );
    }
    let found = fresh
        .store
        .find_by_client_msg_id(room.id, a.id, &key)
        .await
        .expect("find");
    assert_eq!(found.map(|m| m.id), Some(batch[3].id));
    mongo.cleanup().await;
}

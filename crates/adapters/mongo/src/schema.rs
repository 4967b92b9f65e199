//! The shape of the `messages` collection: its indexes, and bringing documents written before
//! revs existed up to date.
//!
//! Revs arrived after the first messages were stored. The SQL migration that added the rev
//! counters started every room's `last_rev` at its `last_seq`; the documents follow the same
//! rule, `rev = created_rev = seq`, so the counters continue where the documents end. That
//! backfill has to run before the unique `(room_id, rev)` index exists (documents without a
//! rev would all index as `null` and collide), so it runs when that index is missing, which is
//! once per database: an upgrade from a version without revs stops every old node first.
//!
//! Send keys (`crate::document::send_key`) arrived later still. Their unique index is
//! *sparse*, so documents without one (written before, or by an older node during a rolling
//! upgrade) are simply not in it, and old nodes keep working; the compound
//! `ux_messages_client_msg_id` stays the rule that holds across old and new nodes. The first
//! node that finds the send-key index missing gives every stored document its key first, in
//! one pipeline update, so the batch lookup finds what was stored before the upgrade.

use chat_ports::StoreError;
use mongodb::bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

use crate::error::{bounded, bounded_raw, is_namespace_not_found, unavailable};
use crate::store::Inner;

/// The index that orders a room's changes.
const BY_REV: &str = "ux_messages_room_rev";
/// The index of send keys, which the group commit's lookup reads.
const BY_SEND_KEY: &str = "ux_messages_send_key";

/// Creates the indexes the store relies on, if missing, after the backfill of revs when the
/// rev index is missing; idempotent.
pub(crate) async fn ensure(inner: &Inner) -> Result<(), StoreError> {
    if !has_index(inner, BY_REV).await? {
        let backfill = inner.messages.update_many(
            doc! { "rev": { "$exists": false } },
            vec![doc! { "$set": { "rev": "$seq", "created_rev": "$seq" } }],
        );
        let backfilled = bounded(backfill).await?;
        if backfilled.modified_count > 0 {
            tracing::info!(
                count = backfilled.modified_count,
                "gave messages stored before revs existed rev = created_rev = seq"
            );
        }
    }
    if !has_index(inner, BY_SEND_KEY).await? {
        backfill_send_keys(inner).await?;
    }
    let by_seq = unique(
        "ux_messages_room_seq",
        doc! { "room_id": 1, "seq": 1 },
        None,
    );
    let by_rev = unique(BY_REV, doc! { "room_id": 1, "rev": 1 }, None);
    let by_key = unique(
        "ux_messages_client_msg_id",
        doc! { "room_id": 1, "sender_id": 1, "client_msg_id": 1 },
        Some(doc! { "client_msg_id": { "$type": "string" } }),
    );
    let by_send_key = IndexModel::builder()
        .keys(doc! { "send_key": 1 })
        .options(
            IndexOptions::builder()
                .name(BY_SEND_KEY.to_owned())
                .unique(true)
                .sparse(true)
                .build(),
        )
        .build();
    let indexes = [by_seq, by_rev, by_key, by_send_key];
    bounded(inner.messages.create_indexes(indexes)).await?;
    Ok(())
}

/// Gives every document without a send key the one `crate::document::send_key` would have
/// given it, computed by the server from the document itself.
async fn backfill_send_keys(inner: &Inner) -> Result<(), StoreError> {
    let keyed = doc! { "$eq": [{ "$type": "$client_msg_id" }, "string"] };
    let key = doc! { "$concat": ["k/", "$room_id", "/", "$sender_id", "/", "$client_msg_id"] };
    let by_id = doc! { "$concat": ["i/", "$_id"] };
    let backfill = inner.messages.update_many(
        doc! { "send_key": { "$exists": false } },
        vec![doc! { "$set": { "send_key": { "$cond": [keyed, key, by_id] } } }],
    );
    let backfilled = bounded(backfill).await?;
    if backfilled.modified_count > 0 {
        tracing::info!(
            count = backfilled.modified_count,
            "gave messages stored before send keys existed their key"
        );
    }
    Ok(())
}

/// A unique index called `name` on `keys`, over the documents `partial` matches (all if none).
fn unique(name: &str, keys: Document, partial: Option<Document>) -> IndexModel {
    let options = IndexOptions::builder()
        .name(name.to_owned())
        .unique(true)
        .partial_filter_expression(partial)
        .build();
    IndexModel::builder().keys(keys).options(options).build()
}

/// Whether the collection has an index called `name` (a collection that does not exist yet
/// has none).
async fn has_index(inner: &Inner, name: &str) -> Result<bool, StoreError> {
    match bounded_raw(inner.messages.list_index_names()).await? {
        Ok(names) => Ok(names.iter().any(|n| n == name)),
        // Nothing stored yet, so nothing to backfill either.
        Err(err) if is_namespace_not_found(&err) => Ok(false),
        Err(err) => Err(unavailable(err)),
    }
}

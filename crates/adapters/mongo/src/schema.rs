//! The shape of the `messages` collection: its indexes, and bringing documents written before
//! revs existed up to date.
//!
//! Revs arrived after the first messages were stored. The SQL migration that added the rev
//! counters started every room's `last_rev` at its `last_seq`; the documents follow the same
//! rule, `rev = created_rev = seq`, so the counters continue where the documents end. That
//! backfill has to run before the unique `(room_id, rev)` index exists (documents without a
//! rev would all index as `null` and collide), so it runs when that index is missing, which is
//! once per database: an upgrade from a version without revs stops every old node first.

use chat_ports::StoreError;
use mongodb::bson::{doc, Document};
use mongodb::options::IndexOptions;
use mongodb::IndexModel;

use crate::error::{bounded, bounded_raw, is_namespace_not_found, unavailable};
use crate::store::Inner;

/// The index that orders a room's changes.
const BY_REV: &str = "ux_messages_room_rev";

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
    bounded(inner.messages.create_indexes([by_seq, by_rev, by_key])).await?;
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

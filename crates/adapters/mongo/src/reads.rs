//! The reads: history pages, the newest message per room, the changes since a rev, and the
//! lookups.
//!
//! Every history read is an equality on `room_id` plus a range and a sort on `seq`, the shape
//! the unique `(room_id, seq)` index answers without a sort stage, so a page costs the same at
//! seq 10 as at seq 10 million; the changes since a rev are the same shape on the unique
//! `(room_id, rev)` index. Each read is one command: limits travel as the batch size, so no
//! `getMore` follows. No read returns the `edits` array (see `crate::document::without_edits`).

use std::collections::{BTreeSet, HashMap};

use chat_domain::{ClientMsgId, Message, MessageId, Rev, RoomId, UserId};
use chat_ports::{HistoryCursor, StoreError};
use futures_util::TryStreamExt;
use mongodb::bson::{doc, Document};
use mongodb::Cursor;

use crate::document::{by_key, decode, rev_to_db, seq_to_db, without_edits};
use crate::error::bounded;
use crate::store::Inner;

/// The message `sender` stored in `room` under `client_msg_id`, if any.
pub(crate) async fn find_by_client_msg_id(
    inner: &Inner,
    room: RoomId,
    sender: UserId,
    client_msg_id: &ClientMsgId,
) -> Result<Option<Message>, StoreError> {
    let find = inner
        .messages
        .find_one(by_key(room, sender, client_msg_id))
        .projection(without_edits());
    let found = bounded(find).await?;
    found.map(decode).transpose()
}

/// The message with this id in `room`, if any.
pub(crate) async fn find_in_room(
    inner: &Inner,
    room: RoomId,
    id: MessageId,
) -> Result<Option<Message>, StoreError> {
    let filter = doc! { "_id": id.to_string(), "room_id": room.to_string() };
    let find = inner.messages.find_one(filter).projection(without_edits());
    let found = bounded(find).await?;
    found.map(decode).transpose()
}

/// Up to `limit` messages of `room` at `cursor`, oldest first.
pub(crate) async fn page(
    inner: &Inner,
    room: RoomId,
    cursor: HistoryCursor,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    // MongoDB reads a limit of 0 as "no limit".
    if limit == 0 {
        return Ok(Vec::new());
    }
    let room = room.to_string();
    // Latest and Before read the newest `limit` documents backwards down the index, then
    // turn them around; After reads forwards.
    let (filter, newest_first) = match cursor {
        HistoryCursor::Latest => (doc! { "room_id": room }, true),
        HistoryCursor::Before(seq) => (
            doc! { "room_id": room, "seq": { "$lt": seq_to_db(seq) } },
            true,
        ),
        HistoryCursor::After(seq) => (
            doc! { "room_id": room, "seq": { "$gt": seq_to_db(seq) } },
            false,
        ),
    };
    let order = if newest_first { -1 } else { 1 };
    let find = inner
        .messages
        .find(filter)
        .projection(without_edits())
        .sort(doc! { "seq": order })
        .limit(i64::from(limit))
        .batch_size(limit);
    let mut page = collect(bounded(find).await?).await?;
    if newest_first {
        page.reverse();
    }
    Ok(page)
}

/// The newest message of each of `rooms` that has one, in one aggregation.
pub(crate) async fn latest_in_rooms(
    inner: &Inner,
    rooms: &[RoomId],
) -> Result<HashMap<RoomId, Message>, StoreError> {
    let rooms: BTreeSet<String> = rooms.iter().map(RoomId::to_string).collect();
    if rooms.is_empty() {
        return Ok(HashMap::new());
    }
    let count = u32::try_from(rooms.len()).unwrap_or(u32::MAX);
    // `$sort` then `$group` with `$first` is the shape MongoDB answers with a DISTINCT_SCAN
    // (one index probe per room) when the sort is the index order or its exact reverse:
    // `room_id: -1, seq: -1` walks `(room_id: 1, seq: 1)` backwards.
    let pipeline = [
        doc! { "$match": { "room_id": { "$in": rooms.into_iter().collect::<Vec<_>>() } } },
        doc! { "$sort": { "room_id": -1, "seq": -1 } },
        doc! { "$group": { "_id": "$room_id", "newest": { "$first": "$$ROOT" } } },
        doc! { "$replaceRoot": { "newRoot": "$newest" } },
        doc! { "$project": without_edits() },
    ];
    let aggregate = inner.messages.aggregate(pipeline).batch_size(count);
    let newest = collect(bounded(aggregate).await?).await?;
    Ok(newest.into_iter().map(|m| (m.room_id, m)).collect())
}

/// Up to `limit` messages of `room` whose rev is above `after`, in rev order.
pub(crate) async fn changes_since(
    inner: &Inner,
    room: RoomId,
    after: Rev,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    // MongoDB reads a limit of 0 as "no limit".
    if limit == 0 {
        return Ok(Vec::new());
    }
    let filter = doc! { "room_id": room.to_string(), "rev": { "$gt": rev_to_db(after) } };
    let find = inner
        .messages
        .find(filter)
        .projection(without_edits())
        .sort(doc! { "rev": 1 })
        .limit(i64::from(limit))
        .batch_size(limit);
    collect(bounded(find).await?).await
}

/// The messages of `room` with these ids, in seq order; missing ones (and those of other
/// rooms) are left out.
pub(crate) async fn find_many(
    inner: &Inner,
    room: RoomId,
    ids: &[MessageId],
) -> Result<Vec<Message>, StoreError> {
    let ids: BTreeSet<String> = ids.iter().map(MessageId::to_string).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let count = u32::try_from(ids.len()).unwrap_or(u32::MAX);
    let filter = doc! {
        "_id": { "$in": ids.into_iter().collect::<Vec<_>>() },
        "room_id": room.to_string(),
    };
    let find = inner
        .messages
        .find(filter)
        .projection(without_edits())
        .sort(doc! { "seq": 1 })
        // One more than can match, so the first reply is known to be the last.
        .batch_size(count.saturating_add(1));
    collect(bounded(find).await?).await
}

/// Reads a cursor to its end, decoding every document and failing on the first bad one.
pub(crate) async fn collect(cursor: Cursor<Document>) -> Result<Vec<Message>, StoreError> {
    let documents: Vec<Document> = bounded(cursor.try_collect()).await?;
    documents.into_iter().map(decode).collect()
}

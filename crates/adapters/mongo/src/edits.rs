//! The changes to a stored message: `edit`, `delete`, and the edit history they keep.
//!
//! Every change takes the room's next rev from the [`SeqAllocator`](chat_ports::SeqAllocator)
//! (the counters live in SQL) and then writes the document with ONE `find_one_and_update`.
//! The earlier bodies of a message live in its own document, in an `edits` array of
//! `{ body, replaced_at }`, oldest first; an edit appends the body it replaces in the same
//! atomic update that sets the new one (an update pipeline, so the old body is read and moved
//! on the server without a read-modify-write race).
//!
//! Taking the rev and writing are two steps on two databases, so two things can happen
//! between them, and both are settled here:
//! - the message is gone or deleted: the update matches nothing and the rev taken stays
//!   unused. That is harmless: revs are only "changes after" cursors, never counted, and a
//!   reader asking for changes after a rev that holds nothing simply gets the next ones;
//! - another change of the same message took a higher rev and was written first. Writing ours
//!   then would move the message's rev backwards, and a client that had already seen the
//!   higher rev would never learn of our body. So every update is guarded by
//!   `rev < ours`; when the guard refuses, the change takes a fresh rev and tries again.
//!   Each refusal is caused by a different change that was written meanwhile, so a change
//!   retries at most once per concurrent change of the same message, and
//!   [`MAX_ATTEMPTS`] is only a bound against a broken allocator.
//!
//! Not settled here, because this store alone cannot: a change of ANOTHER message of the room
//! that took a lower rev may be written after ours, and a reader that asked for changes in
//! that instant has moved its cursor past the lower rev. The SQL store closes it by taking the
//! rev and writing in one transaction. Here the window is one MongoDB write long, and only
//! between nodes: on one node the use cases hold the node-wide publish order
//! (`chat_app::ordering`) around every change and group commit, so they take and write revs
//! one after the other.

use chat_domain::{Message, MessageBody, MessageEdit, MessageId, Rev, RoomId, Timestamp};
use chat_ports::StoreError;
use mongodb::bson::{doc, DateTime, Document};
use mongodb::options::ReturnDocument;
use serde::Deserialize;

use crate::document::{decode, rev_to_db, without_edits};
use crate::error::bounded;
use crate::reads;
use crate::store::Inner;

/// Runs of one change before it gives up (see the module docs: a change is refused at most
/// once per concurrent change of the same message).
const MAX_ATTEMPTS: u32 = 32;

/// Replaces the body of message `id` of `room`, keeping the old one in its history, at the
/// room's next rev. `NotFound` for no such (or a deleted) message.
pub(crate) async fn edit(
    inner: &Inner,
    room: RoomId,
    id: MessageId,
    body: &MessageBody,
    at: Timestamp,
) -> Result<Message, StoreError> {
    let at = DateTime::from_millis(at.unix_millis());
    for _ in 0..MAX_ATTEMPTS {
        let rev = inner.allocator.allocate_rev(room).await?;
        // A pipeline, so `$body` names the stored body; every value from outside is a
        // `$literal`, or a body starting with `$` would be read as a field path.
        let update = vec![doc! { "$set": {
            "edits": { "$concatArrays": [
                { "$ifNull": ["$edits", []] },
                [{ "body": "$body", "replaced_at": { "$literal": at } }],
            ] },
            "body": { "$literal": body.as_str() },
            "edited_at": { "$literal": at },
            "rev": { "$literal": rev_to_db(rev) },
        } }];
        let update = inner
            .messages
            .find_one_and_update(live_before(room, id, rev), update)
            .projection(without_edits())
            .return_document(ReturnDocument::After);
        if let Some(updated) = bounded(update).await? {
            return decode(updated);
        }
        match reads::find_in_room(inner, room, id).await? {
            Some(current) if !current.deleted => continue,
            _ => return Err(StoreError::NotFound),
        }
    }
    Err(kept_changing(id))
}

/// Turns message `id` of `room` into a tombstone at the room's next rev; a tombstone is
/// returned as it is, without taking a rev. `NotFound` for no such message.
pub(crate) async fn delete(
    inner: &Inner,
    room: RoomId,
    id: MessageId,
    at: Timestamp,
) -> Result<Message, StoreError> {
    let at = DateTime::from_millis(at.unix_millis());
    for _ in 0..MAX_ATTEMPTS {
        // Looked at first, so deleting twice (a retried request) takes no rev.
        let current = reads::find_in_room(inner, room, id).await?;
        match current {
            None => return Err(StoreError::NotFound),
            Some(tombstone) if tombstone.deleted => return Ok(tombstone),
            Some(_) => {}
        }
        let rev = inner.allocator.allocate_rev(room).await?;
        let update = doc! {
            "$set": { "deleted": true, "rev": rev_to_db(rev), "deleted_at": at },
            "$unset": { "body": "", "edits": "" },
        };
        let update = inner
            .messages
            .find_one_and_update(live_before(room, id, rev), update)
            .projection(without_edits())
            .return_document(ReturnDocument::After);
        if let Some(updated) = bounded(update).await? {
            return decode(updated);
        }
        // Deleted meanwhile, or changed at a higher rev: the next look tells which.
    }
    Err(kept_changing(id))
}

/// The earlier bodies of message `id` of `room`, oldest first; none for a message that was
/// never edited, was deleted, or does not exist.
pub(crate) async fn edit_history(
    inner: &Inner,
    room: RoomId,
    id: MessageId,
) -> Result<Vec<MessageEdit>, StoreError> {
    let filter = doc! { "_id": id.to_string(), "room_id": room.to_string() };
    let find = inner
        .messages
        .find_one(filter)
        .projection(doc! { "_id": 0, "edits": 1 });
    let Some(found) = bounded(find).await? else {
        return Ok(Vec::new());
    };
    let stored: History = mongodb::bson::deserialize_from_document(found).map_err(|err| {
        StoreError::corrupt(format!(
            "stored edit history of message {id} is invalid: {err}"
        ))
    })?;
    Ok(stored
        .edits
        .into_iter()
        .map(|edit| MessageEdit {
            message_id: id,
            body: edit.body,
            replaced_at: Timestamp::from_unix_millis(edit.replaced_at.timestamp_millis()),
        })
        .collect())
}

/// The `edits` field of a message document.
#[derive(Debug, Deserialize)]
struct History {
    #[serde(default)]
    edits: Vec<EditDoc>,
}

/// One earlier body, as stored.
#[derive(Debug, Deserialize)]
struct EditDoc {
    body: String,
    replaced_at: DateTime,
}

/// Matches message `id` of `room` if it is not deleted and its rev is below `rev`: the guard
/// that keeps a message's rev from going backwards.
fn live_before(room: RoomId, id: MessageId, rev: Rev) -> Document {
    doc! {
        "_id": id.to_string(),
        "room_id": room.to_string(),
        "deleted": false,
        "rev": { "$lt": rev_to_db(rev) },
    }
}

/// The error of a change refused more often than any real contention explains.
fn kept_changing(id: MessageId) -> StoreError {
    StoreError::corrupt(format!(
        "message {id} kept changing at higher revs; the rev allocator may be broken"
    ))
}

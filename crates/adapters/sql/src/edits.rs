//! The changes to a stored message: `edit` and `delete`, and the edit history they keep.
//!
//! Each change is ONE transaction that first raises the room's `last_rev` and reads it back
//! (portable: MySQL has no `RETURNING`), then writes the message. The raise locks the room's
//! row until commit, so the changes of a room (and its appends, which raise the same row)
//! commit in rev order: a reader of `changes_since` never sees a rev appear below one it has
//! already seen. A change that finds nothing to do (no such message, or a tombstone) rolls
//! back, so it takes no rev.
//!
//! An edit keeps the body it replaces in `message_edits`, keyed by the rev the edit took; a
//! deletion removes the history with the body. The deletion time has no column: the domain's
//! tombstone carries none.

use chat_domain::{Message, MessageBody, MessageEdit, MessageId, RoomId, Timestamp};
use chat_ports::StoreError;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use crate::decode;
use crate::entity::{message_edits, messages};
use crate::error::unavailable;
use crate::retry::{retrying, Failure};
use crate::sequences::counters::raise_rev;

/// Replaces the body of message `id` of `room`, keeping the old one in its history, at the
/// room's next rev. `NotFound` for no such (or a deleted) message.
pub(crate) async fn edit(
    db: &DatabaseConnection,
    room: RoomId,
    id: MessageId,
    body: &MessageBody,
    at: Timestamp,
) -> Result<Message, StoreError> {
    retrying("message edit", "edit already stored", || {
        edit_once(db, room, id, body, at)
    })
    .await
}

/// One run of an edit.
async fn edit_once(
    db: &DatabaseConnection,
    room: RoomId,
    id: MessageId,
    body: &MessageBody,
    at: Timestamp,
) -> Result<Message, Failure> {
    let txn = db.begin().await?;
    let rev = raise_rev(&txn, room).await?;
    let mut message = match find_for_change(&txn, room, id).await? {
        Some(message) if !message.deleted => message,
        // Dropping the transaction gives the rev back.
        _ => return Err(Failure::Store(StoreError::NotFound)),
    };
    let old_body = message.body.take().ok_or_else(|| {
        StoreError::corrupt(format!("stored message {id} is live but has no body"))
    })?;
    message_edits::Entity::insert(message_edits::new_row(id, rev, old_body, at))
        .exec_without_returning(&txn)
        .await?;
    messages::Entity::update_many()
        .col_expr(messages::Column::Body, Expr::value(body.as_str()))
        .col_expr(messages::Column::EditedAt, Expr::value(at.unix_millis()))
        .col_expr(messages::Column::Rev, Expr::value(decode::rev_to_db(rev)))
        .filter(messages::Column::Id.eq(id.to_string()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    message.body = Some(body.as_str().to_owned());
    message.edited_at = Some(at);
    message.rev = rev;
    Ok(message)
}

/// Turns message `id` of `room` into a tombstone at the room's next rev; a tombstone is
/// returned unchanged and takes no rev. `NotFound` for no such message.
pub(crate) async fn delete(
    db: &DatabaseConnection,
    room: RoomId,
    id: MessageId,
) -> Result<Message, StoreError> {
    retrying("message deletion", "deletion already stored", || {
        delete_once(db, room, id)
    })
    .await
}

/// One run of a deletion.
async fn delete_once(
    db: &DatabaseConnection,
    room: RoomId,
    id: MessageId,
) -> Result<Message, Failure> {
    let txn = db.begin().await?;
    let rev = raise_rev(&txn, room).await?;
    let mut message = match find_for_change(&txn, room, id).await? {
        None => return Err(Failure::Store(StoreError::NotFound)),
        // Dropping the transaction gives the rev back: deleting twice changes nothing.
        Some(tombstone) if tombstone.deleted => return Ok(tombstone),
        Some(message) => message,
    };
    message_edits::Entity::delete_many()
        .filter(message_edits::Column::MessageId.eq(id.to_string()))
        .exec(&txn)
        .await?;
    messages::Entity::update_many()
        .col_expr(messages::Column::Body, Expr::value(Option::<String>::None))
        .col_expr(messages::Column::Deleted, Expr::value(true))
        .col_expr(messages::Column::Rev, Expr::value(decode::rev_to_db(rev)))
        .filter(messages::Column::Id.eq(id.to_string()))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    message.body = None;
    message.deleted = true;
    message.rev = rev;
    Ok(message)
}

/// The earlier bodies of message `id` of `room`, oldest first; none for a message that was
/// never edited, was deleted, or does not exist.
pub(crate) async fn edit_history(
    db: &DatabaseConnection,
    room: RoomId,
    id: MessageId,
) -> Result<Vec<MessageEdit>, StoreError> {
    // Joined with the message so an id of another room reads as no history.
    message_edits::Entity::find()
        .inner_join(messages::Entity)
        .filter(message_edits::Column::MessageId.eq(id.to_string()))
        .filter(messages::Column::RoomId.eq(room.to_string()))
        .order_by_asc(message_edits::Column::Rev)
        .all(db)
        .await
        .map_err(unavailable)?
        .into_iter()
        .map(message_edits::Model::into_edit)
        .collect()
}

/// Message `id` of `room`, read inside the change's transaction.
async fn find_for_change(
    txn: &DatabaseTransaction,
    room: RoomId,
    id: MessageId,
) -> Result<Option<Message>, Failure> {
    let row = messages::Entity::find_by_id(id.to_string())
        .filter(messages::Column::RoomId.eq(room.to_string()))
        .one(txn)
        .await?;
    Ok(row.map(messages::Model::into_message).transpose()?)
}

//! [`SqlMessageStore`]: messages in the `messages` table.
//!
//! Writing lives in [`crate::append`] (the group commit and seq allocation) and
//! [`crate::edits`] (edits and deletions), the unread counts in [`crate::unread`]; this module
//! holds the reads. Every history read is a range over the unique `(room_id, seq)` index, and
//! `changes_since` ([`crate::changes`]) one over it and one over the partial index of changed
//! messages, so a page costs the same at seq 10 as at seq 10 million.

use std::collections::HashMap;

use async_trait::async_trait;
use chat_domain::{
    ClientMsgId, Message, MessageBody, MessageEdit, MessageId, NewMessage, Rev, RoomId, Seq,
    Timestamp, UserId,
};
use chat_ports::{Appended, HistoryCursor, MessageStore, StoreError, UnreadCount};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::connection::Handles;
use crate::entity::{messages, rooms};
use crate::error::unavailable;
use crate::sequences::counters;
use crate::{append, changes, decode, edits, unread};

/// Rooms (or message ids) asked for in one query; stays far below every backend's limit on
/// bound parameters.
const ROOMS_PER_QUERY: usize = 500;

/// Messages on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlMessageStore {
    db: Handles,
}

impl SqlMessageStore {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }
}

/// Decodes every row, failing on the first that cannot be read.
fn decode_all(rows: Vec<messages::Model>) -> Result<Vec<Message>, StoreError> {
    rows.into_iter()
        .map(messages::Model::into_message)
        .collect()
}

#[async_trait]
impl MessageStore for SqlMessageStore {
    /// Stores `batch`, assigning seqs; one result per message, in batch order.
    async fn append_batch(&self, batch: &[NewMessage]) -> Result<Vec<Appended>, StoreError> {
        let appended = append::append_batch(&self.db.write, batch).await?;
        if let Some(checkpoints) = &self.db.checkpoints {
            checkpoints.nudge();
            checkpoints.restart_on(&self.db.write);
        }
        Ok(appended)
    }

    /// True: the memberships live in the same database, and the group commit moves the
    /// senders' markers in its own transaction.
    fn marks_senders_read(&self) -> bool {
        true
    }

    /// The message `sender` stored in `room` under `client_msg_id`, if any.
    async fn find_by_client_msg_id(
        &self,
        room: RoomId,
        sender: UserId,
        client_msg_id: &ClientMsgId,
    ) -> Result<Option<Message>, StoreError> {
        messages::Entity::find()
            .filter(messages::Column::RoomId.eq(room.to_string()))
            .filter(messages::Column::SenderId.eq(sender.to_string()))
            .filter(messages::Column::ClientMsgId.eq(client_msg_id.as_str()))
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(messages::Model::into_message)
            .transpose()
    }

    /// The message with this id in `room`, if any.
    async fn find_in_room(
        &self,
        room: RoomId,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError> {
        messages::Entity::find_by_id(id.to_string())
            .filter(messages::Column::RoomId.eq(room.to_string()))
            .one(&self.db.read)
            .await
            .map_err(unavailable)?
            .map(messages::Model::into_message)
            .transpose()
    }

    /// Up to `limit` messages of `room` at `cursor`, oldest first.
    async fn page(
        &self,
        room: RoomId,
        cursor: HistoryCursor,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        let in_room =
            messages::Entity::find().filter(messages::Column::RoomId.eq(room.to_string()));
        // Latest and Before read the newest `limit` rows backwards down the index, then turn
        // them around; After reads forwards.
        let (query, newest_first) = match cursor {
            HistoryCursor::Latest => (in_room.order_by_desc(messages::Column::Seq), true),
            HistoryCursor::Before(seq) => (
                in_room
                    .filter(messages::Column::Seq.lt(decode::seq_to_db(seq)))
                    .order_by_desc(messages::Column::Seq),
                true,
            ),
            HistoryCursor::After(seq) => (
                in_room
                    .filter(messages::Column::Seq.gt(decode::seq_to_db(seq)))
                    .order_by_asc(messages::Column::Seq),
                false,
            ),
        };
        let rows = query
            .limit(u64::from(limit))
            .all(&self.db.read)
            .await
            .map_err(unavailable)?;
        let mut page = decode_all(rows)?;
        if newest_first {
            page.reverse();
        }
        Ok(page)
    }

    /// The newest message of each of `rooms` that has one.
    async fn latest_in_rooms(
        &self,
        rooms: &[RoomId],
    ) -> Result<HashMap<RoomId, Message>, StoreError> {
        let mut latest = HashMap::with_capacity(rooms.len());
        // One query per chunk (one in practice): the newest message of a room is the one whose
        // seq is the room's `last_seq`, found through the `(room_id, seq)` index.
        for chunk in rooms.chunks(ROOMS_PER_QUERY) {
            let rows = messages::Entity::find()
                .inner_join(rooms::Entity)
                .filter(rooms::Column::Id.is_in(chunk.iter().map(RoomId::to_string)))
                .filter(
                    Expr::col((rooms::Entity, rooms::Column::LastSeq))
                        .equals((messages::Entity, messages::Column::Seq)),
                )
                .all(&self.db.read)
                .await
                .map_err(unavailable)?;
            for message in decode_all(rows)? {
                latest.insert(message.room_id, message);
            }
        }
        Ok(latest)
    }

    /// Replaces the body of message `id` of `room`, keeping the old body in its edit history,
    /// and gives it the room's next rev. `NotFound` for no such (or a deleted) message.
    async fn edit(
        &self,
        room: RoomId,
        id: MessageId,
        body: &MessageBody,
        at: Timestamp,
    ) -> Result<Message, StoreError> {
        edits::edit(&self.db.write, room, id, body, at).await
    }

    /// Turns message `id` of `room` into a tombstone (no body, `deleted`, history dropped) at the
    /// room's next rev; a tombstone is returned unchanged. `NotFound` for no such message.
    ///
    /// `at` is not stored: a tombstone carries no deletion time.
    async fn delete(
        &self,
        room: RoomId,
        id: MessageId,
        _at: Timestamp,
    ) -> Result<Message, StoreError> {
        edits::delete(&self.db.write, room, id).await
    }

    /// The earlier bodies of message `id` of `room`, oldest first.
    async fn edit_history(
        &self,
        room: RoomId,
        id: MessageId,
    ) -> Result<Vec<MessageEdit>, StoreError> {
        edits::edit_history(&self.db.read, room, id).await
    }

    /// Up to `limit` messages of `room` whose rev is above `after`, in rev order.
    async fn changes_since(
        &self,
        room: RoomId,
        after: Rev,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError> {
        changes::changes_since(&self.db.read, room, after, limit).await
    }

    /// The messages of `room` with these ids; missing ones are left out.
    async fn find_many(&self, room: RoomId, ids: &[MessageId]) -> Result<Vec<Message>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ROOMS_PER_QUERY) {
            let rows = messages::Entity::find()
                .filter(messages::Column::RoomId.eq(room.to_string()))
                .filter(messages::Column::Id.is_in(chunk.iter().map(MessageId::to_string)))
                .order_by_asc(messages::Column::Seq)
                .all(&self.db.read)
                .await
                .map_err(unavailable)?;
            found.extend(decode_all(rows)?);
        }
        Ok(found)
    }

    /// The highest rev of each of `rooms` (zero for a room without changes).
    ///
    /// Read from `rooms.last_rev`, which every change raises in its own transaction; rooms that
    /// do not exist are left out.
    async fn latest_revs(&self, rooms: &[RoomId]) -> Result<HashMap<RoomId, Rev>, StoreError> {
        let revs = counters::last_revs(&self.db.read, rooms).await?;
        Ok(revs.into_iter().collect())
    }

    /// For each `(room, read marker)`: the messages above the marker that `reader` did not send
    /// and that are not deleted, and how many of them contain `mention` (e.g. `@alice`).
    async fn unread_counts(
        &self,
        reader: UserId,
        mention: &str,
        markers: &[(RoomId, Seq)],
    ) -> Result<HashMap<RoomId, UnreadCount>, StoreError> {
        unread::unread_counts(&self.db.read, reader, mention, markers).await
    }

    /// Answers when the store is reachable (readiness).
    async fn ping(&self) -> Result<(), StoreError> {
        self.db.write.ping().await.map_err(unavailable)?;
        self.db.read.ping().await.map_err(unavailable)
    }
}

//! The message store port.

use std::collections::HashMap;

pub mod batch;

use async_trait::async_trait;
use chat_domain::{
    ClientMsgId, Message, MessageBody, MessageEdit, MessageId, NewMessage, Rev, RoomId, Seq,
    Timestamp, UserId,
};

use crate::StoreError;

/// Which slice of a room's history to read. Every page comes back oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryCursor {
    /// The newest messages.
    Latest,
    /// The last messages with a seq below this one.
    Before(Seq),
    /// The first messages with a seq above this one.
    After(Seq),
}

/// What `append_batch` did with one message of the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Stored now, with the seq it was given.
    Created(Message),
    /// Its `(room, sender, client_msg_id)` was already stored: this is that original message,
    /// and nothing new was written.
    Duplicate(Message),
}

impl Appended {
    /// The stored message, new or original.
    pub fn message(&self) -> &Message {
        match self {
            Self::Created(message) | Self::Duplicate(message) => message,
        }
    }
}

/// Unread messages of one room for one member.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnreadCount {
    /// Messages above the member's read marker, sent by others, not deleted.
    pub unread: u64,
    /// Of those, the ones whose body mentions `@username`.
    pub mentions: u64,
}

/// Durable store of messages, and the allocator of their seqs.
///
/// Implementations MUST:
/// - give the messages of one room consecutive seqs in batch order, right after the room's
///   highest seq, so seqs start at 1 and never gap or repeat, also when batches race;
/// - give every change (creation, edit, deletion) the room's next rev, so revs of a room are
///   unique and increase in the order changes are committed;
/// - write a batch at once (one transaction or one bulk write): this is the group commit the
///   persistence worker relies on, and a batch that fails stores none of its messages;
/// - return [`Appended::Duplicate`] with the original for a message whose
///   `(room, sender, client_msg_id)` is already stored or appears earlier in the same batch.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores `batch`, assigning seqs; one result per message, in batch order.
    async fn append_batch(&self, batch: &[NewMessage]) -> Result<Vec<Appended>, StoreError>;
    /// Whether [`append_batch`](Self::append_batch) also moves each sender's read marker up to
    /// its newest new message of the batch, in the same transaction: possible for a store that
    /// shares its database with the room store, and one durable commit per batch instead of
    /// two. When false, the persistence worker moves the markers through
    /// [`RoomStore::mark_read_many`](crate::RoomStore::mark_read_many) after the commit.
    fn marks_senders_read(&self) -> bool;
    /// The message `sender` stored in `room` under `client_msg_id`, if any.
    async fn find_by_client_msg_id(
        &self,
        room: RoomId,
        sender: UserId,
        client_msg_id: &ClientMsgId,
    ) -> Result<Option<Message>, StoreError>;
    /// The message with this id in `room`, if any.
    async fn find_in_room(
        &self,
        room: RoomId,
        id: MessageId,
    ) -> Result<Option<Message>, StoreError>;
    /// Up to `limit` messages of `room` at `cursor`, oldest first.
    async fn page(
        &self,
        room: RoomId,
        cursor: HistoryCursor,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// The newest message of each of `rooms` that has one.
    async fn latest_in_rooms(
        &self,
        rooms: &[RoomId],
    ) -> Result<HashMap<RoomId, Message>, StoreError>;
    /// Replaces the body of message `id` of `room`, keeping the old body in its edit history,
    /// and gives it the room's next rev. `NotFound` for no such (or a deleted) message.
    async fn edit(
        &self,
        room: RoomId,
        id: MessageId,
        body: &MessageBody,
        at: Timestamp,
    ) -> Result<Message, StoreError>;
    /// Turns message `id` of `room` into a tombstone (no body, `deleted`, history dropped) at the
    /// room's next rev; a tombstone is returned unchanged. `NotFound` for no such message.
    async fn delete(
        &self,
        room: RoomId,
        id: MessageId,
        at: Timestamp,
    ) -> Result<Message, StoreError>;
    /// The earlier bodies of message `id` of `room`, oldest first.
    async fn edit_history(
        &self,
        room: RoomId,
        id: MessageId,
    ) -> Result<Vec<MessageEdit>, StoreError>;
    /// Up to `limit` messages of `room` whose rev is above `after`, in rev order.
    async fn changes_since(
        &self,
        room: RoomId,
        after: Rev,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// The messages of `room` with these ids; missing ones are left out.
    async fn find_many(&self, room: RoomId, ids: &[MessageId]) -> Result<Vec<Message>, StoreError>;
    /// The highest rev of each of `rooms` (zero for a room without changes).
    async fn latest_revs(&self, rooms: &[RoomId]) -> Result<HashMap<RoomId, Rev>, StoreError>;
    /// For each `(room, read marker)`: the messages above the marker that `reader` did not send
    /// and that are not deleted, and how many of them contain `mention` (e.g. `@alice`).
    async fn unread_counts(
        &self,
        reader: UserId,
        mention: &str,
        markers: &[(RoomId, Seq)],
    ) -> Result<HashMap<RoomId, UnreadCount>, StoreError>;
    /// Answers when the store is reachable (readiness).
    async fn ping(&self) -> Result<(), StoreError>;
}

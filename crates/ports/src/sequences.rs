//! The seq allocator port: hands out per-room seqs and revs for message stores that cannot allocate
//! them in the same transaction as the insert (MongoDB keeps messages, SQL keeps counters).

use async_trait::async_trait;
use chat_domain::{Rev, RoomId, Seq};

use crate::StoreError;

/// A run of seqs taken for one room: `first ..= first + count - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeqRange {
    /// The room.
    pub room_id: RoomId,
    /// The first seq of the run.
    pub first: Seq,
    /// How many seqs the run holds.
    pub count: u32,
    /// The rev of the first message of the run; the run's revs are consecutive too.
    pub first_rev: Rev,
}

/// Durable per-room counters, and the record of seqs that were taken but never filled.
///
/// Implementations MUST make `allocate` atomic and durable: concurrent calls never hand out
/// the same seq, a call that returns has committed its ranges, and seqs of a room start at 1
/// with no gaps between the ranges handed out. A store that took a range and could not write
/// every message of it records the unfilled seqs with `record_gaps`, so a later pass writes
/// tombstones there and readers never wait on a gap forever.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SeqAllocator: Send + Sync {
    /// Takes `count` consecutive seqs in each named room, in one round trip where possible.
    async fn allocate(&self, requests: &[(RoomId, u32)]) -> Result<Vec<SeqRange>, StoreError>;
    /// Takes the room's next rev, for an edit or a deletion.
    async fn allocate_rev(&self, room: RoomId) -> Result<Rev, StoreError>;
    /// The highest rev handed out in each of `rooms`.
    async fn last_revs(&self, rooms: &[RoomId]) -> Result<Vec<(RoomId, Rev)>, StoreError>;
    /// The highest seq handed out in `room` (zero before the first message).
    async fn last_allocated(&self, room: RoomId) -> Result<Seq, StoreError>;
    /// Remembers seqs that were taken but hold no message yet.
    async fn record_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError>;
    /// Up to `limit` recorded gaps, oldest first.
    async fn list_gaps(&self, limit: u32) -> Result<Vec<(RoomId, Seq)>, StoreError>;
    /// Forgets gaps that now hold a tombstone.
    async fn clear_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError>;
}

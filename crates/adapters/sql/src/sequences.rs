//! [`SqlSeqAllocator`]: the per-room seq and rev counters (`rooms.last_seq`, `rooms.last_rev`) for a message store that
//! keeps its messages elsewhere (MongoDB), and the record of seqs taken but never filled.
//!
//! The counter is the same column [`crate::SqlMessageStore`] raises inside its own insert
//! transaction, so either store can follow the other on one database.
//!
//! `allocate` raises every room of a request in ONE transaction, so a request is all or
//! nothing (an unknown room takes no seq anywhere) and costs one commit whatever its size; how
//! each backend raises and reads back is in [`counters`]. Both counters, `last_seq` and
//! `last_rev`, move together: a range's messages get consecutive seqs and consecutive revs.
//! `allocate_rev` takes one rev (an edit or a deletion) in a transaction of its own.
//!
//! The handed-out range of a room is `last - taken + 1 ..= last`, read in the same
//! transaction that raised it, so concurrent requests get disjoint, adjacent ranges.

pub(crate) mod counters;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use chat_domain::{Rev, RoomId, Seq};
use chat_ports::{SeqAllocator, SeqRange, StoreError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::connection::Handles;
use crate::decode;
use crate::entity::{rooms, seq_gaps};
use crate::error::unavailable;
use crate::retry::retrying;

/// Gaps per insert or delete statement (up to three bound parameters each).
const GAPS_PER_STATEMENT: usize = 300;

/// Counters and gaps on SQLite, PostgreSQL or MySQL.
#[derive(Debug, Clone)]
pub struct SqlSeqAllocator {
    db: Handles,
}

impl SqlSeqAllocator {
    pub(crate) fn new(db: Handles) -> Self {
        Self { db }
    }
}

#[async_trait]
impl SeqAllocator for SqlSeqAllocator {
    /// Takes `count` consecutive seqs in each named room, in one round trip where possible.
    async fn allocate(&self, requests: &[(RoomId, u32)]) -> Result<Vec<SeqRange>, StoreError> {
        if requests.is_empty() {
            return Ok(Vec::new());
        }
        // A room named twice gets one raise for both; its ranges follow request order.
        let mut totals: BTreeMap<RoomId, i64> = BTreeMap::new();
        for (room, count) in requests {
            *totals.entry(*room).or_default() += i64::from(*count);
        }
        let last = retrying("seq allocation", "seq taken twice", || {
            counters::raise(&self.db.write, &totals)
        })
        .await?;
        // The first seq and rev of the next range of each room.
        let mut next: HashMap<RoomId, (i64, i64)> = HashMap::with_capacity(totals.len());
        for (room, taken) in &totals {
            let (last_seq, last_rev) = last.get(room).copied().ok_or(StoreError::NotFound)?;
            next.insert(*room, (last_seq - taken + 1, last_rev - taken + 1));
        }
        let mut ranges = Vec::with_capacity(requests.len());
        for (room, count) in requests {
            let (first_seq, first_rev) = next.get_mut(room).ok_or(StoreError::NotFound)?;
            let first = decode::seq(*first_seq, "room last_seq")?;
            let rev = decode::rev(*first_rev, "room last_rev")?;
            *first_seq += i64::from(*count);
            *first_rev += i64::from(*count);
            ranges.push(SeqRange {
                room_id: *room,
                first,
                count: *count,
                first_rev: rev,
            });
        }
        Ok(ranges)
    }

    /// Takes the room's next rev, for an edit or a deletion.
    async fn allocate_rev(&self, room: RoomId) -> Result<Rev, StoreError> {
        retrying("rev allocation", "rev taken twice", || {
            counters::next_rev(&self.db.write, room)
        })
        .await
    }

    /// The highest rev handed out in each of `rooms`.
    async fn last_revs(&self, rooms: &[RoomId]) -> Result<Vec<(RoomId, Rev)>, StoreError> {
        counters::last_revs(&self.db.read, rooms).await
    }

    /// The highest seq handed out in `room` (zero before the first message).
    async fn last_allocated(&self, room: RoomId) -> Result<Seq, StoreError> {
        let last_seq: Option<i64> = rooms::Entity::find_by_id(room.to_string())
            .select_only()
            .column(rooms::Column::LastSeq)
            .into_tuple()
            .one(&self.db.read)
            .await
            .map_err(unavailable)?;
        decode::seq(last_seq.ok_or(StoreError::NotFound)?, "room last_seq")
    }

    /// Remembers seqs that were taken but hold no message yet.
    async fn record_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError> {
        let recorded_at = now_millis();
        // Sorted and without repeats: one statement never names a row twice.
        let gaps: Vec<_> = gaps
            .iter()
            .copied()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for chunk in gaps.chunks(GAPS_PER_STATEMENT) {
            let rows = chunk
                .iter()
                .map(|(room, seq)| seq_gaps::new_row(*room, *seq, recorded_at));
            // MySQL has no `DO NOTHING`: `do_nothing_on` writes `ON DUPLICATE KEY UPDATE
            // room_id = room_id` there, and `ON CONFLICT (...) DO NOTHING` elsewhere.
            let keep_first = OnConflict::columns([seq_gaps::Column::RoomId, seq_gaps::Column::Seq])
                .do_nothing_on([seq_gaps::Column::RoomId])
                .to_owned();
            seq_gaps::Entity::insert_many(rows)
                .on_conflict(keep_first)
                .do_nothing()
                .exec_without_returning(&self.db.write)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }

    /// Up to `limit` recorded gaps, oldest first.
    async fn list_gaps(&self, limit: u32) -> Result<Vec<(RoomId, Seq)>, StoreError> {
        seq_gaps::Entity::find()
            .order_by_asc(seq_gaps::Column::RecordedAt)
            .order_by_asc(seq_gaps::Column::RoomId)
            .order_by_asc(seq_gaps::Column::Seq)
            .limit(u64::from(limit))
            .all(&self.db.read)
            .await
            .map_err(unavailable)?
            .into_iter()
            .map(seq_gaps::Model::into_gap)
            .collect()
    }

    /// Forgets gaps that now hold a tombstone.
    async fn clear_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError> {
        for chunk in gaps.chunks(GAPS_PER_STATEMENT) {
            let mut named = Condition::any();
            for (room, seq) in chunk {
                named = named.add(
                    Condition::all()
                        .add(seq_gaps::Column::RoomId.eq(room.to_string()))
                        .add(seq_gaps::Column::Seq.eq(decode::seq_to_db(*seq))),
                );
            }
            seq_gaps::Entity::delete_many()
                .filter(named)
                .exec(&self.db.write)
                .await
                .map_err(unavailable)?;
        }
        Ok(())
    }
}

/// The time a gap is recorded, Unix milliseconds (0 if the clock is before 1970).
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

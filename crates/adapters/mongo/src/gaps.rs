//! Seqs that were taken but hold no message: recording them, and filling them with tombstones.
//!
//! A batch takes its seqs from the allocator before it writes. When the write fails (MongoDB
//! down, a write concern not met), some of those seqs may stay empty; readers would wait on
//! that hole forever. So the batch records every seq it cannot vouch for with
//! [`SeqAllocator::record_gaps`](chat_ports::SeqAllocator::record_gaps), in the durable SQL
//! database, and a later batch writes a tombstone (`deleted: true`, no body) at each, at a
//! fresh rev from [`SeqAllocator::allocate_rev`](chat_ports::SeqAllocator::allocate_rev) so
//! that a resuming client learns of it like of any other change. A recorded seq that holds a message after all (the write reached the server before the error
//! did) refuses its tombstone with a duplicate key on `(room_id, seq)`, which is exactly the
//! answer wanted: the message stays, the gap is forgotten.
//!
//! If even recording fails (the SQL database is down as well), the gaps wait in memory for
//! the next pass; only a crash of this node in that window leaves a hole for good.

use std::sync::atomic::Ordering;
use std::sync::PoisonError;

use chat_domain::{RoomId, Seq, Timestamp};
use chat_ports::StoreError;

use crate::document::MessageDoc;
use crate::error::{bounded_raw, duplicate_key_positions, unavailable};
use crate::store::Inner;

/// Gaps filled per pass; a pass that finds this many leaves the flag set for the next batch.
const GAPS_PER_PASS: u32 = 100;

/// Records `gaps` (best effort) and marks that gaps may wait for tombstones.
pub(crate) async fn record(inner: &Inner, gaps: &[(RoomId, Seq)]) {
    if gaps.is_empty() {
        return;
    }
    inner.gaps_possible.store(true, Ordering::Release);
    if let Err(error) = inner.allocator.record_gaps(gaps).await {
        tracing::error!(%error, count = gaps.len(), "could not record seq gaps; keeping them in memory until the next batch fills them");
        unrecorded(inner).extend_from_slice(gaps);
    } else {
        tracing::warn!(
            count = gaps.len(),
            "recorded seq gaps to fill with tombstones"
        );
    }
}

/// Fills recorded gaps with tombstones if any may wait, up to [`GAPS_PER_PASS`]; best effort,
/// so a failure only leaves them for the next batch.
pub(crate) async fn fill(inner: &Inner) {
    // One pass at a time per node: concurrent batches skip it.
    if !inner.gaps_possible.swap(false, Ordering::AcqRel) {
        return;
    }
    match fill_once(inner).await {
        Ok(more) => {
            if more {
                inner.gaps_possible.store(true, Ordering::Release);
            }
        }
        Err(error) => {
            inner.gaps_possible.store(true, Ordering::Release);
            tracing::warn!(%error, "could not fill seq gaps yet");
        }
    }
}

/// One pass; tells whether more gaps may be left.
async fn fill_once(inner: &Inner) -> Result<bool, StoreError> {
    let in_memory = std::mem::take(&mut *unrecorded(inner));
    if !in_memory.is_empty() {
        if let Err(error) = write_tombstones(inner, &in_memory).await {
            unrecorded(inner).extend_from_slice(&in_memory);
            return Err(error);
        }
    }
    let recorded = inner.allocator.list_gaps(GAPS_PER_PASS).await?;
    if recorded.is_empty() {
        return Ok(false);
    }
    write_tombstones(inner, &recorded).await?;
    inner.allocator.clear_gaps(&recorded).await?;
    tracing::info!(count = recorded.len(), "filled seq gaps with tombstones");
    Ok(recorded.len() >= GAPS_PER_PASS as usize)
}

/// Writes a tombstone at each of `gaps` in one command, each at a fresh rev of its room; a seq
/// that already holds a document keeps it (and the rev taken for it stays unused, which is
/// harmless: revs are only "changes after" cursors, never counted).
///
/// One `allocate_rev` per gap: gaps come from failures and races, a handful at a time, and
/// the port has no call that takes many revs of many rooms at once.
pub(crate) async fn write_tombstones(
    inner: &Inner,
    gaps: &[(RoomId, Seq)],
) -> Result<(), StoreError> {
    if gaps.is_empty() {
        return Ok(());
    }
    let now = now();
    let mut tombstones = Vec::with_capacity(gaps.len());
    for &(room, seq) in gaps {
        match inner.allocator.allocate_rev(room).await {
            Ok(rev) => tombstones.push(MessageDoc::tombstone(room, seq, rev, now)),
            // The room was deleted meanwhile: there is no history left to keep gapless.
            Err(StoreError::NotFound) => {
                tracing::debug!(%room, %seq, "gap of a room that is gone; nothing to fill");
            }
            Err(error) => return Err(error),
        }
    }
    if tombstones.is_empty() {
        return Ok(());
    }
    let insert = inner.writes.insert_many(tombstones).ordered(false);
    match bounded_raw(insert).await? {
        Ok(_) => Ok(()),
        // Tombstones have fresh ids, fresh revs and no key: a duplicate can only be a filled seq.
        Err(err) if duplicate_key_positions(&err).is_some() => Ok(()),
        Err(err) => Err(unavailable(err)),
    }
}

/// The gaps waiting in memory.
fn unrecorded(inner: &Inner) -> std::sync::MutexGuard<'_, Vec<(RoomId, Seq)>> {
    // A plain list changed by single calls: still consistent after a panic elsewhere.
    inner
        .unrecorded
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// The time a tombstone is written. The store has no clock port: this time only dates a
/// placeholder, and no rule of the product depends on it.
fn now() -> Timestamp {
    let elapsed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    let millis = elapsed.map_or(0, |e| i64::try_from(e.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_unix_millis(millis)
}

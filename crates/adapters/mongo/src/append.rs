//! `append_batch`: the group commit of messages, in two MongoDB round trips.
//!
//! 1. Fill recorded gaps with tombstones, when some may wait (see `crate::gaps`).
//! 2. Claim the batch's ids and keys on this node (see `crate::in_flight`).
//! 3. ONE `find` for what is already stored: `send_key $in` the batch's send keys
//!    (`crate::document::send_key`: the idempotency key `(room, sender, client_msg_id)`, or the
//!    message id of a send without one, which is what a persistence job run again after its
//!    commit repeats). Those messages, and repeats of an earlier message of the same batch,
//!    are duplicates and take no seq. One `$in` on one unique index is point lookups on every
//!    server; the `$or` of compound clauses it replaces was planned clause by clause by
//!    MongoDB and scanned the whole collection on the SecantusDB stand-in.
//! 4. ONE `SeqAllocator::allocate` for the rest, all rooms at once: it hands out each room's
//!    seqs and revs together, so a new message's `rev` (and `created_rev`) comes from the same
//!    SQL round trip as its seq.
//! 5. ONE `insert_many`, unordered, so one refused document does not stop the others.
//!
//! When the insert fails, what happens to the seqs taken in step 4 decides everything:
//! - some documents hit a unique index because another node stored the same send between our
//!   steps 3 and 5 (or an older node stored it without a send key, or the id was used for
//!   another send): one more `find`, by id or by `(room, sender, client_msg_id)`, fetches
//!   those originals, the messages become duplicates of them, and their seqs get tombstones so
//!   the room stays gapless;
//! - anything else (MongoDB down, a write concern error, a timeout): nothing is known about
//!   what was stored, so every seq of the batch is recorded as a gap and the batch reports
//!   `Unavailable`. The worker retries it: what did get stored is found by `_id` in step 3,
//!   the rest takes new seqs, and the gaps get tombstones (or keep the message that did land).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chat_domain::{Message, NewMessage, Rev, RoomId, Seq};
use chat_ports::messages::batch::{ensure_same_message, plan_batch as plan, BatchPlan as Plan};
use chat_ports::{Appended, StoreError};
use mongodb::bson::{doc, Document};

use crate::document::{by_key, send_key, without_edits, MessageDoc};
use crate::error::{bounded, bounded_raw, duplicate_key_positions, unavailable};
use crate::gaps;
use crate::reads::collect;
use crate::store::Inner;

/// Stores `batch` (not empty); see the module docs.
pub(crate) async fn append_batch(
    inner: Arc<Inner>,
    batch: Vec<NewMessage>,
) -> Result<Vec<Appended>, StoreError> {
    gaps::fill(&inner).await;
    let _claims = inner.in_flight.claim(&batch).await;
    let stored = find_by_send_key(&inner, &batch).await?;
    let mut plans = plan(&batch, &stored)?;
    allocate(&inner, &batch, &mut plans).await?;
    let new: Vec<(usize, Seq, Rev)> = plans
        .iter()
        .enumerate()
        .filter_map(|(index, plan)| match plan {
            Plan::New(seq, rev) => Some((index, *seq, *rev)),
            Plan::Stored(_) | Plan::SameAs(_) => None,
        })
        .collect();
    if new.is_empty() {
        return Ok(results(&batch, plans));
    }
    let documents: Vec<MessageDoc> = new
        .iter()
        .map(|&(index, seq, rev)| MessageDoc::new(&batch[index], seq, rev))
        .collect();
    let taken: Vec<(RoomId, Seq)> = new
        .iter()
        .map(|&(i, seq, _)| (batch[i].room_id, seq))
        .collect();
    let failure = match bounded_raw(inner.writes.insert_many(documents).ordered(false)).await {
        Ok(Ok(_)) => return Ok(results(&batch, plans)),
        Ok(Err(err)) => match duplicate_key_positions(&err) {
            Some(positions) => {
                // Positions count the documents, which are the batch's new messages.
                let lost: Vec<usize> = positions
                    .iter()
                    .filter_map(|&p| new.get(p))
                    .map(|&(i, _, _)| i)
                    .collect();
                match settle_races(&inner, &batch, &mut plans, &lost).await {
                    Ok(()) => return Ok(results(&batch, plans)),
                    Err(failure) => failure,
                }
            }
            None => unavailable(err),
        },
        Err(timed_out) => timed_out,
    };
    gaps::record(&inner, &taken).await;
    Err(failure)
}

/// Stored messages with the send key of one of `batch`, in one command.
async fn find_by_send_key(inner: &Inner, batch: &[NewMessage]) -> Result<Vec<Message>, StoreError> {
    let keys: Vec<String> = batch.iter().map(send_key).collect();
    // At most one original per key: all of them fit the first reply.
    let most = u32::try_from(keys.len()).unwrap_or(u32::MAX);
    let find = inner
        .messages
        .find(doc! { "send_key": { "$in": keys } })
        .projection(without_edits())
        .batch_size(most.saturating_add(1));
    collect(bounded(find).await?).await
}

/// Stored messages that share an id or an idempotency key with one of `messages`, in one
/// command: the lookup after a refused insert, which also finds documents without a send key.
async fn find_stored<'a>(
    inner: &Inner,
    messages: impl Iterator<Item = &'a NewMessage>,
) -> Result<Vec<Message>, StoreError> {
    let mut ids = Vec::new();
    let mut matches: Vec<Document> = Vec::new();
    for new in messages {
        ids.push(new.id.to_string());
        if let Some(client_msg_id) = &new.client_msg_id {
            matches.push(by_key(new.room_id, new.sender_id, client_msg_id));
        }
    }
    // At most one original per id and one per key: all of them fit the first reply.
    let most = u32::try_from(ids.len() + matches.len()).unwrap_or(u32::MAX);
    matches.push(doc! { "_id": { "$in": ids } });
    let find = inner
        .messages
        .find(doc! { "$or": matches })
        .projection(without_edits())
        .batch_size(most.saturating_add(1));
    collect(bounded(find).await?).await
}

/// Takes seqs and revs for the new messages, all rooms in one call, and writes them into
/// `plans`: a room's messages get consecutive seqs and consecutive revs in batch order.
async fn allocate(
    inner: &Inner,
    batch: &[NewMessage],
    plans: &mut [Plan],
) -> Result<(), StoreError> {
    let mut counts: BTreeMap<RoomId, u32> = BTreeMap::new();
    for (new, plan) in batch.iter().zip(plans.iter()) {
        if matches!(plan, Plan::New(..)) {
            let count = counts.entry(new.room_id).or_default();
            *count = count.saturating_add(1);
        }
    }
    if counts.is_empty() {
        return Ok(());
    }
    let requests: Vec<(RoomId, u32)> = counts.iter().map(|(room, n)| (*room, *n)).collect();
    let ranges = inner.allocator.allocate(&requests).await?;
    let mut next: HashMap<RoomId, (Seq, Rev, u32)> = HashMap::with_capacity(ranges.len());
    for range in ranges {
        next.insert(range.room_id, (range.first, range.first_rev, range.count));
    }
    for (new, plan) in batch.iter().zip(plans.iter_mut()) {
        if let Plan::New(seq, rev) = plan {
            // An allocator that answered for fewer seqs than asked is broken; writing on
            // would reuse seqs.
            let (room_next, rev_next, left) = next
                .get_mut(&new.room_id)
                .filter(|(_, _, left)| *left > 0)
                .ok_or_else(|| {
                    StoreError::corrupt(format!(
                        "the seq allocator gave room {} too few seqs",
                        new.room_id
                    ))
                })?;
            *seq = *room_next;
            *rev = *rev_next;
            *room_next = room_next.next();
            *rev_next = Rev(rev_next.get() + 1);
            *left -= 1;
        }
    }
    Ok(())
}

/// The documents at `lost` broke a unique index: another node stored the same send first.
/// Makes each a duplicate of the stored original and fills its seq with a tombstone. An
/// error means some of them are not explained by a stored original; the caller then records
/// every seq of the batch as a gap.
async fn settle_races(
    inner: &Inner,
    batch: &[NewMessage],
    plans: &mut [Plan],
    lost: &[usize],
) -> Result<(), StoreError> {
    let originals = find_stored(inner, lost.iter().map(|&i| &batch[i])).await?;
    let mut tombstones = Vec::with_capacity(lost.len());
    for &index in lost {
        let new = &batch[index];
        let Plan::New(seq, _) = plans[index] else {
            continue;
        };
        let same_key = |m: &&Message| {
            new.client_msg_id.is_some()
                && (m.room_id, m.sender_id, m.client_msg_id.as_ref())
                    == (new.room_id, new.sender_id, new.client_msg_id.as_ref())
        };
        let original = originals.iter().find(|m| m.id == new.id || same_key(m));
        let Some(original) = original else {
            // Not a racing send: the seq itself was taken, so two stores share no allocator.
            return Err(StoreError::corrupt(format!(
                "seq {seq} of room {} already holds a message the allocator did not hand out",
                new.room_id
            )));
        };
        ensure_same_message(new, original.room_id, original.sender_id)?;
        plans[index] = Plan::Stored(original.clone());
        // The tombstone takes a fresh rev (`gaps::write_tombstones`); the rev this message was
        // given stays unused, which no reader can tell: revs are only "changes after" cursors.
        tombstones.push((new.room_id, seq));
    }
    tracing::info!(
        count = tombstones.len(),
        "sends raced another node; filling their seqs"
    );
    if let Err(error) = gaps::write_tombstones(inner, &tombstones).await {
        // The batch itself is stored: its result stands, the empty seqs wait as gaps.
        tracing::warn!(%error, "could not write tombstones for raced sends");
        gaps::record(inner, &tombstones).await;
    }
    Ok(())
}

/// The outcome of each message, once the batch is stored.
fn results(batch: &[NewMessage], plans: Vec<Plan>) -> Vec<Appended> {
    let mut appended: Vec<Appended> = Vec::with_capacity(batch.len());
    for (new, plan) in batch.iter().zip(plans) {
        let outcome = match plan {
            Plan::New(seq, rev) => Appended::Created(new.clone().into_message(seq, rev)),
            Plan::Stored(original) => Appended::Duplicate(original),
            // `first` is always an earlier index, so it is already in `appended`.
            Plan::SameAs(first) => Appended::Duplicate(appended[first].message().clone()),
        };
        appended.push(outcome);
    }
    appended
}

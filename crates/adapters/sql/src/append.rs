//! `append_batch`: the group commit of messages and the allocation of their seqs.
//!
//! One batch is one transaction, so the persistence worker pays one durable commit for many
//! messages. Inside it:
//! 1. look up what is already stored, by idempotency key `(room, sender, client_msg_id)` and
//!    by message id (a persistence job that is retried after its commit carries the same id);
//! 2. decide per message: duplicate of a stored one, duplicate of an earlier one in the batch,
//!    or new;
//! 3. lock the batch's rooms in room-id order and read their counters (`SELECT id, last_seq,
//!    last_rev FROM rooms WHERE id IN (..) ORDER BY id FOR UPDATE`), so racing batches take
//!    consecutive, gapless ranges of both and never lock two rooms in opposite orders; then,
//!    for up to a hundred rooms at a time, `UPDATE rooms SET last_seq = last_seq + CASE id WHEN
//!    .. THEN n .. END, last_rev = ..same.. WHERE id IN (..)`. SQLite, with one writer, needs
//!    no row lock, and raises and reads the counters in one `UPDATE .. RETURNING`. A new
//!    message's `rev` and `created_rev` are the same number: its creation is its first change;
//! 4. insert the new rows with multi-row inserts;
//! 5. move each sender's read marker up to its newest new message (`send_access`'s
//!    `UPDATE memberships ... CASE`): sending means having read the room up to there, and
//!    doing it here saves the worker a second durable commit per batch.
//!
//! On SQLite each step is one statement of fixed text with the rows in a JSON parameter
//! (`crate::json_batch`), so its prepared form is reused whatever the batch's size, and a
//! batch that repeats no stored message sends them in two queries, not six
//! (`crate::sqlite_commit`).
//!
//! A racing writer can store the same key between step 1 and step 4; the unique index then
//! rejects the insert, the transaction rolls back, and the batch runs again, now seeing the
//! racer's row as a duplicate. Deadlock and serialization failures are retried the same way.

use std::collections::{BTreeMap, HashMap};

use chat_domain::{Message, NewMessage, Rev, RoomId, Seq};
use chat_ports::messages::batch::{plan_batch as plan, senders_read_marks, BatchPlan as Plan};
use chat_ports::{Appended, StoreError};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::decode;
use crate::entity::{messages, rooms};
use crate::json_batch;
use crate::retry::{retrying, Failure};
use crate::send_access::advance_read_markers;
use crate::sequences::counters::raise_by_case;
use crate::{pg_commit, sqlite_commit};

/// Messages looked up per duplicate query (each adds up to four bound parameters).
const LOOKUP_CHUNK: usize = 100;

/// Rooms whose counters one `UPDATE` advances (three bound parameters each).
const ROOMS_PER_UPDATE: usize = 100;

/// Rows per multi-row insert (twelve parameters each): well inside every backend's limit.
const INSERT_CHUNK: usize = 500;

/// Stores `batch` in one transaction on the writer `db`; see the module docs.
pub(crate) async fn append_batch(
    db: &DatabaseConnection,
    batch: &[NewMessage],
) -> Result<Vec<Appended>, StoreError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    retrying("message batch", "message already stored", || run(db, batch)).await
}

/// One run of the batch: commits everything or nothing.
async fn run(db: &DatabaseConnection, batch: &[NewMessage]) -> Result<Vec<Appended>, Failure> {
    let one_query = match db.get_database_backend() {
        DbBackend::Sqlite => sqlite_commit::append_batch(db, batch).await?,
        DbBackend::Postgres => pg_commit::append_batch(db, batch).await?,
        DbBackend::MySql => None,
    };
    if let Some(done) = one_query {
        return Ok(done);
    }
    let txn = db.begin().await?;
    let sqlite = txn.get_database_backend() == DbBackend::Sqlite;
    let stored = if sqlite {
        let rows = json_batch::find_stored(&txn, batch).await?;
        rows.into_iter()
            .map(messages::Model::into_message)
            .collect::<Result<_, _>>()?
    } else {
        find_stored(&txn, batch).await?
    };
    let mut plans = plan(batch, &stored)?;
    allocate_seqs(&txn, batch, &mut plans).await?;
    let new_rows = batch
        .iter()
        .zip(&plans)
        .filter_map(|(new, plan)| match plan {
            Plan::New(seq, rev) => Some((new, *seq, *rev)),
            Plan::Stored(_) | Plan::SameAs(_) => None,
        });
    if sqlite {
        json_batch::insert_messages(&txn, &new_rows.collect::<Vec<_>>()).await?;
    } else {
        let rows: Vec<_> = new_rows
            .map(|(new, seq, rev)| messages::new_row(new, seq, rev))
            .collect();
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let chunk: Vec<_> = rows.by_ref().take(INSERT_CHUNK).collect();
            messages::Entity::insert_many(chunk)
                .exec_without_returning(&txn)
                .await?;
        }
    }
    let results = results(batch, plans);
    advance_read_markers(&txn, &senders_read_marks(&results)).await?;
    txn.commit().await?;
    Ok(results)
}

/// Stored messages that share an id or an idempotency key with a message of `batch`.
async fn find_stored(
    txn: &DatabaseTransaction,
    batch: &[NewMessage],
) -> Result<Vec<Message>, Failure> {
    let mut found = Vec::new();
    for chunk in batch.chunks(LOOKUP_CHUNK) {
        let mut matches = Condition::any()
            .add(messages::Column::Id.is_in(chunk.iter().map(|m| m.id.to_string())));
        for new in chunk {
            if let Some(client_msg_id) = &new.client_msg_id {
                matches = matches.add(
                    Condition::all()
                        .add(messages::Column::RoomId.eq(new.room_id.to_string()))
                        .add(messages::Column::SenderId.eq(new.sender_id.to_string()))
                        .add(messages::Column::ClientMsgId.eq(client_msg_id.as_str())),
                );
            }
        }
        for row in messages::Entity::find().filter(matches).all(txn).await? {
            found.push(row.into_message()?);
        }
    }
    Ok(found)
}

/// A room's counters as the database returns them: `(room id, last_seq, last_rev)`.
pub(crate) type RoomCounters = (String, i64, i64);

/// How many new messages `plans` put into each room, in room-id order.
pub(crate) fn counts_of_new(batch: &[NewMessage], plans: &[Plan]) -> BTreeMap<RoomId, i64> {
    // A BTreeMap iterates in room-id order: every transaction locks rooms in the same order.
    let mut counts: BTreeMap<RoomId, i64> = BTreeMap::new();
    for (new, plan) in batch.iter().zip(plans) {
        if matches!(plan, Plan::New(..)) {
            *counts.entry(new.room_id).or_default() += 1;
        }
    }
    counts
}

/// Takes a range of seqs and one of revs per room for the new messages and writes them into
/// `plans`.
async fn allocate_seqs(
    txn: &DatabaseTransaction,
    batch: &[NewMessage],
    plans: &mut [Plan],
) -> Result<(), Failure> {
    let counts = counts_of_new(batch, plans);
    if counts.is_empty() {
        return Ok(());
    }
    // Elsewhere the rooms' rows are locked first, in room-id order, by one `SELECT ... ORDER BY
    // id FOR UPDATE`: an `UPDATE ... WHERE id IN (..)` locks rows in whatever order its plan
    // scans them (index or heap order, which changes as rows are updated), so two racing
    // batches could lock two rooms in opposite orders and deadlock. The same read gives the
    // counters this batch continues from. SQLite has one writer and no row locks: there one
    // `UPDATE ... RETURNING` raises the counters and reports them.
    let last: Vec<RoomCounters> = if txn.get_database_backend() == DbBackend::Sqlite {
        json_batch::raise_counters(txn, &counts).await?
    } else {
        let last = rooms::Entity::find()
            .select_only()
            .column(rooms::Column::Id)
            .column(rooms::Column::LastSeq)
            .column(rooms::Column::LastRev)
            .filter(rooms::Column::Id.is_in(counts.keys().map(RoomId::to_string)))
            .order_by_asc(rooms::Column::Id)
            .lock_exclusive()
            .into_tuple()
            .all(txn)
            .await?;
        advance_counters(txn, &counts).await?;
        last
    };
    assign_seqs(batch, plans, counts.len(), last)
}

/// Writes into `plans` the seqs and revs that follow each room's counters `last` (`(room id,
/// last_seq, last_rev)` as they were before this batch), in batch order. Fewer rooms than
/// `rooms` means a room does not exist: the batch then stores nothing at all (the transaction,
/// counters included, is rolled back).
pub(crate) fn assign_seqs(
    batch: &[NewMessage],
    plans: &mut [Plan],
    rooms: usize,
    last: Vec<RoomCounters>,
) -> Result<(), Failure> {
    if last.len() < rooms {
        return Err(Failure::Store(StoreError::NotFound));
    }
    // The next seq and rev to hand out in each room: right after those taken before this batch.
    let mut next: HashMap<RoomId, (Seq, u64)> = HashMap::with_capacity(rooms);
    for (room, last_seq, last_rev) in last {
        let room: RoomId = decode::parse(&room, "room id")?;
        let seq = decode::seq(last_seq + 1, "room last_seq")?;
        let rev = decode::rev(last_rev + 1, "room last_rev")?;
        next.insert(room, (seq, rev.get()));
    }
    for (new, plan) in batch.iter().zip(plans.iter_mut()) {
        if let Plan::New(seq, rev) = plan {
            let (room_seq, room_rev) = next.get_mut(&new.room_id).ok_or_else(|| {
                StoreError::corrupt(format!("room {} vanished during the batch", new.room_id))
            })?;
            *seq = *room_seq;
            *rev = Rev(*room_rev);
            *room_seq = room_seq.next();
            *room_rev += 1;
        }
    }
    Ok(())
}

/// Raises each room's seq and rev counters by its count, in room-id order. One statement per
/// hundred rooms, not one per room: a batch spread over many rooms (every pair writing to its
/// own room) costs the same few round trips as a busy group.
async fn advance_counters(
    txn: &DatabaseTransaction,
    counts: &BTreeMap<RoomId, i64>,
) -> Result<(), Failure> {
    let counts_in_order: Vec<(RoomId, i64)> = counts.iter().map(|(r, n)| (*r, *n)).collect();
    for chunk in counts_in_order.chunks(ROOMS_PER_UPDATE) {
        raise_by_case(txn, chunk).await?;
    }
    Ok(())
}

/// The outcome of each message, once the batch is committed.
pub(crate) fn results(batch: &[NewMessage], plans: Vec<Plan>) -> Vec<Appended> {
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

//! [`SqlSeqAllocator`]: the per-room seq counters (`rooms.last_seq`) for a message store that
//! keeps its messages elsewhere (MongoDB), and the record of seqs taken but never filled.
//!
//! The counter is the same column [`crate::SqlMessageStore`] raises inside its own insert
//! transaction, so either store can follow the other on one database.
//!
//! `allocate` raises every room of a request in ONE transaction, so a request is all or
//! nothing (an unknown room takes no seq anywhere) and costs one commit whatever its size:
//! - PostgreSQL: one `UPDATE rooms ... FROM (VALUES ...) RETURNING`, which raises and reads
//!   back in one statement. The values are in room-id order, but the planner decides the
//!   order in which rows get locked, so a deadlock between two requests stays possible; the
//!   server then aborts one (40P01) and it runs again, like `crate::append` does.
//! - MySQL/MariaDB (no `RETURNING`) and SQLite: one `UPDATE ... SET last_seq = last_seq +
//!   CASE id ... END WHERE id IN (...)`, then a `SELECT` of the new values inside the same
//!   transaction. InnoDB walks the primary key in order for the `IN` list, so requests lock
//!   rooms in id order; SQLite has a single writer and no deadlocks at all.
//!
//! The handed-out range of a room is `last_seq - taken + 1 ..= last_seq`, read in the same
//! transaction that raised it, so concurrent requests get disjoint, adjacent ranges.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use chat_domain::{RoomId, Seq};
use chat_ports::{SeqAllocator, SeqRange, StoreError};
use sea_orm::sea_query::{CaseStatement, Expr, OnConflict};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait, Value,
};

use crate::connection::Handles;
use crate::decode;
use crate::entity::{rooms, seq_gaps};
use crate::error::{is_retryable, unavailable};

/// Runs of one request before a persistent deadlock is reported.
const MAX_ATTEMPTS: u32 = 5;

/// Rooms per statement (two bound parameters each): far inside every backend's limit, and a
/// batch of the persistence worker names far fewer.
const ROOMS_PER_STATEMENT: usize = 500;

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

/// Why one run of a request stopped.
enum Failure {
    /// The database refused; maybe worth another run.
    Db(DbErr),
    /// A verdict that another run would not change.
    Store(StoreError),
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
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
        let mut attempt = 1;
        let last = loop {
            match raise(&self.db.write, &totals).await {
                Ok(last) => break last,
                Err(Failure::Db(err)) if is_retryable(&err) && attempt < MAX_ATTEMPTS => {
                    tracing::debug!(attempt, error = %err, "seq allocation deadlocked; running it again");
                    attempt += 1;
                }
                Err(Failure::Db(err)) => return Err(unavailable(err)),
                Err(Failure::Store(err)) => return Err(err),
            }
        };
        let mut next: HashMap<RoomId, i64> = HashMap::with_capacity(totals.len());
        for (room, taken) in &totals {
            let last_seq = last.get(room).copied().ok_or(StoreError::NotFound)?;
            next.insert(*room, last_seq - taken + 1);
        }
        let mut ranges = Vec::with_capacity(requests.len());
        for (room, count) in requests {
            let first = next.get_mut(room).ok_or(StoreError::NotFound)?;
            let seq = decode::seq(*first, "room last_seq")?;
            *first += i64::from(*count);
            ranges.push(SeqRange {
                room_id: *room,
                first: seq,
                count: *count,
            });
        }
        Ok(ranges)
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

/// One run of a request: raises every room in `totals` by its count in one transaction and
/// returns each room's new `last_seq`; `NotFound` (and nothing raised) if a room is missing.
async fn raise(
    db: &DatabaseConnection,
    totals: &BTreeMap<RoomId, i64>,
) -> Result<HashMap<RoomId, i64>, Failure> {
    let txn = db.begin().await?;
    let mut last = HashMap::with_capacity(totals.len());
    let rooms: Vec<(RoomId, i64)> = totals.iter().map(|(room, n)| (*room, *n)).collect();
    for chunk in rooms.chunks(ROOMS_PER_STATEMENT) {
        let rows = match txn.get_database_backend() {
            DbBackend::Postgres => raise_returning(&txn, chunk).await?,
            DbBackend::MySql | DbBackend::Sqlite => raise_then_read(&txn, chunk).await?,
        };
        for (room, last_seq) in rows {
            let room: RoomId = decode::parse(&room, "room id").map_err(Failure::Store)?;
            last.insert(room, last_seq);
        }
    }
    if last.len() < totals.len() {
        // Dropping the transaction rolls back the rooms that were raised.
        return Err(Failure::Store(StoreError::NotFound));
    }
    txn.commit().await?;
    Ok(last)
}

/// PostgreSQL: raise and read back in one statement.
async fn raise_returning(
    txn: &DatabaseTransaction,
    rooms: &[(RoomId, i64)],
) -> Result<Vec<(String, i64)>, DbErr> {
    let mut values = Vec::with_capacity(rooms.len() * 2);
    let mut rows = Vec::with_capacity(rooms.len());
    for (room, count) in rooms {
        values.push(Value::from(room.to_string()));
        values.push(Value::from(*count));
        // `::bigint`: a bare placeholder in VALUES would be typed as text.
        rows.push(format!(
            "(${}, ${}::bigint)",
            values.len() - 1,
            values.len()
        ));
    }
    let sql = format!(
        "UPDATE rooms SET last_seq = rooms.last_seq + v.n FROM (VALUES {}) AS v(id, n) \
         WHERE rooms.id = v.id RETURNING rooms.id, rooms.last_seq",
        rows.join(", ")
    );
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    let mut raised = Vec::with_capacity(rooms.len());
    for row in txn.query_all(statement).await? {
        raised.push((row.try_get_by_index(0)?, row.try_get_by_index(1)?));
    }
    Ok(raised)
}

/// MySQL and SQLite: one `UPDATE` with a `CASE` per room, then read the new values.
async fn raise_then_read(
    txn: &DatabaseTransaction,
    rooms: &[(RoomId, i64)],
) -> Result<Vec<(String, i64)>, DbErr> {
    let ids: Vec<String> = rooms.iter().map(|(room, _)| room.to_string()).collect();
    let mut by_room = CaseStatement::new();
    for (id, (_, count)) in ids.iter().zip(rooms) {
        by_room = by_room.case(rooms::Column::Id.eq(id.as_str()), *count);
    }
    rooms::Entity::update_many()
        .col_expr(
            rooms::Column::LastSeq,
            Expr::col(rooms::Column::LastSeq).add(by_room.finally(0)),
        )
        .filter(rooms::Column::Id.is_in(ids.iter().map(String::as_str)))
        .exec(txn)
        .await?;
    rooms::Entity::find()
        .select_only()
        .column(rooms::Column::Id)
        .column(rooms::Column::LastSeq)
        .filter(rooms::Column::Id.is_in(ids))
        .into_tuple()
        .all(txn)
        .await
}

/// The time a gap is recorded, Unix milliseconds (0 if the clock is before 1970).
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

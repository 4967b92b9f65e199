//! Raising the per-room counters `rooms.last_seq` and `rooms.last_rev` for
//! [`SqlSeqAllocator`](crate::SqlSeqAllocator), and reading them back in the same transaction.
//!
//! - PostgreSQL: the rooms' rows are locked first in room-id order (`SELECT id ... ORDER BY id
//!   FOR UPDATE`), because the planner, not the order of the values, decides the order in
//!   which an `UPDATE` locks rows, and two requests locking two rooms in opposite orders
//!   deadlock (seen in the contract races, absorbed by retries until they ran out); then one
//!   `UPDATE rooms ... FROM (VALUES ...) RETURNING` raises and reads back.
//! - MySQL/MariaDB (no `RETURNING`) and SQLite: one `UPDATE ... SET last_seq = last_seq +
//!   CASE id ... END, last_rev = last_rev + CASE id ... END WHERE id IN (...)`, then a `SELECT`
//!   of the new values inside the same transaction. InnoDB walks the primary key in order for
//!   the `IN` list, so requests lock rooms in id order; SQLite has a single writer and no
//!   deadlocks at all.
//!
//! Both counters move by the same amount: every message a range is for is created once, and its
//! creation is a change of the room.

use std::collections::{BTreeMap, HashMap};

use chat_domain::{Rev, RoomId};
use chat_ports::StoreError;
use sea_orm::sea_query::{CaseStatement, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Statement, TransactionTrait, Value,
};

use crate::decode;
use crate::entity::rooms;
use crate::retry::Failure;

/// Rooms per statement (two bound parameters each): far inside every backend's limit, and a
/// batch of the persistence worker names far fewer.
const ROOMS_PER_STATEMENT: usize = 500;

/// A room's counters after a raise: `(last_seq, last_rev)`.
pub(crate) type Counters = (i64, i64);

/// One run of a request: raises both counters of every room in `totals` by its count in one
/// transaction and returns each room's new counters; `NotFound` (and nothing raised) if a room
/// is missing.
pub(crate) async fn raise(
    db: &DatabaseConnection,
    totals: &BTreeMap<RoomId, i64>,
) -> Result<HashMap<RoomId, Counters>, Failure> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        lock_in_id_order(&txn, totals.keys()).await?;
    }
    let mut last = HashMap::with_capacity(totals.len());
    let rooms: Vec<(RoomId, i64)> = totals.iter().map(|(room, n)| (*room, *n)).collect();
    for chunk in rooms.chunks(ROOMS_PER_STATEMENT) {
        let rows = match txn.get_database_backend() {
            DbBackend::Postgres => raise_returning(&txn, chunk).await?,
            DbBackend::MySql | DbBackend::Sqlite => raise_then_read(&txn, chunk).await?,
        };
        for (room, last_seq, last_rev) in rows {
            let room: RoomId = decode::parse(&room, "room id").map_err(Failure::Store)?;
            last.insert(room, (last_seq, last_rev));
        }
    }
    if last.len() < totals.len() {
        // Dropping the transaction rolls back the rooms that were raised.
        return Err(Failure::Store(StoreError::NotFound));
    }
    txn.commit().await?;
    Ok(last)
}

/// Locks the rows of `rooms` in room-id order, until `txn` ends.
async fn lock_in_id_order(
    txn: &DatabaseTransaction,
    rooms: impl Iterator<Item = &RoomId>,
) -> Result<(), DbErr> {
    let _locked: Vec<String> = rooms::Entity::find()
        .select_only()
        .column(rooms::Column::Id)
        .filter(rooms::Column::Id.is_in(rooms.map(RoomId::to_string)))
        .order_by_asc(rooms::Column::Id)
        .lock_exclusive()
        .into_tuple()
        .all(txn)
        .await?;
    Ok(())
}

/// PostgreSQL: raise and read back in one statement.
async fn raise_returning(
    txn: &DatabaseTransaction,
    rooms: &[(RoomId, i64)],
) -> Result<Vec<(String, i64, i64)>, DbErr> {
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
        "UPDATE rooms SET last_seq = rooms.last_seq + v.n, last_rev = rooms.last_rev + v.n \
         FROM (VALUES {}) AS v(id, n) \
         WHERE rooms.id = v.id RETURNING rooms.id, rooms.last_seq, rooms.last_rev",
        rows.join(", ")
    );
    let statement = Statement::from_sql_and_values(DbBackend::Postgres, sql, values);
    let mut raised = Vec::with_capacity(rooms.len());
    for row in txn.query_all(statement).await? {
        raised.push((
            row.try_get_by_index(0)?,
            row.try_get_by_index(1)?,
            row.try_get_by_index(2)?,
        ));
    }
    Ok(raised)
}

/// MySQL and SQLite: one `UPDATE` with a `CASE` per room, then read the new values.
async fn raise_then_read(
    txn: &DatabaseTransaction,
    rooms: &[(RoomId, i64)],
) -> Result<Vec<(String, i64, i64)>, DbErr> {
    raise_by_case(txn, rooms).await?;
    let ids: Vec<String> = rooms.iter().map(|(room, _)| room.to_string()).collect();
    rooms::Entity::find()
        .select_only()
        .column(rooms::Column::Id)
        .column(rooms::Column::LastSeq)
        .column(rooms::Column::LastRev)
        .filter(rooms::Column::Id.is_in(ids))
        .into_tuple()
        .all(txn)
        .await
}

/// Raises both counters of each of `rooms` by its count in ONE portable statement: `UPDATE
/// rooms SET last_seq = last_seq + CASE id WHEN .. THEN n .. ELSE 0 END, last_rev = ..same..
/// WHERE id IN (..)`. Also the group commit's, on PostgreSQL and MariaDB (`crate::append`).
pub(crate) async fn raise_by_case(
    db: &impl ConnectionTrait,
    rooms: &[(RoomId, i64)],
) -> Result<(), DbErr> {
    let ids: Vec<String> = rooms.iter().map(|(room, _)| room.to_string()).collect();
    let mut by_room = CaseStatement::new();
    for (id, (_, count)) in ids.iter().zip(rooms) {
        by_room = by_room.case(rooms::Column::Id.eq(id.as_str()), *count);
    }
    let by_room = by_room.finally(0);
    rooms::Entity::update_many()
        .col_expr(
            rooms::Column::LastSeq,
            Expr::col(rooms::Column::LastSeq).add(by_room.clone()),
        )
        .col_expr(
            rooms::Column::LastRev,
            Expr::col(rooms::Column::LastRev).add(by_room),
        )
        .filter(rooms::Column::Id.is_in(ids))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes the next rev of `room` in a transaction of its own. `NotFound` for a room that does
/// not exist.
pub(crate) async fn next_rev(db: &DatabaseConnection, room: RoomId) -> Result<Rev, Failure> {
    let txn = db.begin().await?;
    let rev = raise_rev(&txn, room).await?;
    txn.commit().await?;
    Ok(rev)
}

/// Raises `room`'s `last_rev` by one inside `txn` and reads it back (portable: MySQL has no
/// `RETURNING`). The raise locks the room's row until `txn` ends, so racing callers read their
/// own value, and whatever `txn` writes next commits in rev order with the room's other
/// changes. `NotFound` for a room that does not exist.
///
/// A rev raised alone changes a message without creating one: the database's trigger on
/// `rooms` marks it in `rev_marks` within this statement, which catch-up relies on
/// ([`crate::changes`]).
pub(crate) async fn raise_rev(txn: &DatabaseTransaction, room: RoomId) -> Result<Rev, Failure> {
    let raised = rooms::Entity::update_many()
        .col_expr(
            rooms::Column::LastRev,
            Expr::col(rooms::Column::LastRev).add(1),
        )
        .filter(rooms::Column::Id.eq(room.to_string()))
        .exec(txn)
        .await?;
    if raised.rows_affected == 0 {
        return Err(Failure::Store(StoreError::NotFound));
    }
    let last_rev: Option<i64> = rooms::Entity::find_by_id(room.to_string())
        .select_only()
        .column(rooms::Column::LastRev)
        .into_tuple()
        .one(txn)
        .await?;
    let last_rev = last_rev.ok_or(Failure::Store(StoreError::NotFound))?;
    Ok(decode::rev(last_rev, "room last_rev")?)
}

/// The `last_rev` of each of `rooms` that exists, read through `db` in chunks.
pub(crate) async fn last_revs(
    db: &impl ConnectionTrait,
    rooms: &[RoomId],
) -> Result<Vec<(RoomId, Rev)>, StoreError> {
    let mut revs = Vec::with_capacity(rooms.len());
    for chunk in rooms.chunks(ROOMS_PER_STATEMENT) {
        let rows: Vec<(String, i64)> = rooms::Entity::find()
            .select_only()
            .column(rooms::Column::Id)
            .column(rooms::Column::LastRev)
            .filter(rooms::Column::Id.is_in(chunk.iter().map(RoomId::to_string)))
            .into_tuple()
            .all(db)
            .await
            .map_err(crate::error::unavailable)?;
        for (room, last_rev) in rows {
            revs.push((
                decode::parse(&room, "room id")?,
                decode::rev(last_rev, "room last_rev")?,
            ));
        }
    }
    Ok(revs)
}

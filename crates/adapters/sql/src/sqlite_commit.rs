//! The group commit on SQLite in two round trips to the writer thread instead of six.
//!
//! sqlx runs each SQLite connection on a thread of its own, and every query is a round trip to
//! it: the calling task sends the query, the thread wakes, runs it and sends the rows back, and
//! the task must be polled again before it can send the next one. The portable group commit
//! (`crate::append`) makes six: `BEGIN`, the duplicate lookup, the counter raise, the insert,
//! the read markers and `COMMIT`. Only one batch at a time may be in the commit stage, and
//! profiled at 9,000 msg/s of the pairs workload that stage was busy all the time while the
//! writer thread ran for less than half of it, and a third of the writer's samples were the
//! kernel switching it in and out (docs/benchmarks.md).
//!
//! Here the same statements (`crate::json_batch`) go in two queries of several statements
//! each; sqlx's SQLite driver runs a multi-statement query as one command on its thread:
//! 1. `BEGIN IMMEDIATE`, the lookup of stored duplicates, and the counter raise for every
//!    message the batch itself does not repeat, assuming that none is stored yet;
//! 2. the insert, the senders' read markers and `COMMIT`.
//!
//! A batch that meets a stored message (a retried send, rare) is rolled back after the first
//! query and left to the portable path, which looks up before it raises: what is committed is
//! always what `crate::append` would commit, and the shared contract suite checks both.
//!
//! These statements, not sqlx, open and close the transaction, so the connection is held by
//! [`OpenTransaction`]: a run that ends between the two queries without `COMMIT` or `ROLLBACK`
//! (an error during the rollback, a cancelled future) takes the connection out of the pool and
//! closes it, which rolls the transaction back; the pool then opens a fresh one.
//!
//! sqlx documents several statements in one prepared query as a SQLite-only behaviour it may
//! drop (launchbadge/sqlx#3108); the contract suite runs this path on every SQLite database, so
//! an upgrade that drops it fails there, not in production.

use std::collections::BTreeMap;

use chat_domain::{NewMessage, RoomId};
use chat_ports::messages::batch::{plan_batch, senders_read_marks, BatchPlan};
use chat_ports::Appended;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::sqlite::SqliteRow;
use sea_orm::sqlx::{self, Row, Sqlite, SqliteConnection};
use sea_orm::{DatabaseConnection, DbErr, RuntimeErr};

use crate::append::{assign_seqs, counts_of_new, results, RoomCounters};
use crate::json_batch::{
    self, advance_read_markers_sql, find_stored_sql, insert_messages_sql, raise_counters_sql,
};
use crate::retry::Failure;

/// Opens the transaction, looks up stored duplicates (`?1` ids, `?2` keys) and raises the
/// counters (`?3`). The raise returns the column `last_seq`; a stored message does not.
const FIRST_QUERY: &str = concat!(
    "BEGIN IMMEDIATE; ",
    find_stored_sql!("1", "2"),
    "; ",
    raise_counters_sql!("3")
);

/// Inserts the new messages (`?1`), moves the senders' read markers (`?2`) and commits.
const SECOND_QUERY: &str = concat!(
    insert_messages_sql!("1"),
    "; ",
    advance_read_markers_sql!("2"),
    "; COMMIT"
);

/// Stores `batch` in one transaction in two round trips, or returns `None` having stored
/// nothing when a message of it is already stored (the caller then runs the portable path).
pub(crate) async fn append_batch(
    db: &DatabaseConnection,
    batch: &[NewMessage],
) -> Result<Option<Vec<Appended>>, Failure> {
    let mut plans = plan_batch(batch, &[])?;
    let counts = counts_of_new(batch, &plans);
    let (ids, keys) = json_batch::stored_lookup(batch);
    let connection = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(|err| DbErr::Conn(RuntimeErr::SqlxError(err)))?;
    let mut transaction = OpenTransaction(Some(connection));

    let first = sqlx::query(FIRST_QUERY)
        .bind(ids.to_string())
        .bind(keys.to_string())
        .bind(json_batch::room_counts(&counts).to_string())
        .fetch_all(transaction.connection()?)
        .await;
    let raised = match first
        .map_err(query_err)
        .and_then(|rows| counters(&rows, &counts))
    {
        Ok(Some(raised)) => raised,
        Ok(None) => return Ok(transaction.roll_back(None).await),
        Err(failure) => return Err(transaction.roll_back(failure).await),
    };
    if let Err(failure) = assign_seqs(batch, &mut plans, counts.len(), raised) {
        return Err(transaction.roll_back(failure).await);
    }

    let new: Vec<_> = batch
        .iter()
        .zip(&plans)
        .filter_map(|(new, plan)| match plan {
            BatchPlan::New(seq, rev) => Some((new, *seq, *rev)),
            BatchPlan::Stored(_) | BatchPlan::SameAs(_) => None,
        })
        .collect();
    let new_rows = json_batch::new_rows(&new);
    let results = results(batch, plans);
    let marks = json_batch::read_marks(&senders_read_marks(&results));
    let second = sqlx::query(SECOND_QUERY)
        .bind(new_rows.to_string())
        .bind(marks.to_string())
        .execute(transaction.connection()?)
        .await;
    match second {
        Ok(_) => {
            transaction.committed();
            Ok(Some(results))
        }
        Err(err) => Err(transaction.roll_back(exec_err(err)).await),
    }
}

/// The rooms' counters before the raise, from the rows of [`FIRST_QUERY`]; `None` if a message
/// of the batch is stored already.
fn counters(
    rows: &[SqliteRow],
    counts: &BTreeMap<RoomId, i64>,
) -> Result<Option<Vec<RoomCounters>>, Failure> {
    let mut raised = Vec::with_capacity(counts.len());
    for row in rows {
        if row.try_column("last_seq").is_err() {
            return Ok(None);
        }
        let counters = (
            row.try_get(0).map_err(query_err)?,
            row.try_get(1).map_err(query_err)?,
            row.try_get(2).map_err(query_err)?,
        );
        raised.push(json_batch::before_raise(counts, counters)?);
    }
    Ok(Some(raised))
}

fn query_err(err: sqlx::Error) -> Failure {
    Failure::Db(DbErr::Query(RuntimeErr::SqlxError(err)))
}

fn exec_err(err: sqlx::Error) -> Failure {
    Failure::Db(DbErr::Exec(RuntimeErr::SqlxError(err)))
}

/// The writer connection while a transaction that sqlx does not know of may be open on it.
struct OpenTransaction(Option<PoolConnection<Sqlite>>);

impl OpenTransaction {
    fn connection(&mut self) -> Result<&mut SqliteConnection, Failure> {
        self.0
            .as_deref_mut()
            .ok_or_else(|| Failure::Db(DbErr::Custom("the transaction is over".into())))
    }

    /// The transaction committed: the connection goes back to the pool.
    fn committed(mut self) {
        self.0.take();
    }

    /// Rolls back and returns `outcome`; if even that fails, [`Drop`] closes the connection.
    async fn roll_back<T>(mut self, outcome: T) -> T {
        if let Some(connection) = self.0.as_deref_mut() {
            match sqlx::query("ROLLBACK").execute(connection).await {
                Ok(_) => {
                    self.0.take();
                }
                Err(err) => {
                    tracing::warn!(error = %err, "rolling back a group commit failed; closing the writer connection");
                }
            }
        }
        outcome
    }
}

impl Drop for OpenTransaction {
    fn drop(&mut self) {
        if let Some(connection) = self.0.take() {
            // Out of the pool and closed: SQLite rolls back what the connection left open.
            drop(connection.detach());
        }
    }
}

#[cfg(test)]
mod tests {
    use chat_contract::fixtures;
    use chat_domain::Seq;
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};

    use super::*;
    use crate::connection::SqlDatabase;

    /// A migrated SQLite file (a separate reader pool sees only what was committed) with a
    /// private room; the room and its two members.
    async fn database() -> (
        tempfile::TempDir,
        SqlDatabase,
        chat_domain::Room,
        [chat_domain::UserId; 2],
    ) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("chat.db").display());
        let db = SqlDatabase::connect(&url).await.unwrap();
        db.migrate().await.unwrap();
        let (room, a, b) = fixtures::private_room(&*db.users(), &*db.rooms()).await;
        (dir, db, room, [a.id, b.id])
    }

    /// How many messages the READER pool sees in `room`: only committed ones.
    async fn committed(db: &SqlDatabase, room: RoomId) -> i64 {
        let read = &db.handles().read;
        let row = read
            .query_one(Statement::from_sql_and_values(
                read.get_database_backend(),
                "SELECT COUNT(*) FROM messages WHERE room_id = ?",
                [room.to_string().into()],
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get_by_index(0).unwrap()
    }

    fn seqs(appended: &[Appended]) -> Vec<u64> {
        appended.iter().map(|a| a.message().seq.get()).collect()
    }

    #[tokio::test]
    async fn a_fresh_batch_commits_in_two_queries_and_a_stored_one_is_left_to_the_portable_path() {
        let (_dir, db, room, [a, b]) = database().await;
        let write = &db.handles().write;
        let batch = vec![
            fixtures::message(room.id, a, "one", Some("k1")),
            fixtures::message(room.id, b, "two", None),
            fixtures::message(room.id, a, "one again", Some("k1")),
        ];
        let appended = append_batch(write, &batch)
            .await
            .unwrap()
            .expect("fresh batch");
        assert_eq!(seqs(&appended), [1, 2, 1]);
        assert!(matches!(appended[2], Appended::Duplicate(_)));
        assert_eq!(committed(&db, room.id).await, 2);

        // A retry meets stored messages: nothing is written, the counters are rolled back.
        let retry = vec![fixtures::message(room.id, a, "one", Some("k1"))];
        assert!(append_batch(write, &retry).await.unwrap().is_none());
        let next = vec![fixtures::message(room.id, b, "three", None)];
        let appended = append_batch(write, &next)
            .await
            .unwrap()
            .expect("fresh batch");
        assert_eq!(appended[0].message().seq, Seq(3));
        assert_eq!(committed(&db, room.id).await, 3);
    }

    #[tokio::test]
    async fn a_batch_for_a_missing_room_stores_nothing_and_leaves_the_writer_usable() {
        let (_dir, db, room, [a, _]) = database().await;
        let write = &db.handles().write;
        let batch = vec![
            fixtures::message(room.id, a, "kept out", None),
            fixtures::message(RoomId::new_v7(), a, "nowhere", None),
        ];
        let refused = append_batch(write, &batch).await;
        assert!(
            matches!(
                refused,
                Err(Failure::Store(chat_ports::StoreError::NotFound))
            ),
            "{refused:?}"
        );
        // Rolled back, and out of the transaction: sqlx can begin one on the same connection.
        let txn = write.begin().await.unwrap();
        txn.commit().await.unwrap();
        let batch = vec![fixtures::message(room.id, a, "first", None)];
        let appended = append_batch(write, &batch)
            .await
            .unwrap()
            .expect("fresh batch");
        assert_eq!(seqs(&appended), [1]);
        assert_eq!(committed(&db, room.id).await, 1);
    }

    #[tokio::test]
    async fn a_transaction_left_open_is_rolled_back_by_closing_its_connection() {
        let (_dir, db, room, [a, _]) = database().await;
        let write = &db.handles().write;
        let connection = write.get_sqlite_connection_pool().acquire().await.unwrap();
        let mut transaction = OpenTransaction(Some(connection));
        sqlx::query("BEGIN IMMEDIATE; UPDATE rooms SET last_seq = 41")
            .execute(transaction.connection().unwrap())
            .await
            .unwrap();
        // As a cancelled future would leave it: neither committed nor rolled back.
        drop(transaction);

        let batch = vec![fixtures::message(room.id, a, "after", None)];
        let appended = append_batch(write, &batch)
            .await
            .unwrap()
            .expect("fresh batch");
        assert_eq!(seqs(&appended), [1], "the abandoned raise was rolled back");
        assert_eq!(
            committed(&db, room.id).await,
            1,
            "and the new batch committed"
        );
    }
}

//! The group commit on SQLite in ONE round trip to the writer thread instead of six.
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
//! Here the whole commit is one query of several statements ([`GROUP_COMMIT`]; sqlx's SQLite
//! driver runs a multi-statement query as one command on its thread): `BEGIN IMMEDIATE`, the
//! counter raise (`crate::json_batch`), the insert, the senders' read markers and `COMMIT`.
//! Seqs and revs are computed by the statements themselves from the raised counters, and in
//! Rust from the counters the raise returns, the same way (`crate::append::assign_seqs`).
//!
//! It looks nothing up first: a message that is stored already (a retried send, a job run
//! again after its commit) breaks a unique index (its id, or its `(room, sender,
//! client_msg_id)`), and so does nothing else that a healthy batch does. So when the database
//! refuses the query, for that reason or any other, the transaction is rolled back and the
//! caller runs the portable path, which finds stored messages first and reports what else
//! went wrong. What is committed is always what `crate::append` would commit, and the shared
//! contract suite checks both paths.
//!
//! These statements, not sqlx, open and close the transaction, so the connection is held by
//! [`OpenTransaction`]: a run that ends without `COMMIT` or `ROLLBACK` (an error during the
//! rollback, a cancelled future) takes the connection out of the pool and closes it, which
//! rolls the transaction back; the pool then opens a fresh one.
//!
//! sqlx documents several statements in one prepared query as a SQLite-only behaviour it may
//! drop (launchbadge/sqlx#3108); the contract suite runs this path on every SQLite database, so
//! an upgrade that drops it fails there, not in production.

use std::time::Instant;

use chat_domain::NewMessage;
use chat_ports::Appended;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Sqlite, SqliteConnection};
use sea_orm::{DatabaseConnection, DbErr, RuntimeErr};

use crate::json_batch::{self, raise_counters_sql};
use crate::one_query::Planned;
use crate::retry::Failure;

/// The whole group commit (see the module docs): `?1` the rooms' counts (`[room, count]`),
/// `?2` the new messages (`[id, room, back, sender, body, client_msg_id, reply_to,
/// created_at, back]`), `?3` the senders' read markers (`[room, user, back]`). `back` counts
/// the batch's new messages of the same room that come after this one, so a message's seq is
/// its room's raised `last_seq` minus `back` (and its rev the raised `last_rev` minus
/// `back`). The `LEFT JOIN` makes a message for a missing room a NULL seq, which the `NOT
/// NULL` column refuses, so nothing of the batch is committed.
const GROUP_COMMIT: &str = concat!(
    "BEGIN IMMEDIATE; ",
    raise_counters_sql!(),
    "; INSERT INTO messages (id, room_id, seq, sender_id, body, client_msg_id, reply_to, \
     created_at, edited_at, deleted, rev, created_rev) \
     SELECT j.value->>0, j.value->>1, r.last_seq - (j.value->>2), j.value->>3, j.value->>4, \
     j.value->>5, j.value->>6, j.value->>7, NULL, FALSE, r.last_rev - (j.value->>8), \
     r.last_rev - (j.value->>8) \
     FROM json_each(?2) AS j LEFT JOIN rooms AS r ON r.id = j.value->>1; \
     UPDATE memberships SET read_seq = r.last_seq - (j.value->>2) \
     FROM json_each(?3) AS j JOIN rooms AS r ON r.id = j.value->>0 \
     WHERE memberships.room_id = j.value->>0 AND memberships.user_id = j.value->>1 \
     AND memberships.read_seq < r.last_seq - (j.value->>2); \
     COMMIT"
);

/// Stores `batch` in one transaction in ONE round trip, or returns `None` having stored
/// nothing when the database refused it (the caller then runs the portable path, which finds
/// any stored message first and reports whatever else went wrong).
pub(crate) async fn append_batch(
    db: &DatabaseConnection,
    batch: &[NewMessage],
) -> Result<Option<Vec<Appended>>, Failure> {
    let Some(plan) = Planned::new(batch) else {
        return Ok(None);
    };
    let counts = json_batch::room_counts(&plan.counts)?;
    let new_rows = json_batch::new_rows(&plan.new_rows)?;
    let marks = json_batch::read_marks(&plan.marks)?;
    let connection = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(|err| DbErr::Conn(RuntimeErr::SqlxError(err)))?;
    let mut transaction = OpenTransaction(Some(connection));
    let started = Instant::now();
    let committed = sqlx::query(GROUP_COMMIT)
        .bind(counts)
        .bind(new_rows)
        .bind(marks)
        .fetch_all(transaction.connection()?)
        .await;
    crate::figures::record(GROUP_COMMIT, started.elapsed());
    match committed {
        Ok(rows) => {
            transaction.committed();
            plan.committed(&rows).map(Some)
        }
        Err(err) => {
            tracing::debug!(error = %err, "the one-query group commit was refused; running the portable one");
            Ok(transaction.roll_back(None).await)
        }
    }
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
    use chat_domain::{RoomId, Seq, UserId};
    use chat_ports::MessageStore;
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
    async fn a_batch_for_a_missing_room_is_left_to_the_portable_path_and_stores_nothing() {
        let (_dir, db, room, [a, _]) = database().await;
        let write = &db.handles().write;
        let batch = vec![
            fixtures::message(room.id, a, "kept out", None),
            fixtures::message(RoomId::new_v7(), a, "nowhere", None),
        ];
        assert!(append_batch(write, &batch).await.unwrap().is_none());
        assert!(matches!(
            crate::append::append_batch(write, &batch).await,
            Err(chat_ports::StoreError::NotFound)
        ));
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
    async fn seqs_revs_and_read_markers_follow_batch_order_across_rooms() {
        let (_dir, db, room, [a, b]) = database().await;
        let (other, c, d) = fixtures::private_room(&*db.users(), &*db.rooms()).await;
        let write = &db.handles().write;
        let first = vec![fixtures::message(room.id, a, "before", None)];
        append_batch(write, &first)
            .await
            .unwrap()
            .expect("fresh batch");
        let batch = vec![
            fixtures::message(room.id, a, "a1", None),
            fixtures::message(other.id, c.id, "c1", None),
            fixtures::message(room.id, b, "b1", None),
            fixtures::message(room.id, a, "a2", None),
            fixtures::message(other.id, d.id, "d1", None),
        ];
        let appended = append_batch(write, &batch)
            .await
            .unwrap()
            .expect("fresh batch");
        assert_eq!(seqs(&appended), [2, 1, 3, 4, 2]);
        let revs: Vec<u64> = appended.iter().map(|a| a.message().rev.0).collect();
        assert_eq!(revs, [2, 1, 3, 4, 2]);
        // What the statements stored is what Rust reported.
        let stored = db
            .messages()
            .page(room.id, chat_ports::HistoryCursor::Latest, 10)
            .await
            .unwrap();
        let stored: Vec<(String, u64, u64)> = stored
            .iter()
            .map(|m| (m.body.clone().unwrap_or_default(), m.seq.0, m.rev.0))
            .collect();
        assert!(stored.contains(&("a2".to_owned(), 4, 4)), "{stored:?}");
        assert!(stored.contains(&("b1".to_owned(), 3, 3)), "{stored:?}");
        // Each sender has read up to their newest message, and no further.
        let read = |room: RoomId, user: UserId| {
            let read = db.handles().read.clone();
            async move {
                let row = read
                    .query_one(Statement::from_sql_and_values(
                        read.get_database_backend(),
                        "SELECT read_seq FROM memberships WHERE room_id = ? AND user_id = ?",
                        [room.to_string().into(), user.to_string().into()],
                    ))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        assert_eq!(read(room.id, a).await, 4);
        assert_eq!(read(room.id, b).await, 3);
        assert_eq!(read(other.id, c.id).await, 1);
        assert_eq!(read(other.id, d.id).await, 2);
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

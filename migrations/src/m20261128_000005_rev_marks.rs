//! Catch-up served without a `(room_id, rev)` index entry per message.
//!
//! Why: every stored message wrote a leaf of three indexes keyed by its room (`room_seq`,
//! `client_msg_id`, `room_rev`), and in a busy server with many rooms no two messages of a
//! commit share those leaves, so each message cost three 4 KiB index pages in SQLite's WAL
//! (docs/benchmarks.md). The rev index was the one that a message needs only once it changes:
//! until then its rev is its `created_rev`, and creations come in seq order, which the
//! `room_seq` index already holds.
//!
//! So:
//! - `rev_marks` records, for every rev that changed a message without creating one (an edit, a
//!   deletion), the room's `last_seq` at that rev. Creations raise `last_seq` and `last_rev`
//!   together, so the room's `last_seq` at any rev `X` is that of the newest mark at or below
//!   `X` plus the revs since (or `X` itself with no mark): catch-up reads the creations after
//!   `X` along `room_seq` from there.
//! - The marks are written by a trigger on `rooms` (a raise of `last_rev` beyond the raise of
//!   `last_seq` marks the new rev), inside the statement that raises the counter. So a mark can
//!   be missing neither by a bug of one code path nor during a rolling upgrade, when nodes of
//!   the previous version, which know nothing of marks, still edit and delete: a missing mark
//!   would make catch-up skip creations, silently. (Creating a trigger on MySQL with binary
//!   logging on needs `log_bin_trust_function_creators` or the `SUPER` privilege.)
//! - The full unique `(room_id, rev)` index becomes a partial one over the changed messages
//!   (`rev > created_rev`), on SQLite and PostgreSQL. MySQL and MariaDB have no partial indexes
//!   and keep the full one.
//! - Existing data is backfilled from what the messages show (a room whose `last_rev` and
//!   `last_seq` differ had changes): each rev between two consecutive creations, or after the
//!   last one, is marked with the `last_seq` of the creation before it. Where seqs are missing
//!   (a message store that lost one), that under-states `last_seq`, which only makes catch-up
//!   read a row or two more: it never skips a creation.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use crate::tables::{Messages, RevMarks, Rooms};

/// Length of an id column: a hyphenated UUID (as in the initial schema).
const ID_LEN: u32 = 36;

/// The full rev index of the previous schema.
const FULL_REV_INDEX: &str = "ux_messages_room_rev";

/// The partial rev index over changed messages.
const CHANGED_REV_INDEX: &str = "ux_messages_room_changed_rev";

/// Marks inserted per statement while backfilling.
const MARKS_PER_INSERT: usize = 500;

/// Adds `rev_marks`, backfills it, and narrows the rev index.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_rev_marks(manager).await?;
        backfill(manager).await?;
        for statement in mark_trigger(manager.get_database_backend()) {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        if has_partial_indexes(manager) {
            let full = Index::drop()
                .name(FULL_REV_INDEX)
                .table(Messages::Table)
                .to_owned();
            manager.drop_index(full).await?;
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "CREATE UNIQUE INDEX {CHANGED_REV_INDEX} ON messages (room_id, rev) \
                     WHERE rev > created_rev"
                ))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let drop_trigger = match manager.get_database_backend() {
            DatabaseBackend::Postgres => &[
                "DROP TRIGGER IF EXISTS tr_rooms_rev_marks ON rooms",
                "DROP FUNCTION IF EXISTS rev_marks_on_raise()",
            ][..],
            _ => &["DROP TRIGGER IF EXISTS tr_rooms_rev_marks"][..],
        };
        for statement in drop_trigger {
            manager
                .get_connection()
                .execute_unprepared(statement)
                .await?;
        }
        if has_partial_indexes(manager) {
            let partial = Index::drop()
                .name(CHANGED_REV_INDEX)
                .table(Messages::Table)
                .to_owned();
            manager.drop_index(partial).await?;
            let full = Index::create()
                .name(FULL_REV_INDEX)
                .table(Messages::Table)
                .col(Messages::RoomId)
                .col(Messages::Rev)
                .unique()
                .to_owned();
            manager.create_index(full).await?;
        }
        manager
            .drop_table(Table::drop().table(RevMarks::Table).to_owned())
            .await
    }
}

/// The statements that create the trigger marking every rev raised beyond `last_seq`'s raise
/// (an edit or a deletion raises `last_rev` alone; creations raise both by their count).
fn mark_trigger(backend: DatabaseBackend) -> &'static [&'static str] {
    match backend {
        DatabaseBackend::Sqlite => &[
            "CREATE TRIGGER tr_rooms_rev_marks AFTER UPDATE OF last_rev ON rooms \
             FOR EACH ROW WHEN NEW.last_rev - OLD.last_rev > NEW.last_seq - OLD.last_seq \
             BEGIN INSERT INTO rev_marks (room_id, rev, last_seq) \
             VALUES (NEW.id, NEW.last_rev, NEW.last_seq); END",
        ],
        DatabaseBackend::Postgres => &[
            "CREATE FUNCTION rev_marks_on_raise() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN INSERT INTO rev_marks (room_id, rev, last_seq) \
             VALUES (NEW.id, NEW.last_rev, NEW.last_seq); RETURN NULL; END $$",
            "CREATE TRIGGER tr_rooms_rev_marks AFTER UPDATE OF last_rev ON rooms FOR EACH ROW \
             WHEN (NEW.last_rev - OLD.last_rev > NEW.last_seq - OLD.last_seq) \
             EXECUTE FUNCTION rev_marks_on_raise()",
        ],
        DatabaseBackend::MySql => &["CREATE TRIGGER tr_rooms_rev_marks AFTER UPDATE ON rooms \
             FOR EACH ROW INSERT INTO rev_marks (room_id, rev, last_seq) \
             SELECT NEW.id, NEW.last_rev, NEW.last_seq FROM DUAL \
             WHERE NEW.last_rev - OLD.last_rev > NEW.last_seq - OLD.last_seq"],
    }
}

/// SQLite and PostgreSQL index part of a table; MySQL and MariaDB cannot.
fn has_partial_indexes(manager: &SchemaManager) -> bool {
    manager.get_database_backend() != DatabaseBackend::MySql
}

async fn create_rev_marks(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let table = Table::create()
        .table(RevMarks::Table)
        .col(string_len(RevMarks::RoomId, ID_LEN))
        .col(big_integer(RevMarks::Rev))
        .col(big_integer(RevMarks::LastSeq))
        .primary_key(Index::create().col(RevMarks::RoomId).col(RevMarks::Rev))
        .foreign_key(
            ForeignKey::create()
                .name("fk_rev_marks_room")
                .from(RevMarks::Table, RevMarks::RoomId)
                .to(Rooms::Table, Rooms::Id),
        )
        .to_owned();
    manager.create_table(table).await
}

/// The revs of rooms with changes that no stored message was created at, each with the seq of
/// the creation before it: `(room, first rev, last rev, last_seq)` per run of such revs.
const UNMARKED_RUNS: &str = "\
SELECT room_id, prev_rev + 1, created_rev - 1, prev_seq FROM ( \
  SELECT m.room_id, m.created_rev, \
    COALESCE(LAG(m.seq) OVER (PARTITION BY m.room_id ORDER BY m.seq), 0) AS prev_seq, \
    COALESCE(LAG(m.created_rev) OVER (PARTITION BY m.room_id ORDER BY m.seq), 0) AS prev_rev \
  FROM messages m JOIN rooms r ON r.id = m.room_id WHERE r.last_rev <> r.last_seq \
) runs WHERE created_rev > prev_rev + 1 \
UNION ALL \
SELECT r.id, MAX(m.created_rev) + 1, r.last_rev, MAX(m.seq) \
FROM rooms r JOIN messages m ON m.room_id = r.id WHERE r.last_rev <> r.last_seq \
GROUP BY r.id, r.last_rev HAVING r.last_rev > MAX(m.created_rev)";

/// Marks every rev that changed a stored message of a room without creating one (see the
/// module docs). Rooms without stored messages (their messages live in MongoDB) get none.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let backend = manager.get_database_backend();
    let runs = db
        .query_all(Statement::from_string(backend, UNMARKED_RUNS))
        .await?;
    let mut marks = Vec::new();
    for run in runs {
        let room: String = run.try_get_by_index(0)?;
        let first: i64 = run.try_get_by_index(1)?;
        let last: i64 = run.try_get_by_index(2)?;
        let last_seq: i64 = run.try_get_by_index(3)?;
        marks.extend((first..=last).map(|rev| (room.clone(), rev, last_seq)));
    }
    for chunk in marks.chunks(MARKS_PER_INSERT) {
        let mut insert = Query::insert();
        insert.into_table(RevMarks::Table).columns([
            RevMarks::RoomId,
            RevMarks::Rev,
            RevMarks::LastSeq,
        ]);
        for (room, rev, last_seq) in chunk {
            insert
                .values([room.as_str().into(), (*rev).into(), (*last_seq).into()])
                .map_err(|err| DbErr::Custom(err.to_string()))?;
        }
        manager.exec_stmt(insert.to_owned()).await?;
    }
    Ok(())
}

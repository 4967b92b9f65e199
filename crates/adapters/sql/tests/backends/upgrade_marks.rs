//! The rev-marks migration on a database whose rooms already had edits, deletions and a
//! missing seq: the backfill marks exactly the revs no stored message was created at; the
//! trigger marks later changes, also those of a node of the previous version; and catch-up
//! (`changes_since`) after every rev is what the messages show.

use chat_migrations::{Migrator, MigratorTrait};
use chat_ports::{HistoryCursor, MessageStore};
use sea_orm::{ConnectionTrait, Statement};

use crate::provision::{Backend, Provider};
use crate::upgrade::old_database;

/// Migrations before the one under test.
const BEFORE: u32 = 4;

const ROOM: &str = "0190a0a0-0000-7000-8000-000000000002";
const QUIET: &str = "0190a0a0-0000-7000-8000-000000000003";
const ALICE: &str = "0190a0a0-0000-7000-8000-00000000000a";
const BOB: &str = "0190a0a0-0000-7000-8000-00000000000b";

/// Message id `n` (a two-digit number).
fn id(n: u32) -> String {
    format!("0190a0a0-0000-7000-8000-0000000002{n:02}")
}

/// `ROOM` went: rev 1 creates seq 1, rev 2 seq 2, rev 3 edits seq 1, rev 4 creates seq 3 (which
/// its message store lost), rev 5 creates seq 4, rev 6 deletes seq 2, rev 7 edits seq 1 again.
/// `QUIET` only ever had creations.
fn old_rows() -> Vec<String> {
    let message = |n: u32, room: &str, seq: u32, rev: u32, created_rev: u32, deleted: bool| {
        let body = if deleted { "NULL" } else { "'text'" };
        format!(
            "INSERT INTO messages (id, room_id, seq, sender_id, body, created_at, deleted, rev, created_rev) \
             VALUES ('{}', '{room}', {seq}, '{ALICE}', {body}, 1, {deleted}, {rev}, {created_rev})",
            id(n)
        )
    };
    vec![
        format!("INSERT INTO users (id, username, password_hash, created_at) VALUES ('{ALICE}', 'alice', 'x', 0)"),
        format!("INSERT INTO users (id, username, password_hash, created_at) VALUES ('{BOB}', 'bob', 'x', 0)"),
        format!("INSERT INTO rooms (id, kind, pair_key, created_at, last_seq, last_rev) VALUES ('{ROOM}', 'private', '{ALICE}:{BOB}', 1, 4, 7)"),
        format!("INSERT INTO rooms (id, kind, name, created_at, last_seq, last_rev) VALUES ('{QUIET}', 'group', 'quiet', 1, 2, 2)"),
        message(1, ROOM, 1, 7, 1, false),
        message(2, ROOM, 2, 6, 2, true),
        message(4, ROOM, 4, 5, 5, false),
        message(11, QUIET, 1, 1, 1, false),
        message(12, QUIET, 2, 2, 2, false),
    ]
}

/// Every `(room, rev, last_seq)` in `rev_marks`, in order.
async fn marks(db: &impl ConnectionTrait) -> Vec<(String, i64, i64)> {
    let sql = "SELECT room_id, rev, last_seq FROM rev_marks ORDER BY room_id, rev";
    let rows = db
        .query_all(Statement::from_string(db.get_database_backend(), sql))
        .await
        .expect("marks");
    rows.iter()
        .map(|row| {
            (
                row.try_get_by_index(0).expect("room"),
                row.try_get_by_index(1).expect("rev"),
                row.try_get_by_index(2).expect("last_seq"),
            )
        })
        .collect()
}

/// `changes_since` after each rev up to `newest`, at two page sizes, against the history.
async fn catch_up_matches_history(messages: &dyn MessageStore, newest: u64) {
    let room = ROOM.parse().expect("a room id");
    let mut history = messages
        .page(room, HistoryCursor::Latest, 100)
        .await
        .expect("page");
    history.sort_by_key(|m| m.rev);
    for after in 0..=newest {
        for limit in [1, 100] {
            let expected: Vec<_> = history
                .iter()
                .filter(|m| m.rev.get() > after)
                .take(limit)
                .map(|m| (m.seq.get(), m.rev.get()))
                .collect();
            let changes = messages.changes_since(room, chat_domain::Rev(after), limit as u32);
            let changes: Vec<_> = changes
                .await
                .expect("changes_since")
                .iter()
                .map(|m| (m.seq.get(), m.rev.get()))
                .collect();
            assert_eq!(changes, expected, "after {after}, limit {limit}");
        }
    }
}

async fn run(backend: Backend) {
    let Some(provider) = Provider::new(backend, "the rev marks' backfill") else {
        return;
    };
    let (url, raw) = old_database(&provider, BEFORE, old_rows()).await;

    Migrator::up(&raw, None).await.expect("upgrade");
    // Revs 3-4 follow seq 2 (rev 4 created the lost seq 3: under-stated, never over-stated);
    // revs 6-7 follow seq 4. The quiet room needs none.
    let expected: Vec<(String, i64, i64)> = [(3, 2), (4, 2), (6, 4), (7, 4)]
        .into_iter()
        .map(|(rev, seq)| (ROOM.to_owned(), rev, seq))
        .collect();
    assert_eq!(marks(&raw).await, expected);
    Migrator::down(&raw, Some(1)).await.expect("roll back");
    Migrator::up(&raw, None).await.expect("upgrade again");
    assert_eq!(marks(&raw).await, expected);

    // A node of the previous version, still running during a rolling upgrade, edits seq 4 the
    // way it always did (rev 8): the trigger marks it all the same.
    let old_node_edit = [
        format!("UPDATE rooms SET last_rev = last_rev + 1 WHERE id = '{ROOM}'"),
        format!(
            "UPDATE messages SET body = 'old node', rev = 8 WHERE id = '{}'",
            id(4)
        ),
    ];
    for sql in old_node_edit {
        raw.execute_unprepared(&sql)
            .await
            .expect("an old node's edit");
    }
    let mut expected = expected;
    expected.push((ROOM.to_owned(), 8, 4));
    assert_eq!(marks(&raw).await, expected);

    if backend != Backend::SqliteMemory {
        let db = chat_sql::SqlDatabase::connect(&url).await.expect("connect");
        let messages = db.messages();
        catch_up_matches_history(messages.as_ref(), 9).await;
        // The store goes on: an edit and a creation, then catch-up again.
        let room = ROOM.parse().expect("a room id");
        let text = chat_domain::MessageBody::parse("later", 100).expect("a body");
        let first = id(1).parse().expect("a message id");
        let at = chat_contract::fixtures::at(5);
        let edited = messages.edit(room, first, &text, at).await.expect("edit");
        assert_eq!(edited.rev.get(), 9);
        let sender = ALICE.parse().expect("a user id");
        let next = chat_contract::fixtures::message(room, sender, "new", None);
        let appended = messages.append_batch(&[next]).await.expect("append");
        let stored = appended[0].message();
        assert_eq!((stored.seq.get(), stored.rev.get()), (5, 10));
        catch_up_matches_history(messages.as_ref(), 11).await;
        expected.push((ROOM.to_owned(), 9, 4));
        assert_eq!(marks(&raw).await, expected, "creations are not marked");
        db.close().await.expect("close");
    }
    raw.close().await.expect("close");
    provider.cleanup().await;
}

crate::on_every_backend!(run);

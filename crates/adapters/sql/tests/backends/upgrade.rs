//! The issue-4 migration on a database that already holds data: every room's `last_rev`
//! continues from its `last_seq`, every message's `rev` and `created_rev` equal its seq, the
//! new markers start at zero, a changed message's rev is unique in its room from then on, and
//! the store goes on numbering where the old data ended. Also: the migrations can be rolled
//! back and applied again. (The rev marks' backfill has its own check, `upgrade_marks`.)

use chat_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, Statement};

use crate::provision::{Backend, Provider};

/// Migrations before the one under test.
const BEFORE: u32 = 2;

const ROOM: &str = "0190a0a0-0000-7000-8000-000000000001";
const ALICE: &str = "0190a0a0-0000-7000-8000-00000000000a";
const BOB: &str = "0190a0a0-0000-7000-8000-00000000000b";

/// The data a database of the previous release holds: two users, their private room with two
/// messages.
fn old_rows() -> Vec<String> {
    let mut rows = vec![
        format!("INSERT INTO users (id, username, password_hash, created_at) VALUES ('{ALICE}', 'alice', 'x', 0)"),
        format!("INSERT INTO users (id, username, password_hash, created_at) VALUES ('{BOB}', 'bob', 'x', 0)"),
        format!("INSERT INTO rooms (id, kind, pair_key, created_at, last_seq) VALUES ('{ROOM}', 'private', '{ALICE}:{BOB}', 1, 2)"),
    ];
    for user in [ALICE, BOB] {
        rows.push(format!(
            "INSERT INTO memberships (room_id, user_id, role, joined_at, read_seq) VALUES ('{ROOM}', '{user}', 'member', 1, 1)"
        ));
    }
    for seq in 1..=2 {
        rows.push(format!(
            "INSERT INTO messages (id, room_id, seq, sender_id, body, created_at) \
             VALUES ('0190a0a0-0000-7000-8000-00000000010{seq}', '{ROOM}', {seq}, '{ALICE}', 'old {seq}', 2)"
        ));
    }
    rows
}

/// The integers `sql` selects in its first row, in order.
async fn numbers(db: &DatabaseConnection, sql: &str, columns: usize) -> Vec<i64> {
    let statement = Statement::from_string(db.get_database_backend(), sql.to_owned());
    let row = db
        .query_one(statement)
        .await
        .expect("query")
        .expect("a row");
    (0..columns)
        .map(|i| row.try_get_by_index::<i64>(i).expect("an integer"))
        .collect()
}

/// A fresh database at the schema of the first `before` migrations, holding `rows`: its URL,
/// and one connection to it (for SQLite in memory, every connection would be a database of
/// its own).
pub(crate) async fn old_database(
    provider: &Provider,
    before: u32,
    rows: Vec<String>,
) -> (String, DatabaseConnection) {
    let url = provider.fresh_url().await;
    let mut options = ConnectOptions::new(url.clone());
    options.max_connections(1).sqlx_logging(false);
    let raw = Database::connect(options).await.expect("connect");
    Migrator::up(&raw, Some(before)).await.expect("old schema");
    for sql in rows {
        raw.execute_unprepared(&sql).await.expect("old data");
    }
    (url, raw)
}

async fn run(backend: Backend) {
    let Some(provider) = Provider::new(backend, "the upgrade of a database with data") else {
        return;
    };
    let (url, raw) = old_database(&provider, BEFORE, old_rows()).await;

    Migrator::up(&raw, None).await.expect("upgrade");
    let room = format!("SELECT last_seq, last_rev FROM rooms WHERE id = '{ROOM}'");
    assert_eq!(numbers(&raw, &room, 2).await, [2, 2]);
    for seq in 1..=2 {
        let message = format!(
            "SELECT seq, rev, created_rev FROM messages WHERE room_id = '{ROOM}' AND seq = {seq}"
        );
        assert_eq!(numbers(&raw, &message, 3).await, [seq, seq, seq]);
    }
    // Issue 5's columns: no account starts locked.
    let unlocked = "SELECT COUNT(*) FROM users WHERE locked_at IS NULL";
    assert_eq!(numbers(&raw, unlocked, 1).await, [2]);
    let marker = format!("SELECT read_seq, delivered_seq FROM memberships WHERE user_id = '{BOB}'");
    assert_eq!(numbers(&raw, &marker, 2).await, [1, 0]);
    // A changed message's rev is unique within its room (creation revs follow from the seqs).
    let changed = |id: u32, seq: u32| {
        format!(
            "INSERT INTO messages (id, room_id, seq, sender_id, body, created_at, rev, created_rev) \
             VALUES ('0190a0a0-0000-7000-8000-000000000{id}', '{ROOM}', {seq}, '{BOB}', 'changed', 3, 9, {seq})"
        )
    };
    raw.execute_unprepared(&changed(198, 3))
        .await
        .expect("a changed message");
    assert!(
        raw.execute_unprepared(&changed(199, 4)).await.is_err(),
        "a changed message's rev is unique within its room"
    );
    let undo = format!("DELETE FROM messages WHERE room_id = '{ROOM}' AND seq = 3");
    raw.execute_unprepared(&undo).await.expect("undo");

    // Rolled back and applied again, the upgrade still finds and keeps the data.
    let later = Migrator::migrations().len() as u32 - BEFORE;
    Migrator::down(&raw, Some(later)).await.expect("roll back");
    Migrator::up(&raw, None).await.expect("upgrade again");
    assert_eq!(numbers(&raw, &room, 2).await, [2, 2]);

    if backend != Backend::SqliteMemory {
        use chat_ports::{HistoryCursor, MessageStore};

        let db = chat_sql::SqlDatabase::connect(&url).await.expect("connect");
        let messages = db.messages();
        let room_id = ROOM.parse().expect("a room id");
        let page = messages.page(room_id, HistoryCursor::Latest, 10).await;
        let page = page.expect("page");
        let revs: Vec<(u64, u64)> = page.iter().map(|m| (m.seq.get(), m.rev.get())).collect();
        assert_eq!(revs, [(1, 1), (2, 2)]);
        let sender = ALICE.parse().expect("a user id");
        let next = chat_contract::fixtures::message(room_id, sender, "new", None);
        let appended = messages.append_batch(&[next]).await.expect("append");
        let stored = appended[0].message();
        assert_eq!((stored.seq.get(), stored.rev.get()), (3, 3));
        db.close().await.expect("close");
    }
    raw.close().await.expect("close");
    provider.cleanup().await;
}

crate::on_every_backend!(run);

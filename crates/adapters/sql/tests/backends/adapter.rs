//! Checks of promises this adapter makes beyond the port contracts: failed batches store
//! nothing, a retried persistence job is recognised by its message id, foreign keys turn into
//! `NotFound`, migrations are idempotent, the seq allocator and the message store share one
//! counter, a SQLite file keeps what it acknowledged, and rows that cannot be decoded are
//! reported instead of skipped.

use chat_contract::fixtures::{at, message, private_room, register_unique};
use chat_domain::{Role, RoomId, Seq, UserId, Username};
use chat_ports::{Appended, HistoryCursor, MessageStore, RoomStore, StoreError, UserStore};
use chat_sql::SqlDatabase;
use sea_orm::{ConnectionTrait, Database, Statement};

use crate::provision::{Backend, Provider};

mod failed_batch {
    use super::*;

    /// A batch with a message for a room that does not exist fails whole: the valid messages
    /// of the batch are not stored and take no seq.
    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the adapter check on failed batches") else {
            return;
        };
        let db = provider.fresh().await;
        let (room, a, _) = private_room(db.users().as_ref(), db.rooms().as_ref()).await;
        let batch = [
            message(room.id, a.id, "fine", None),
            message(RoomId::new_v7(), a.id, "lost", None),
        ];
        let failed = db.messages().append_batch(&batch).await;
        assert!(matches!(failed, Err(StoreError::NotFound)), "{failed:?}");
        assert!(db
            .messages()
            .page(room.id, HistoryCursor::Latest, 10)
            .await
            .expect("page")
            .is_empty());
        let retry = db
            .messages()
            .append_batch(&batch[..1])
            .await
            .expect("append_batch");
        assert_eq!(
            retry[0].message().seq,
            Seq(1),
            "the failed batch took no seq"
        );
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod retried_job {
    use super::*;

    /// The persistence worker delivers at least once: a message stored before its job was
    /// completed comes again with the same id (and maybe no client_msg_id), and must not fail
    /// the batch it lands in.
    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the adapter check on retried jobs") else {
            return;
        };
        let db = provider.fresh().await;
        let (room, a, _) = private_room(db.users().as_ref(), db.rooms().as_ref()).await;
        let sent = message(room.id, a.id, "once", None);
        let first = db
            .messages()
            .append_batch(std::slice::from_ref(&sent))
            .await
            .expect("append_batch");
        let other = message(room.id, a.id, "another", None);
        let again = db
            .messages()
            .append_batch(&[sent.clone(), other])
            .await
            .expect("append_batch");
        assert_eq!(again[0], Appended::Duplicate(first[0].message().clone()));
        assert_eq!(again[1].message().seq, Seq(2));

        let mut hijacked = sent;
        hijacked.room_id = private_room(db.users().as_ref(), db.rooms().as_ref())
            .await
            .0
            .id;
        let refused = db.messages().append_batch(&[hijacked]).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod missing_references {
    use super::*;

    /// Adding a member to a room or with an account that does not exist is `NotFound`; and
    /// migrating an up-to-date schema again changes nothing.
    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the adapter check on missing references")
        else {
            return;
        };
        let db = provider.fresh().await;
        db.migrate().await.expect("a second migration is a no-op");
        db.ping().await.expect("ping");
        let user = register_unique(db.users().as_ref(), "m").await;
        let (room, _, _) = private_room(db.users().as_ref(), db.rooms().as_ref()).await;
        let no_room = db
            .rooms()
            .add_member(RoomId::new_v7(), user.id, Role::Member, at(0), 10)
            .await;
        assert!(matches!(no_room, Err(StoreError::NotFound)), "{no_room:?}");
        let no_user = db
            .rooms()
            .add_member(room.id, UserId::new_v7(), Role::Member, at(0), 10)
            .await;
        assert!(matches!(no_user, Err(StoreError::NotFound)), "{no_user:?}");
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod shared_counter {
    use chat_ports::SeqAllocator;

    use super::*;

    /// The allocator raises the same `rooms.last_seq` the SQL message store raises: a
    /// database can move its messages to MongoDB (or back) without a room's seqs restarting.
    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the adapter check on the shared counter")
        else {
            return;
        };
        let db = provider.fresh().await;
        let (room, a, _) = private_room(db.users().as_ref(), db.rooms().as_ref()).await;
        let stored = db
            .messages()
            .append_batch(&[message(room.id, a.id, "in sql", None)])
            .await
            .expect("append_batch");
        assert_eq!(stored[0].message().seq, Seq(1));
        let sequences = db.sequences();
        assert_eq!(
            sequences.last_allocated(room.id).await.expect("last"),
            Seq(1)
        );
        let taken = sequences.allocate(&[(room.id, 2)]).await.expect("allocate");
        assert_eq!(taken[0].first, Seq(2));
        let after = db
            .messages()
            .append_batch(&[message(room.id, a.id, "after", None)])
            .await
            .expect("append_batch");
        assert_eq!(
            after[0].message().seq,
            Seq(4),
            "the store goes on after the allocator"
        );
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

/// A SQLite file database in a fresh temporary directory: the directory and the URL.
fn sqlite_file() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("chat.db").display());
    (dir, url)
}

/// What was acknowledged is there after the database is closed and opened again, and the file
/// is in WAL mode.
#[tokio::test]
async fn a_sqlite_file_keeps_what_it_acknowledged_across_reopening() {
    let (_dir, url) = sqlite_file();
    let db = SqlDatabase::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let (room, a, _) = private_room(db.users().as_ref(), db.rooms().as_ref()).await;
    let stored = db
        .messages()
        .append_batch(&[message(room.id, a.id, "durable", None)])
        .await
        .expect("append");
    db.close().await.expect("close");

    let reopened = SqlDatabase::connect(&url).await.expect("reopen");
    let page = reopened
        .messages()
        .page(room.id, HistoryCursor::Latest, 10)
        .await
        .expect("page");
    assert_eq!(page, [stored[0].message().clone()]);

    let raw = Database::connect(&url).await.expect("raw connection");
    let row = raw
        .query_one(Statement::from_string(
            raw.get_database_backend(),
            "PRAGMA journal_mode",
        ))
        .await
        .expect("pragma")
        .expect("a row");
    assert_eq!(row.try_get_by_index::<String>(0).expect("text"), "wal");
}

/// Rows that do not decode (a bad id, an unknown role) fail the read loudly.
#[tokio::test]
async fn rows_that_cannot_be_decoded_are_reported_not_skipped() {
    let (_dir, url) = sqlite_file();
    let db = SqlDatabase::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let user = register_unique(db.users().as_ref(), "ok").await;
    let (room, _, _) = private_room(db.users().as_ref(), db.rooms().as_ref()).await;

    let raw = Database::connect(&url).await.expect("raw connection");
    for sql in [
        "INSERT INTO users (id, username, password_hash, created_at) VALUES ('not-a-uuid', 'okay', 'x', 0)".to_owned(),
        format!(
            "INSERT INTO memberships (room_id, user_id, role, joined_at, read_seq) VALUES ('{}', '{}', 'emperor', 0, 0)",
            room.id, user.id
        ),
    ] {
        raw.execute_unprepared(&sql).await.expect("plant a bad row");
    }

    let bad_name = Username::parse("okay").expect("valid");
    let credentials = db.users().find_credentials(&bad_name).await;
    assert!(
        matches!(credentials, Err(StoreError::Unavailable(_))),
        "{credentials:?}"
    );
    let search = db.users().search_by_prefix("ok", 10).await;
    assert!(
        matches!(search, Err(StoreError::Unavailable(_))),
        "a bad row fails the page, got {search:?}"
    );
    let rooms = db.rooms().list_rooms_of_user(user.id).await;
    assert!(
        matches!(rooms, Err(StoreError::Unavailable(_))),
        "{rooms:?}"
    );
}

//! Checks of what this adapter promises about groups beyond the port contracts, which cannot
//! see messages and rooms together: a member who joins (added, by invite or by link) starts
//! with the room's latest seq read and delivered; deleting a group also deletes its messages,
//! their edit history, invites and links, and leaves other groups alone; and rows of the new
//! tables that cannot be decoded are reported, not skipped.

use chat_contract::fixtures::{at, group, message, register_unique};
use chat_contract::invites::{invite, links::link};
use chat_domain::{MessageBody, Rev, Role, Seq, DEFAULT_MAX_BODY_CHARS};
use chat_ports::{
    HistoryCursor, InviteStore, JoinOutcome, LinkOutcome, MessageStore, RoomStore, StoreError,
};
use chat_sql::SqlDatabase;
use sea_orm::{ConnectionTrait, Database};

use crate::provision::{Backend, Provider};

/// Stores three messages in `room` from `sender`.
async fn three_messages(db: &SqlDatabase, room: chat_domain::RoomId, sender: chat_domain::UserId) {
    let batch: Vec<_> = (0..3)
        .map(|i| message(room, sender, &format!("before {i}"), None))
        .collect();
    db.messages().append_batch(&batch).await.expect("append");
}

mod markers_at_join {
    use super::*;

    /// Whoever joins a group with history starts with nothing unread, whichever way they join.
    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "the markers of a new member") else {
            return;
        };
        let db = provider.fresh().await;
        let (room, owner) = group(db.users().as_ref(), db.rooms().as_ref()).await;
        three_messages(&db, room.id, owner.id).await;
        let before = db.rooms().find_membership(room.id, owner.id).await;
        let before = before.expect("find").expect("a member").read_seq;
        let added = register_unique(db.users().as_ref(), "added").await;
        let invited = register_unique(db.users().as_ref(), "invited").await;
        let linked = register_unique(db.users().as_ref(), "linked").await;

        let (rooms, invites) = (db.rooms(), db.invites());
        let joined = rooms.add_member(room.id, added.id, Role::Member, at(5), 10);
        assert_eq!(joined.await.expect("add_member"), JoinOutcome::Joined);
        let pending = invite(room.id, owner.id, invited.id, at(5));
        invites.create_invite(&pending).await.expect("invite");
        let accepted = invites.accept_invite(pending.id, at(6), 10).await;
        assert_eq!(accepted.expect("accept"), JoinOutcome::Joined);
        let shared = link(room.id, owner.id, None, None);
        invites.create_link(&shared).await.expect("link");
        let redeemed = invites.redeem_link(&shared.token, linked.id, at(7), 10);
        let redeemed = redeemed.await.expect("redeem");
        assert_eq!(redeemed, LinkOutcome::Joined(room.id, JoinOutcome::Joined));

        for user in [added.id, invited.id, linked.id] {
            let membership = db.rooms().find_membership(room.id, user).await;
            let membership = membership.expect("find").expect("a member");
            assert_eq!(
                (membership.read_seq, membership.delivered_seq),
                (Seq(3), Seq(3))
            );
        }
        let owners = db.rooms().find_membership(room.id, owner.id).await;
        let owners = owners.expect("find").expect("a member");
        assert_eq!(owners.read_seq, before, "members already there keep theirs");
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

mod deleting_a_group {
    use super::*;

    /// The group's messages (edited and deleted ones too), edit history, invites and links go
    /// with it in one transaction; another group keeps all of its own.
    async fn run(backend: Backend) {
        let Some(provider) = Provider::new(backend, "deleting a group with everything") else {
            return;
        };
        let db = provider.fresh().await;
        let (room, owner) = group(db.users().as_ref(), db.rooms().as_ref()).await;
        let (kept, keeper) = group(db.users().as_ref(), db.rooms().as_ref()).await;
        let guest = register_unique(db.users().as_ref(), "guest").await;
        let mut pending = Vec::new();
        let mut links = Vec::new();
        for (in_room, by) in [(room.id, owner.id), (kept.id, keeper.id)] {
            three_messages(&db, in_room, by).await;
            let page = db.messages().page(in_room, HistoryCursor::Latest, 10).await;
            let page = page.expect("page");
            let body = MessageBody::parse("edited", DEFAULT_MAX_BODY_CHARS).expect("body");
            let edits = db.messages().edit(in_room, page[0].id, &body, at(10)).await;
            edits.expect("edit");
            let deletes = db.messages().delete(in_room, page[1].id, at(11)).await;
            deletes.expect("delete");
            let invitation = invite(in_room, by, guest.id, at(12));
            db.invites()
                .create_invite(&invitation)
                .await
                .expect("invite");
            let made = link(in_room, by, None, None);
            db.invites().create_link(&made).await.expect("link");
            pending.push((invitation, page[0].id));
            links.push(made);
        }

        db.rooms().delete_room(room.id).await.expect("delete_room");
        let messages = db.messages();
        let page = messages.page(room.id, HistoryCursor::Latest, 10).await;
        assert!(page.expect("page").is_empty());
        let changes = messages.changes_since(room.id, Rev::ZERO, 10).await;
        assert!(changes.expect("changes").is_empty());
        let history = messages.edit_history(room.id, pending[0].1).await;
        assert!(history.expect("history").is_empty());
        let gone = db.invites().find_invite(pending[0].0.id).await;
        assert_eq!(gone.expect("find_invite"), None);
        assert_eq!(
            db.invites().find_link(&links[0].token).await.expect("find"),
            None
        );
        let invites = db.invites().list_invites_for(guest.id, at(20)).await;
        assert_eq!(invites.expect("list"), [pending[1].0.clone()]);

        let page = messages.page(kept.id, HistoryCursor::Latest, 10).await;
        assert_eq!(
            page.expect("page").len(),
            3,
            "the other group keeps its messages"
        );
        let history = messages.edit_history(kept.id, pending[1].1).await;
        assert_eq!(history.expect("history").len(), 1);
        let link = db.invites().find_link(&links[1].token).await;
        assert!(link.expect("find_link").is_some());
        let latest = messages.latest_revs(&[room.id, kept.id]).await;
        let latest = latest.expect("latest_revs");
        assert_eq!(
            (latest.get(&room.id), latest.get(&kept.id)),
            (None, Some(&Rev(5)))
        );
        provider.cleanup().await;
    }

    crate::on_every_backend!(run);
}

/// A SQLite file database, migrated, and a raw connection to plant rows with.
async fn planted() -> (tempfile::TempDir, SqlDatabase, sea_orm::DatabaseConnection) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("chat.db").display());
    let db = SqlDatabase::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    let raw = Database::connect(&url).await.expect("raw connection");
    (dir, db, raw)
}

/// Invites, links and messages whose stored values are impossible fail the read loudly.
#[tokio::test]
async fn rows_of_the_new_tables_that_cannot_be_decoded_are_reported() {
    let (_dir, db, raw) = planted().await;
    let (room, owner) = group(db.users().as_ref(), db.rooms().as_ref()).await;
    three_messages(&db, room.id, owner.id).await;
    for sql in [
        format!(
            "INSERT INTO invites (id, room_id, inviter_id, invitee_id, created_at, expires_at) \
             VALUES ('not-a-uuid', '{}', '{}', '{}', 0, 9999999999999)",
            room.id, owner.id, owner.id
        ),
        format!(
            "INSERT INTO invite_links (token, room_id, creator_id, max_uses, uses, created_at) \
             VALUES ('bad-uses', '{}', '{}', NULL, -1, 0)",
            room.id, owner.id
        ),
        format!(
            "UPDATE messages SET rev = -5 WHERE room_id = '{}' AND seq = 2",
            room.id
        ),
    ] {
        raw.execute_unprepared(&sql).await.expect("plant a bad row");
    }

    let invites = db.invites().list_invites_for(owner.id, at(0)).await;
    assert!(
        matches!(invites, Err(StoreError::Unavailable(_))),
        "{invites:?}"
    );
    let link = db.invites().find_link("bad-uses").await;
    assert!(matches!(link, Err(StoreError::Unavailable(_))), "{link:?}");
    let redeemed = db
        .invites()
        .redeem_link("bad-uses", owner.id, at(0), 10)
        .await;
    assert!(
        matches!(redeemed, Err(StoreError::Unavailable(_))),
        "{redeemed:?}"
    );
    let page = db.messages().page(room.id, HistoryCursor::Latest, 10).await;
    assert!(matches!(page, Err(StoreError::Unavailable(_))), "{page:?}");
}

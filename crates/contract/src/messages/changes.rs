//! The change half of the [`MessageStore`](chat_ports::MessageStore) contract: every creation,
//! edit and deletion takes the room's next rev; edits keep the earlier bodies; deletions leave
//! a tombstone, once; and the reads a reconnecting client is served from (`changes_since`,
//! `find_many`, `latest_revs`). In [`unread`], the unread counts; in [`concurrent`], changes
//! that race; in [`interleaved`], catch-up over creations and changes that interleave.
//!
//! Checks that count revs exactly ("the next change takes rev 4") only do changes that succeed:
//! a store whose rev counter lives apart from its messages (MongoDB) may spend a rev on an edit
//! that turns out to be `NotFound`, which no reader can tell, since revs are only cursors.

use std::collections::HashMap;
use std::future::Future;

use chat_domain::{
    Message, MessageBody, MessageEdit, MessageId, Rev, RoomId, Timestamp, UserId,
    DEFAULT_MAX_BODY_CHARS,
};
use chat_ports::{HistoryCursor, StoreError};

use crate::fixtures::{at, message, private_room, MessageStores};

pub mod concurrent;
pub mod interleaved;
pub mod unread;

/// Runs every change check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = MessageStores>,
{
    revs_follow_each_other_across_creations_edits_and_deletions(make().await).await;
    an_edit_keeps_the_earlier_bodies_oldest_first_at_a_new_rev(make().await).await;
    editing_or_deleting_what_is_not_there_is_not_found_and_changes_nothing(make().await).await;
    a_deletion_leaves_a_tombstone_at_a_new_rev_once(make().await).await;
    changes_since_lists_each_changed_message_once_in_rev_order(make().await).await;
    find_many_returns_only_the_named_messages_of_the_room(make().await).await;
    unread::run_all(&make).await;
    concurrent::run_all(&make).await;
    interleaved::run_all(&make).await;
}

/// Stores `count` messages from `sender` in `room` and returns them as stored.
pub(crate) async fn fill(
    stores: &MessageStores,
    room: RoomId,
    sender: UserId,
    count: usize,
) -> Vec<Message> {
    let batch: Vec<_> = (1..=count)
        .map(|i| message(room, sender, &format!("message {i}"), None))
        .collect();
    let appended = stores.messages.append_batch(&batch).await;
    let appended = appended.expect("append_batch");
    appended.into_iter().map(|a| a.message().clone()).collect()
}

/// A valid body.
pub(crate) fn body(text: &str) -> MessageBody {
    MessageBody::parse(text, DEFAULT_MAX_BODY_CHARS).expect("fixture bodies are valid")
}

/// Edits `target` to `text` at `when`, which must succeed.
pub(crate) async fn edit(
    stores: &MessageStores,
    target: &Message,
    text: &str,
    when: Timestamp,
) -> Message {
    let text = body(text);
    let edited = stores
        .messages
        .edit(target.room_id, target.id, &text, when)
        .await;
    edited.expect("edit")
}

/// `(id, rev)` of each message, for short assertions.
fn id_revs(messages: &[Message]) -> Vec<(MessageId, u64)> {
    messages.iter().map(|m| (m.id, m.rev.get())).collect()
}

/// A room's revs start after zero and go up by one with each creation, edit and deletion, in
/// every room on its own; a message is created at its rev; `latest_revs` tells the highest.
pub async fn revs_follow_each_other_across_creations_edits_and_deletions(stores: MessageStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other, c, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let latest = stores.messages.latest_revs(&[room.id, other.id]).await;
    let before = HashMap::from([(room.id, Rev::ZERO), (other.id, Rev::ZERO)]);
    assert_eq!(latest.expect("latest_revs"), before);

    let batch = [
        message(room.id, a.id, "one", None),
        message(other.id, c.id, "elsewhere", None),
        message(room.id, b.id, "two", None),
        message(room.id, a.id, "three", None),
    ];
    let appended = stores.messages.append_batch(&batch).await;
    let stored: Vec<Message> = appended
        .expect("append_batch")
        .iter()
        .map(|a| a.message().clone())
        .collect();
    let revs: Vec<(u64, u64)> = stored
        .iter()
        .map(|m| (m.rev.get(), m.created_rev.get()))
        .collect();
    assert_eq!(revs, [(1, 1), (1, 1), (2, 2), (3, 3)], "{stored:?}");

    let edited = edit(&stores, &stored[0], "one, again", at(10)).await;
    assert_eq!((edited.rev, edited.created_rev), (Rev(4), Rev(1)));
    let deleted = stores.messages.delete(room.id, stored[2].id, at(20)).await;
    let deleted = deleted.expect("delete");
    assert_eq!((deleted.rev, deleted.created_rev), (Rev(5), Rev(2)));
    let later = stores
        .messages
        .append_batch(&[message(room.id, b.id, "four", None)])
        .await;
    let later = later.expect("append_batch")[0].message().clone();
    assert_eq!(
        (later.seq.get(), later.rev, later.created_rev),
        (4, Rev(6), Rev(6))
    );

    let latest = stores.messages.latest_revs(&[room.id, other.id]).await;
    let after = HashMap::from([(room.id, Rev(6)), (other.id, Rev(1))]);
    assert_eq!(latest.expect("latest_revs"), after);
    let none = stores.messages.latest_revs(&[]).await;
    assert!(none.expect("latest_revs").is_empty());
}

/// An edit replaces the body, sets `edited_at`, takes the next rev and keeps seq and
/// `created_rev`; the history lists every earlier body with the time it was replaced.
pub async fn an_edit_keeps_the_earlier_bodies_oldest_first_at_a_new_rev(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stored = fill(&stores, room.id, a.id, 2).await;
    let target = &stored[0];

    let first = edit(&stores, target, "second body", at(10)).await;
    assert_eq!((first.rev, first.edited_at), (Rev(3), Some(at(10))));
    let second = edit(&stores, target, "third body", at(20)).await;
    let mut expected = target.clone();
    expected.body = Some("third body".to_owned());
    expected.edited_at = Some(at(20));
    expected.rev = Rev(4);
    assert_eq!(second, expected, "only body, edited_at and rev change");
    let found = stores.messages.find_in_room(room.id, target.id).await;
    assert_eq!(found.expect("find_in_room"), Some(expected));

    let history = stores.messages.edit_history(room.id, target.id).await;
    let earlier = |text: &str, replaced_at| MessageEdit {
        message_id: target.id,
        body: text.to_owned(),
        replaced_at,
    };
    let oldest_first = [earlier("message 1", at(10)), earlier("second body", at(20))];
    assert_eq!(history.expect("edit_history"), oldest_first);
    let untouched = stores.messages.edit_history(room.id, stored[1].id).await;
    assert!(untouched.expect("edit_history").is_empty());
}

/// Editing an unknown id, another room's message or a deleted one is `NotFound`, and so is
/// deleting an unknown id or another room's message; none of them changes a stored message.
/// An unknown message has an empty history.
pub async fn editing_or_deleting_what_is_not_there_is_not_found_and_changes_nothing(
    stores: MessageStores,
) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other, _, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stored = fill(&stores, room.id, a.id, 2).await;
    let tombstone = stores.messages.delete(room.id, stored[1].id, at(10)).await;
    let tombstone = tombstone.expect("delete");
    let messages = &stores.messages;

    let new_body = body("changed");
    for (in_room, id) in [
        (room.id, MessageId::new_v7()),
        (other.id, stored[0].id),
        (room.id, stored[1].id),
    ] {
        let refused = messages.edit(in_room, id, &new_body, at(20)).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
    for (in_room, id) in [(room.id, MessageId::new_v7()), (other.id, stored[0].id)] {
        let refused = messages.delete(in_room, id, at(20)).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
    let page = messages.page(room.id, HistoryCursor::Latest, 10).await;
    assert_eq!(page.expect("page"), [stored[0].clone(), tombstone]);
    let history = messages.edit_history(room.id, stored[0].id).await;
    assert!(history.expect("edit_history").is_empty());
    let unknown = messages.edit_history(room.id, MessageId::new_v7()).await;
    assert!(unknown.expect("edit_history").is_empty());
    let elsewhere = messages.page(other.id, HistoryCursor::Latest, 10).await;
    assert!(elsewhere.expect("page").is_empty());
}

/// A deletion keeps the message's place (seq, id, sender, `created_rev`) with no body and
/// `deleted`, at the next rev, and drops the edit history; deleting it again returns the same
/// tombstone and takes no rev.
pub async fn a_deletion_leaves_a_tombstone_at_a_new_rev_once(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stored = fill(&stores, room.id, a.id, 2).await;
    let target = &stored[0];
    edit(&stores, target, "edited", at(10)).await;

    let tombstone = stores.messages.delete(room.id, target.id, at(20)).await;
    let tombstone = tombstone.expect("delete");
    assert!(tombstone.deleted, "{tombstone:?}");
    assert_eq!(tombstone.body, None);
    assert_eq!((tombstone.id, tombstone.seq), (target.id, target.seq));
    assert_eq!((tombstone.room_id, tombstone.sender_id), (room.id, a.id));
    assert_eq!((tombstone.rev, tombstone.created_rev), (Rev(4), Rev(1)));
    let history = stores.messages.edit_history(room.id, target.id).await;
    assert!(history.expect("edit_history").is_empty(), "history goes");

    let again = stores.messages.delete(room.id, target.id, at(30)).await;
    assert_eq!(again.expect("delete again"), tombstone);
    let latest = stores.messages.latest_revs(&[room.id]).await;
    assert_eq!(latest.expect("latest_revs")[&room.id], Rev(4), "no new rev");
    let page = stores
        .messages
        .page(room.id, HistoryCursor::Latest, 10)
        .await;
    assert_eq!(page.expect("page"), [tombstone.clone(), stored[1].clone()]);
    let changes = stores.messages.changes_since(room.id, Rev(3), 10).await;
    assert_eq!(changes.expect("changes_since"), [tombstone]);
}

/// `changes_since` gives the messages changed after a rev in rev order, each once in its
/// latest state, at most `limit` of them, and only of the room asked about.
pub async fn changes_since_lists_each_changed_message_once_in_rev_order(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other, c, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let m = fill(&stores, room.id, a.id, 5).await;
    fill(&stores, other.id, c.id, 7).await;
    let messages = &stores.messages;
    edit(&stores, &m[1], "two, once", at(10)).await;
    messages
        .delete(room.id, m[3].id, at(20))
        .await
        .expect("delete");
    let last = edit(&stores, &m[1], "two, twice", at(30)).await;

    let since = |after: u64, limit: u32| async move {
        let changes = messages.changes_since(room.id, Rev(after), limit).await;
        changes.expect("changes_since")
    };
    let all = since(0, 100).await;
    let expected = [
        (m[0].id, 1),
        (m[2].id, 3),
        (m[4].id, 5),
        (m[3].id, 7),
        (m[1].id, 8),
    ];
    assert_eq!(id_revs(&all), expected);
    assert_eq!(all[4], last, "a message comes in its latest state");
    assert!(all[3].deleted && all[3].body.is_none(), "{:?}", all[3]);
    assert_eq!(all[0], m[0]);
    assert_eq!(id_revs(&since(5, 100).await), expected[3..]);
    assert_eq!(id_revs(&since(0, 2).await), expected[..2]);
    assert_eq!(id_revs(&since(3, 2).await), expected[2..4]);
    assert!(since(8, 10).await.is_empty());
    assert!(since(0, 0).await.is_empty());
}

/// `find_many` returns the messages of the room among the ids, and leaves out unknown ids and
/// other rooms' messages.
pub async fn find_many_returns_only_the_named_messages_of_the_room(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other, c, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let here = fill(&stores, room.id, a.id, 3).await;
    let there = fill(&stores, other.id, c.id, 1).await;

    let ids = [here[2].id, MessageId::new_v7(), there[0].id, here[0].id];
    let found = stores.messages.find_many(room.id, &ids).await;
    let mut found = found.expect("find_many");
    found.sort_by_key(|m| m.seq);
    assert_eq!(found, [here[0].clone(), here[2].clone()]);
    let none = stores.messages.find_many(room.id, &[]).await;
    assert!(none.expect("find_many").is_empty());
}

//! Changes that race, in the [`MessageStore`](chat_ports::MessageStore) contract: concurrent
//! edits of different messages of one room each take a rev of their own, and concurrent edits
//! of one message leave it in the state of the highest rev, with every other body in its
//! history. A store that took revs and wrote in two steps without ordering them would let a
//! message's rev go backwards here, and a resuming client would miss a body.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;

use chat_domain::{Message, Rev};

use super::{body, fill};
use crate::fixtures::{at, private_room, MessageStores};

/// Concurrent edits in each check.
const EDITS: usize = 10;

/// Runs every race check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = MessageStores>,
{
    concurrent_edits_of_different_messages_take_distinct_revs(make().await).await;
    concurrent_edits_of_one_message_leave_the_body_of_the_highest_rev(make().await).await;
}

/// Edits `targets[i]` with body `edit i`, all at once; the stored results in task order.
async fn edit_all(stores: &MessageStores, targets: Vec<Message>) -> Vec<Message> {
    let tasks: Vec<_> = targets
        .into_iter()
        .enumerate()
        .map(|(i, target)| {
            let messages = Arc::clone(&stores.messages);
            tokio::spawn(async move {
                let text = body(&format!("edit {i}"));
                let offset = i64::try_from(i).expect("a small index");
                let when = at(100 + offset);
                messages.edit(target.room_id, target.id, &text, when).await
            })
        })
        .collect();
    let mut edited = Vec::with_capacity(tasks.len());
    for task in tasks {
        edited.push(task.await.expect("edit task").expect("edit"));
    }
    edited
}

/// Ten messages edited at once: ten distinct revs, exactly the ten after the creations, and
/// `changes_since` the last creation lists the ten edits in rev order.
pub async fn concurrent_edits_of_different_messages_take_distinct_revs(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stored = fill(&stores, room.id, a.id, EDITS).await;
    let created = stored.len() as u64;
    let edited = edit_all(&stores, stored).await;

    let revs: BTreeSet<u64> = edited.iter().map(|m| m.rev.get()).collect();
    let expected: BTreeSet<u64> = (created + 1..=created * 2).collect();
    assert_eq!(revs, expected, "one rev each, none shared, none skipped");
    let changes = stores
        .messages
        .changes_since(room.id, Rev(created), 100)
        .await;
    let changes = changes.expect("changes_since");
    let mut by_rev = edited.clone();
    by_rev.sort_by_key(|m| m.rev);
    assert_eq!(changes, by_rev);
    let latest = stores.messages.latest_revs(&[room.id]).await;
    assert_eq!(latest.expect("latest_revs")[&room.id], Rev(created * 2));
}

/// Ten edits of one message at once: each returns a distinct rev; the message ends as the
/// edit with the highest rev left it, and its history holds the original body and the other
/// edits' bodies.
pub async fn concurrent_edits_of_one_message_leave_the_body_of_the_highest_rev(
    stores: MessageStores,
) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stored = fill(&stores, room.id, a.id, 1).await;
    let target = stored[0].clone();
    let mut edited = edit_all(&stores, vec![target.clone(); EDITS]).await;
    edited.sort_by_key(|m| m.rev);

    let revs: BTreeSet<Rev> = edited.iter().map(|m| m.rev).collect();
    assert_eq!(revs.len(), EDITS, "every edit took a rev of its own");
    let last = edited.last().expect("ten edits").clone();
    let found = stores.messages.find_in_room(room.id, target.id).await;
    assert_eq!(
        found.expect("find_in_room"),
        Some(last),
        "the highest rev wins"
    );

    let history = stores.messages.edit_history(room.id, target.id).await;
    // Which of two racing edits replaced the other is the store's to decide (commit order, or
    // the edits' own times): the history holds each earlier body once, in some order.
    let mut history: Vec<String> = history
        .expect("edit_history")
        .into_iter()
        .map(|edit| edit.body)
        .collect();
    history.sort_unstable();
    let mut expected = vec!["message 1".to_owned()];
    expected.extend(edited[..EDITS - 1].iter().filter_map(|m| m.body.clone()));
    expected.sort_unstable();
    assert_eq!(history, expected, "every earlier body, once");
}

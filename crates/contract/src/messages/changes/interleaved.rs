//! `changes_since` over creations, edits and deletions that interleave, in the
//! [`MessageStore`](chat_ports::MessageStore) contract.
//!
//! A store may serve creations and later changes from different places (the SQL store reads
//! unchanged messages along their seqs and changed ones along a separate index), so these
//! checks compare every page against the room's history as a whole: after each rev, at several
//! page sizes, and while a writer keeps creating and editing as a client catches up.

use std::collections::HashMap;
use std::future::Future;

use chat_domain::{Message, MessageId, Rev};
use chat_ports::HistoryCursor;

use super::{body, edit, fill};
use crate::fixtures::{at, private_room, MessageStores};

/// Rounds of the racing writer: each creates two messages and edits one.
const WRITER_ROUNDS: usize = 40;

/// Runs every interleaving check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = MessageStores>,
{
    every_page_after_every_rev_matches_the_history(make().await).await;
    a_client_catching_up_during_writes_misses_and_repeats_nothing(make().await).await;
}

/// The room's messages in their latest state, by rev.
async fn by_rev(stores: &MessageStores, room: chat_domain::RoomId) -> Vec<Message> {
    let page = stores
        .messages
        .page(room, HistoryCursor::Latest, 1000)
        .await;
    let mut all = page.expect("page");
    all.sort_by_key(|m| m.rev);
    all
}

/// Creations, edits (of old and new messages, twice of one) and deletions interleaved; then
/// `changes_since` after each rev and at each page size is the history's slice.
pub async fn every_page_after_every_rev_matches_the_history(stores: MessageStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other, c, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let first = fill(&stores, room.id, a.id, 3).await;
    edit(&stores, &first[1], "one edit", at(10)).await;
    fill(&stores, other.id, c.id, 2).await;
    let second = fill(&stores, room.id, b.id, 2).await;
    let messages = &stores.messages;
    messages
        .delete(room.id, first[0].id, at(20))
        .await
        .expect("delete");
    edit(&stores, &second[1], "the newest, edited", at(30)).await;
    let third = fill(&stores, room.id, a.id, 1).await;
    edit(&stores, &first[1], "two edits", at(40)).await;
    messages
        .delete(room.id, third[0].id, at(50))
        .await
        .expect("delete");
    fill(&stores, room.id, b.id, 2).await;
    edit(&stores, &first[2], "an old one, late", at(60)).await;

    let history = by_rev(&stores, room.id).await;
    let newest = history.last().expect("messages").rev.get();
    assert_eq!(newest, 14, "8 creations and 6 changes");
    for after in 0..=newest + 1 {
        for limit in [1, 2, 5, 100] {
            let expected: Vec<Message> = history
                .iter()
                .filter(|m| m.rev.get() > after)
                .take(limit as usize)
                .cloned()
                .collect();
            let changes = messages.changes_since(room.id, Rev(after), limit).await;
            assert_eq!(
                changes.expect("changes_since"),
                expected,
                "after {after}, limit {limit}"
            );
        }
    }
}

/// A writer creates and edits while a reader pages through `changes_since` with small pages:
/// revs only rise from page to page, and what the reader ends with is the room as stored.
pub async fn a_client_catching_up_during_writes_misses_and_repeats_nothing(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let seed = fill(&stores, room.id, a.id, 4).await;
    let writer = {
        let stores = stores.clone();
        tokio::spawn(async move {
            let mut targets = seed;
            for round in 0..WRITER_ROUNDS {
                let created = fill(&stores, room.id, a.id, 2).await;
                let target = &targets[round % targets.len()];
                let when = at(100 + i64::try_from(round).expect("a small round"));
                let text = body(&format!("edit {round}"));
                let edited = stores.messages.edit(room.id, target.id, &text, when).await;
                edited.expect("edit");
                targets.extend(created);
                tokio::task::yield_now().await;
            }
        })
    };
    let mut seen: HashMap<MessageId, Message> = HashMap::new();
    let mut after = Rev::ZERO;
    let mut writing = true;
    loop {
        let page = stores.messages.changes_since(room.id, after, 3).await;
        let page = page.expect("changes_since");
        for message in &page {
            assert!(
                message.rev > after,
                "rev {} after {after:?}",
                message.rev.get()
            );
            after = message.rev;
            seen.insert(message.id, message.clone());
        }
        if page.is_empty() {
            if !writing {
                break;
            }
            writing = !writer.is_finished();
            tokio::task::yield_now().await;
        }
    }
    writer.await.expect("writer");
    let stored: HashMap<MessageId, Message> = by_rev(&stores, room.id)
        .await
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    assert_eq!(seen.len(), 4 + 2 * WRITER_ROUNDS);
    assert_eq!(seen, stored);
}

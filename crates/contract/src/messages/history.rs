//! The read half of the [`MessageStore`](chat_ports::MessageStore) contract: history pages at
//! each cursor, the newest message per room, and lookups by idempotency key and by id.

use std::collections::HashMap;
use std::future::Future;

use chat_domain::{Message, MessageId, Rev, RoomId, Seq, UserId};
use chat_ports::HistoryCursor;

use crate::fixtures::{client_msg_id, message, private_room, MessageStores};

/// Runs every read check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = MessageStores>,
{
    pages_at_each_cursor_hold_the_right_slice_oldest_first(make().await).await;
    latest_in_rooms_gives_the_newest_message_of_each_room_that_has_one(make().await).await;
    find_by_client_msg_id_finds_only_that_senders_message_in_that_room(make().await).await;
    find_in_room_finds_a_message_only_in_its_own_room(make().await).await;
    text_comes_back_exactly_as_it_was_stored(make().await).await;
}

/// Stores `count` messages from `sender` in `room` (seqs 1..=count) and returns them.
async fn fill(stores: &MessageStores, room: RoomId, sender: UserId, count: usize) -> Vec<Message> {
    let batch: Vec<_> = (1..=count)
        .map(|i| message(room, sender, &format!("message {i}"), None))
        .collect();
    let appended = stores
        .messages
        .append_batch(&batch)
        .await
        .expect("append_batch");
    appended.into_iter().map(|a| a.message().clone()).collect()
}

/// The seqs of a page, for short assertions.
fn seqs(page: &[Message]) -> Vec<u64> {
    page.iter().map(|m| m.seq.get()).collect()
}

/// Latest, Before and After each read the promised slice, at most `limit` long, oldest first.
pub async fn pages_at_each_cursor_hold_the_right_slice_oldest_first(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (quiet, _, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stored = fill(&stores, room.id, a.id, 10).await;
    let page = |cursor, limit| {
        let messages = std::sync::Arc::clone(&stores.messages);
        async move { messages.page(room.id, cursor, limit).await.expect("page") }
    };

    let latest = page(HistoryCursor::Latest, 3).await;
    assert_eq!(latest, stored[7..10], "the newest three, oldest first");
    assert_eq!(
        seqs(&page(HistoryCursor::Latest, 100).await),
        (1..=10).collect::<Vec<_>>()
    );
    assert_eq!(
        seqs(&page(HistoryCursor::Before(Seq(8)), 3).await),
        [5, 6, 7]
    );
    assert_eq!(seqs(&page(HistoryCursor::Before(Seq(3)), 5).await), [1, 2]);
    assert!(page(HistoryCursor::Before(Seq(1)), 5).await.is_empty());
    assert_eq!(seqs(&page(HistoryCursor::After(Seq(7)), 2).await), [8, 9]);
    assert_eq!(
        seqs(&page(HistoryCursor::After(Seq::ZERO), 3).await),
        [1, 2, 3]
    );
    assert_eq!(seqs(&page(HistoryCursor::After(Seq(8)), 10).await), [9, 10]);
    assert!(page(HistoryCursor::After(Seq(10)), 10).await.is_empty());
    assert!(page(HistoryCursor::Latest, 0).await.is_empty());
    let empty = stores
        .messages
        .page(quiet.id, HistoryCursor::Latest, 10)
        .await
        .expect("page");
    assert!(
        empty.is_empty(),
        "a room without messages has an empty history"
    );
}

/// One answer covers many rooms: each room with messages maps to its highest seq; rooms
/// without messages, and rooms not asked about, are absent.
pub async fn latest_in_rooms_gives_the_newest_message_of_each_room_that_has_one(
    stores: MessageStores,
) {
    let (busy, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (once, b, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (silent, _, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (unasked, c, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let busy_messages = fill(&stores, busy.id, a.id, 3).await;
    let once_messages = fill(&stores, once.id, b.id, 1).await;
    fill(&stores, unasked.id, c.id, 2).await;

    let latest = stores
        .messages
        .latest_in_rooms(&[busy.id, once.id, silent.id])
        .await
        .expect("latest_in_rooms");
    let expected = HashMap::from([
        (busy.id, busy_messages[2].clone()),
        (once.id, once_messages[0].clone()),
    ]);
    assert_eq!(latest, expected);
    assert!(stores
        .messages
        .latest_in_rooms(&[])
        .await
        .expect("latest_in_rooms")
        .is_empty());
}

/// The key lookup matches room, sender and key together.
pub async fn find_by_client_msg_id_finds_only_that_senders_message_in_that_room(
    stores: MessageStores,
) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (elsewhere, _, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let sent = message(room.id, a.id, "keyed", Some("abc-1"));
    stores
        .messages
        .append_batch(std::slice::from_ref(&sent))
        .await
        .expect("append_batch");
    let key = client_msg_id("abc-1");

    let found = stores
        .messages
        .find_by_client_msg_id(room.id, a.id, &key)
        .await
        .expect("find");
    assert_eq!(found, Some(sent.into_message(Seq(1), Rev(1))));
    let by_other = stores
        .messages
        .find_by_client_msg_id(room.id, b.id, &key)
        .await
        .expect("find");
    assert_eq!(by_other, None, "another sender's key space is separate");
    let in_other = stores
        .messages
        .find_by_client_msg_id(elsewhere.id, a.id, &key)
        .await
        .expect("find");
    assert_eq!(in_other, None, "another room's key space is separate");
    let unknown = client_msg_id("abc-2");
    assert_eq!(
        stores
            .messages
            .find_by_client_msg_id(room.id, a.id, &unknown)
            .await
            .expect("find"),
        None
    );
}

/// A message is found by id in its own room only.
pub async fn find_in_room_finds_a_message_only_in_its_own_room(stores: MessageStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other, _, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stored = fill(&stores, room.id, a.id, 2).await;

    let found = stores
        .messages
        .find_in_room(room.id, stored[1].id)
        .await
        .expect("find_in_room");
    assert_eq!(found.as_ref(), Some(&stored[1]));
    assert_eq!(
        stores
            .messages
            .find_in_room(other.id, stored[1].id)
            .await
            .expect("find_in_room"),
        None
    );
    assert_eq!(
        stores
            .messages
            .find_in_room(room.id, MessageId::new_v7())
            .await
            .expect("find_in_room"),
        None
    );
}

/// Bodies, idempotency keys and reply references come back exactly as they were sent, and a
/// retried key is recognised, whatever characters they hold: quotes, backslashes, newlines,
/// tabs, text that looks like JSON or SQL, accents and emoji (an adapter may pack rows into
/// JSON or SQL text on the way in).
pub async fn text_comes_back_exactly_as_it_was_stored(stores: MessageStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let bodies = [
        "say \"hi\" \\ and 'bye'",
        "line one\nline two\ttabbed\r\n",
        "[\"not\", {\"an\": \"array\"}] null true 1e400",
        "'); DROP TABLE messages; --",
        "Grüße, ça va? 你好 🙂👋🏽",
        "\u{7f}\u{1b}[0m \u{2028}\u{2029}",
    ];
    let keys = ["k\"1", "k\\2", "k'3", "ключ-4", "🙂-5", "k 6"];
    let first = fill(&stores, room.id, b.id, 1).await;
    let batch: Vec<_> = bodies
        .iter()
        .zip(keys)
        .map(|(body, key)| {
            let mut new = message(room.id, a.id, body, Some(key));
            new.reply_to = Some(first[0].id);
            new
        })
        .collect();
    let appended = stores
        .messages
        .append_batch(&batch)
        .await
        .expect("append_batch");
    let page = stores
        .messages
        .page(room.id, HistoryCursor::After(first[0].seq), 50)
        .await
        .expect("page");
    assert_eq!(page.len(), bodies.len());
    for ((stored, sent), result) in page.iter().zip(&batch).zip(&appended) {
        assert_eq!(stored, result.message());
        assert_eq!(stored.body.as_deref(), Some(sent.body.as_str()));
        assert_eq!(stored.client_msg_id, sent.client_msg_id);
        assert_eq!(stored.reply_to, Some(first[0].id));
    }

    let retried: Vec<_> = batch
        .iter()
        .map(|sent| {
            let mut again = sent.clone();
            again.id = MessageId::new_v7();
            again
        })
        .collect();
    let again = stores
        .messages
        .append_batch(&retried)
        .await
        .expect("append_batch");
    for (result, original) in again.iter().zip(&page) {
        assert_eq!(result, &chat_ports::Appended::Duplicate(original.clone()));
    }
}

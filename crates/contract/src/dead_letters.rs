//! The contract of the [`DeadLetterStore`] port: letters keep every field (the payload of any
//! job kind included), list oldest first, are kept once per id, and can be taken one by one
//! or purged.
//!
//! An adapter's test runs it with a factory that yields a fresh, empty store:
//!
//! ```text
//! chat_contract::dead_letters::run_all(|| async { Arc::new(MyDeadLetters::new()) as Arc<dyn DeadLetterStore> }).await;
//! ```

use std::future::Future;
use std::sync::Arc;

use chat_domain::{JobId, RoomId, SessionId, UserId};
use chat_ports::{BusEvent, DeadLetter, DeadLetterStore, JobPayload, Priority};

use crate::fixtures::{at, dead_letter, message};

/// Runs every check, each on a fresh store from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn DeadLetterStore>>,
{
    dead_letters_keep_every_field_and_list_oldest_first(make().await).await;
    inserting_one_id_twice_keeps_one_letter(make().await).await;
    take_removes_and_returns_exactly_that_letter_once(make().await).await;
    purge_removes_every_letter_and_says_how_many(make().await).await;
}

/// One letter per job kind, failed at distinct times.
fn letters() -> [DeadLetter; 3] {
    let persist = JobPayload::PersistMessage {
        message: message(RoomId::new_v7(), UserId::new_v7(), "lost?", Some("c-1")),
    };
    let publish = JobPayload::PublishEvent {
        event: BusEvent::SessionRevoked {
            session_id: SessionId::new_v7(),
        },
    };
    let prune = JobPayload::PruneSessions { before: at(-5_000) };
    let mut background = dead_letter(prune, at(300));
    background.priority = Priority::Background;
    background.attempts = 1;
    let mut normal = dead_letter(publish, at(100));
    normal.priority = Priority::Normal;
    [background, normal, dead_letter(persist, at(200))]
}

/// Letters come back equal to what went in, ordered by failure time, at most `limit`.
pub async fn dead_letters_keep_every_field_and_list_oldest_first(store: Arc<dyn DeadLetterStore>) {
    let [background, normal, interactive] = letters();
    for letter in [&background, &normal, &interactive] {
        store.insert(letter).await.expect("insert");
    }
    let listed = store.list(10).await.expect("list");
    assert_eq!(listed, [normal.clone(), interactive.clone(), background]);
    assert_eq!(store.list(2).await.expect("list"), [normal, interactive]);
    assert!(store.list(0).await.expect("list").is_empty());
}

/// A job dead-lettered twice (its worker died before completing it) is kept once.
pub async fn inserting_one_id_twice_keeps_one_letter(store: Arc<dyn DeadLetterStore>) {
    let [letter, ..] = letters();
    store.insert(&letter).await.expect("insert");
    let mut again = letter.clone();
    again.attempts += 1;
    store
        .insert(&again)
        .await
        .expect("a second insert of one id is not an error");
    let listed = store.list(10).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, letter.id);
}

/// `take` hands a letter out once and removes it; the others stay.
pub async fn take_removes_and_returns_exactly_that_letter_once(store: Arc<dyn DeadLetterStore>) {
    let [first, second, third] = letters();
    for letter in [&first, &second, &third] {
        store.insert(letter).await.expect("insert");
    }
    assert_eq!(
        store.take(second.id).await.expect("take"),
        Some(second.clone())
    );
    assert_eq!(
        store.take(second.id).await.expect("take"),
        None,
        "a taken letter is gone"
    );
    assert_eq!(store.take(JobId::new_v7()).await.expect("take"), None);
    assert_eq!(store.list(10).await.expect("list"), [third, first]);
}

/// `purge` empties the store and counts what it removed.
pub async fn purge_removes_every_letter_and_says_how_many(store: Arc<dyn DeadLetterStore>) {
    for letter in letters() {
        store.insert(&letter).await.expect("insert");
    }
    assert_eq!(store.purge().await.expect("purge"), 3);
    assert!(store.list(10).await.expect("list").is_empty());
    assert_eq!(store.purge().await.expect("purge"), 0);
}

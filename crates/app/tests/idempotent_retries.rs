//! Retried sends: a repeated `(sender, client_msg_id)` in a room yields the original message and
//! stores nothing new.

mod support;

use chat_app::messaging::{PendingSends, SendRequest, SendTarget};
use chat_domain::{ClientMsgId, Message, Seq};
use chat_ports::{JobPayload, QueueError};
use mockall::predicate::eq;
use support::*;

fn key() -> ClientMsgId {
    ClientMsgId::parse("c-1").expect("a valid client_msg_id")
}

/// What Alice stored in group 3 under `c-1` the first time.
fn original() -> Message {
    Message {
        client_msg_id: Some(key()),
        ..stored(&new_message(40, room_id(3), user_id(1)), 8)
    }
}

/// Alice's retry of `c-1` in group 3, with a new body.
fn retry() -> SendRequest {
    SendRequest {
        client_msg_id: Some("c-1".to_owned()),
        ..request(user_id(1), SendTarget::Room(room_id(3)), "a different body")
    }
}

fn alice_in_group(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_send_access()
        .with(eq(room_id(3)), eq(user_id(1)))
        .returning(|_, _| Ok(Some(access(group_room(3)))));
}

/// Enqueues like a queue whose worker finds `original` already stored under the key: the
/// group commit answers `Duplicate(original)` and the worker settles the send with it.
fn committed_before(
    mocks: &mut MockPorts,
    pending: &std::sync::Arc<PendingSends>,
    original: Message,
) {
    let settle_with_original = std::sync::Arc::clone(pending);
    mocks.queue.expect_enqueue().times(1).returning(move |job| {
        let JobPayload::PersistMessage { message } = job.payload else {
            return Err(QueueError::Closed);
        };
        let pending = std::sync::Arc::clone(&settle_with_original);
        let original = original.clone();
        tokio::spawn(async move { pending.settle(message.id, &original) });
        Ok(())
    });
}

#[tokio::test]
async fn a_retry_of_a_committed_message_returns_the_original_from_the_group_commit() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    // No read before queueing: the group commit finds the key in the store.
    mocks.messages.expect_find_by_client_msg_id().never();
    let pending = PendingSends::new();
    committed_before(&mut mocks, &pending, original());
    let service = messaging(mocks, &pending);

    let outcome = service.send(retry()).await.expect("a retry succeeds");

    assert_eq!(outcome.message, original());
    assert!(!outcome.created);
    assert_eq!(outcome.room, group_room(3));
}

#[tokio::test]
async fn a_retried_first_message_returns_the_original_from_the_existing_private_room() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_find_by_id()
        .returning(|id| Ok(Some(user(2, "bob")).filter(|u| u.id == id)));
    mocks.blocks.expect_is_blocked().returning(|_, _| Ok(false));
    mocks
        .rooms
        .expect_find_private_room()
        .returning(|_| Ok(Some(private_room(7))));
    mocks.rooms.expect_create_private_room().never();
    let in_private_room = Message {
        room_id: room_id(7),
        seq: Seq(1),
        ..original()
    };
    let pending = PendingSends::new();
    committed_before(&mut mocks, &pending, in_private_room.clone());
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(SendRequest {
            target: SendTarget::User(user_id(2)),
            ..retry()
        })
        .await
        .expect("a retry succeeds");

    assert_eq!(outcome.message, in_private_room);
    assert!(!outcome.created);
}

#[tokio::test]
async fn a_retry_racing_the_original_gets_the_original_from_the_group_commit() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    // The original is in the same group commit, not yet stored: the batch dedupes it.
    let pending = PendingSends::new();
    committed_before(&mut mocks, &pending, original());
    let service = messaging(mocks, &pending);

    let outcome = service.send(retry()).await.expect("a retry succeeds");

    assert_eq!(outcome.message, original());
    assert!(!outcome.created, "a deduplicated retry created nothing");
}

#[tokio::test]
async fn the_client_msg_id_travels_with_the_persisted_message() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .withf(|job| {
            matches!(&job.payload, JobPayload::PersistMessage { message } if message.client_msg_id == Some(key()))
        })
        .times(1)
        .returning(commit_in_background(&pending, 9));
    let service = messaging(mocks, &pending);

    let outcome = service.send(retry()).await.expect("the first try succeeds");

    assert!(outcome.created);
    assert_eq!(outcome.message.client_msg_id, Some(key()));
}

#[tokio::test]
async fn a_send_without_client_msg_id_is_simply_stored() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .times(1)
        .returning(commit_in_background(&pending, 9));
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(SendRequest {
            client_msg_id: None,
            ..retry()
        })
        .await
        .expect("the send succeeds");

    assert!(outcome.created);
}

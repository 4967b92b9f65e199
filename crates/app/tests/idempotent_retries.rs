//! Retried sends: a repeated `(sender, client_msg_id)` in a room yields the original message and
//! stores nothing new.

mod support;

use chat_app::messaging::{PendingSends, SendError, SendRequest, SendTarget};
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
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
    mocks
        .rooms
        .expect_find_room()
        .with(eq(room_id(3)))
        .returning(|_| Ok(Some(group_room(3))));
}

#[tokio::test]
async fn a_retry_with_a_stored_client_msg_id_returns_the_original_and_enqueues_nothing() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks
        .messages
        .expect_find_by_client_msg_id()
        .withf(|room, sender, key_| *room == room_id(3) && *sender == user_id(1) && *key_ == key())
        .times(1)
        .returning(|_, _, _| Ok(Some(original())));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
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
    let answer = in_private_room.clone();
    mocks
        .messages
        .expect_find_by_client_msg_id()
        .withf(|room, sender, key_| *room == room_id(7) && *sender == user_id(1) && *key_ == key())
        .times(1)
        .returning(move |_, _, _| Ok(Some(answer.clone())));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
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
    // The original is not committed yet when the retry looks.
    mocks
        .messages
        .expect_find_by_client_msg_id()
        .returning(|_, _, _| Ok(None));
    let pending = PendingSends::new();
    let settle_with_original = std::sync::Arc::clone(&pending);
    mocks.queue.expect_enqueue().times(1).returning(move |job| {
        let JobPayload::PersistMessage { message } = job.payload else {
            return Err(QueueError::Closed);
        };
        // What the worker does when the batch says `Duplicate(original)`.
        let pending = std::sync::Arc::clone(&settle_with_original);
        tokio::spawn(async move { pending.settle(message.id, &original()) });
        Ok(())
    });
    let service = messaging(mocks, &pending);

    let outcome = service.send(retry()).await.expect("a retry succeeds");

    assert_eq!(outcome.message, original());
    assert!(!outcome.created, "a deduplicated retry created nothing");
}

#[tokio::test]
async fn the_client_msg_id_travels_with_the_persisted_message() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks
        .messages
        .expect_find_by_client_msg_id()
        .returning(|_, _, _| Ok(None));
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
async fn a_send_without_client_msg_id_never_looks_for_an_original() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks.messages.expect_find_by_client_msg_id().never();
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

#[tokio::test]
async fn a_store_failure_while_looking_for_the_original_is_unavailable_and_enqueues_nothing() {
    let mut mocks = MockPorts::new();
    alice_in_group(&mut mocks);
    mocks
        .messages
        .expect_find_by_client_msg_id()
        .returning(|_, _, _| Err(store_down()));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service.send(retry()).await;

    assert!(
        matches!(result, Err(SendError::Unavailable(_))),
        "{result:?}"
    );
}

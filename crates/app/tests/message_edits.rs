//! Editing a message: the author only, within the edit window, announced as `MessageEdited`,
//! and published in rev order with the node's other changes.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chat_app::messaging::{EditError, PendingSends};
use chat_app::ordering::PublishOrder;
use chat_domain::{BodyError, Message, Rev};
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::*;

const MINUTE: i64 = 60_000;

/// Message 5 of group 3, seq 4, by Alice, sent `minutes_ago` minutes before [`NOW`].
fn alices_message(minutes_ago: i64) -> Message {
    stored_at(
        5,
        room_id(3),
        user_id(1),
        4,
        NOW.plus_millis(-minutes_ago * MINUTE),
    )
}

/// `user` belongs to group 3, and message 5 is `message`.
fn setting(mocks: &mut MockPorts, message: Message) {
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
    mocks
        .messages
        .expect_find_in_room()
        .with(eq(room_id(3)), eq(message_id(5)))
        .returning(move |_, _| Ok(Some(message.clone())));
}

fn edited(message: &Message, body: &str) -> Message {
    Message {
        body: Some(body.to_owned()),
        rev: Rev(9),
        edited_at: Some(NOW),
        ..message.clone()
    }
}

async fn edit_as(mocks: MockPorts, user: u64, body: &str) -> Result<Message, EditError> {
    let pending = PendingSends::new();
    messaging(mocks, &pending)
        .edit(user_id(user), room_id(3), message_id(5), body)
        .await
}

#[tokio::test]
async fn an_author_s_edit_within_the_window_is_stored_and_announced_as_message_edited() {
    let mut mocks = MockPorts::new();
    let original = alices_message(14);
    setting(&mut mocks, original.clone());
    let updated = edited(&original, "fixed typo");
    let stored = updated.clone();
    mocks
        .messages
        .expect_edit()
        .withf(|room, id, body, at| {
            *room == room_id(3)
                && *id == message_id(5)
                && body.as_str() == "fixed typo"
                && *at == NOW
        })
        .times(1)
        .returning(move |_, _, _, _| Ok(stored.clone()));
    let published = record_publishes(&mut mocks.bus);

    let result = edit_as(mocks, 1, "  fixed typo ")
        .await
        .expect("the author may edit");

    assert_eq!(result, updated);
    assert_eq!(
        recorded(&published),
        vec![BusEvent::MessageEdited { message: updated }]
    );
}

#[tokio::test]
async fn editing_someone_else_s_message_is_forbidden_and_stores_nothing() {
    let mut mocks = MockPorts::new();
    setting(&mut mocks, alices_message(1));
    mocks.messages.expect_edit().never();
    mocks.bus.expect_publish().never();

    let result = edit_as(mocks, 2, "not mine").await;

    assert!(matches!(result, Err(EditError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn an_edit_after_the_window_is_refused_as_edit_window_closed() {
    let mut mocks = MockPorts::new();
    setting(&mut mocks, alices_message(15));
    mocks.messages.expect_edit().never();

    let result = edit_as(mocks, 1, "too late").await;

    assert!(
        matches!(result, Err(EditError::EditWindowClosed)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_deleted_message_cannot_be_edited() {
    let mut mocks = MockPorts::new();
    let tombstone = Message {
        body: None,
        deleted: true,
        ..alices_message(1)
    };
    setting(&mut mocks, tombstone);
    mocks.messages.expect_edit().never();

    let result = edit_as(mocks, 1, "revive").await;

    assert!(
        matches!(result, Err(EditError::MessageNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_non_member_s_edit_is_room_not_found_and_reads_no_message() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|_, _| Ok(None));
    mocks.messages.expect_find_in_room().never();
    mocks.messages.expect_edit().never();

    let result = edit_as(mocks, 9, "hello").await;

    assert!(matches!(result, Err(EditError::RoomNotFound)), "{result:?}");
}

#[tokio::test]
async fn an_empty_body_is_refused_before_any_store_call() {
    let mut mocks = MockPorts::new();
    mocks.rooms.expect_find_membership().never();
    mocks.messages.expect_edit().never();

    let result = edit_as(mocks, 1, "   ").await;

    assert!(
        matches!(result, Err(EditError::InvalidBody(BodyError::Empty))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_edit_waits_for_the_node_s_publish_turn_before_it_is_stored() {
    let mut mocks = MockPorts::new();
    let original = alices_message(1);
    setting(&mut mocks, original.clone());
    let stored_yet = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stored_yet);
    let updated = edited(&original, "later");
    mocks.messages.expect_edit().returning(move |_, _, _, _| {
        flag.store(true, Ordering::SeqCst);
        Ok(updated.clone())
    });
    mocks.bus.expect_publish().returning(|_| Ok(()));
    let (pending, order) = (PendingSends::new(), Arc::new(PublishOrder::new()));
    let service = messaging_ordered(mocks, &pending, &order);

    let turn = order.turn().await;
    let edit = tokio::spawn(async move {
        service
            .edit(user_id(1), room_id(3), message_id(5), "later")
            .await
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !stored_yet.load(Ordering::SeqCst),
        "a worker is still publishing its commit"
    );
    drop(turn);

    edit.await
        .expect("the task ends")
        .expect("the edit goes through");
    assert!(stored_yet.load(Ordering::SeqCst));
}

#[tokio::test]
async fn an_edit_the_bus_refuses_is_queued_for_publication_and_still_succeeds() {
    let mut mocks = MockPorts::new();
    let original = alices_message(1);
    setting(&mut mocks, original.clone());
    let updated = edited(&original, "again");
    let stored = updated.clone();
    mocks
        .messages
        .expect_edit()
        .returning(move |_, _, _, _| Ok(stored.clone()));
    mocks.bus.expect_publish().returning(|_| Err(bus_down()));
    mocks
        .queue
        .expect_enqueue()
        .withf(move |job| {
            job.payload
                == chat_ports::JobPayload::PublishEvent {
                    event: BusEvent::MessageEdited {
                        message: updated.clone(),
                    },
                }
        })
        .times(1)
        .returning(|_| Ok(()));

    let result = edit_as(mocks, 1, "again").await;

    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn the_default_edit_window_is_fifteen_minutes() {
    assert_eq!(
        chat_app::AppConfig::default().edit_window,
        Duration::from_secs(15 * 60)
    );
}

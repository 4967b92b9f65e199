//! Deleting a message: by its author, or by a group's owner or admins for others' messages;
//! the tombstone is announced as `MessageDeleted`, in the node's publish order.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chat_app::messaging::{DeleteError, PendingSends};
use chat_app::ordering::PublishOrder;
use chat_domain::{Message, Rev, Role};
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::*;

/// Message 5 of room 3, seq 4, by Alice (user 1).
fn alices_message() -> Message {
    stored_at(5, room_id(3), user_id(1), 4, NOW)
}

fn tombstone() -> Message {
    Message {
        body: None,
        deleted: true,
        rev: Rev(11),
        ..alices_message()
    }
}

/// The caller holds `role` in room 3, and message 5 is `message`.
fn setting(mocks: &mut MockPorts, role: Role, message: Message) {
    mocks
        .rooms
        .expect_find_membership()
        .returning(move |room, user| Ok(Some(membership_as(room, user, role))));
    mocks
        .messages
        .expect_find_in_room()
        .with(eq(room_id(3)), eq(message_id(5)))
        .returning(move |_, _| Ok(Some(message.clone())));
}

fn deletes_into_tombstone(mocks: &mut MockPorts) {
    mocks
        .messages
        .expect_delete()
        .withf(|room, id, at| *room == room_id(3) && *id == message_id(5) && *at == NOW)
        .times(1)
        .returning(|_, _, _| Ok(tombstone()));
}

async fn delete_as(mocks: MockPorts, user: u64) -> Result<Message, DeleteError> {
    let pending = PendingSends::new();
    messaging(mocks, &pending)
        .delete(user_id(user), room_id(3), message_id(5))
        .await
}

#[tokio::test]
async fn the_author_deletes_their_message_and_the_room_gets_the_tombstone() {
    let mut mocks = MockPorts::new();
    setting(&mut mocks, Role::Member, alices_message());
    deletes_into_tombstone(&mut mocks);
    let published = record_publishes(&mut mocks.bus);

    let result = delete_as(mocks, 1).await.expect("the author may delete");

    assert_eq!(result, tombstone());
    assert_eq!(
        recorded(&published),
        vec![BusEvent::MessageDeleted {
            message: tombstone()
        }]
    );
}

#[tokio::test]
async fn a_group_admin_deletes_someone_else_s_message() {
    let mut mocks = MockPorts::new();
    setting(&mut mocks, Role::Admin, alices_message());
    deletes_into_tombstone(&mut mocks);
    let published = record_publishes(&mut mocks.bus);

    delete_as(mocks, 2).await.expect("an admin moderates");

    assert_eq!(recorded(&published).len(), 1);
}

#[tokio::test]
async fn a_plain_member_cannot_delete_someone_else_s_message() {
    let mut mocks = MockPorts::new();
    setting(&mut mocks, Role::Member, alices_message());
    mocks.messages.expect_delete().never();
    mocks.bus.expect_publish().never();

    let result = delete_as(mocks, 2).await;

    assert!(matches!(result, Err(DeleteError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn deleting_a_tombstone_again_changes_and_announces_nothing() {
    let mut mocks = MockPorts::new();
    setting(&mut mocks, Role::Member, tombstone());
    mocks.messages.expect_delete().never();
    mocks.bus.expect_publish().never();

    let result = delete_as(mocks, 1).await.expect("deleting twice is fine");

    assert!(result.deleted);
}

#[tokio::test]
async fn a_non_member_s_delete_is_room_not_found() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|_, _| Ok(None));
    mocks.messages.expect_find_in_room().never();
    mocks.messages.expect_delete().never();

    let result = delete_as(mocks, 9).await;

    assert!(
        matches!(result, Err(DeleteError::RoomNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_delete_waits_for_the_node_s_publish_turn_before_it_is_stored() {
    let mut mocks = MockPorts::new();
    setting(&mut mocks, Role::Member, alices_message());
    let stored_yet = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stored_yet);
    mocks.messages.expect_delete().returning(move |_, _, _| {
        flag.store(true, Ordering::SeqCst);
        Ok(tombstone())
    });
    mocks.bus.expect_publish().returning(|_| Ok(()));
    let (pending, order) = (PendingSends::new(), Arc::new(PublishOrder::new()));
    let service = messaging_ordered(mocks, &pending, &order);

    let turn = order.turn().await;
    let delete =
        tokio::spawn(async move { service.delete(user_id(1), room_id(3), message_id(5)).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !stored_yet.load(Ordering::SeqCst),
        "a worker is still publishing its commit"
    );
    drop(turn);

    delete
        .await
        .expect("the task ends")
        .expect("the delete goes through");
    assert!(stored_yet.load(Ordering::SeqCst));
}

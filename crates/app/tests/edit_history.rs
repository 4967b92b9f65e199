//! A message's edit history: every earlier body with its time, for members only, and none
//! once the message is deleted.

mod support;

use chat_app::messaging::{EditHistoryError, PendingSends};
use chat_domain::{Message, MessageEdit};
use mockall::predicate::eq;
use support::*;

fn earlier_bodies() -> Vec<MessageEdit> {
    vec![
        MessageEdit {
            message_id: message_id(5),
            body: "frist".into(),
            replaced_at: NOW.plus_millis(1_000),
        },
        MessageEdit {
            message_id: message_id(5),
            body: "first!".into(),
            replaced_at: NOW.plus_millis(2_000),
        },
    ]
}

fn member_and_message(mocks: &mut MockPorts, message: Message) {
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
    mocks
        .messages
        .expect_find_in_room()
        .returning(move |_, _| Ok(Some(message.clone())));
}

async fn history_as(mocks: MockPorts, user: u64) -> Result<Vec<MessageEdit>, EditHistoryError> {
    let pending = PendingSends::new();
    messaging(mocks, &pending)
        .edit_history(user_id(user), room_id(3), message_id(5))
        .await
}

#[tokio::test]
async fn a_member_reads_the_earlier_bodies_oldest_first() {
    let mut mocks = MockPorts::new();
    member_and_message(&mut mocks, stored_at(5, room_id(3), user_id(1), 1, NOW));
    mocks
        .messages
        .expect_edit_history()
        .with(eq(room_id(3)), eq(message_id(5)))
        .times(1)
        .returning(|_, _| Ok(earlier_bodies()));

    let history = history_as(mocks, 2).await.expect("a member reads it");

    assert_eq!(history, earlier_bodies());
}

#[tokio::test]
async fn a_non_member_gets_room_not_found_and_no_history() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|_, _| Ok(None));
    mocks.messages.expect_edit_history().never();

    let result = history_as(mocks, 9).await;

    assert!(
        matches!(result, Err(EditHistoryError::RoomNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_message_is_message_not_found() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
    mocks
        .messages
        .expect_find_in_room()
        .returning(|_, _| Ok(None));
    mocks.messages.expect_edit_history().never();

    let result = history_as(mocks, 1).await;

    assert!(
        matches!(result, Err(EditHistoryError::MessageNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_deleted_message_has_no_history() {
    let mut mocks = MockPorts::new();
    let tombstone = Message {
        body: None,
        deleted: true,
        ..stored_at(5, room_id(3), user_id(1), 1, NOW)
    };
    member_and_message(&mut mocks, tombstone);
    mocks.messages.expect_edit_history().never();

    let history = history_as(mocks, 1).await.expect("a member may ask");

    assert!(history.is_empty());
}

//! Blocks and private messages: nobody messages a user who blocked them, by user id or by the
//! room's id, and no private room is ever started with someone who blocked the sender.

mod support;

use chat_app::messaging::{PendingSends, SendError, SendTarget};
use chat_ports::SendAccess;
use mockall::predicate::eq;
use support::*;

/// Bob (user 2) exists and has blocked Alice (user 1).
fn bob_blocked_alice(mocks: &mut MockPorts) {
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(2)))
        .returning(|_| Ok(Some(user(2, "bob"))));
    mocks
        .blocks
        .expect_is_blocked()
        .with(eq(user_id(2)), eq(user_id(1)))
        .returning(|_, _| Ok(true));
}

#[tokio::test]
async fn a_first_message_to_someone_who_blocked_you_is_refused_and_starts_no_room() {
    let mut mocks = MockPorts::new();
    bob_blocked_alice(&mut mocks);
    mocks.rooms.expect_find_private_room().never();
    mocks.rooms.expect_create_private_room().never();
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();

    let result = messaging(mocks, &pending)
        .send(request(user_id(1), SendTarget::User(user_id(2)), "hi"))
        .await;

    assert!(matches!(result, Err(SendError::Blocked)), "{result:?}");
}

#[tokio::test]
async fn a_message_into_an_existing_private_room_with_someone_who_blocked_you_is_refused() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_send_access()
        .with(eq(room_id(7)), eq(user_id(1)))
        .returning(|_, _| {
            Ok(Some(SendAccess {
                blocked: true,
                ..access(private_room(7))
            }))
        });
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();

    let result = messaging(mocks, &pending)
        .send(request(user_id(1), SendTarget::Room(room_id(7)), "hi"))
        .await;

    assert!(matches!(result, Err(SendError::Blocked)), "{result:?}");
}

#[tokio::test]
async fn blocks_do_not_apply_to_groups() {
    let mut mocks = MockPorts::new();
    // The store answers `blocked: false` for every group, whatever its members blocked.
    mocks
        .rooms
        .expect_send_access()
        .returning(|_, _| Ok(Some(access(group_room(3)))));
    mocks.blocks.expect_is_blocked().never();
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .returning(commit_in_background(&pending, 1));

    let result = messaging(mocks, &pending)
        .send(request(user_id(1), SendTarget::Room(room_id(3)), "hi all"))
        .await;

    assert!(result.is_ok(), "{result:?}");
}

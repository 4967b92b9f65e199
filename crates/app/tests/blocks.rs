//! Blocking and unblocking users.

mod support;

use chat_app::blocks::BlockError;
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::*;

fn bob_exists(mocks: &mut MockPorts) {
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(2)))
        .returning(|_| Ok(Some(user(2, "bob"))));
}

#[tokio::test]
async fn blocking_a_user_records_the_block_at_the_current_time_and_tells_every_node() {
    let mut mocks = MockPorts::new();
    bob_exists(&mut mocks);
    let mut order = mockall::Sequence::new();
    mocks
        .blocks
        .expect_block()
        .with(eq(user_id(1)), eq(user_id(2)), eq(NOW))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _| Ok(()));
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::UserBlocked {
            blocker: user_id(1),
            blocked: user_id(2),
        }))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));

    blocks(mocks)
        .block(user_id(1), user_id(2))
        .await
        .expect("Alice blocks Bob");
}

#[tokio::test]
async fn a_block_stands_even_when_the_bus_cannot_announce_it() {
    let mut mocks = MockPorts::new();
    bob_exists(&mut mocks);
    mocks
        .blocks
        .expect_block()
        .times(1)
        .returning(|_, _, _| Ok(()));
    mocks
        .bus
        .expect_publish()
        .times(1)
        .returning(|_| Err(bus_down()));

    blocks(mocks)
        .block(user_id(1), user_id(2))
        .await
        .expect("the block is recorded; other nodes' memory of it expires on its own");
}

#[tokio::test]
async fn unblocking_lifts_the_block() {
    let mut mocks = MockPorts::new();
    bob_exists(&mut mocks);
    mocks
        .blocks
        .expect_unblock()
        .with(eq(user_id(1)), eq(user_id(2)))
        .times(1)
        .returning(|_, _| Ok(()));

    blocks(mocks)
        .unblock(user_id(1), user_id(2))
        .await
        .expect("Alice unblocks Bob");
}

#[tokio::test]
async fn nobody_blocks_themselves() {
    let mut mocks = MockPorts::new();
    mocks.blocks.expect_block().never();

    let result = blocks(mocks).block(user_id(1), user_id(1)).await;

    assert!(matches!(result, Err(BlockError::SelfBlock)), "{result:?}");
}

#[tokio::test]
async fn blocking_an_unknown_user_is_user_not_found() {
    let mut mocks = MockPorts::new();
    mocks.users.expect_find_by_id().returning(|_| Ok(None));
    mocks.blocks.expect_block().never();

    let result = blocks(mocks).block(user_id(1), user_id(9)).await;

    assert!(
        matches!(result, Err(BlockError::UserNotFound)),
        "{result:?}"
    );
}

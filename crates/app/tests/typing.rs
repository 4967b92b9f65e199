//! Typing indicators: members only, relayed as `Typing`, at most once per user and room per
//! throttle interval on a node, never stored.

mod support;

use std::time::Duration;

use chat_app::messaging::{PendingSends, TypingError};
use chat_ports::BusEvent;
use support::*;

fn alice_is_a_member(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
}

#[tokio::test(start_paused = true)]
async fn typing_is_relayed_once_per_interval_for_each_user_and_room() {
    let mut mocks = MockPorts::new();
    alice_is_a_member(&mut mocks);
    let published = record_publishes(&mut mocks.bus);
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    assert!(service
        .typing(user_id(1), room_id(3))
        .await
        .expect("relayed"));
    assert!(!service
        .typing(user_id(1), room_id(3))
        .await
        .expect("throttled"));
    assert!(service
        .typing(user_id(1), room_id(4))
        .await
        .expect("another room"));
    tokio::time::advance(Duration::from_secs(2)).await;
    assert!(service
        .typing(user_id(1), room_id(3))
        .await
        .expect("relayed again"));

    let typing = |room| BusEvent::Typing {
        room_id: room_id(room),
        user_id: user_id(1),
    };
    assert_eq!(recorded(&published), vec![typing(3), typing(4), typing(3)]);
}

#[tokio::test]
async fn a_non_member_s_typing_is_room_not_found_and_not_relayed() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|_, _| Ok(None));
    mocks.bus.expect_publish().never();
    let pending = PendingSends::new();

    let result = messaging(mocks, &pending)
        .typing(user_id(9), room_id(3))
        .await;

    assert!(
        matches!(result, Err(TypingError::RoomNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_typing_indicator_the_bus_refuses_is_dropped_not_queued() {
    let mut mocks = MockPorts::new();
    alice_is_a_member(&mut mocks);
    mocks.bus.expect_publish().returning(|_| Err(bus_down()));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();

    let result = messaging(mocks, &pending)
        .typing(user_id(1), room_id(3))
        .await;

    assert!(result.is_ok(), "{result:?}");
}

//! Read receipts: the marker moves forward only, never past the room's latest message, and a
//! move (only a move) is announced to the room.

mod support;

use std::collections::HashMap;

use chat_app::messaging::{PendingSends, ReceiptError};
use chat_domain::Seq;
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::*;

/// Alice has read room 3 up to `read`, and its latest message has seq `latest`.
fn alice_read_up_to(mocks: &mut MockPorts, read: u64, latest: u64) {
    mocks
        .rooms
        .expect_find_membership()
        .with(eq(room_id(3)), eq(user_id(1)))
        .returning(move |room, user| Ok(Some(membership(room, user, read))));
    mocks.messages.expect_latest_in_rooms().returning(move |_| {
        Ok(HashMap::from([(
            room_id(3),
            stored_at(9, room_id(3), user_id(2), latest, NOW),
        )]))
    });
}

async fn mark(mocks: MockPorts, seq: u64) -> Result<Option<Seq>, ReceiptError> {
    let pending = PendingSends::new();
    messaging(mocks, &pending)
        .mark_read(user_id(1), room_id(3), Seq(seq))
        .await
}

#[tokio::test]
async fn a_marker_that_moves_is_stored_and_announced_to_the_room() {
    let mut mocks = MockPorts::new();
    alice_read_up_to(&mut mocks, 2, 10);
    mocks
        .rooms
        .expect_mark_read()
        .with(eq(room_id(3)), eq(user_id(1)), eq(Seq(7)))
        .times(1)
        .returning(|_, _, _| Ok(true));
    let published = record_publishes(&mut mocks.bus);

    assert_eq!(mark(mocks, 7).await.expect("a member marks"), Some(Seq(7)));
    assert_eq!(
        recorded(&published),
        vec![BusEvent::ReadMarker {
            room_id: room_id(3),
            user_id: user_id(1),
            seq: Seq(7)
        }]
    );
}

#[tokio::test]
async fn a_marker_beyond_the_latest_message_is_clamped_to_it() {
    let mut mocks = MockPorts::new();
    alice_read_up_to(&mut mocks, 2, 10);
    mocks
        .rooms
        .expect_mark_read()
        .with(eq(room_id(3)), eq(user_id(1)), eq(Seq(10)))
        .times(1)
        .returning(|_, _, _| Ok(true));
    mocks.bus.expect_publish().returning(|_| Ok(()));

    assert_eq!(
        mark(mocks, 500).await.expect("a member marks"),
        Some(Seq(10))
    );
}

#[tokio::test]
async fn a_marker_never_moves_back_and_a_stale_receipt_announces_nothing() {
    let mut mocks = MockPorts::new();
    alice_read_up_to(&mut mocks, 8, 10);
    mocks.rooms.expect_mark_read().never();
    mocks.bus.expect_publish().never();

    assert_eq!(mark(mocks, 5).await.expect("a stale receipt is fine"), None);
}

#[tokio::test]
async fn a_receipt_a_racing_one_overtook_announces_nothing() {
    let mut mocks = MockPorts::new();
    alice_read_up_to(&mut mocks, 2, 10);
    mocks
        .rooms
        .expect_mark_read()
        .returning(|_, _, _| Ok(false));
    mocks.bus.expect_publish().never();

    assert_eq!(mark(mocks, 6).await.expect("fine"), None);
}

#[tokio::test]
async fn a_non_member_s_receipt_is_room_not_found() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|_, _| Ok(None));
    mocks.rooms.expect_mark_read().never();

    let result = mark(mocks, 1).await;

    assert!(
        matches!(result, Err(ReceiptError::RoomNotFound)),
        "{result:?}"
    );
}

//! Delivery receipts: a client's cumulative `received` moves the member's delivered marker
//! forward only, never past the room's latest message, and a move is announced as
//! `Delivered` so senders learn their messages arrived.

mod support;

use std::collections::HashMap;

use chat_app::messaging::{PendingSends, ReceiptError};
use chat_domain::{Membership, Seq};
use chat_ports::{BusEvent, HistoryCursor};
use mockall::predicate::eq;
use support::*;

/// Bob's devices confirmed room 3 up to `delivered`; its latest message has seq `latest`.
fn bob_received_up_to(mocks: &mut MockPorts, delivered: u64, latest: u64) {
    mocks
        .rooms
        .expect_find_membership()
        .with(eq(room_id(3)), eq(user_id(2)))
        .returning(move |room, user| {
            Ok(Some(Membership {
                delivered_seq: Seq(delivered),
                ..membership(room, user, 0)
            }))
        });
    mocks.messages.expect_latest_in_rooms().returning(move |_| {
        Ok(HashMap::from([(
            room_id(3),
            stored_at(9, room_id(3), user_id(1), latest, NOW),
        )]))
    });
}

async fn received(mocks: MockPorts, seq: u64) -> Result<Option<Seq>, ReceiptError> {
    let pending = PendingSends::new();
    messaging(mocks, &pending)
        .mark_delivered(user_id(2), room_id(3), Seq(seq))
        .await
}

#[tokio::test]
async fn a_delivered_marker_that_moves_is_stored_and_announced() {
    let mut mocks = MockPorts::new();
    bob_received_up_to(&mut mocks, 3, 9);
    mocks
        .rooms
        .expect_mark_delivered()
        .with(eq(room_id(3)), eq(user_id(2)), eq(Seq(9)))
        .times(1)
        .returning(|_, _, _| Ok(true));
    mocks.rooms.expect_mark_read().never();
    // Seqs 4..=9 were passed: Alice wrote 4 and 9, Bob himself wrote 5.
    mocks
        .messages
        .expect_page()
        .withf(|room, cursor, limit| {
            *room == room_id(3) && *cursor == HistoryCursor::After(Seq(3)) && *limit == 6
        })
        .returning(|_, _, _| {
            Ok(vec![
                stored_at(4, room_id(3), user_id(1), 4, NOW),
                stored_at(5, room_id(3), user_id(2), 5, NOW),
                stored_at(9, room_id(3), user_id(1), 9, NOW),
            ])
        });
    let published = record_publishes(&mut mocks.bus);

    assert_eq!(received(mocks, 12).await.expect("fine"), Some(Seq(9)));
    assert_eq!(
        recorded(&published),
        vec![BusEvent::Delivered {
            room_id: room_id(3),
            user_id: user_id(2),
            seq: Seq(9),
            senders: vec![user_id(1)],
        }]
    );
}

#[tokio::test]
async fn passing_only_ones_own_messages_is_stored_but_announced_to_nobody() {
    let mut mocks = MockPorts::new();
    bob_received_up_to(&mut mocks, 3, 4);
    mocks
        .rooms
        .expect_mark_delivered()
        .times(1)
        .returning(|_, _, _| Ok(true));
    mocks
        .messages
        .expect_page()
        .returning(|_, _, _| Ok(vec![stored_at(4, room_id(3), user_id(2), 4, NOW)]));
    mocks.bus.expect_publish().never();

    assert_eq!(received(mocks, 4).await.expect("fine"), Some(Seq(4)));
}

#[tokio::test]
async fn a_delivered_marker_never_moves_back() {
    let mut mocks = MockPorts::new();
    bob_received_up_to(&mut mocks, 7, 9);
    mocks.rooms.expect_mark_delivered().never();
    mocks.bus.expect_publish().never();

    assert_eq!(received(mocks, 7).await.expect("fine"), None);
}

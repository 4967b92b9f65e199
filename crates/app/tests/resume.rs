//! Catch-up after a reconnect: the plan (rooms to replay, every room's latest rev, rooms left)
//! and pages of one room's changes in rev order, for members only.

mod support;

use std::collections::HashMap;

use chat_app::messaging::{PendingSends, ResumeError};
use chat_domain::{Message, Rev};
use chat_ports::UserRoom;
use mockall::predicate::eq;
use support::*;

/// Message `n` of room 3 at seq `n`, last changed at rev `rev`.
fn changed(n: u64, rev: u64) -> Message {
    Message {
        rev: Rev(rev),
        ..stored_at(n, room_id(3), user_id(2), n, NOW)
    }
}

#[tokio::test]
async fn the_plan_replays_named_rooms_lists_every_room_and_names_the_ones_left() {
    let mut mocks = MockPorts::new();
    let rooms = vec![
        UserRoom {
            room: group_room(3),
            membership: membership(room_id(3), user_id(1), 0),
        },
        UserRoom {
            room: group_room(4),
            membership: membership(room_id(4), user_id(1), 0),
        },
    ];
    mocks
        .rooms
        .expect_list_rooms_of_user()
        .with(eq(user_id(1)))
        .return_once(move |_| Ok(rooms));
    mocks
        .messages
        .expect_latest_revs()
        .times(1)
        .returning(|_| Ok(HashMap::from([(room_id(3), Rev(40))])));
    let pending = PendingSends::new();
    let named = HashMap::from([(room_id(3), Rev(12)), (room_id(5), Rev(3))]);

    let plan = messaging(mocks, &pending)
        .resume_plan(user_id(1), &named)
        .await
        .expect("the plan loads");

    assert_eq!(plan.replay, vec![(room_id(3), Rev(12))]);
    assert_eq!(
        plan.latest,
        HashMap::from([(room_id(3), Rev(40)), (room_id(4), Rev::ZERO)])
    );
    assert_eq!(plan.left, vec![room_id(5)]);
}

#[tokio::test]
async fn a_page_of_changes_comes_in_rev_order_and_says_where_to_go_on() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
    mocks
        .messages
        .expect_changes_since()
        .with(eq(room_id(3)), eq(Rev(12)), eq(3))
        .times(1)
        .returning(|_, _, _| Ok(vec![changed(1, 13), changed(7, 14), changed(8, 15)]));
    let pending = PendingSends::new();

    let page = messaging(mocks, &pending)
        .changes_page(user_id(1), room_id(3), Rev(12), 2)
        .await
        .expect("a member replays");

    assert_eq!(page.messages, vec![changed(1, 13), changed(7, 14)]);
    assert_eq!(page.next_after, Rev(14));
    assert!(page.has_more);
}

#[tokio::test]
async fn a_user_removed_during_the_replay_gets_room_not_found_for_the_next_page() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|_, _| Ok(None));
    mocks.messages.expect_changes_since().never();
    let pending = PendingSends::new();

    let result = messaging(mocks, &pending)
        .changes_page(user_id(1), room_id(3), Rev(12), 100)
        .await;

    assert!(
        matches!(result, Err(ResumeError::RoomNotFound)),
        "{result:?}"
    );
}

//! Paging through a room's history: limits, cursors, `has_more`, and who may read.

mod support;

use std::ops::RangeInclusive;

use chat_app::messaging::{HistoryError, HistoryPage, PendingSends};
use chat_domain::{Message, Seq};
use chat_ports::HistoryCursor;
use mockall::predicate::eq;
use support::*;

/// Messages of group 3 with these seqs, oldest first, as the store pages them.
fn messages(seqs: RangeInclusive<u64>) -> Vec<Message> {
    seqs.map(|seq| stored(&new_message(seq, room_id(3), user_id(2)), seq))
        .collect()
}

fn seqs(page: &HistoryPage) -> Vec<u64> {
    page.messages.iter().map(|m| m.seq.get()).collect()
}

/// Alice reads group 3 at `cursor` with `limit`; the store answers the page with `stored`.
async fn read(cursor: HistoryCursor, limit: u32, stored: Vec<Message>) -> HistoryPage {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
    mocks
        .messages
        .expect_page()
        .with(eq(room_id(3)), eq(cursor), eq(limit + 1))
        .times(1)
        .return_once(move |_, _, _| Ok(stored));
    let pending = PendingSends::new();
    messaging(mocks, &pending)
        .history(user_id(1), room_id(3), cursor, limit)
        .await
        .expect("a member reads the history")
}

#[tokio::test]
async fn a_limit_of_zero_or_above_one_hundred_is_refused_without_store_calls() {
    let mut mocks = MockPorts::new();
    mocks.rooms.expect_find_membership().never();
    mocks.messages.expect_page().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    for limit in [0, 101] {
        let result = service
            .history(user_id(1), room_id(3), HistoryCursor::Latest, limit)
            .await;
        assert!(
            matches!(result, Err(HistoryError::InvalidLimit)),
            "limit {limit}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_non_member_gets_room_not_found_and_no_page_is_read() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .with(eq(room_id(3)), eq(user_id(1)))
        .returning(|_, _| Ok(None));
    mocks.messages.expect_page().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service
        .history(user_id(1), room_id(3), HistoryCursor::Latest, 10)
        .await;

    assert!(
        matches!(result, Err(HistoryError::RoomNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_smallest_and_largest_limits_are_accepted_and_asked_for_plus_one() {
    // `read` expects `page` to be asked for `limit + 1`: 2, then 101.
    let smallest = read(HistoryCursor::Latest, 1, messages(1..=2)).await;
    let largest = read(HistoryCursor::Latest, 100, messages(1..=3)).await;

    assert_eq!(seqs(&smallest), vec![2]);
    assert!(smallest.has_more);
    assert_eq!(seqs(&largest), vec![1, 2, 3]);
    assert!(!largest.has_more);
}

#[tokio::test]
async fn the_latest_page_with_more_drops_the_oldest_extra_message() {
    // Asked for 11, the store has them all: 5..=15 are the newest eleven.
    let page = read(HistoryCursor::Latest, 10, messages(5..=15)).await;

    assert_eq!(seqs(&page), (6..=15).collect::<Vec<_>>());
    assert!(page.has_more);
}

#[tokio::test]
async fn a_page_before_a_seq_with_more_drops_the_oldest_extra_message() {
    let page = read(HistoryCursor::Before(Seq(20)), 10, messages(9..=19)).await;

    assert_eq!(seqs(&page), (10..=19).collect::<Vec<_>>());
    assert!(page.has_more);
}

#[tokio::test]
async fn a_page_after_a_seq_with_more_drops_the_newest_extra_message() {
    let page = read(HistoryCursor::After(Seq(4)), 10, messages(5..=15)).await;

    assert_eq!(seqs(&page), (5..=14).collect::<Vec<_>>());
    assert!(page.has_more);
}

#[tokio::test]
async fn a_full_page_without_an_extra_message_has_no_more() {
    for cursor in [
        HistoryCursor::Latest,
        HistoryCursor::Before(Seq(11)),
        HistoryCursor::After(Seq(0)),
    ] {
        let page = read(cursor, 10, messages(1..=10)).await;

        assert_eq!(seqs(&page), (1..=10).collect::<Vec<_>>(), "{cursor:?}");
        assert!(!page.has_more, "{cursor:?}");
    }
}

#[tokio::test]
async fn a_short_page_is_returned_whole_without_more() {
    let page = read(HistoryCursor::Before(Seq(4)), 10, messages(1..=3)).await;

    assert_eq!(seqs(&page), vec![1, 2, 3]);
    assert!(!page.has_more);
}

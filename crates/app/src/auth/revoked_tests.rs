//! The revocation set: what it remembers, what it reads from the store, what it forgets.

use std::sync::Arc;
use std::time::Duration;

use chat_domain::{SessionId, Timestamp};
use chat_ports::{MockClock, MockSessionStore};
use mockall::predicate::eq;

use super::{RevokedSessions, CLOCK_SKEW, PAGE};

const LIFETIME: Duration = Duration::from_secs(900);

fn at(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis)
}

fn clock_at(millis: i64) -> Arc<MockClock> {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(at(millis));
    Arc::new(clock)
}

fn revoked_at_time(millis: i64) -> RevokedSessions {
    RevokedSessions::new(LIFETIME, clock_at(millis))
}

fn keep() -> i64 {
    i64::try_from((LIFETIME + CLOCK_SKEW).as_millis()).unwrap_or(i64::MAX)
}

#[test]
fn a_revocation_is_remembered_and_others_are_not() {
    let revoked = revoked_at_time(0);
    let (gone, kept) = (SessionId::new_v7(), SessionId::new_v7());
    assert!(!revoked.contains(gone));
    revoked.insert(gone, at(1_000));
    assert!(revoked.contains(gone));
    assert!(!revoked.contains(kept));
    assert_eq!(revoked.len(), 1);
}

#[tokio::test]
async fn the_first_refresh_reads_one_token_lifetime_back_and_the_next_from_the_newest_read() {
    let now = 10_000_000;
    let (first, second) = (SessionId::new_v7(), SessionId::new_v7());
    let mut store = MockSessionStore::new();
    store
        .expect_revoked_since()
        .with(eq(at(now - keep())), eq(PAGE))
        .times(1)
        .returning(move |_, _| Ok(vec![(first, at(now - 5_000))]));
    let skew = i64::try_from(CLOCK_SKEW.as_millis()).unwrap_or(0);
    store
        .expect_revoked_since()
        .with(eq(at(now - 5_000 - skew)), eq(PAGE))
        .times(1)
        .returning(move |_, _| Ok(vec![(first, at(now - 5_000)), (second, at(now + 1))]));
    let revoked = revoked_at_time(now);
    assert_eq!(revoked.refresh(&store).await.expect("refresh"), 1);
    assert!(revoked.contains(first));
    assert_eq!(revoked.refresh(&store).await.expect("refresh"), 2);
    assert!(revoked.contains(first) && revoked.contains(second));
    assert_eq!(revoked.len(), 2);
}

#[tokio::test]
async fn a_full_page_is_followed_by_the_next() {
    let now = 10_000_000;
    let sessions: Vec<SessionId> = (0..=PAGE).map(|_| SessionId::new_v7()).collect();
    let first_page: Vec<(SessionId, Timestamp)> = sessions[..PAGE as usize]
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, at(now - 100_000 + i64::try_from(i).unwrap_or(0))))
        .collect();
    let last_time = first_page.last().map(|(_, t)| *t).unwrap_or(at(0));
    let tail = vec![(sessions[PAGE as usize], at(now - 10))];
    let mut store = MockSessionStore::new();
    store
        .expect_revoked_since()
        .with(eq(at(now - keep())), eq(PAGE))
        .times(1)
        .return_once(move |_, _| Ok(first_page));
    store
        .expect_revoked_since()
        .with(eq(last_time), eq(PAGE))
        .times(1)
        .return_once(move |_, _| Ok(tail));
    let revoked = revoked_at_time(now);
    let read = revoked.refresh(&store).await.expect("refresh");
    assert_eq!(read, PAGE as usize + 1);
    assert!(sessions.iter().all(|s| revoked.contains(*s)));
}

#[tokio::test]
async fn revocations_older_than_a_token_lifetime_are_forgotten() {
    let now = 10_000_000;
    let (old, recent) = (SessionId::new_v7(), SessionId::new_v7());
    let revoked = revoked_at_time(now);
    revoked.insert(old, at(now - keep() - 1));
    revoked.insert(recent, at(now - keep()));
    let mut store = MockSessionStore::new();
    store
        .expect_revoked_since()
        .returning(|_, _| Ok(Vec::new()));
    revoked.refresh(&store).await.expect("refresh");
    assert!(!revoked.contains(old), "its tokens have all expired");
    assert!(revoked.contains(recent));
}

#[tokio::test]
async fn a_failed_read_keeps_what_is_known() {
    let session = SessionId::new_v7();
    let revoked = revoked_at_time(10_000_000);
    revoked.insert(session, at(9_999_000));
    let mut store = MockSessionStore::new();
    store
        .expect_revoked_since()
        .returning(|_, _| Err(chat_ports::StoreError::corrupt("down")));
    assert!(revoked.refresh(&store).await.is_err());
    assert!(revoked.contains(session));
}

#[test]
fn a_revocation_heard_now_is_dated_by_the_clock() {
    let revoked = revoked_at_time(5_000);
    let session = SessionId::new_v7();
    revoked.insert_now(session);
    assert!(revoked.contains(session));
}

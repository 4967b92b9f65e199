use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use chat_domain::ids::Uuid;
use chat_domain::{Room, RoomId, RoomKind, Timestamp, UserId};
use chat_ports::{BusEvent, MockBlockStore, MockRoomStore, RoomStore, SendAccess};

use super::stores::{CachedBlocks, CachedRooms};
use super::*;

fn user(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(n))
}

fn room(n: u128) -> Room {
    Room {
        id: RoomId::from_uuid(Uuid::from_u128(1000 + n)),
        kind: RoomKind::Group,
        name: Some(format!("room {n}")),
        description: None,
        created_at: Timestamp::from_unix_millis(0),
    }
}

/// A cache remembering `user` may send into `room`, remembered at `at`.
fn knowing(cache: &SendAccessCache, user_n: u128, room_n: u128, at: Instant) {
    cache.remember(cache.epoch(), user(user_n), room(room_n), at);
}

#[test]
fn a_remembered_answer_is_given_until_it_is_older_than_the_ttl() {
    let cache = SendAccessCache::with_limits(Duration::from_secs(10), 100);
    let start = Instant::now();
    knowing(&cache, 1, 1, start);

    let fresh = cache.get(room(1).id, user(1), start + Duration::from_secs(9));
    let stale = cache.get(room(1).id, user(1), start + Duration::from_secs(10));

    assert_eq!(fresh, Some(room(1)));
    assert_eq!(stale, None);
    assert!(cache.is_empty(), "an expired answer is dropped when met");
}

#[test]
fn an_answer_read_before_a_forgetting_is_not_remembered() {
    let cache = SendAccessCache::new();
    let read_began = cache.epoch();
    cache.forget_member(room(1).id, user(1));

    cache.remember(read_began, user(1), room(1), Instant::now());

    assert!(cache.is_empty());
}

#[test]
fn each_forgetting_drops_exactly_what_it_concerns() {
    let now = Instant::now();
    let cache = SendAccessCache::new();
    for (u, r) in [(1, 1), (1, 2), (2, 1), (2, 2), (3, 3)] {
        knowing(&cache, u, r, now);
    }
    let known = |u, r| cache.get(room(r).id, user(u), now).is_some();

    cache.forget_member(room(1).id, user(1));
    assert!(!known(1, 1) && known(1, 2) && known(2, 1));

    cache.forget_room(room(2).id);
    assert!(!known(1, 2) && !known(2, 2) && known(2, 1));

    cache.forget_user(user(2));
    assert!(!known(2, 1) && known(3, 3));

    cache.clear();
    assert!(cache.is_empty());
}

#[test]
fn bus_events_forget_what_they_revoke_and_nothing_else() {
    let now = Instant::now();
    let cache = SendAccessCache::new();
    let fill = || {
        for (u, r) in [(1, 1), (2, 1), (2, 2)] {
            knowing(&cache, u, r, now);
        }
    };
    let revoking = [
        (
            BusEvent::MemberLeft {
                room_id: room(1).id,
                user_id: user(1),
            },
            1,
        ),
        (
            BusEvent::MemberRemoved {
                room_id: room(1).id,
                user_id: user(2),
            },
            1,
        ),
        (
            BusEvent::RoomDeleted {
                room_id: room(1).id,
            },
            2,
        ),
        (
            BusEvent::RoomUpdated {
                room: room(2),
                member_count: 2,
            },
            1,
        ),
        (
            BusEvent::UserBlocked {
                blocker: user(1),
                blocked: user(2),
            },
            2,
        ),
    ];
    for (event, forgotten) in revoking {
        fill();
        cache.observe(&event);
        assert_eq!(cache.len(), 3 - forgotten, "{event:?}");
    }

    fill();
    cache.observe(&BusEvent::MemberJoined {
        room_id: room(1).id,
        user_id: user(3),
    });
    assert_eq!(cache.len(), 3, "a join revokes nothing");
}

#[test]
fn a_full_cache_starts_over_instead_of_growing() {
    let now = Instant::now();
    let cache = SendAccessCache::with_limits(Duration::from_secs(10), 3);
    for n in 1..=3 {
        knowing(&cache, n, n, now);
    }
    knowing(&cache, 4, 4, now);

    assert_eq!(cache.len(), 1);
    assert!(cache.get(room(4).id, user(4), now).is_some());
}

/// Readers check membership in a "store" and remember what they saw while a remover takes the
/// membership away and forgets it. However they interleave, once the removal is done no
/// reader can leave the removed member remembered.
#[test]
fn racing_reads_never_bring_back_a_removed_member() {
    const READERS: usize = 8;
    const READS: usize = 2_000;
    for round in 0..50 {
        let cache = SendAccessCache::new();
        let member = Arc::new(AtomicBool::new(true));
        let readers: Vec<_> = (0..READERS)
            .map(|_| {
                let (cache, member) = (Arc::clone(&cache), Arc::clone(&member));
                thread::spawn(move || {
                    for _ in 0..READS {
                        let began = cache.epoch();
                        if member.load(Ordering::SeqCst) {
                            cache.remember(began, user(1), room(1), Instant::now());
                        }
                    }
                })
            })
            .collect();
        thread::sleep(Duration::from_micros(200));
        // The removal commits, then the node forgets, as `CachedRooms::remove_member` does.
        member.store(false, Ordering::SeqCst);
        cache.forget_member(room(1).id, user(1));
        for reader in readers {
            reader.join().expect("a reader panicked");
        }

        let left = cache.get(room(1).id, user(1), Instant::now());
        assert_eq!(left, None, "round {round}: a removed member is remembered");
    }
}

#[tokio::test]
async fn a_second_send_access_is_answered_without_the_store() {
    let mut inner = MockRoomStore::new();
    inner.expect_send_access().times(1).returning(|_, _| {
        Ok(Some(SendAccess {
            room: room(1),
            blocked: false,
        }))
    });
    let rooms = CachedRooms::new(Arc::new(inner), SendAccessCache::new());

    for _ in 0..3 {
        let access = rooms.send_access(room(1).id, user(1)).await;
        assert_eq!(access.expect("send_access").map(|a| a.room), Some(room(1)));
    }
}

#[tokio::test]
async fn refusals_are_asked_again_every_time() {
    let mut inner = MockRoomStore::new();
    inner
        .expect_send_access()
        .withf(|_, u| *u == user(1))
        .times(2)
        .returning(|_, _| Ok(None));
    inner
        .expect_send_access()
        .withf(|_, u| *u == user(2))
        .times(2)
        .returning(|_, _| {
            Ok(Some(SendAccess {
                room: room(1),
                blocked: true,
            }))
        });
    let rooms = CachedRooms::new(Arc::new(inner), SendAccessCache::new());

    for _ in 0..2 {
        let outsider = rooms.send_access(room(1).id, user(1)).await;
        assert_eq!(outsider.expect("send_access"), None);
        let blocked = rooms.send_access(room(1).id, user(2)).await;
        assert!(blocked.expect("send_access").expect("a member").blocked);
    }
}

#[tokio::test]
async fn removing_a_member_or_blocking_a_user_makes_the_store_answer_again() {
    let cache = SendAccessCache::new();
    let mut inner = MockRoomStore::new();
    inner.expect_send_access().times(3).returning(|_, _| {
        Ok(Some(SendAccess {
            room: room(1),
            blocked: false,
        }))
    });
    inner
        .expect_remove_member()
        .times(1)
        .returning(|_, _| Ok(true));
    let mut blocks = MockBlockStore::new();
    blocks.expect_block().times(1).returning(|_, _, _| Ok(()));
    let rooms = CachedRooms::new(Arc::new(inner), Arc::clone(&cache));
    let blocks = CachedBlocks::new(Arc::new(blocks), Arc::clone(&cache));
    let ask = || rooms.send_access(room(1).id, user(1));

    ask().await.expect("first, from the store");
    ask().await.expect("then from the cache");
    rooms
        .remove_member(room(1).id, user(1))
        .await
        .expect("remove_member");
    ask().await.expect("after the removal, from the store");
    chat_ports::BlockStore::block(&blocks, user(2), user(1), Timestamp::from_unix_millis(0))
        .await
        .expect("block");
    ask().await.expect("after the block, from the store");
}

//! The membership half of the [`RoomStore`](chat_ports::RoomStore) contract: read and delivered
//! markers that only rise (and say whether they moved), members added to a room, and lookups of
//! rooms, pairs and memberships that do not exist.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;

use chat_domain::{PrivatePair, Role, RoomId, Seq, UserId};
use chat_ports::{JoinOutcome, StoreError};

use crate::fixtures::{at, private_room, register_unique, RoomStores};

/// Runs every membership check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = RoomStores>,
{
    mark_read_raises_the_read_marker_and_never_lowers_it(make().await).await;
    mark_delivered_raises_the_delivered_marker_on_its_own(make().await).await;
    marking_without_a_membership_is_not_found(make().await).await;
    an_added_member_joins_once_and_is_listed_after_earlier_members(make().await).await;
    unknown_rooms_pairs_and_memberships_are_absent(make().await).await;
}

/// The read marker only moves up, and `mark_read` says whether it moved; marking an older seq
/// leaves it where it was.
pub async fn mark_read_raises_the_read_marker_and_never_lowers_it(stores: RoomStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let read_seq = |user: UserId| {
        let rooms = Arc::clone(&stores.rooms);
        async move {
            let membership = rooms
                .find_membership(room.id, user)
                .await
                .expect("find_membership");
            membership.expect("member").read_seq
        }
    };
    for (mark, moved, expected) in [(5, true, 5), (3, false, 5), (5, false, 5), (7, true, 7)] {
        let marked = stores.rooms.mark_read(room.id, a.id, Seq(mark)).await;
        assert_eq!(marked.expect("mark_read"), moved, "marking {mark}");
        assert_eq!(read_seq(a.id).await, Seq(expected), "after marking {mark}");
    }
    assert_eq!(
        read_seq(b.id).await,
        Seq::ZERO,
        "the other member's marker is their own"
    );
}

/// The delivered marker rises like the read marker, says whether it moved, and leaves the read
/// marker (and the other member's markers) alone.
pub async fn mark_delivered_raises_the_delivered_marker_on_its_own(stores: RoomStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let markers = |user: UserId| {
        let rooms = Arc::clone(&stores.rooms);
        async move {
            let membership = rooms.find_membership(room.id, user).await;
            let membership = membership.expect("find_membership").expect("member");
            (membership.read_seq, membership.delivered_seq)
        }
    };
    let read = stores.rooms.mark_read(room.id, a.id, Seq(2)).await;
    assert!(read.expect("mark_read"));
    for (mark, moved, expected) in [(4, true, 4), (1, false, 4), (4, false, 4), (6, true, 6)] {
        let marked = stores.rooms.mark_delivered(room.id, a.id, Seq(mark)).await;
        assert_eq!(marked.expect("mark_delivered"), moved, "delivering {mark}");
        assert_eq!(markers(a.id).await, (Seq(2), Seq(expected)));
    }
    assert_eq!(markers(b.id).await, (Seq::ZERO, Seq::ZERO));
}

/// Marking a room read or delivered without being a member is `NotFound`.
pub async fn marking_without_a_membership_is_not_found(stores: RoomStores) {
    let (room, _, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let outsider = register_unique(stores.users.as_ref(), "out").await;
    for in_room in [room.id, RoomId::new_v7()] {
        let refused = stores.rooms.mark_read(in_room, outsider.id, Seq(1)).await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
        let refused = stores.rooms.mark_delivered(in_room, outsider.id, Seq(1));
        let refused = refused.await;
        assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    }
}

/// An added member has the given role, is listed after those who joined earlier, and adding
/// them twice is `AlreadyMember` and changes nothing.
pub async fn an_added_member_joins_once_and_is_listed_after_earlier_members(stores: RoomStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let c = register_unique(stores.users.as_ref(), "c").await;
    let joined = stores
        .rooms
        .add_member(room.id, c.id, Role::Admin, at(500), 10)
        .await;
    assert_eq!(joined.expect("add_member"), JoinOutcome::Joined);

    let membership = stores
        .rooms
        .find_membership(room.id, c.id)
        .await
        .expect("find")
        .expect("member");
    assert_eq!(
        (membership.role, membership.joined_at, membership.read_seq),
        (Role::Admin, at(500), Seq::ZERO)
    );
    let members = stores
        .rooms
        .list_members(room.id)
        .await
        .expect("list_members");
    let order: Vec<UserId> = members.iter().map(|m| m.user.id).collect();
    assert_eq!(order.len(), 3);
    assert_eq!(order[2], c.id, "the latest to join is listed last");
    assert_eq!(
        HashSet::from([order[0], order[1]]),
        HashSet::from([a.id, b.id])
    );
    assert_eq!(members[2].user, c);

    let again = stores
        .rooms
        .add_member(room.id, c.id, Role::Member, at(600), 10)
        .await;
    assert_eq!(again.expect("add_member"), JoinOutcome::AlreadyMember);
    let unchanged = stores
        .rooms
        .find_membership(room.id, c.id)
        .await
        .expect("find")
        .expect("member");
    assert_eq!(unchanged.role, Role::Admin);
}

/// Lookups of things that do not exist come back empty, not as errors.
pub async fn unknown_rooms_pairs_and_memberships_are_absent(stores: RoomStores) {
    let (room, a, _) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let loner = register_unique(stores.users.as_ref(), "loner").await;
    let pair = PrivatePair::new(a.id, loner.id).expect("pair");

    assert_eq!(
        stores
            .rooms
            .find_room(RoomId::new_v7())
            .await
            .expect("find_room"),
        None
    );
    assert_eq!(
        stores
            .rooms
            .find_private_room(&pair)
            .await
            .expect("find_private_room"),
        None
    );
    assert_eq!(
        stores
            .rooms
            .find_membership(room.id, loner.id)
            .await
            .expect("find_membership"),
        None
    );
    assert!(stores
        .rooms
        .list_members(RoomId::new_v7())
        .await
        .expect("list_members")
        .is_empty());
    assert!(stores
        .rooms
        .list_rooms_of_user(loner.id)
        .await
        .expect("list_rooms")
        .is_empty());
}

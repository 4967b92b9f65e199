//! The member list of the [`RoomStore`](chat_ports::RoomStore) contract: pages ordered by user
//! id after a cursor, counts (members of a room, rooms of a user), roles set and refused,
//! removals, and whether two users share a room.

use std::future::Future;

use chat_domain::{Role, RoomId, UserId};
use chat_ports::{JoinOutcome, StoreError};

use crate::fixtures::{at, group, new_private_room, private_room, register_unique, RoomStores};

/// Runs every member-list check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = RoomStores>,
{
    member_pages_follow_user_ids_after_the_cursor(make().await).await;
    roles_are_set_for_members_only(make().await).await;
    a_removed_member_is_gone_once(make().await).await;
    users_share_a_room_while_both_are_members(make().await).await;
    rooms_of_a_user_are_counted_across_kinds(make().await).await;
}

/// A group with its owner and `extra` more members; returns the room and every member's id.
async fn populated(stores: &RoomStores, extra: usize) -> (RoomId, Vec<UserId>) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let mut members = vec![owner.id];
    for i in 0..extra {
        let user = register_unique(stores.users.as_ref(), "member").await;
        let offset = i64::try_from(i).expect("a small index");
        let joined = stores
            .rooms
            .add_member(room.id, user.id, Role::Member, at(10 + offset), 100)
            .await;
        assert_eq!(joined.expect("add_member"), JoinOutcome::Joined);
        members.push(user.id);
    }
    (room.id, members)
}

/// Pages list members with their profiles in user-id order, each page after the last user of
/// the one before, until one comes back short; the count covers them all.
pub async fn member_pages_follow_user_ids_after_the_cursor(stores: RoomStores) {
    let (room, mut members) = populated(&stores, 6).await;
    members.sort_unstable();
    let mut listed = Vec::new();
    let mut after = None;
    loop {
        let page = stores.rooms.list_members_page(room, after, 3).await;
        let page = page.expect("list_members_page");
        for member in &page {
            assert_eq!(member.user.id, member.membership.user_id);
            assert_eq!(member.membership.room_id, room);
        }
        listed.extend(page.iter().map(|m| m.user.id));
        after = page.last().map(|m| m.user.id);
        if page.len() < 3 {
            break;
        }
    }
    assert_eq!(listed, members, "every member once, in user-id order");
    let from_middle = stores
        .rooms
        .list_members_page(room, Some(members[3]), 10)
        .await;
    let from_middle: Vec<UserId> = from_middle
        .expect("list_members_page")
        .iter()
        .map(|m| m.user.id)
        .collect();
    assert_eq!(from_middle, members[4..]);
    let count = stores.rooms.count_members(room).await;
    assert_eq!(count.expect("count_members"), 7);
    let nobody = stores.rooms.list_members_page(RoomId::new_v7(), None, 10);
    assert!(nobody.await.expect("list_members_page").is_empty());
    let none = stores.rooms.count_members(RoomId::new_v7()).await;
    assert_eq!(none.expect("count_members"), 0);
}

/// A member is promoted and demoted; setting the role of a non-member is `NotFound`.
pub async fn roles_are_set_for_members_only(stores: RoomStores) {
    let (room, members) = populated(&stores, 1).await;
    let member = members[1];
    let role = |user| {
        let rooms = std::sync::Arc::clone(&stores.rooms);
        async move {
            let membership = rooms.find_membership(room, user).await;
            membership.expect("find_membership").map(|m| m.role)
        }
    };
    let promote = stores.rooms.set_role(room, member, Role::Admin).await;
    promote.expect("set_role");
    assert_eq!(role(member).await, Some(Role::Admin));
    let demote = stores.rooms.set_role(room, member, Role::Member).await;
    demote.expect("set_role");
    assert_eq!(role(member).await, Some(Role::Member));
    assert_eq!(
        role(members[0]).await,
        Some(Role::Owner),
        "others keep theirs"
    );

    let stranger = register_unique(stores.users.as_ref(), "stranger").await;
    let refused = stores.rooms.set_role(room, stranger.id, Role::Admin).await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    assert_eq!(role(stranger.id).await, None, "no membership is made");
}

/// Removing a member ends the membership (and answers true); removing them again answers
/// false; they can join again later.
pub async fn a_removed_member_is_gone_once(stores: RoomStores) {
    let (room, members) = populated(&stores, 2).await;
    let removed = stores.rooms.remove_member(room, members[1]).await;
    assert!(removed.expect("remove_member"));
    let gone = stores.rooms.find_membership(room, members[1]).await;
    assert_eq!(gone.expect("find_membership"), None);
    let again = stores.rooms.remove_member(room, members[1]).await;
    assert!(!again.expect("remove_member"));
    let count = stores.rooms.count_members(room).await;
    assert_eq!(count.expect("count_members"), 2);
    let theirs = stores.rooms.list_rooms_of_user(members[1]).await;
    assert!(theirs.expect("list_rooms_of_user").is_empty());

    let back = stores
        .rooms
        .add_member(room, members[1], Role::Member, at(50), 10)
        .await;
    assert_eq!(back.expect("add_member"), JoinOutcome::Joined);
}

/// Co-members of a group or a private room share a room, either way round; strangers do not,
/// nor does a member after leaving.
pub async fn users_share_a_room_while_both_are_members(stores: RoomStores) {
    let (room, members) = populated(&stores, 2).await;
    let (_, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stranger = register_unique(stores.users.as_ref(), "stranger").await;
    let shares = |x, y| {
        let rooms = std::sync::Arc::clone(&stores.rooms);
        async move { rooms.share_a_room(x, y).await.expect("share_a_room") }
    };
    assert!(shares(members[1], members[2]).await);
    assert!(shares(members[2], members[0]).await);
    assert!(shares(a.id, b.id).await);
    assert!(shares(b.id, a.id).await);
    assert!(!shares(a.id, members[1]).await);
    assert!(!shares(stranger.id, members[0]).await);

    let left = stores.rooms.remove_member(room, members[2]).await;
    assert!(left.expect("remove_member"));
    assert!(!shares(members[1], members[2]).await);
}

/// A user's rooms are counted over groups they own, groups they joined and private rooms
/// alike, and only theirs; leaving one counts one less; an unknown user has none.
pub async fn rooms_of_a_user_are_counted_across_kinds(stores: RoomStores) {
    let (owned, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (joined, other_owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let friend = register_unique(stores.users.as_ref(), "friend").await;
    let count = |user| {
        let rooms = std::sync::Arc::clone(&stores.rooms);
        async move {
            rooms
                .count_rooms_of_user(user)
                .await
                .expect("count_rooms_of_user")
        }
    };
    assert_eq!(count(owner.id).await, 1, "the group they created");

    let join = stores
        .rooms
        .add_member(joined.id, owner.id, Role::Member, at(20), 10)
        .await;
    assert_eq!(join.expect("add_member"), JoinOutcome::Joined);
    let private = new_private_room(owner.id, friend.id, at(30));
    let created = stores.rooms.create_private_room(&private).await;
    created.expect("create_private_room");
    assert_eq!(count(owner.id).await, 3, "two groups and a private room");
    assert_eq!(
        count(other_owner.id).await,
        1,
        "others' rooms are not theirs"
    );
    assert_eq!(count(friend.id).await, 1);

    let left = stores.rooms.remove_member(owned.id, owner.id).await;
    assert!(left.expect("remove_member"));
    assert_eq!(count(owner.id).await, 2, "a room left no longer counts");
    assert_eq!(count(UserId::new_v7()).await, 0, "an unknown user has none");
}

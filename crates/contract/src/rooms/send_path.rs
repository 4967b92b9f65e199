//! The part of the [`RoomStore`](chat_ports::RoomStore) contract that every message meets:
//! `send_access` (membership, room and block check in one read) and `mark_read_many` (the
//! senders' read markers of a group commit in one write).

use std::future::Future;

use chat_domain::{Role, RoomId, Seq, UserId};

use crate::fixtures::{at, group, private_room, register_unique, RoomStores};

/// Runs every send-path check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = RoomStores>,
{
    send_access_answers_members_only_with_their_room(make().await).await;
    send_access_sees_a_block_by_the_other_member_of_a_private_room(make().await).await;
    send_access_ignores_blocks_in_a_group(make().await).await;
    mark_read_many_raises_every_marker_and_lowers_none(make().await).await;
}

/// Each member of a room gets the room, unblocked; an outsider, an unknown room and an
/// unknown user get nothing.
pub async fn send_access_answers_members_only_with_their_room(stores: RoomStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let outsider = register_unique(stores.users.as_ref(), "out").await;
    for member in [a.id, b.id] {
        let access = stores.rooms.send_access(room.id, member).await;
        let access = access.expect("send_access").expect("a member has access");
        assert_eq!(access.room, room);
        assert!(!access.blocked, "nobody blocked anybody");
    }
    for (in_room, user) in [
        (room.id, outsider.id),
        (RoomId::new_v7(), a.id),
        (room.id, UserId::new_v7()),
    ] {
        let access = stores.rooms.send_access(in_room, user).await;
        assert_eq!(access.expect("send_access"), None, "{in_room} / {user}");
    }
}

/// In a private room, the sender is blocked when the other member blocked them; a block the
/// sender placed themselves, or one between unrelated users, changes nothing for them.
pub async fn send_access_sees_a_block_by_the_other_member_of_a_private_room(stores: RoomStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let stranger = register_unique(stores.users.as_ref(), "str").await;
    stores
        .blocks
        .block(stranger.id, a.id, at(5))
        .await
        .expect("block");
    stores.blocks.block(a.id, b.id, at(6)).await.expect("block");
    let blocked = |user: UserId| {
        let rooms = stores.rooms.clone();
        async move {
            let access = rooms.send_access(room.id, user).await.expect("send_access");
            access.expect("still a member").blocked
        }
    };
    assert!(blocked(b.id).await, "a blocked b");
    assert!(!blocked(a.id).await, "a's own block does not stop a");

    stores.blocks.unblock(a.id, b.id).await.expect("unblock");
    assert!(!blocked(b.id).await, "lifted");
}

/// A group has no block check: a member who blocked another does not stop them sending there.
pub async fn send_access_ignores_blocks_in_a_group(stores: RoomStores) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let member = register_unique(stores.users.as_ref(), "mem").await;
    stores
        .rooms
        .add_member(room.id, member.id, Role::Member, at(2), 10)
        .await
        .expect("add_member");
    stores
        .blocks
        .block(owner.id, member.id, at(3))
        .await
        .expect("block");
    let access = stores.rooms.send_access(room.id, member.id).await;
    let access = access.expect("send_access").expect("a member has access");
    assert_eq!(access.room, room);
    assert!(!access.blocked);
}

/// Every listed marker rises to its seq in one call; a marker already higher stays, other
/// members' markers are untouched, and pairs without a membership are skipped.
pub async fn mark_read_many_raises_every_marker_and_lowers_none(stores: RoomStores) {
    let (first, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (second, c, d) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let marked = stores.rooms.mark_read(second.id, c.id, Seq(9)).await;
    assert!(marked.expect("mark_read"));

    let outsider = register_unique(stores.users.as_ref(), "out").await;
    let marks = [
        (first.id, a.id, Seq(4)),
        (second.id, c.id, Seq(3)),
        (second.id, d.id, Seq(7)),
        (first.id, outsider.id, Seq(5)),
        (RoomId::new_v7(), a.id, Seq(5)),
    ];
    stores
        .rooms
        .mark_read_many(&marks)
        .await
        .expect("mark_read_many");
    for (room, user, expected) in [
        (first.id, a.id, Seq(4)),
        (first.id, b.id, Seq::ZERO),
        (second.id, c.id, Seq(9)),
        (second.id, d.id, Seq(7)),
    ] {
        let membership = stores.rooms.find_membership(room, user).await;
        let membership = membership.expect("find_membership").expect("member");
        assert_eq!(membership.read_seq, expected, "{room} / {user}");
    }
    let outsider_membership = stores.rooms.find_membership(first.id, outsider.id).await;
    assert_eq!(outsider_membership.expect("find_membership"), None);
    stores
        .rooms
        .mark_read_many(&[])
        .await
        .expect("nothing to mark");
}

//! The group half of the [`RoomStore`](chat_ports::RoomStore) contract: creating a group with
//! its owner, renaming and describing it, deleting it with its memberships, handing it to
//! another member, and a member limit that holds when many users join at once.

use std::future::Future;
use std::sync::Arc;

use chat_domain::{Role, RoomId, RoomKind, Seq};
use chat_ports::{JoinOutcome, StoreError};

use crate::fixtures::{at, group, new_group, register_unique, RoomStores};

/// Users joining at once in the member-limit race.
const RACERS: usize = 20;

/// Runs every group check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = RoomStores>,
{
    a_created_group_has_its_owner_as_only_member(make().await).await;
    a_group_is_renamed_and_described(make().await).await;
    a_deleted_group_is_gone_with_its_memberships(make().await).await;
    ownership_passes_to_a_member_and_the_old_owner_becomes_admin(make().await).await;
    racing_joins_never_fill_a_group_beyond_its_limit(make().await).await;
}

/// The group is found as created, its owner is its only member with role `Owner` since its
/// creation, and it is among the owner's rooms.
pub async fn a_created_group_has_its_owner_as_only_member(stores: RoomStores) {
    let owner = register_unique(stores.users.as_ref(), "owner").await;
    let mut room = new_group("Rust fans", at(5));
    room.description = Some("All things Rust".to_owned());
    stores
        .rooms
        .create_group(&room, owner.id)
        .await
        .expect("create_group");

    let found = stores.rooms.find_room(room.id).await.expect("find_room");
    assert_eq!(found, Some(room.clone()));
    assert_eq!(room.kind, RoomKind::Group);
    let members = stores.rooms.list_members(room.id).await;
    let members = members.expect("list_members");
    assert_eq!(members.len(), 1);
    assert_eq!(members[0].user, owner);
    let membership = &members[0].membership;
    assert_eq!(
        (membership.role, membership.joined_at),
        (Role::Owner, at(5))
    );
    assert_eq!(
        (membership.read_seq, membership.delivered_seq),
        (Seq::ZERO, Seq::ZERO)
    );
    let theirs = stores.rooms.list_rooms_of_user(owner.id).await;
    let theirs = theirs.expect("list_rooms_of_user");
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].room, room);

    let again = stores.rooms.create_group(&room, owner.id).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

/// Saving a room changes its name and description and nothing else of it (not its kind nor
/// its creation time); a description can be taken away again; saving the same values again
/// is fine; an unknown room is `NotFound`.
pub async fn a_group_is_renamed_and_described(stores: RoomStores) {
    let (room, _) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let mut saved = room.clone();
    saved.name = Some("Renamed".to_owned());
    saved.description = Some("Now with a description".to_owned());
    let mut attempted = saved.clone();
    attempted.kind = RoomKind::Private;
    attempted.created_at = at(999);
    stores
        .rooms
        .update_room(&attempted)
        .await
        .expect("update_room");
    let found = stores.rooms.find_room(room.id).await.expect("find_room");
    assert_eq!(
        found,
        Some(saved.clone()),
        "only name and description change"
    );

    saved.description = None;
    for _ in 0..2 {
        stores.rooms.update_room(&saved).await.expect("update_room");
        let found = stores.rooms.find_room(room.id).await.expect("find_room");
        assert_eq!(found, Some(saved.clone()));
    }
    let mut unknown = saved.clone();
    unknown.id = RoomId::new_v7();
    let missing = stores.rooms.update_room(&unknown).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    let never = stores.rooms.find_room(unknown.id).await.expect("find_room");
    assert_eq!(never, None, "saving does not create");
}

/// Deleting a group removes it and every membership of it: it is no longer found, listed or
/// counted, nobody can join it; deleting it again changes nothing.
pub async fn a_deleted_group_is_gone_with_its_memberships(stores: RoomStores) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (kept, _) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let member = register_unique(stores.users.as_ref(), "m").await;
    for in_room in [room.id, kept.id] {
        let joined = stores
            .rooms
            .add_member(in_room, member.id, Role::Member, at(10), 10)
            .await;
        assert_eq!(joined.expect("add_member"), JoinOutcome::Joined);
    }

    stores
        .rooms
        .delete_room(room.id)
        .await
        .expect("delete_room");
    assert_eq!(stores.rooms.find_room(room.id).await.expect("find"), None);
    let membership = stores.rooms.find_membership(room.id, owner.id).await;
    assert_eq!(membership.expect("find_membership"), None);
    assert!(stores
        .rooms
        .list_members(room.id)
        .await
        .expect("list")
        .is_empty());
    assert_eq!(stores.rooms.count_members(room.id).await.expect("count"), 0);
    let theirs = stores.rooms.list_rooms_of_user(member.id).await;
    let theirs: Vec<RoomId> = theirs
        .expect("list_rooms")
        .iter()
        .map(|r| r.room.id)
        .collect();
    assert_eq!(theirs, [kept.id], "the other group is untouched");
    stores
        .rooms
        .delete_room(room.id)
        .await
        .expect("deleting again");
    let gone = stores
        .rooms
        .add_member(room.id, member.id, Role::Member, at(20), 10)
        .await;
    assert!(matches!(gone, Err(StoreError::NotFound)), "{gone:?}");
}

/// The heir becomes owner and the owner an admin, together; handing over to or from a
/// non-member is `NotFound` and changes nothing.
pub async fn ownership_passes_to_a_member_and_the_old_owner_becomes_admin(stores: RoomStores) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let heir = register_unique(stores.users.as_ref(), "heir").await;
    let stranger = register_unique(stores.users.as_ref(), "stranger").await;
    let joined = stores
        .rooms
        .add_member(room.id, heir.id, Role::Member, at(10), 10)
        .await;
    assert_eq!(joined.expect("add_member"), JoinOutcome::Joined);
    let role = |user| {
        let rooms = Arc::clone(&stores.rooms);
        async move {
            let membership = rooms.find_membership(room.id, user).await;
            membership.expect("find_membership").map(|m| m.role)
        }
    };

    let refused = stores
        .rooms
        .transfer_ownership(room.id, owner.id, stranger.id)
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    let from_stranger = stores
        .rooms
        .transfer_ownership(room.id, stranger.id, heir.id)
        .await;
    assert!(
        matches!(from_stranger, Err(StoreError::NotFound)),
        "{from_stranger:?}"
    );
    assert_eq!(role(heir.id).await, Some(Role::Member));
    assert_eq!(role(owner.id).await, Some(Role::Owner));

    stores
        .rooms
        .transfer_ownership(room.id, owner.id, heir.id)
        .await
        .expect("transfer_ownership");
    assert_eq!(role(heir.id).await, Some(Role::Owner));
    assert_eq!(role(owner.id).await, Some(Role::Admin));
    assert_eq!(role(stranger.id).await, None);
}

/// Many users join a group with a limit of five at once: exactly four join (the owner holds
/// the fifth place), every other gets `RoomFull`, and the group ends with five members.
pub async fn racing_joins_never_fill_a_group_beyond_its_limit(stores: RoomStores) {
    const LIMIT: u32 = 5;
    let (room, _) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let mut users = Vec::with_capacity(RACERS);
    for _ in 0..RACERS {
        users.push(register_unique(stores.users.as_ref(), "join").await.id);
    }
    let tasks: Vec<_> = users
        .iter()
        .map(|&user| {
            let rooms = Arc::clone(&stores.rooms);
            tokio::spawn(async move {
                rooms
                    .add_member(room.id, user, Role::Member, at(20), LIMIT)
                    .await
            })
        })
        .collect();
    let (mut joined, mut full) = (0, 0);
    for task in tasks {
        match task.await.expect("join task").expect("add_member") {
            JoinOutcome::Joined => joined += 1,
            JoinOutcome::RoomFull => full += 1,
            JoinOutcome::AlreadyMember => panic!("no racer was a member before"),
        }
    }
    assert_eq!((joined, full), (LIMIT - 1, RACERS as u32 - LIMIT + 1));
    let count = stores.rooms.count_members(room.id).await;
    assert_eq!(count.expect("count_members"), LIMIT);
    let listed = stores.rooms.list_members(room.id).await;
    assert_eq!(listed.expect("list_members").len(), LIMIT as usize);
}

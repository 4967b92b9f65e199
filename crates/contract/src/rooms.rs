//! The contract of the [`RoomStore`](chat_ports::RoomStore) port: private rooms (exactly one
//! per pair, also under racing creation from both sides) here; in [`groups`] groups created,
//! updated, deleted and handed over, and a member limit that holds under racing joins; in
//! [`roster`] member pages, counts, roles, removals and shared rooms; and in [`memberships`]
//! read and delivered markers, added members and lookups of what does not exist; in
//! [`send_path`] the two statements every message meets (send access, batched read markers).
//!
//! An adapter's test runs it with a factory that yields a fresh, empty [`RoomStores`] (a user
//! store and the room store over one database):
//!
//! ```text
//! chat_contract::rooms::run_all(|| async { let db = fresh().await; RoomStores { users: db.users(), rooms: db.rooms(), blocks: db.blocks() } }).await;
//! ```

use std::future::Future;
use std::sync::Arc;

use chat_domain::{PrivatePair, Role, Seq};
use chat_ports::PrivateRoomOutcome;

use crate::fixtures::{at, new_private_room, private_room, register_unique, RoomStores};

pub mod groups;
pub mod memberships;
pub mod roster;
pub mod send_path;

/// Concurrent `create_private_room` calls in the race check.
const RACERS: usize = 50;

/// Runs every check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = RoomStores>,
{
    creating_a_private_room_makes_both_users_members(make().await).await;
    a_second_private_room_for_a_pair_returns_the_existing_one(make().await).await;
    racing_private_room_creations_from_both_sides_yield_exactly_one_room(make().await).await;
    groups::run_all(&make).await;
    roster::run_all(&make).await;
    memberships::run_all(&make).await;
    send_path::run_all(make).await;
}

/// The created room is found by id and by pair (either order), and both users are members.
pub async fn creating_a_private_room_makes_both_users_members(stores: RoomStores) {
    let a = register_unique(stores.users.as_ref(), "a").await;
    let b = register_unique(stores.users.as_ref(), "b").await;
    let new = new_private_room(a.id, b.id, at(10));

    let outcome = stores
        .rooms
        .create_private_room(&new)
        .await
        .expect("create");
    assert_eq!(outcome, PrivateRoomOutcome::Created(new.room.clone()));
    assert_eq!(
        stores
            .rooms
            .find_room(new.room.id)
            .await
            .expect("find_room"),
        Some(new.room.clone())
    );
    let reversed = PrivatePair::new(b.id, a.id).expect("pair");
    assert_eq!(
        stores
            .rooms
            .find_private_room(&reversed)
            .await
            .expect("find"),
        Some(new.room.clone())
    );

    for user in [&a, &b] {
        let membership = stores
            .rooms
            .find_membership(new.room.id, user.id)
            .await
            .expect("find_membership")
            .expect("both users are members");
        assert_eq!(membership.role, Role::Member);
        assert_eq!(membership.joined_at, new.room.created_at);
        assert_eq!(membership.read_seq, Seq::ZERO);
        let theirs = stores
            .rooms
            .list_rooms_of_user(user.id)
            .await
            .expect("list_rooms_of_user");
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0].room, new.room);
        assert_eq!(theirs[0].membership, membership);
    }
    let members = stores
        .rooms
        .list_members(new.room.id)
        .await
        .expect("list_members");
    assert_eq!(members.len(), 2);
    for member in &members {
        assert_eq!(
            member.user.id, member.membership.user_id,
            "a profile goes with its membership"
        );
        assert!(
            member.user == a || member.user == b,
            "{member:?} is one of the pair"
        );
    }
    assert_ne!(members[0].user.id, members[1].user.id);
}

/// Creating again for the same pair, from the other side, returns the first room.
pub async fn a_second_private_room_for_a_pair_returns_the_existing_one(stores: RoomStores) {
    let (room, a, b) = private_room(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let again = new_private_room(b.id, a.id, at(20));

    let outcome = stores
        .rooms
        .create_private_room(&again)
        .await
        .expect("create");
    assert_eq!(outcome, PrivateRoomOutcome::Existing(room.clone()));
    assert_eq!(
        stores
            .rooms
            .find_room(again.room.id)
            .await
            .expect("find_room"),
        None
    );
    assert_eq!(
        stores
            .rooms
            .list_members(room.id)
            .await
            .expect("list_members")
            .len(),
        2
    );
}

/// Many racing creations for one pair, half from each side: one `Created`, the rest `Existing`
/// with that same room, and each user ends up in exactly one room.
pub async fn racing_private_room_creations_from_both_sides_yield_exactly_one_room(
    stores: RoomStores,
) {
    let a = register_unique(stores.users.as_ref(), "ra").await;
    let b = register_unique(stores.users.as_ref(), "rb").await;
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let rooms = Arc::clone(&stores.rooms);
            let new = if i % 2 == 0 {
                new_private_room(a.id, b.id, at(30))
            } else {
                new_private_room(b.id, a.id, at(30))
            };
            tokio::spawn(async move { rooms.create_private_room(&new).await })
        })
        .collect();
    let mut created = Vec::new();
    let mut existing = Vec::new();
    for task in tasks {
        match task
            .await
            .expect("creation task")
            .expect("create_private_room")
        {
            PrivateRoomOutcome::Created(room) => created.push(room),
            PrivateRoomOutcome::Existing(room) => existing.push(room),
        }
    }
    assert_eq!(created.len(), 1, "exactly one racing call creates the room");
    assert_eq!(existing.len(), RACERS - 1);
    assert!(
        existing.iter().all(|room| *room == created[0]),
        "every loser gets the winner's room"
    );
    for user in [a.id, b.id] {
        let theirs = stores
            .rooms
            .list_rooms_of_user(user)
            .await
            .expect("list_rooms_of_user");
        assert_eq!(theirs.len(), 1, "one room per pair");
    }
    assert_eq!(
        stores
            .rooms
            .list_members(created[0].id)
            .await
            .expect("list_members")
            .len(),
        2
    );
}

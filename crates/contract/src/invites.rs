//! The contract of the [`InviteStore`] and [`BlockStore`] ports: invites are stored, found,
//! listed to their invitee until they expire, and deleted; one pending invite per user and
//! group (an expired one makes way for a new one); accepting one adds the member and consumes
//! the invite together, while a full room leaves it in place, also when many accept at once.
//! In [`links`] invite links and their use counts under racing redemptions, in [`blocks`] the
//! blocks between users.
//!
//! An adapter's test runs it with a factory that yields fresh, empty stores over one database
//! (groups are created through the room store):
//!
//! ```text
//! chat_contract::invites::run_all(|| async { let db = fresh().await; InviteStores { users: db.users(), rooms: db.rooms(), invites: db.invites(), blocks: db.blocks() } }).await;
//! ```

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use chat_domain::{Invite, InviteId, Role, Room, RoomId, Timestamp, UserId};
use chat_ports::{BlockStore, InviteStore, JoinOutcome, RoomStore, StoreError, UserStore};

use crate::fixtures::{at, group, register_unique};

pub mod blocks;
pub mod links;

/// Users accepting (or redeeming) at once in the race checks.
pub const RACERS: usize = 20;

/// What the invites suite's factory yields: users, rooms, invites and blocks over one database.
#[derive(Clone)]
pub struct InviteStores {
    /// Accounts, to register inviters and invitees.
    pub users: Arc<dyn UserStore>,
    /// Rooms, to create groups and read memberships.
    pub rooms: Arc<dyn RoomStore>,
    /// The invite store under test.
    pub invites: Arc<dyn InviteStore>,
    /// The block store under test.
    pub blocks: Arc<dyn BlockStore>,
}

// The ports are not `Debug`; the bundle prints as its name only.
impl fmt::Debug for InviteStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InviteStores").finish_non_exhaustive()
    }
}

/// Runs every check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = InviteStores>,
{
    invites_are_found_listed_until_they_expire_and_deleted(make().await).await;
    one_pending_invite_per_user_and_group(make().await).await;
    accepting_an_invite_adds_the_member_and_consumes_the_invite(make().await).await;
    accepting_into_a_full_room_keeps_the_invite(make().await).await;
    racing_acceptances_never_fill_a_room_beyond_its_limit(make().await).await;
    links::run_all(&make).await;
    blocks::run_all(&make).await;
}

/// An invite of `invitee` into `room` by `inviter`, made at `created_at` and valid for 1000 ms.
pub fn invite(room: RoomId, inviter: UserId, invitee: UserId, created_at: Timestamp) -> Invite {
    Invite {
        id: InviteId::new_v7(),
        room_id: room,
        inviter_id: inviter,
        invitee_id: invitee,
        created_at,
        expires_at: Timestamp::from_unix_millis(created_at.unix_millis() + 1000),
    }
}

/// A group with its owner, and a user the owner invited at `at(10)`.
async fn invited(stores: &InviteStores) -> (Room, UserId, Invite) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let guest = register_unique(stores.users.as_ref(), "guest").await;
    let pending = invite(room.id, owner.id, guest.id, at(10));
    let created = stores.invites.create_invite(&pending).await;
    created.expect("create_invite");
    (room, owner.id, pending)
}

/// A stored invite is found by id and listed to its invitee (oldest first) until it expires;
/// deleting it answers whether there was one.
pub async fn invites_are_found_listed_until_they_expire_and_deleted(stores: InviteStores) {
    let (room, owner, first) = invited(&stores).await;
    let guest = first.invitee_id;
    let (other_room, other_owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let second = invite(other_room.id, other_owner.id, guest, at(500));
    stores.invites.create_invite(&second).await.expect("create");
    let bystander = register_unique(stores.users.as_ref(), "by").await;
    let theirs = invite(room.id, owner, bystander.id, at(20));
    stores.invites.create_invite(&theirs).await.expect("create");

    let found = stores.invites.find_invite(first.id).await;
    assert_eq!(found.expect("find_invite"), Some(first.clone()));
    let listed = |now| {
        let invites = Arc::clone(&stores.invites);
        async move { invites.list_invites_for(guest, now).await.expect("list") }
    };
    assert_eq!(listed(at(600)).await, [first.clone(), second.clone()]);
    // `at(10)` + 1000 ms: the first invite expires at `at(1010)`, the second at `at(1500)`.
    assert_eq!(listed(at(1009)).await, [first.clone(), second.clone()]);
    let at_expiry = listed(at(1010)).await;
    assert_eq!(
        at_expiry,
        std::slice::from_ref(&second),
        "expired at expires_at"
    );
    assert!(listed(at(1500)).await.is_empty());

    assert!(stores
        .invites
        .delete_invite(first.id)
        .await
        .expect("delete"));
    assert!(!stores
        .invites
        .delete_invite(first.id)
        .await
        .expect("delete"));
    let gone = stores.invites.find_invite(first.id).await;
    assert_eq!(gone.expect("find_invite"), None);
    assert_eq!(listed(at(600)).await, [second]);
    let unknown = stores.invites.find_invite(InviteId::new_v7()).await;
    assert_eq!(unknown.expect("find_invite"), None);
}

/// A second invite of the same user into the same group is a `Conflict` while the first is
/// pending; once the first has expired, a new invite replaces it.
pub async fn one_pending_invite_per_user_and_group(stores: InviteStores) {
    let (room, owner, first) = invited(&stores).await;
    let again = invite(room.id, owner, first.invitee_id, at(500));
    let refused = stores.invites.create_invite(&again).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    let kept = stores.invites.find_invite(first.id).await;
    assert_eq!(kept.expect("find_invite"), Some(first.clone()));

    let after_expiry = invite(room.id, owner, first.invitee_id, at(1010));
    let replaced = stores.invites.create_invite(&after_expiry).await;
    replaced.expect("an expired invite makes way");
    let old = stores.invites.find_invite(first.id).await;
    assert_eq!(old.expect("find_invite"), None);
    let listed = stores.invites.list_invites_for(first.invitee_id, at(1010));
    assert_eq!(listed.await.expect("list"), [after_expiry]);
}

/// Accepting makes the invitee a member (role `Member`, joined at the time given) and the
/// invite is gone; accepting it again is `NotFound`; an invitee who is a member already is
/// `AlreadyMember`, and their invite is consumed too.
pub async fn accepting_an_invite_adds_the_member_and_consumes_the_invite(stores: InviteStores) {
    let (room, owner, pending) = invited(&stores).await;
    let accepted = stores.invites.accept_invite(pending.id, at(50), 10).await;
    assert_eq!(accepted.expect("accept_invite"), JoinOutcome::Joined);
    let membership = stores
        .rooms
        .find_membership(room.id, pending.invitee_id)
        .await
        .expect("find_membership")
        .expect("a member now");
    assert_eq!(
        (membership.role, membership.joined_at),
        (Role::Member, at(50))
    );
    let gone = stores.invites.find_invite(pending.id).await;
    assert_eq!(gone.expect("find_invite"), None);
    let twice = stores.invites.accept_invite(pending.id, at(60), 10).await;
    assert!(matches!(twice, Err(StoreError::NotFound)), "{twice:?}");
    let unknown = stores.invites.accept_invite(InviteId::new_v7(), at(60), 10);
    let unknown = unknown.await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");

    let again = invite(room.id, owner, pending.invitee_id, at(70));
    stores.invites.create_invite(&again).await.expect("create");
    let member = stores.invites.accept_invite(again.id, at(80), 10).await;
    assert_eq!(member.expect("accept_invite"), JoinOutcome::AlreadyMember);
    let consumed = stores.invites.find_invite(again.id).await;
    assert_eq!(consumed.expect("find_invite"), None);
    let count = stores.rooms.count_members(room.id).await;
    assert_eq!(count.expect("count_members"), 2);
}

/// A room at its limit refuses the invitee: nothing changes, the invite stays, and it can be
/// accepted once the limit allows.
pub async fn accepting_into_a_full_room_keeps_the_invite(stores: InviteStores) {
    let (room, _, pending) = invited(&stores).await;
    let full = stores.invites.accept_invite(pending.id, at(50), 1).await;
    assert_eq!(full.expect("accept_invite"), JoinOutcome::RoomFull);
    let kept = stores.invites.find_invite(pending.id).await;
    assert_eq!(kept.expect("find_invite"), Some(pending.clone()));
    let member = stores
        .rooms
        .find_membership(room.id, pending.invitee_id)
        .await;
    assert_eq!(member.expect("find_membership"), None);

    let roomier = stores.invites.accept_invite(pending.id, at(60), 2).await;
    assert_eq!(roomier.expect("accept_invite"), JoinOutcome::Joined);
}

/// Many invitees accept at once into a group that has room for a few: exactly that many join,
/// the others get `RoomFull` and keep their invites.
pub async fn racing_acceptances_never_fill_a_room_beyond_its_limit(stores: InviteStores) {
    const LIMIT: u32 = 5;
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let mut pending = Vec::with_capacity(RACERS);
    for _ in 0..RACERS {
        let guest = register_unique(stores.users.as_ref(), "racer").await;
        let invite = invite(room.id, owner.id, guest.id, at(10));
        stores.invites.create_invite(&invite).await.expect("create");
        pending.push(invite);
    }
    let tasks: Vec<_> = pending
        .iter()
        .map(|invite| {
            let invites = Arc::clone(&stores.invites);
            let id = invite.id;
            tokio::spawn(async move { invites.accept_invite(id, at(20), LIMIT).await })
        })
        .collect();
    let mut joined = 0;
    for (task, invite) in tasks.into_iter().zip(&pending) {
        match task.await.expect("accept task").expect("accept_invite") {
            JoinOutcome::Joined => joined += 1,
            JoinOutcome::RoomFull => {
                let kept = stores.invites.find_invite(invite.id).await;
                assert_eq!(kept.expect("find_invite").as_ref(), Some(invite));
            }
            JoinOutcome::AlreadyMember => panic!("no racer was a member before"),
        }
    }
    assert_eq!(joined, LIMIT - 1, "the owner holds one place");
    let count = stores.rooms.count_members(room.id).await;
    assert_eq!(count.expect("count_members"), LIMIT);
}

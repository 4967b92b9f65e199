//! Invite links in the [`InviteStore`](chat_ports::InviteStore) contract: stored and found by
//! token, revoked per room; a redemption counts a use only for a new member; a link that
//! expired, was used up, revoked or never existed is `Unavailable`; a full room counts no use;
//! and racing redemptions never exceed `max_uses`.

use std::future::Future;
use std::sync::Arc;

use chat_domain::{InviteLink, Role, RoomId, Timestamp, UserId};
use chat_ports::{JoinOutcome, LinkOutcome, StoreError};

use super::{InviteStores, RACERS};
use crate::fixtures::{at, group, register_unique};

/// Runs every link check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = InviteStores>,
{
    a_link_is_found_by_token_and_revoked_only_in_its_room(make().await).await;
    redeeming_counts_a_use_per_new_member(make().await).await;
    expired_used_up_and_unknown_links_are_unavailable(make().await).await;
    a_full_room_counts_no_use(make().await).await;
    racing_redemptions_never_exceed_max_uses(make().await).await;
}

/// A link of `room` made by `creator` at `at(10)`, with a distinct token.
pub fn link(
    room: RoomId,
    creator: UserId,
    max_uses: Option<u32>,
    expires_at: Option<Timestamp>,
) -> InviteLink {
    InviteLink {
        token: format!("tok-{}", chat_domain::ids::Uuid::now_v7().simple()),
        room_id: room,
        creator_id: creator,
        max_uses,
        uses: 0,
        created_at: at(10),
        expires_at,
    }
}

/// The link of `token` as stored now.
async fn stored(stores: &InviteStores, token: &str) -> Option<InviteLink> {
    stores.invites.find_link(token).await.expect("find_link")
}

/// Found by its token as created; a second link with the same token is a `Conflict`; revoking
/// it through another room does nothing, through its own room removes it.
pub async fn a_link_is_found_by_token_and_revoked_only_in_its_room(stores: InviteStores) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let (other, _) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let made = link(room.id, owner.id, Some(3), Some(at(5000)));
    stores
        .invites
        .create_link(&made)
        .await
        .expect("create_link");
    assert_eq!(stored(&stores, &made.token).await, Some(made.clone()));
    let clash = InviteLink {
        room_id: other.id,
        ..made.clone()
    };
    let refused = stores.invites.create_link(&clash).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );

    let elsewhere = stores.invites.revoke_link(other.id, &made.token).await;
    assert!(!elsewhere.expect("revoke_link"), "not a link of that room");
    assert_eq!(stored(&stores, &made.token).await, Some(made.clone()));
    let revoked = stores.invites.revoke_link(room.id, &made.token).await;
    assert!(revoked.expect("revoke_link"));
    assert_eq!(stored(&stores, &made.token).await, None);
    let again = stores.invites.revoke_link(room.id, &made.token).await;
    assert!(!again.expect("revoke_link"));
    let user = register_unique(stores.users.as_ref(), "late").await;
    let redeemed = stores.invites.redeem_link(&made.token, user.id, at(20), 10);
    assert_eq!(
        redeemed.await.expect("redeem_link"),
        LinkOutcome::Unavailable
    );
}

/// A new member joins with role `Member` and the link counts one use; a member redeeming it
/// again is `AlreadyMember` and counts none.
pub async fn redeeming_counts_a_use_per_new_member(stores: InviteStores) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let made = link(room.id, owner.id, None, None);
    stores
        .invites
        .create_link(&made)
        .await
        .expect("create_link");
    let user = register_unique(stores.users.as_ref(), "joiner").await;

    let redeemed = stores.invites.redeem_link(&made.token, user.id, at(20), 10);
    let joined = LinkOutcome::Joined(room.id, JoinOutcome::Joined);
    assert_eq!(redeemed.await.expect("redeem_link"), joined);
    let membership = stores.rooms.find_membership(room.id, user.id).await;
    let membership = membership.expect("find_membership").expect("a member now");
    assert_eq!(
        (membership.role, membership.joined_at),
        (Role::Member, at(20))
    );
    assert_eq!(stored(&stores, &made.token).await.expect("kept").uses, 1);

    let again = stores.invites.redeem_link(&made.token, user.id, at(30), 10);
    let already = LinkOutcome::Joined(room.id, JoinOutcome::AlreadyMember);
    assert_eq!(again.await.expect("redeem_link"), already);
    let owners = stores
        .invites
        .redeem_link(&made.token, owner.id, at(30), 10);
    assert_eq!(owners.await.expect("redeem_link"), already);
    assert_eq!(stored(&stores, &made.token).await.expect("kept").uses, 1);
}

/// Past its expiry, at its `max_uses`, or never made: `Unavailable`, and nobody joins.
pub async fn expired_used_up_and_unknown_links_are_unavailable(stores: InviteStores) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let expiring = link(room.id, owner.id, None, Some(at(100)));
    let single = link(room.id, owner.id, Some(1), None);
    for made in [&expiring, &single] {
        stores.invites.create_link(made).await.expect("create_link");
    }
    let first = register_unique(stores.users.as_ref(), "first").await;
    let late = register_unique(stores.users.as_ref(), "late").await;
    let redeem = |token: String, user: UserId, when: Timestamp| {
        let invites = Arc::clone(&stores.invites);
        async move {
            let outcome = invites.redeem_link(&token, user, when, 10).await;
            outcome.expect("redeem_link")
        }
    };

    let in_time = redeem(expiring.token.clone(), first.id, at(99)).await;
    assert_eq!(in_time, LinkOutcome::Joined(room.id, JoinOutcome::Joined));
    let too_late = redeem(expiring.token.clone(), late.id, at(100)).await;
    assert_eq!(too_late, LinkOutcome::Unavailable, "expired at expires_at");
    let used = redeem(single.token.clone(), first.id, at(20)).await;
    assert_eq!(
        used,
        LinkOutcome::Joined(room.id, JoinOutcome::AlreadyMember)
    );
    let only = redeem(single.token.clone(), owner.id, at(20)).await;
    assert_eq!(
        only,
        LinkOutcome::Joined(room.id, JoinOutcome::AlreadyMember)
    );
    let newcomer = register_unique(stores.users.as_ref(), "new").await;
    let taken = redeem(single.token.clone(), newcomer.id, at(20)).await;
    assert_eq!(taken, LinkOutcome::Joined(room.id, JoinOutcome::Joined));
    let used_up = redeem(single.token.clone(), late.id, at(20)).await;
    assert_eq!(used_up, LinkOutcome::Unavailable);
    let unknown = redeem("no-such-token".to_owned(), late.id, at(20)).await;
    assert_eq!(unknown, LinkOutcome::Unavailable);
    let outsider = stores.rooms.find_membership(room.id, late.id).await;
    assert_eq!(outsider.expect("find_membership"), None);
}

/// A room at its limit: `RoomFull`, no member added, no use counted.
pub async fn a_full_room_counts_no_use(stores: InviteStores) {
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let made = link(room.id, owner.id, Some(2), None);
    stores
        .invites
        .create_link(&made)
        .await
        .expect("create_link");
    let user = register_unique(stores.users.as_ref(), "crowded").await;
    let full = stores.invites.redeem_link(&made.token, user.id, at(20), 1);
    let full = full.await.expect("redeem_link");
    assert_eq!(full, LinkOutcome::Joined(room.id, JoinOutcome::RoomFull));
    assert_eq!(stored(&stores, &made.token).await.expect("kept").uses, 0);
    let member = stores.rooms.find_membership(room.id, user.id).await;
    assert_eq!(member.expect("find_membership"), None);
}

/// Many users redeem a link of five uses at once: exactly five join, the rest find it
/// `Unavailable`, and the link counts five uses.
pub async fn racing_redemptions_never_exceed_max_uses(stores: InviteStores) {
    const USES: u32 = 5;
    let (room, owner) = group(stores.users.as_ref(), stores.rooms.as_ref()).await;
    let made = link(room.id, owner.id, Some(USES), None);
    stores
        .invites
        .create_link(&made)
        .await
        .expect("create_link");
    let mut users = Vec::with_capacity(RACERS);
    for _ in 0..RACERS {
        users.push(register_unique(stores.users.as_ref(), "rush").await.id);
    }
    let tasks: Vec<_> = users
        .iter()
        .map(|&user| {
            let invites = Arc::clone(&stores.invites);
            let token = made.token.clone();
            tokio::spawn(async move { invites.redeem_link(&token, user, at(20), 1000).await })
        })
        .collect();
    let (mut joined, mut unavailable) = (0, 0);
    for task in tasks {
        match task.await.expect("redeem task").expect("redeem_link") {
            LinkOutcome::Joined(in_room, JoinOutcome::Joined) if in_room == room.id => joined += 1,
            LinkOutcome::Unavailable => unavailable += 1,
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!((joined, unavailable), (USES, RACERS as u32 - USES));
    assert_eq!(stored(&stores, &made.token).await.expect("kept").uses, USES);
    let count = stores.rooms.count_members(room.id).await;
    assert_eq!(count.expect("count_members"), USES + 1);
}

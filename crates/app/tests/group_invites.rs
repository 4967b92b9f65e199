//! Inviting into a group: owners and admins invite users who exist, are not members and have
//! not blocked them; the invitee hears of it at once; private rooms take no invites.

mod support;

use chat_app::groups::{InviteError, PendingInvite};
use chat_domain::Role;
use chat_ports::{BusEvent, StoreError};
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

async fn invite_as(
    mocks: MockPorts,
    inviter: u64,
    invitee: u64,
) -> Result<PendingInvite, InviteError> {
    groups(mocks)
        .invite(user_id(inviter), room_id(3), user_id(invitee))
        .await
}

fn nobody_blocks(mocks: &mut MockPorts) {
    mocks.blocks.expect_is_blocked().returning(|_, _| Ok(false));
}

#[tokio::test]
async fn an_admin_invites_a_stranger_who_is_told_at_once() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    accounts(&mut mocks);
    nobody_blocks(&mut mocks);
    mocks
        .invites
        .expect_create_invite()
        .withf(|invite| {
            invite.room_id == room_id(3)
                && invite.inviter_id == user_id(BOB)
                && invite.invitee_id == user_id(DAVE)
                && invite.expires_at == NOW.plus_millis(7 * 24 * 3_600_000)
        })
        .times(1)
        .returning(|_| Ok(()));
    let published = record_publishes(&mut mocks.bus);

    let pending = invite_as(mocks, BOB, DAVE).await.expect("admins invite");

    assert_eq!(pending.room_name.as_deref(), Some("group 3"));
    assert_eq!(pending.inviter.username.as_str(), "bob");
    assert_eq!(
        recorded(&published),
        vec![BusEvent::InviteReceived {
            invite: pending.invite.clone(),
            room_name: pending.room_name.clone(),
            inviter: pending.inviter.clone(),
        }]
    );
}

#[tokio::test]
async fn a_plain_member_cannot_invite() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.invites.expect_create_invite().never();

    let result = invite_as(mocks, CAROL, DAVE).await;

    assert!(matches!(result, Err(InviteError::Forbidden)), "{result:?}");
}

#[tokio::test]
async fn a_stranger_s_invite_is_room_not_found() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.invites.expect_create_invite().never();

    let result = invite_as(mocks, DAVE, CAROL).await;

    assert!(
        matches!(result, Err(InviteError::RoomNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_private_room_takes_no_invites() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership_as(room, user, Role::Member))));
    mocks
        .rooms
        .expect_find_room()
        .returning(|_| Ok(Some(private_room(3))));
    mocks.invites.expect_create_invite().never();

    let result = invite_as(mocks, ALICE, DAVE).await;

    assert!(matches!(result, Err(InviteError::NotAGroup)), "{result:?}");
}

#[tokio::test]
async fn a_member_cannot_be_invited_again() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    accounts(&mut mocks);
    mocks.invites.expect_create_invite().never();

    let result = invite_as(mocks, ALICE, CAROL).await;

    assert!(
        matches!(result, Err(InviteError::AlreadyMember)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_user_cannot_be_invited() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    accounts(&mut mocks);
    mocks.invites.expect_create_invite().never();

    let result = invite_as(mocks, ALICE, 99).await;

    assert!(
        matches!(result, Err(InviteError::UserNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_user_who_blocked_the_inviter_cannot_be_invited_by_them() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    accounts(&mut mocks);
    mocks
        .blocks
        .expect_is_blocked()
        .with(eq(user_id(DAVE)), eq(user_id(ALICE)))
        .returning(|_, _| Ok(true));
    mocks.invites.expect_create_invite().never();
    mocks.bus.expect_publish().never();

    let result = invite_as(mocks, ALICE, DAVE).await;

    assert!(matches!(result, Err(InviteError::Blocked)), "{result:?}");
}

#[tokio::test]
async fn a_second_pending_invite_is_already_invited() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    accounts(&mut mocks);
    nobody_blocks(&mut mocks);
    mocks
        .invites
        .expect_create_invite()
        .returning(|_| Err(StoreError::Conflict("invite".into())));
    mocks.bus.expect_publish().never();

    let result = invite_as(mocks, ALICE, DAVE).await;

    assert!(
        matches!(result, Err(InviteError::AlreadyInvited)),
        "{result:?}"
    );
}

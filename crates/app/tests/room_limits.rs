//! The rooms-per-user limit in the group use cases: at the limit a user creates no group,
//! accepts no invite and joins no group by link, unless they are a member of it already; one
//! below it all of these go ahead; a limit of zero is no limit. First private messages are in
//! `private_room_limits`.

mod support;

use std::collections::HashMap;

use chat_app::groups::{
    AcceptInviteError, CreateGroupError, GroupService, JoinByLinkError, NewGroup,
};
use chat_app::AppConfig;
use chat_domain::InviteLink;
use chat_ports::{BusEvent, JoinOutcome, LinkOutcome};
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

/// The limit of these tests.
const LIMIT: u32 = 3;

/// The test settings with a rooms-per-user limit of [`LIMIT`].
fn limited() -> AppConfig {
    AppConfig {
        max_rooms_per_user: LIMIT,
        ..config()
    }
}

fn limited_groups(mocks: MockPorts) -> GroupService {
    GroupService::new(mocks.build(), limited())
}

/// `user` belongs to `rooms` rooms.
fn rooms_of(mocks: &mut MockPorts, user: u64, rooms: u32) {
    mocks
        .rooms
        .expect_count_rooms_of_user()
        .with(eq(user_id(user)))
        .returning(move |_| Ok(rooms));
}

fn named(name: &str) -> NewGroup {
    NewGroup {
        name: name.to_owned(),
        ..NewGroup::default()
    }
}

/// Invite 1: Bob invited Dave into group 3.
fn daves_invite_exists(mocks: &mut MockPorts) {
    let invite = invite(1, room_id(3), user_id(BOB), user_id(DAVE));
    mocks
        .invites
        .expect_find_invite()
        .with(eq(invite_id(1)))
        .returning(move |_| Ok(Some(invite.clone())));
}

/// Link "tok" into group 3, admitting anyone.
fn link_exists(mocks: &mut MockPorts) {
    let link = InviteLink {
        token: "tok".to_owned(),
        room_id: room_id(3),
        creator_id: user_id(ALICE),
        max_uses: None,
        uses: 0,
        created_at: NOW,
        expires_at: None,
    };
    mocks
        .invites
        .expect_find_link()
        .with(eq("tok"))
        .returning(move |_| Ok(Some(link.clone())));
}

/// Whether `user` is a member of group 3.
fn in_group_3(mocks: &mut MockPorts, user: u64, member: bool) {
    mocks
        .rooms
        .expect_find_membership()
        .with(eq(room_id(3)), eq(user_id(user)))
        .returning(move |room, user| Ok(member.then(|| membership(room, user, 0))));
}

/// Group 3 loads as a member who just joined sees it.
fn group_3_view_loads(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_find_room()
        .with(eq(room_id(3)))
        .returning(|_| Ok(Some(group_room(3))));
    mocks
        .messages
        .expect_latest_in_rooms()
        .returning(|_| Ok(HashMap::new()));
    mocks.rooms.expect_count_members().returning(|_| Ok(4));
}

#[tokio::test]
async fn a_creator_at_the_limit_creates_no_group() {
    let mut mocks = MockPorts::new();
    rooms_of(&mut mocks, ALICE, LIMIT);
    mocks.rooms.expect_create_group().never();
    mocks.bus.expect_publish().never();

    let result = limited_groups(mocks)
        .create_group(user_id(ALICE), named("one too many"))
        .await;

    assert!(
        matches!(
            result,
            Err(CreateGroupError::RoomLimitReached { max: LIMIT })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_creator_one_below_the_limit_creates_the_group() {
    let mut mocks = MockPorts::new();
    rooms_of(&mut mocks, ALICE, LIMIT - 1);
    accounts(&mut mocks);
    mocks
        .rooms
        .expect_create_group()
        .withf(|_, owner| *owner == user_id(ALICE))
        .times(1)
        .returning(|_, _| Ok(()));
    let published = record_publishes(&mut mocks.bus);

    let view = limited_groups(mocks)
        .create_group(user_id(ALICE), named("the last one"))
        .await
        .expect("one room left is enough");

    assert_eq!(view.member_count, 1);
    assert_eq!(recorded(&published).len(), 1, "the creator's RoomJoined");
}

#[tokio::test]
async fn an_invitee_at_the_limit_cannot_accept_and_the_invite_stays() {
    let mut mocks = MockPorts::new();
    daves_invite_exists(&mut mocks);
    rooms_of(&mut mocks, DAVE, LIMIT);
    in_group_3(&mut mocks, DAVE, false);
    mocks.invites.expect_accept_invite().never();
    mocks.invites.expect_delete_invite().never();
    mocks.bus.expect_publish().never();

    let result = limited_groups(mocks)
        .accept_invite(user_id(DAVE), invite_id(1))
        .await;

    assert!(
        matches!(
            result,
            Err(AcceptInviteError::RoomLimitReached { max: LIMIT })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_invitee_one_below_the_limit_accepts() {
    let mut mocks = MockPorts::new();
    daves_invite_exists(&mut mocks);
    rooms_of(&mut mocks, DAVE, LIMIT - 1);
    mocks.rooms.expect_find_membership().never();
    mocks
        .invites
        .expect_accept_invite()
        .with(eq(invite_id(1)), eq(NOW), eq(1_000))
        .times(1)
        .returning(|_, _, _| Ok(JoinOutcome::Joined));
    group_3_view_loads(&mut mocks);
    let published = record_publishes(&mut mocks.bus);

    let view = limited_groups(mocks)
        .accept_invite(user_id(DAVE), invite_id(1))
        .await
        .expect("one room left is enough");

    assert_eq!(view.room, group_room(3));
    assert_eq!(recorded(&published).len(), 2, "RoomJoined and MemberJoined");
}

#[tokio::test]
async fn a_member_at_the_limit_accepting_an_invite_into_their_own_group_gains_nothing_and_passes() {
    let mut mocks = MockPorts::new();
    daves_invite_exists(&mut mocks);
    rooms_of(&mut mocks, DAVE, LIMIT);
    in_group_3(&mut mocks, DAVE, true);
    mocks
        .invites
        .expect_accept_invite()
        .times(1)
        .returning(|_, _, _| Ok(JoinOutcome::AlreadyMember));
    group_3_view_loads(&mut mocks);
    mocks.bus.expect_publish().never();

    let view = limited_groups(mocks)
        .accept_invite(user_id(DAVE), invite_id(1))
        .await
        .expect("a member gains no room");

    assert_eq!(view.room, group_room(3));
}

#[tokio::test]
async fn a_user_at_the_limit_cannot_join_by_link_and_uses_none_of_it() {
    let mut mocks = MockPorts::new();
    rooms_of(&mut mocks, DAVE, LIMIT);
    link_exists(&mut mocks);
    in_group_3(&mut mocks, DAVE, false);
    mocks.invites.expect_redeem_link().never();
    mocks.bus.expect_publish().never();

    let result = limited_groups(mocks)
        .join_by_link(user_id(DAVE), "tok")
        .await;

    assert!(
        matches!(
            result,
            Err(JoinByLinkError::RoomLimitReached { max: LIMIT })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_user_one_below_the_limit_joins_by_link() {
    let mut mocks = MockPorts::new();
    rooms_of(&mut mocks, DAVE, LIMIT - 1);
    mocks.invites.expect_find_link().never();
    mocks
        .invites
        .expect_redeem_link()
        .times(1)
        .returning(|_, _, _, _| Ok(LinkOutcome::Joined(room_id(3), JoinOutcome::Joined)));
    group_3_view_loads(&mut mocks);
    let published = record_publishes(&mut mocks.bus);

    let view = limited_groups(mocks)
        .join_by_link(user_id(DAVE), "tok")
        .await
        .expect("one room left is enough");

    assert_eq!(view.room, group_room(3));
    assert_eq!(recorded(&published).len(), 2, "RoomJoined and MemberJoined");
}

#[tokio::test]
async fn a_dead_link_is_link_unavailable_also_at_the_limit() {
    let mut mocks = MockPorts::new();
    rooms_of(&mut mocks, DAVE, LIMIT);
    mocks.invites.expect_find_link().returning(|_| Ok(None));
    mocks.invites.expect_redeem_link().never();

    let result = limited_groups(mocks)
        .join_by_link(user_id(DAVE), "gone")
        .await;

    assert!(
        matches!(result, Err(JoinByLinkError::LinkUnavailable)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_member_at_the_limit_following_their_group_s_link_again_gets_the_room() {
    let mut mocks = MockPorts::new();
    rooms_of(&mut mocks, CAROL, LIMIT);
    link_exists(&mut mocks);
    in_group_3(&mut mocks, CAROL, true);
    mocks
        .invites
        .expect_redeem_link()
        .times(1)
        .returning(|_, _, _, _| Ok(LinkOutcome::Joined(room_id(3), JoinOutcome::AlreadyMember)));
    group_3_view_loads(&mut mocks);
    mocks.bus.expect_publish().never();

    let view = limited_groups(mocks)
        .join_by_link(user_id(CAROL), "tok")
        .await
        .expect("a member gains no room");

    assert_eq!(view.room, group_room(3));
}

#[tokio::test]
async fn a_limit_of_zero_counts_nothing_and_refuses_nothing() {
    let mut mocks = MockPorts::new();
    mocks.rooms.expect_count_rooms_of_user().never();
    accounts(&mut mocks);
    mocks
        .rooms
        .expect_create_group()
        .times(1)
        .returning(|_, _| Ok(()));
    let published = record_publishes(&mut mocks.bus);
    let unlimited = AppConfig {
        max_rooms_per_user: 0,
        ..config()
    };

    let view = GroupService::new(mocks.build(), unlimited)
        .create_group(user_id(ALICE), named("no limit"))
        .await
        .expect("no limit, no refusal");

    assert_eq!(view.member_count, 1);
    assert!(matches!(
        recorded(&published).as_slice(),
        [BusEvent::RoomJoined { .. }]
    ));
}

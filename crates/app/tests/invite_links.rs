//! Invite links: moderators make and revoke them; any signed-in user joins through one that
//! still admits someone, within the member limit.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use chat_app::groups::{CreateLinkError, JoinByLinkError, NewLink, RevokeLinkError};
use chat_ports::{BusEvent, JoinOutcome, LinkOutcome};
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

fn joined_view_loads(mocks: &mut MockPorts) {
    mocks
        .messages
        .expect_latest_in_rooms()
        .returning(|_| Ok(HashMap::new()));
    mocks.rooms.expect_count_members().returning(|_| Ok(2));
}

#[tokio::test]
async fn an_admin_makes_a_limited_link_with_an_unguessable_token() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .tokens
        .expect_new_refresh_token()
        .times(1)
        .return_const("s3cret-token".to_owned());
    mocks
        .invites
        .expect_create_link()
        .withf(|link| {
            link.token == "s3cret-token"
                && link.room_id == room_id(3)
                && link.creator_id == user_id(BOB)
                && link.max_uses == Some(5)
                && link.uses == 0
                && link.expires_at == Some(NOW.plus_millis(3_600_000))
        })
        .times(1)
        .returning(|_| Ok(()));
    let request = NewLink {
        max_uses: Some(5),
        expires_in: Some(Duration::from_secs(3600)),
    };

    let link = groups(mocks)
        .create_link(user_id(BOB), room_id(3), request)
        .await
        .expect("admins make links");

    assert_eq!(link.token, "s3cret-token");
}

#[tokio::test]
async fn a_plain_member_makes_no_link() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.invites.expect_create_link().never();

    let result = groups(mocks)
        .create_link(user_id(CAROL), room_id(3), NewLink::default())
        .await;

    assert!(
        matches!(result, Err(CreateLinkError::Forbidden)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_link_for_zero_uses_is_invalid() {
    let mut mocks = MockPorts::new();
    mocks.invites.expect_create_link().never();
    let request = NewLink {
        max_uses: Some(0),
        expires_in: None,
    };

    let result = groups(mocks)
        .create_link(user_id(ALICE), room_id(3), request)
        .await;

    assert!(
        matches!(result, Err(CreateLinkError::InvalidLink)),
        "{result:?}"
    );
}

#[tokio::test]
async fn anyone_joins_through_a_link_and_the_room_hears_of_it() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    mocks
        .invites
        .expect_redeem_link()
        .withf(|token, user, at, max| {
            token == "tok" && *user == user_id(DAVE) && *at == NOW && *max == 1_000
        })
        .times(1)
        .returning(|_, _, _, _| Ok(LinkOutcome::Joined(room_id(3), JoinOutcome::Joined)));
    mocks
        .rooms
        .expect_find_room()
        .with(eq(room_id(3)))
        .returning(|_| Ok(Some(group_room(3))));
    joined_view_loads(&mut mocks);
    let published = record_publishes(&mut mocks.bus);

    let view = groups(mocks)
        .join_by_link(user_id(DAVE), "tok")
        .await
        .expect("the link admits Dave");

    assert_eq!(view.room, group_room(3));
    let events = recorded(&published);
    assert_eq!(events.len(), 2);
    assert!(
        matches!(&events[0], BusEvent::RoomJoined { user_id: joined, .. } if *joined == user_id(DAVE))
    );
    assert_eq!(
        events[1],
        BusEvent::MemberJoined {
            room_id: room_id(3),
            user_id: user_id(DAVE)
        }
    );
}

#[tokio::test]
async fn a_member_following_the_link_again_gets_the_room_and_nobody_is_told() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    mocks
        .invites
        .expect_redeem_link()
        .returning(|_, _, _, _| Ok(LinkOutcome::Joined(room_id(3), JoinOutcome::AlreadyMember)));
    mocks
        .rooms
        .expect_find_room()
        .returning(|_| Ok(Some(group_room(3))));
    joined_view_loads(&mut mocks);
    mocks.bus.expect_publish().never();

    groups(mocks)
        .join_by_link(user_id(CAROL), "tok")
        .await
        .expect("already a member");
}

#[tokio::test]
async fn a_revoked_expired_or_used_up_link_is_unavailable() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    mocks
        .invites
        .expect_redeem_link()
        .returning(|_, _, _, _| Ok(LinkOutcome::Unavailable));
    mocks.bus.expect_publish().never();

    let result = groups(mocks).join_by_link(user_id(DAVE), "tok").await;

    assert!(
        matches!(result, Err(JoinByLinkError::LinkUnavailable)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_link_into_a_full_group_is_room_full() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    mocks
        .invites
        .expect_redeem_link()
        .returning(|_, _, _, _| Ok(LinkOutcome::Joined(room_id(3), JoinOutcome::RoomFull)));

    let result = groups(mocks).join_by_link(user_id(DAVE), "tok").await;

    assert!(
        matches!(result, Err(JoinByLinkError::RoomFull)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_admin_revokes_a_link_and_a_member_may_not() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .invites
        .expect_revoke_link()
        .with(eq(room_id(3)), eq("tok"))
        .times(1)
        .returning(|_, _| Ok(true));
    let service = groups(mocks);

    service
        .revoke_link(user_id(BOB), room_id(3), "tok")
        .await
        .expect("admins revoke");
    let result = service.revoke_link(user_id(CAROL), room_id(3), "tok").await;

    assert!(
        matches!(result, Err(RevokeLinkError::Forbidden)),
        "{result:?}"
    );
}

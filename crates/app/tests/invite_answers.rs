//! Answering invites: the invitee lists, accepts (joining with nothing unread) or declines
//! them; the inviter or a moderator cancels one.

mod support;

use std::collections::HashMap;

use chat_app::groups::{AcceptInviteError, CancelInviteError, DeclineInviteError};
use chat_domain::Invite;
use chat_ports::{BusEvent, JoinOutcome, StoreError};
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

/// Invite 1: Bob invited Dave into group 3.
fn daves_invite() -> Invite {
    invite(1, room_id(3), user_id(BOB), user_id(DAVE))
}

fn the_invite_is(mocks: &mut MockPorts, invite: Invite) {
    mocks
        .invites
        .expect_find_invite()
        .with(eq(invite.id))
        .returning(move |_| Ok(Some(invite.clone())));
}

/// Group 3 as a newly joined member sees it: 4 members, newest message seq 20.
fn group_view_loads(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_find_room()
        .with(eq(room_id(3)))
        .returning(|_| Ok(Some(group_room(3))));
    mocks.messages.expect_latest_in_rooms().returning(|_| {
        Ok(HashMap::from([(
            room_id(3),
            stored_at(20, room_id(3), user_id(ALICE), 20, NOW),
        )]))
    });
    mocks.rooms.expect_count_members().returning(|_| Ok(4));
}

#[tokio::test]
async fn accepting_joins_the_group_and_tells_the_joiner_then_the_room() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    the_invite_is(&mut mocks, daves_invite());
    mocks
        .invites
        .expect_accept_invite()
        .with(eq(invite_id(1)), eq(NOW), eq(1_000))
        .times(1)
        .returning(|_, _, _| Ok(JoinOutcome::Joined));
    group_view_loads(&mut mocks);
    let published = record_publishes(&mut mocks.bus);

    let view = groups(mocks)
        .accept_invite(user_id(DAVE), invite_id(1))
        .await
        .expect("the invitee accepts");

    assert_eq!(
        view.unread_count, 0,
        "a new member starts with nothing unread"
    );
    assert_eq!(view.member_count, 4);
    assert_eq!(
        recorded(&published),
        vec![
            BusEvent::RoomJoined {
                user_id: user_id(DAVE),
                room: Box::new(view),
            },
            BusEvent::MemberJoined {
                room_id: room_id(3),
                user_id: user_id(DAVE),
            },
        ]
    );
}

#[tokio::test]
async fn an_expired_invite_cannot_be_accepted() {
    let mut mocks = MockPorts::new();
    the_invite_is(
        &mut mocks,
        Invite {
            expires_at: NOW,
            ..daves_invite()
        },
    );
    mocks.invites.expect_accept_invite().never();

    let result = groups(mocks)
        .accept_invite(user_id(DAVE), invite_id(1))
        .await;

    assert!(
        matches!(result, Err(AcceptInviteError::InviteExpired)),
        "{result:?}"
    );
}

#[tokio::test]
async fn only_the_invitee_may_accept_and_to_others_the_invite_does_not_exist() {
    let mut mocks = MockPorts::new();
    the_invite_is(&mut mocks, daves_invite());
    mocks.invites.expect_accept_invite().never();

    let result = groups(mocks)
        .accept_invite(user_id(CAROL), invite_id(1))
        .await;

    assert!(
        matches!(result, Err(AcceptInviteError::InviteNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn accepting_into_a_full_group_is_room_full_and_announces_nothing() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    the_invite_is(&mut mocks, daves_invite());
    mocks
        .invites
        .expect_accept_invite()
        .returning(|_, _, _| Ok(JoinOutcome::RoomFull));
    mocks.bus.expect_publish().never();

    let result = groups(mocks)
        .accept_invite(user_id(DAVE), invite_id(1))
        .await;

    assert!(
        matches!(result, Err(AcceptInviteError::RoomFull)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_invite_cancelled_while_being_accepted_is_invite_not_found() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    the_invite_is(&mut mocks, daves_invite());
    mocks
        .invites
        .expect_accept_invite()
        .returning(|_, _, _| Err(StoreError::NotFound));

    let result = groups(mocks)
        .accept_invite(user_id(DAVE), invite_id(1))
        .await;

    assert!(
        matches!(result, Err(AcceptInviteError::InviteNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_invitee_declines() {
    let mut mocks = MockPorts::new();
    the_invite_is(&mut mocks, daves_invite());
    mocks
        .invites
        .expect_delete_invite()
        .with(eq(invite_id(1)))
        .times(1)
        .returning(|_| Ok(true));

    groups(mocks)
        .decline_invite(user_id(DAVE), invite_id(1))
        .await
        .expect("the invitee declines");
}

#[tokio::test]
async fn nobody_else_declines_someone_s_invite() {
    let mut mocks = MockPorts::new();
    the_invite_is(&mut mocks, daves_invite());
    mocks.invites.expect_delete_invite().never();

    let result = groups(mocks)
        .decline_invite(user_id(BOB), invite_id(1))
        .await;

    assert!(
        matches!(result, Err(DeclineInviteError::InviteNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_inviter_and_the_owner_cancel_but_a_plain_member_may_not() {
    for (canceller, allowed) in [(BOB, true), (ALICE, true), (CAROL, false)] {
        let mut mocks = MockPorts::new();
        group_3(&mut mocks);
        the_invite_is(&mut mocks, daves_invite());
        mocks
            .invites
            .expect_delete_invite()
            .times(usize::from(allowed))
            .returning(|_| Ok(true));

        let result = groups(mocks)
            .cancel_invite(user_id(canceller), invite_id(1))
            .await;

        if allowed {
            assert!(result.is_ok(), "user {canceller}: {result:?}");
        } else {
            assert!(
                matches!(result, Err(CancelInviteError::Forbidden)),
                "{result:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_stranger_cannot_see_an_invite_to_cancel_it() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    the_invite_is(
        &mut mocks,
        invite(1, room_id(3), user_id(BOB), user_id(CAROL)),
    );
    mocks.invites.expect_delete_invite().never();

    let result = groups(mocks)
        .cancel_invite(user_id(DAVE), invite_id(1))
        .await;

    assert!(
        matches!(result, Err(CancelInviteError::InviteNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn pending_invites_carry_the_group_s_name_and_the_inviter() {
    let mut mocks = MockPorts::new();
    mocks
        .invites
        .expect_list_invites_for()
        .with(eq(user_id(DAVE)), eq(NOW))
        .returning(|_, _| {
            Ok(vec![
                daves_invite(),
                invite(2, room_id(8), user_id(ALICE), user_id(DAVE)),
            ])
        });
    mocks
        .rooms
        .expect_find_room()
        .returning(|room| Ok(Some(group_room(3)).filter(|g| g.id == room)));
    accounts(&mut mocks);

    let pending = groups(mocks)
        .list_invites(user_id(DAVE))
        .await
        .expect("the invites load");

    assert_eq!(
        pending.len(),
        1,
        "the invite into a deleted group is left out"
    );
    assert_eq!(pending[0].invite, daves_invite());
    assert_eq!(pending[0].room_name.as_deref(), Some("group 3"));
    assert_eq!(pending[0].inviter.id, user_id(BOB));
}

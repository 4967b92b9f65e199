//! A group's members: pages for members, and removals by the owner and admins (admins remove
//! plain members only); the removed member hears of it too.

mod support;

use chat_app::groups::{MembersPageError, RemoveMemberError};
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

#[tokio::test]
async fn a_member_pages_through_the_members_after_a_user_id() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .rooms
        .expect_list_members_page()
        .with(eq(room_id(3)), eq(Some(user_id(ALICE))), eq(3))
        .times(1)
        .returning(|room, _, _| {
            Ok([BOB, CAROL, ERIN]
                .into_iter()
                .map(|n| member(room, &user(n, &format!("user{n}"))))
                .collect())
        });

    let page = groups(mocks)
        .members_page(user_id(CAROL), room_id(3), Some(user_id(ALICE)), 2)
        .await
        .expect("members see members");

    let ids: Vec<_> = page.members.iter().map(|m| m.user.id).collect();
    assert_eq!(ids, vec![user_id(BOB), user_id(CAROL)]);
    assert!(page.has_more);
}

#[tokio::test]
async fn a_stranger_sees_no_members_and_limits_are_bounded() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_list_members_page().never();
    let service = groups(mocks);

    let stranger = service
        .members_page(user_id(DAVE), room_id(3), None, 50)
        .await;
    let too_many = service
        .members_page(user_id(ALICE), room_id(3), None, 201)
        .await;
    let none = service
        .members_page(user_id(ALICE), room_id(3), None, 0)
        .await;

    assert!(
        matches!(stranger, Err(MembersPageError::RoomNotFound)),
        "{stranger:?}"
    );
    assert!(
        matches!(too_many, Err(MembersPageError::InvalidLimit)),
        "{too_many:?}"
    );
    assert!(
        matches!(none, Err(MembersPageError::InvalidLimit)),
        "{none:?}"
    );
}

#[tokio::test]
async fn an_admin_removes_a_plain_member_who_is_told_with_the_room() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .rooms
        .expect_remove_member()
        .with(eq(room_id(3)), eq(user_id(CAROL)))
        .times(1)
        .returning(|_, _| Ok(true));
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .remove_member(user_id(BOB), room_id(3), user_id(CAROL))
        .await
        .expect("admins remove members");

    assert_eq!(
        recorded(&published),
        vec![BusEvent::MemberRemoved {
            room_id: room_id(3),
            user_id: user_id(CAROL)
        }]
    );
}

#[tokio::test]
async fn admins_cannot_remove_admins_or_the_owner_but_the_owner_removes_admins() {
    for (actor, target, allowed) in [(BOB, ERIN, false), (BOB, ALICE, false), (ALICE, BOB, true)] {
        let mut mocks = MockPorts::new();
        group_3(&mut mocks);
        mocks
            .rooms
            .expect_remove_member()
            .times(usize::from(allowed))
            .returning(|_, _| Ok(true));
        mocks.bus.expect_publish().returning(|_| Ok(()));

        let result = groups(mocks)
            .remove_member(user_id(actor), room_id(3), user_id(target))
            .await;

        if allowed {
            assert!(result.is_ok(), "{actor} removes {target}: {result:?}");
        } else {
            assert!(
                matches!(result, Err(RemoveMemberError::Forbidden)),
                "{actor} removes {target}: {result:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_plain_member_removes_nobody() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_remove_member().never();

    let result = groups(mocks)
        .remove_member(user_id(CAROL), room_id(3), user_id(BOB))
        .await;

    assert!(
        matches!(result, Err(RemoveMemberError::Forbidden)),
        "{result:?}"
    );
}

#[tokio::test]
async fn removing_a_non_member_is_member_not_found() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_remove_member().never();

    let result = groups(mocks)
        .remove_member(user_id(ALICE), room_id(3), user_id(DAVE))
        .await;

    assert!(
        matches!(result, Err(RemoveMemberError::MemberNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn removing_oneself_is_leaving() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .rooms
        .expect_remove_member()
        .with(eq(room_id(3)), eq(user_id(CAROL)))
        .times(1)
        .returning(|_, _| Ok(true));
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .remove_member(user_id(CAROL), room_id(3), user_id(CAROL))
        .await
        .expect("anyone leaves");

    assert_eq!(
        recorded(&published),
        vec![BusEvent::MemberLeft {
            room_id: room_id(3),
            user_id: user_id(CAROL)
        }]
    );
}

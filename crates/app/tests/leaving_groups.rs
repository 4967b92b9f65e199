//! Leaving a group: anyone leaves; an owner who leaves hands the group to the longest-standing
//! admin, else the longest-standing member; an owner alone closes the group.

mod support;

use chat_app::groups::LeaveError;
use chat_domain::Role;
use chat_ports::{BusEvent, MemberProfile};
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

/// The members of group 3 as `list_members` reports them, joined in the order given.
fn members_are(mocks: &mut MockPorts, members: Vec<(u64, Role)>) {
    mocks.rooms.expect_list_members().returning(move |room| {
        Ok(members
            .iter()
            .enumerate()
            .map(|(i, (n, role))| {
                member_as(
                    room,
                    &user(*n, &format!("user{n}")),
                    *role,
                    i as i64 * 1_000,
                )
            })
            .collect::<Vec<MemberProfile>>())
    });
}

fn leaves(mocks: &mut MockPorts, user: u64) {
    mocks
        .rooms
        .expect_remove_member()
        .with(eq(room_id(3)), eq(user_id(user)))
        .times(1)
        .returning(|_, _| Ok(true));
}

#[tokio::test]
async fn a_member_leaves_and_the_room_hears_of_it() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    leaves(&mut mocks, CAROL);
    mocks.rooms.expect_transfer_ownership().never();
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .leave(user_id(CAROL), room_id(3))
        .await
        .expect("members leave");

    assert_eq!(
        recorded(&published),
        vec![BusEvent::MemberLeft {
            room_id: room_id(3),
            user_id: user_id(CAROL)
        }]
    );
}

#[tokio::test]
async fn a_leaving_owner_hands_the_group_to_the_longest_standing_admin() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    members_are(
        &mut mocks,
        vec![
            (ALICE, Role::Owner),
            (CAROL, Role::Member),
            (BOB, Role::Admin),
            (ERIN, Role::Admin),
        ],
    );
    mocks
        .rooms
        .expect_transfer_ownership()
        .with(eq(room_id(3)), eq(user_id(ALICE)), eq(user_id(BOB)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    leaves(&mut mocks, ALICE);
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .leave(user_id(ALICE), room_id(3))
        .await
        .expect("owners leave");

    assert_eq!(
        recorded(&published),
        vec![
            BusEvent::MemberLeft {
                room_id: room_id(3),
                user_id: user_id(ALICE)
            },
            BusEvent::RoleChanged {
                room_id: room_id(3),
                user_id: user_id(BOB),
                role: Role::Owner
            },
        ]
    );
}

#[tokio::test]
async fn without_admins_the_longest_standing_member_becomes_owner() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    members_are(
        &mut mocks,
        vec![
            (ALICE, Role::Owner),
            (CAROL, Role::Member),
            (DAVE, Role::Member),
        ],
    );
    mocks
        .rooms
        .expect_transfer_ownership()
        .with(eq(room_id(3)), eq(user_id(ALICE)), eq(user_id(CAROL)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    leaves(&mut mocks, ALICE);
    mocks.bus.expect_publish().returning(|_| Ok(()));

    groups(mocks)
        .leave(user_id(ALICE), room_id(3))
        .await
        .expect("owners leave");
}

#[tokio::test]
async fn an_owner_alone_closes_the_group_on_leaving() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    members_are(&mut mocks, vec![(ALICE, Role::Owner)]);
    mocks
        .rooms
        .expect_delete_room()
        .with(eq(room_id(3)))
        .times(1)
        .returning(|_| Ok(()));
    mocks.rooms.expect_remove_member().never();
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .leave(user_id(ALICE), room_id(3))
        .await
        .expect("the last one leaves");

    assert_eq!(
        recorded(&published),
        vec![BusEvent::RoomDeleted {
            room_id: room_id(3)
        }]
    );
}

#[tokio::test]
async fn nobody_leaves_a_private_room_or_a_room_they_are_not_in() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_remove_member().never();

    let result = groups(mocks).leave(user_id(DAVE), room_id(3)).await;

    assert!(
        matches!(result, Err(LeaveError::RoomNotFound)),
        "{result:?}"
    );

    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership(room, user, 0))));
    mocks
        .rooms
        .expect_find_room()
        .returning(|_| Ok(Some(private_room(7))));
    mocks.rooms.expect_remove_member().never();

    let result = groups(mocks).leave(user_id(ALICE), room_id(7)).await;

    assert!(matches!(result, Err(LeaveError::NotAGroup)), "{result:?}");
}

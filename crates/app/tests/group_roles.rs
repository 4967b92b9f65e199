//! Roles: the owner alone promotes, demotes and hands over ownership; each change is
//! announced as `RoleChanged`.

mod support;

use chat_app::groups::{ChangeRoleError, TransferError};
use chat_domain::Role;
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

#[tokio::test]
async fn the_owner_promotes_a_member_to_admin() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .rooms
        .expect_set_role()
        .with(eq(room_id(3)), eq(user_id(CAROL)), eq(Role::Admin))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .change_role(user_id(ALICE), room_id(3), user_id(CAROL), Role::Admin)
        .await
        .expect("the owner promotes");

    assert_eq!(
        recorded(&published),
        vec![BusEvent::RoleChanged {
            room_id: room_id(3),
            user_id: user_id(CAROL),
            role: Role::Admin
        }]
    );
}

#[tokio::test]
async fn an_admin_changes_no_roles() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_set_role().never();

    let result = groups(mocks)
        .change_role(user_id(BOB), room_id(3), user_id(CAROL), Role::Admin)
        .await;

    assert!(
        matches!(result, Err(ChangeRoleError::Forbidden)),
        "{result:?}"
    );
}

#[tokio::test]
async fn ownership_is_not_a_role_to_set() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_set_role().never();

    let result = groups(mocks)
        .change_role(user_id(ALICE), room_id(3), user_id(BOB), Role::Owner)
        .await;

    assert!(
        matches!(result, Err(ChangeRoleError::InvalidRole)),
        "{result:?}"
    );
}

#[tokio::test]
async fn setting_the_role_a_member_has_changes_and_announces_nothing() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_set_role().never();
    mocks.bus.expect_publish().never();

    groups(mocks)
        .change_role(user_id(ALICE), room_id(3), user_id(BOB), Role::Admin)
        .await
        .expect("nothing to do");
}

#[tokio::test]
async fn the_owner_transfers_the_group_and_becomes_an_admin() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .rooms
        .expect_transfer_ownership()
        .with(eq(room_id(3)), eq(user_id(ALICE)), eq(user_id(CAROL)))
        .times(1)
        .returning(|_, _, _| Ok(()));
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .transfer_ownership(user_id(ALICE), room_id(3), user_id(CAROL))
        .await
        .expect("the owner transfers");

    let changed = |user, role| BusEvent::RoleChanged {
        room_id: room_id(3),
        user_id: user_id(user),
        role,
    };
    assert_eq!(
        recorded(&published),
        vec![changed(CAROL, Role::Owner), changed(ALICE, Role::Admin)]
    );
}

#[tokio::test]
async fn transferring_to_a_non_member_is_member_not_found() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .rooms
        .expect_transfer_ownership()
        .returning(|_, _, _| Err(chat_ports::StoreError::NotFound));
    mocks.bus.expect_publish().never();

    let result = groups(mocks)
        .transfer_ownership(user_id(ALICE), room_id(3), user_id(DAVE))
        .await;

    assert!(
        matches!(result, Err(TransferError::MemberNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_admin_cannot_transfer_the_group() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_transfer_ownership().never();

    let result = groups(mocks)
        .transfer_ownership(user_id(BOB), room_id(3), user_id(BOB))
        .await;

    assert!(
        matches!(result, Err(TransferError::Forbidden)),
        "{result:?}"
    );
}

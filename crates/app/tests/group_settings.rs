//! Renaming, describing and deleting a group: owner and admins rename and describe (every
//! member hears `RoomUpdated`); the owner alone deletes (`RoomDeleted`).

mod support;

use chat_app::groups::{DeleteGroupError, GroupChanges, UpdateGroupError};
use chat_domain::{GroupTextError, Role, Room};
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::group_fixtures::*;
use support::*;

#[tokio::test]
async fn an_admin_renames_the_group_keeping_its_description_and_members_hear_of_it() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    let renamed = Room {
        name: Some("Crabs".into()),
        ..group_room(3)
    };
    mocks
        .rooms
        .expect_update_room()
        .with(eq(renamed.clone()))
        .times(1)
        .returning(|_| Ok(()));
    mocks.rooms.expect_count_members().returning(|_| Ok(4));
    let published = record_publishes(&mut mocks.bus);
    let changes = GroupChanges {
        name: Some(" Crabs ".into()),
        description: None,
    };

    let room = groups(mocks)
        .update_group(user_id(BOB), room_id(3), changes)
        .await
        .expect("admins rename");

    assert_eq!(room, renamed);
    assert_eq!(
        recorded(&published),
        vec![BusEvent::RoomUpdated {
            room: renamed,
            member_count: 4
        }]
    );
}

#[tokio::test]
async fn an_empty_description_removes_it() {
    let mut mocks = MockPorts::new();
    let described = Room {
        description: Some("about crabs".into()),
        ..group_room(3)
    };
    mocks
        .rooms
        .expect_find_membership()
        .returning(|room, user| Ok(Some(membership_as(room, user, Role::Owner))));
    mocks
        .rooms
        .expect_find_room()
        .returning(move |_| Ok(Some(described.clone())));
    mocks
        .rooms
        .expect_update_room()
        .with(eq(group_room(3)))
        .times(1)
        .returning(|_| Ok(()));
    mocks.rooms.expect_count_members().returning(|_| Ok(4));
    mocks.bus.expect_publish().returning(|_| Ok(()));
    let changes = GroupChanges {
        name: None,
        description: Some("   ".into()),
    };

    groups(mocks)
        .update_group(user_id(ALICE), room_id(3), changes)
        .await
        .expect("the owner describes");
}

#[tokio::test]
async fn a_plain_member_renames_nothing_and_bad_names_are_refused_first() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_update_room().never();
    let service = groups(mocks);
    let rename = |name: &str| GroupChanges {
        name: Some(name.to_owned()),
        description: None,
    };

    let member = service
        .update_group(user_id(CAROL), room_id(3), rename("mine"))
        .await;
    let empty = service
        .update_group(user_id(ALICE), room_id(3), rename("  "))
        .await;

    assert!(
        matches!(member, Err(UpdateGroupError::Forbidden)),
        "{member:?}"
    );
    assert!(
        matches!(
            empty,
            Err(UpdateGroupError::InvalidName(GroupTextError::EmptyName))
        ),
        "{empty:?}"
    );
}

#[tokio::test]
async fn the_owner_deletes_the_group_and_every_member_stops_receiving_it() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks
        .rooms
        .expect_delete_room()
        .with(eq(room_id(3)))
        .times(1)
        .returning(|_| Ok(()));
    let published = record_publishes(&mut mocks.bus);

    groups(mocks)
        .delete_group(user_id(ALICE), room_id(3))
        .await
        .expect("the owner deletes");

    assert_eq!(
        recorded(&published),
        vec![BusEvent::RoomDeleted {
            room_id: room_id(3)
        }]
    );
}

#[tokio::test]
async fn admins_and_strangers_cannot_delete_the_group() {
    let mut mocks = MockPorts::new();
    group_3(&mut mocks);
    mocks.rooms.expect_delete_room().never();
    let service = groups(mocks);

    let admin = service.delete_group(user_id(BOB), room_id(3)).await;
    let stranger = service.delete_group(user_id(DAVE), room_id(3)).await;

    assert!(
        matches!(admin, Err(DeleteGroupError::Forbidden)),
        "{admin:?}"
    );
    assert!(
        matches!(stranger, Err(DeleteGroupError::RoomNotFound)),
        "{stranger:?}"
    );
}

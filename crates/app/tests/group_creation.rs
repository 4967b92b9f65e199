//! Creating a group: the creator owns it, the listed users are invited (not added), and a
//! refused creation stores nothing.

mod support;

use chat_app::groups::{CreateGroupError, NewGroup};
use chat_domain::{GroupTextError, RoomKind};
use chat_ports::BusEvent;
use mockall::predicate::eq;
use support::*;

fn group(name: &str, invite: Vec<u64>) -> NewGroup {
    NewGroup {
        name: name.to_owned(),
        description: Some("  all about rust ".to_owned()),
        invite: invite.into_iter().map(user_id).collect(),
    }
}

/// Users 1 to 4 exist and have blocked nobody.
fn everyone_exists(mocks: &mut MockPorts) {
    mocks.users.expect_find_by_id().returning(|id| {
        Ok((1..=4)
            .map(|n| user(n, &format!("user{n}")))
            .find(|u| u.id == id))
    });
    mocks.blocks.expect_is_blocked().returning(|_, _| Ok(false));
}

/// The store creates the group.
fn store_creates(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_create_group()
        .times(1)
        .returning(|_, _| Ok(()));
}

#[tokio::test]
async fn the_creator_owns_the_new_group_and_the_listed_users_are_invited_not_added() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    everyone_exists(&mut mocks);
    mocks
        .rooms
        .expect_create_group()
        .withf(|room, owner| {
            room.kind == RoomKind::Group
                && room.name.as_deref() == Some("Rustaceans")
                && room.description.as_deref() == Some("all about rust")
                && room.created_at == NOW
                && *owner == user_id(1)
        })
        .times(1)
        .returning(|_, _| Ok(()));
    mocks.rooms.expect_add_member().never();
    mocks
        .invites
        .expect_create_invite()
        .withf(|invite| invite.inviter_id == user_id(1) && invite.created_at == NOW)
        .times(2)
        .returning(|_| Ok(()));
    let published = record_publishes(&mut mocks.bus);

    let view = groups(mocks)
        .create_group(user_id(1), group(" Rustaceans ", vec![2, 3, 2, 1]))
        .await
        .expect("the group is created");

    assert_eq!(view.room.kind, RoomKind::Group);
    assert_eq!(view.member_count, 1);
    let events = recorded(&published);
    assert!(
        matches!(&events[0], BusEvent::RoomJoined { user_id: joined, .. } if *joined == user_id(1)),
        "{events:?}"
    );
    let invited: Vec<_> = events[1..]
        .iter()
        .map(|event| match event {
            BusEvent::InviteReceived {
                invite, room_name, ..
            } => {
                assert_eq!(room_name.as_deref(), Some("Rustaceans"));
                invite.invitee_id
            }
            other => panic!("expected an invite, got {other:?}"),
        })
        .collect();
    assert_eq!(invited, vec![user_id(2), user_id(3)]);
}

#[tokio::test]
async fn an_invalid_name_is_refused_before_any_store_call() {
    let mut mocks = MockPorts::new();
    mocks.users.expect_find_by_id().never();
    mocks.rooms.expect_create_group().never();

    let result = groups(mocks)
        .create_group(user_id(1), group("   ", vec![]))
        .await;

    assert!(
        matches!(
            result,
            Err(CreateGroupError::InvalidName(GroupTextError::EmptyName))
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_invitee_refuses_the_whole_creation() {
    let mut mocks = MockPorts::new();
    everyone_exists(&mut mocks);
    mocks.rooms.expect_create_group().never();
    mocks.invites.expect_create_invite().never();

    let result = groups(mocks)
        .create_group(user_id(1), group("g", vec![2, 9]))
        .await;

    assert!(
        matches!(result, Err(CreateGroupError::UserNotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_invitee_who_blocked_the_creator_refuses_the_creation() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_find_by_id()
        .returning(|id| Ok(Some(user(2, "bob")).filter(|u| u.id == id)));
    mocks
        .blocks
        .expect_is_blocked()
        .with(eq(user_id(2)), eq(user_id(1)))
        .returning(|_, _| Ok(true));
    mocks.rooms.expect_create_group().never();

    let result = groups(mocks)
        .create_group(user_id(1), group("g", vec![2]))
        .await;

    assert!(
        matches!(result, Err(CreateGroupError::Blocked)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_group_without_invitees_sends_no_invite() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    everyone_exists(&mut mocks);
    store_creates(&mut mocks);
    mocks.invites.expect_create_invite().never();
    mocks.bus.expect_publish().times(1).returning(|_| Ok(()));

    groups(mocks)
        .create_group(user_id(1), group("solo", vec![]))
        .await
        .expect("created");
}

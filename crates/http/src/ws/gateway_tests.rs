//! Tests of the gateway's routing: subscriptions, the connect-time backlog, slow consumers and
//! revocations, without sockets.

use std::sync::Arc;

use chat_app::events::LocalDelivery;
use chat_domain::{
    Message, MessageId, Rev, Room, RoomId, RoomKind, Seq, SessionId, Timestamp, UserId, Username,
};
use chat_ports::{BusEvent, RoomView, UserSummary};

use super::gateway::{ConnectionStats, Gateway, Registration};
use super::outbound::{CloseSignal, Outbound};

fn message(room: RoomId, seq: u64) -> Message {
    Message {
        id: MessageId::new_v7(),
        room_id: room,
        seq: Seq(seq),
        rev: Rev(seq),
        created_rev: Rev(seq),
        sender_id: UserId::new_v7(),
        body: Some(format!("m{seq}")),
        client_msg_id: None,
        reply_to: None,
        created_at: Timestamp::from_unix_millis(1),
        edited_at: None,
        deleted: false,
    }
}

fn joined(user: UserId, room: RoomId) -> BusEvent {
    let view = RoomView {
        room: Room {
            id: room,
            kind: RoomKind::Private,
            name: None,
            description: None,
            created_at: Timestamp::from_unix_millis(1),
        },
        members: vec![UserSummary {
            id: user,
            username: Username::parse("someone").unwrap(),
        }],
        member_count: 2,
        last_message: None,
        unread_count: 0,
    };
    BusEvent::RoomJoined {
        user_id: user,
        room: Box::new(view),
    }
}

fn drain(registration: &mut Registration) -> Vec<String> {
    let mut seen = Vec::new();
    while let Some(item) = registration.receiver.try_recv() {
        seen.push(match item {
            Outbound::Change(change) => format!("message {}", change.rev),
            Outbound::RoomJoined { .. } => "room_joined".to_owned(),
            other => format!("{other:?}"),
        });
    }
    seen
}

fn created(room: RoomId, seq: u64) -> BusEvent {
    BusEvent::MessageCreated {
        message: message(room, seq),
        reply_preview: None,
    }
}

#[test]
fn a_connection_gets_the_messages_of_its_rooms_only() {
    let gateway = Gateway::new(16);
    let (mine, other) = (RoomId::new_v7(), RoomId::new_v7());
    let mut connection = gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    gateway.attach_rooms(connection.id, vec![mine]);
    gateway.deliver(&created(mine, 1));
    gateway.deliver(&created(other, 1));
    assert_eq!(drain(&mut connection), vec!["message 1"]);
}

#[test]
fn events_that_arrive_while_the_room_list_loads_are_replayed_for_the_listed_rooms() {
    let gateway = Gateway::new(16);
    let (listed, foreign) = (RoomId::new_v7(), RoomId::new_v7());
    let mut connection = gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    gateway.deliver(&created(listed, 7));
    gateway.deliver(&created(foreign, 1));
    assert!(
        drain(&mut connection).is_empty(),
        "nothing is sent before the rooms are known"
    );
    gateway.attach_rooms(connection.id, vec![listed]);
    assert_eq!(drain(&mut connection), vec!["message 7"]);
}

#[test]
fn joining_a_room_while_connected_subscribes_every_device_before_the_first_message() {
    let gateway = Gateway::new(16);
    let user = UserId::new_v7();
    let room = RoomId::new_v7();
    let mut phone = gateway.register(user, SessionId::new_v7()).unwrap();
    let mut laptop = gateway.register(user, SessionId::new_v7()).unwrap();
    gateway.attach_rooms(phone.id, vec![]);
    gateway.attach_rooms(laptop.id, vec![]);
    gateway.deliver(&joined(user, room));
    gateway.deliver(&created(room, 1));
    for device in [&mut phone, &mut laptop] {
        assert_eq!(drain(device), vec!["room_joined", "message 1"]);
    }
}

#[test]
fn a_room_joined_during_connect_is_kept_and_not_doubled() {
    let gateway = Gateway::new(16);
    let user = UserId::new_v7();
    let (new_room, listed) = (RoomId::new_v7(), RoomId::new_v7());
    let mut connection = gateway.register(user, SessionId::new_v7()).unwrap();
    gateway.deliver(&joined(user, new_room));
    gateway.deliver(&created(new_room, 1));
    gateway.deliver(&joined(user, listed));
    // The room list, read after the joins were committed, contains both rooms.
    gateway.attach_rooms(connection.id, vec![new_room, listed]);
    assert_eq!(drain(&mut connection), vec!["message 1"]);
    gateway.deliver(&created(new_room, 2));
    assert_eq!(drain(&mut connection), vec!["message 2"]);
}

#[test]
fn a_slow_consumer_is_closed_with_1013_and_the_others_keep_receiving() {
    let gateway = Gateway::new(2);
    let room = RoomId::new_v7();
    let mut slow = gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    let mut fast = gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    gateway.attach_rooms(slow.id, vec![room]);
    gateway.attach_rooms(fast.id, vec![room]);
    for seq in 1..=5 {
        gateway.deliver(&created(room, seq));
        drain(&mut fast);
    }
    assert_eq!(slow.sender.close_signal(), Some(CloseSignal::SlowConsumer));
    assert_eq!(
        CloseSignal::SlowConsumer.reason().code,
        actix_ws::CloseCode::Again
    );
    assert_eq!(gateway.connection_count(), 1);
    gateway.deliver(&created(room, 6));
    assert_eq!(drain(&mut fast), vec!["message 6"]);
    // The slow one got what fitted, then nothing more.
    assert_eq!(drain(&mut slow), vec!["message 1", "message 2"]);
}

#[test]
fn revoking_a_login_closes_its_connections_with_1008_and_no_others() {
    let gateway = Gateway::new(4);
    let user = UserId::new_v7();
    let (revoked, kept) = (SessionId::new_v7(), SessionId::new_v7());
    let first = gateway.register(user, revoked).unwrap();
    let other = gateway.register(user, kept).unwrap();
    gateway.deliver(&BusEvent::SessionRevoked {
        session_id: revoked,
    });
    assert_eq!(first.sender.close_signal(), Some(CloseSignal::Revoked));
    assert_eq!(other.sender.close_signal(), None);
    assert_eq!(gateway.connection_count(), 1);
}

#[test]
fn disconnecting_a_user_closes_all_their_connections_with_1008_and_no_others() {
    let gateway = Gateway::new(4);
    let (user, other_user) = (UserId::new_v7(), UserId::new_v7());
    let phone = gateway.register(user, SessionId::new_v7()).unwrap();
    let laptop = gateway.register(user, SessionId::new_v7()).unwrap();
    let bystander = gateway.register(other_user, SessionId::new_v7()).unwrap();
    assert_eq!(
        gateway.stats(),
        ConnectionStats {
            connections: 3,
            users: 2
        }
    );
    gateway.deliver(&BusEvent::UserDisconnected { user_id: user });
    assert_eq!(phone.sender.close_signal(), Some(CloseSignal::Revoked));
    assert_eq!(laptop.sender.close_signal(), Some(CloseSignal::Revoked));
    assert_eq!(bystander.sender.close_signal(), None);
    assert_eq!(
        gateway.stats(),
        ConnectionStats {
            connections: 1,
            users: 1
        }
    );
}

#[test]
fn shutdown_closes_everyone_with_1001_and_refuses_new_connections() {
    let gateway: Arc<Gateway> = Gateway::new(4);
    let connection = gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    gateway.shutdown();
    assert_eq!(
        connection.sender.close_signal(),
        Some(CloseSignal::GoingAway)
    );
    assert!(gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .is_none());
}

fn drain_kinds(registration: &mut Registration) -> Vec<String> {
    let mut seen = Vec::new();
    while let Some(item) = registration.receiver.try_recv() {
        let json = match item {
            Outbound::Change(change) => change.json.clone(),
            Outbound::RoomJoined { json } | Outbound::RoomEvent { json } => json,
            other => panic!("unexpected {other:?}"),
        };
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        seen.push(value["type"].as_str().unwrap().to_owned());
    }
    seen
}

#[test]
fn typing_reaches_the_other_members_but_not_the_typist() {
    let gateway = Gateway::new(16);
    let room = RoomId::new_v7();
    let (typist, other) = (UserId::new_v7(), UserId::new_v7());
    let mut typing_device = gateway.register(typist, SessionId::new_v7()).unwrap();
    let mut other_device = gateway.register(other, SessionId::new_v7()).unwrap();
    gateway.attach_rooms(typing_device.id, vec![room]);
    gateway.attach_rooms(other_device.id, vec![room]);
    gateway.deliver(&BusEvent::Typing {
        room_id: room,
        user_id: typist,
    });
    assert_eq!(drain_kinds(&mut other_device), vec!["typing"]);
    assert!(drain_kinds(&mut typing_device).is_empty());
}

#[test]
fn a_removed_member_gets_the_removal_and_then_nothing_more_of_the_room() {
    let gateway = Gateway::new(16);
    let room = RoomId::new_v7();
    let (removed, stays) = (UserId::new_v7(), UserId::new_v7());
    let mut removed_device = gateway.register(removed, SessionId::new_v7()).unwrap();
    let mut staying_device = gateway.register(stays, SessionId::new_v7()).unwrap();
    gateway.attach_rooms(removed_device.id, vec![room]);
    gateway.attach_rooms(staying_device.id, vec![room]);
    gateway.deliver(&BusEvent::MemberRemoved {
        room_id: room,
        user_id: removed,
    });
    gateway.deliver(&created(room, 1));
    assert_eq!(drain_kinds(&mut removed_device), vec!["member_removed"]);
    assert_eq!(
        drain_kinds(&mut staying_device),
        vec!["member_removed", "message"]
    );
}

#[test]
fn a_deleted_room_goes_silent_for_everyone() {
    let gateway = Gateway::new(16);
    let room = RoomId::new_v7();
    let mut device = gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    gateway.attach_rooms(device.id, vec![room]);
    gateway.deliver(&BusEvent::RoomDeleted { room_id: room });
    gateway.deliver(&created(room, 1));
    assert_eq!(drain_kinds(&mut device), vec!["room_deleted"]);
}

#[test]
fn presence_goes_once_to_each_connection_sharing_a_room_and_not_to_the_user() {
    let gateway = Gateway::new(16);
    let (first, second) = (RoomId::new_v7(), RoomId::new_v7());
    let (user, friend) = (UserId::new_v7(), UserId::new_v7());
    let mut own = gateway.register(user, SessionId::new_v7()).unwrap();
    let mut friends = gateway.register(friend, SessionId::new_v7()).unwrap();
    gateway.attach_rooms(own.id, vec![first, second]);
    gateway.attach_rooms(friends.id, vec![first, second]);
    gateway.deliver(&BusEvent::PresenceChanged {
        user_id: user,
        online: true,
        last_seen: None,
        rooms: vec![first, second],
    });
    assert_eq!(drain_kinds(&mut friends), vec!["presence"]);
    assert!(drain_kinds(&mut own).is_empty());
}

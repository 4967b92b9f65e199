//! Tests of the gateway's routing: subscriptions, the connect-time backlog, slow consumers and
//! revocations, without sockets.

use std::sync::Arc;

use chat_app::events::LocalDelivery;
use chat_domain::{
    Message, MessageId, Room, RoomId, RoomKind, Seq, SessionId, Timestamp, UserId, Username,
};
use chat_ports::{BusEvent, RoomView, UserSummary};

use super::gateway::{Gateway, Registration};
use super::outbound::{CloseSignal, Outbound};

fn message(room: RoomId, seq: u64) -> Message {
    Message {
        id: MessageId::new_v7(),
        room_id: room,
        seq: Seq(seq),
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
    while let Ok(item) = registration.receiver.try_recv() {
        seen.push(match item {
            Outbound::Message { seq, .. } => format!("message {seq}"),
            Outbound::RoomJoined { .. } => "room_joined".to_owned(),
            other => format!("{other:?}"),
        });
    }
    seen
}

fn created(room: RoomId, seq: u64) -> BusEvent {
    BusEvent::MessageCreated {
        message: message(room, seq),
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
    assert_eq!(*slow.close.borrow(), Some(CloseSignal::SlowConsumer));
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
    assert_eq!(*first.close.borrow(), Some(CloseSignal::Revoked));
    assert_eq!(*other.close.borrow(), None);
    assert_eq!(gateway.connection_count(), 1);
}

#[test]
fn shutdown_closes_everyone_with_1001_and_refuses_new_connections() {
    let gateway: Arc<Gateway> = Gateway::new(4);
    let connection = gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .unwrap();
    gateway.shutdown();
    assert_eq!(*connection.close.borrow(), Some(CloseSignal::GoingAway));
    assert!(gateway
        .register(UserId::new_v7(), SessionId::new_v7())
        .is_none());
}

//! From bus events to frames: each event is serialized once, here, together with where it
//! goes, so routing in the gateway stays a matter of looking up connections.

use std::sync::Arc;

use chat_domain::{Message, RoomId, SessionId, UserId};
use chat_ports::BusEvent;
use serde_json::json;

use super::outbound::{ChangeEvent, Encoded, Outbound};
use super::protocol::{change_event, message_event, room_joined_event};
use crate::dto::message::ReplyPreviewDto;
use crate::dto::{MessageDto, RoomDto};

/// What happens to a room's subscriptions once its event is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Afterwards {
    /// Nothing.
    Keep,
    /// This user's connections stop receiving the room (left or removed).
    Unsubscribe(UserId),
    /// Everybody stops receiving the room (deleted).
    UnsubscribeAll,
}

/// Where a serialized event goes.
#[derive(Debug)]
pub enum Route {
    /// Every connection subscribed to `room`, except those of `except` (the typist).
    Room {
        /// The room.
        room: RoomId,
        /// The frame.
        item: Outbound,
        /// Whose connections skip it.
        except: Option<UserId>,
        /// What to do with subscriptions after.
        afterwards: Afterwards,
    },
    /// Every connection of `user`, which also starts receiving `room`.
    Joined {
        /// The new member.
        user: UserId,
        /// The room.
        room: RoomId,
        /// The frame.
        item: Outbound,
    },
    /// The connections of `users` that are subscribed to `room` (delivery receipts go to the
    /// authors of the messages delivered).
    Senders {
        /// The room.
        room: RoomId,
        /// Whose connections.
        users: Vec<UserId>,
        /// The frame.
        item: Outbound,
    },
    /// Every connection of one user.
    User {
        /// The user.
        user: UserId,
        /// The frame.
        item: Outbound,
    },
    /// Every connection subscribed to any of `rooms`, once each, except `user`'s own.
    SharedRooms {
        /// Whose presence it is.
        user: UserId,
        /// The user's rooms.
        rooms: Vec<RoomId>,
        /// The frame.
        item: Outbound,
    },
    /// Close the connections of this login with 1008.
    Revoke(SessionId),
    /// Close every connection of this user with 1008.
    Disconnect(UserId),
    /// Nothing for connections (settled by the event pump).
    Nowhere,
}

/// Serializes `event` and decides its route.
pub fn route(event: &BusEvent) -> Route {
    let room_event = |room: RoomId, value: serde_json::Value, afterwards| Route::Room {
        room,
        item: Outbound::RoomEvent {
            json: Encoded::from(value.to_string()),
        },
        except: None,
        afterwards,
    };
    match event {
        BusEvent::MessageCreated { message, reply_preview } => {
            let mut dto = MessageDto::from(message);
            dto.reply_preview = reply_preview.as_ref().map(ReplyPreviewDto::from);
            change_with(message, dto, message_event)
        }
        BusEvent::MessageEdited { message } => change(message, |dto| typed("message_edited", dto)),
        BusEvent::MessageDeleted { message } => change(message, |dto| typed("message_deleted", dto)),
        BusEvent::RoomJoined { user_id, room } => Route::Joined {
            user: *user_id,
            room: room.room.id,
            item: Outbound::RoomJoined { json: room_joined_event(&RoomDto::from(room.as_ref())) },
        },
        BusEvent::SessionRevoked { session_id } => Route::Revoke(*session_id),
        BusEvent::UserDisconnected { user_id } => Route::Disconnect(*user_id),
        BusEvent::SendDeduplicated { .. } | BusEvent::UserBlocked { .. } => Route::Nowhere,
        BusEvent::ReadMarker { room_id, user_id, seq } => room_event(
            *room_id,
            json!({"type": "read", "room_id": room_id, "user_id": user_id, "seq": seq}),
            Afterwards::Keep,
        ),
        BusEvent::Delivered { room_id, user_id, seq, senders } => Route::Senders {
            room: *room_id,
            users: senders.clone(),
            item: Outbound::RoomEvent {
                json: Encoded::from(
                    json!({"type": "delivered", "room_id": room_id, "user_id": user_id, "seq": seq})
                        .to_string(),
                ),
            },
        },
        BusEvent::Typing { room_id, user_id } => Route::Room {
            room: *room_id,
            item: Outbound::RoomEvent {
                json: Encoded::from(json!({"type": "typing", "room_id": room_id, "user_id": user_id}).to_string()),
            },
            except: Some(*user_id),
            afterwards: Afterwards::Keep,
        },
        BusEvent::PresenceChanged { user_id, online, last_seen, rooms } => Route::SharedRooms {
            user: *user_id,
            rooms: rooms.clone(),
            item: Outbound::RoomEvent {
                json: Encoded::from(
                    json!({"type": "presence", "user_id": user_id, "online": online, "last_seen": last_seen})
                        .to_string(),
                ),
            },
        },
        BusEvent::MemberJoined { room_id, user_id } => room_event(
            *room_id,
            json!({"type": "member_joined", "room_id": room_id, "user_id": user_id}),
            Afterwards::Keep,
        ),
        // The one who left asked for it and hears nothing more of the room.
        BusEvent::MemberLeft { room_id, user_id } => Route::Room {
            room: *room_id,
            item: Outbound::RoomEvent {
                json: Encoded::from(
                    json!({"type": "member_left", "room_id": room_id, "user_id": user_id}).to_string(),
                ),
            },
            except: Some(*user_id),
            afterwards: Afterwards::Unsubscribe(*user_id),
        },
        BusEvent::MemberRemoved { room_id, user_id } => room_event(
            *room_id,
            json!({"type": "member_removed", "room_id": room_id, "user_id": user_id}),
            Afterwards::Unsubscribe(*user_id),
        ),
        BusEvent::RoleChanged { room_id, user_id, role } => room_event(
            *room_id,
            json!({"type": "role_changed", "room_id": room_id, "user_id": user_id, "role": role}),
            Afterwards::Keep,
        ),
        BusEvent::RoomUpdated { room, member_count } => room_event(
            room.id,
            json!({"type": "room_updated", "room": {
                "id": room.id, "kind": room.kind, "name": room.name, "description": room.description,
                "member_count": member_count, "created_at": room.created_at,
            }}),
            Afterwards::Keep,
        ),
        BusEvent::RoomDeleted { room_id } => room_event(
            *room_id,
            json!({"type": "room_deleted", "room_id": room_id}),
            Afterwards::UnsubscribeAll,
        ),
        BusEvent::InviteReceived { invite, room_name, inviter } => Route::User {
            user: invite.invitee_id,
            item: Outbound::RoomEvent {
                json: Encoded::from(
                    json!({"type": "invite", "invite": {
                        "id": invite.id, "room_id": invite.room_id, "inviter_id": invite.inviter_id,
                        "invitee_id": invite.invitee_id, "created_at": invite.created_at,
                        "expires_at": invite.expires_at,
                        "room": {"id": invite.room_id, "name": room_name},
                        "inviter": {"id": inviter.id, "username": inviter.username},
                    }})
                    .to_string(),
                ),
            },
        },
    }
}

fn change(message: &Message, frame: impl FnOnce(&MessageDto) -> Encoded) -> Route {
    change_with(message, MessageDto::from(message), frame)
}

fn change_with(
    message: &Message,
    dto: MessageDto,
    frame: impl FnOnce(&MessageDto) -> Encoded,
) -> Route {
    Route::Room {
        room: message.room_id,
        item: Outbound::Change(Arc::new(ChangeEvent {
            id: message.id,
            room_id: message.room_id,
            rev: message.rev,
            json: frame(&dto),
            dto,
        })),
        except: None,
        afterwards: Afterwards::Keep,
    }
}

fn typed(kind: &str, message: &MessageDto) -> Encoded {
    change_event(kind, message)
}

//! Sample entities: users, rooms, memberships, invites, messages, jobs, sessions and sends,
//! with the ids of [`super`] and the time [`NOW`].

use chat_app::messaging::{SendRequest, SendTarget};
use chat_domain::{
    Invite, Membership, Message, MessageBody, NewMessage, Rev, Role, Room, RoomId, RoomKind, Seq,
    Timestamp, User, UserId, Username,
};
use chat_ports::{JobPayload, LeasedJob, MemberProfile, NewJob, Priority, SendAccess, Session};

use super::*;

/// User `n`, called `name`.
pub fn user(n: u64, name: &str) -> User {
    User {
        id: user_id(n),
        username: Username::parse(name).expect("a valid sample username"),
        created_at: NOW,
    }
}

/// Private room `n`, created at [`NOW`].
pub fn private_room(n: u64) -> Room {
    Room {
        id: room_id(n),
        kind: RoomKind::Private,
        name: None,
        description: None,
        created_at: NOW,
    }
}

/// What `send_access` answers a member of `room` nobody blocked.
pub fn access(room: Room) -> SendAccess {
    SendAccess {
        room,
        blocked: false,
    }
}

/// Group `n`, created at [`NOW`].
pub fn group_room(n: u64) -> Room {
    Room {
        id: room_id(n),
        kind: RoomKind::Group,
        name: Some(format!("group {n}")),
        description: None,
        created_at: NOW,
    }
}

/// `user`'s membership of `room`, read up to `read_seq`.
pub fn membership(room: RoomId, user: UserId, read_seq: u64) -> Membership {
    Membership {
        room_id: room,
        user_id: user,
        role: Role::Member,
        joined_at: NOW,
        read_seq: Seq(read_seq),
        delivered_seq: Seq(read_seq),
    }
}

/// `user`'s membership of `room` with `role`, read up to seq 0.
pub fn membership_as(room: RoomId, user: UserId, role: Role) -> Membership {
    Membership {
        role,
        ..membership(room, user, 0)
    }
}

/// `user` as a member of `room` with `role`, joined `joined_offset` ms after [`NOW`].
pub fn member_as(room: RoomId, user: &User, role: Role, joined_offset: i64) -> MemberProfile {
    MemberProfile {
        user: user.clone(),
        membership: Membership {
            joined_at: NOW.plus_millis(joined_offset),
            ..membership_as(room, user.id, role)
        },
    }
}

/// Invite `n` of `invitee` into `room` from `inviter`, sent at [`NOW`], expiring in a week.
pub fn invite(n: u64, room: RoomId, inviter: UserId, invitee: UserId) -> Invite {
    Invite {
        id: invite_id(n),
        room_id: room,
        inviter_id: inviter,
        invitee_id: invitee,
        created_at: NOW,
        expires_at: NOW.plus_millis(7 * 24 * 3_600_000),
    }
}

/// `user` as a member of `room`, as `list_members` returns them.
pub fn member(room: RoomId, user: &User) -> MemberProfile {
    MemberProfile {
        user: user.clone(),
        membership: membership(room, user.id, 0),
    }
}

/// Message `n` from `sender` to `room`, accepted but not yet stored.
pub fn new_message(n: u64, room: RoomId, sender: UserId) -> NewMessage {
    NewMessage {
        id: message_id(n),
        room_id: room,
        sender_id: sender,
        body: MessageBody::parse(&format!("message {n}"), 4000).expect("a valid sample body"),
        client_msg_id: None,
        reply_to: None,
        created_at: NOW,
    }
}

/// `message` as the store keeps it under `seq`, created at rev `seq` (no edits or deletes in
/// the room yet).
pub fn stored(message: &NewMessage, seq: u64) -> Message {
    message.clone().into_message(Seq(seq), Rev(seq))
}

/// A stored message `n` of `room` by `sender` with `seq`, created `at`.
pub fn stored_at(n: u64, room: RoomId, sender: UserId, seq: u64, at: Timestamp) -> Message {
    Message {
        created_at: at,
        ..stored(&new_message(n, room, sender), seq)
    }
}

/// Job `n` with `payload`, leased for its `attempt`th run.
pub fn leased(n: u64, payload: JobPayload, priority: Priority, attempt: u32) -> LeasedJob {
    LeasedJob {
        id: job_id(n),
        payload,
        priority,
        attempt,
    }
}

/// Job `n` persisting `message`, leased for its `attempt`th run.
pub fn persist_job(n: u64, message: &NewMessage, attempt: u32) -> LeasedJob {
    leased(
        n,
        JobPayload::PersistMessage {
            message: message.clone(),
        },
        Priority::Interactive,
        attempt,
    )
}

/// The lease a worker would get for a freshly enqueued `job`.
pub fn lease_of(job: NewJob) -> LeasedJob {
    LeasedJob {
        id: job.id,
        payload: job.payload,
        priority: job.priority,
        attempt: job.attempts + 1,
    }
}

/// An active session `n` of `user`.
pub fn session(n: u64, user: UserId) -> Session {
    Session {
        id: session_id(n),
        user_id: user,
        device: None,
        created_at: NOW,
        last_used_at: NOW,
        revoked_at: None,
    }
}

/// A send from `sender` to `target` with message id [`message_id`]`(1000)`.
pub fn request(sender: UserId, target: SendTarget, body: &str) -> SendRequest {
    SendRequest {
        id: message_id(1000),
        sender,
        target,
        body: body.to_owned(),
        client_msg_id: None,
        reply_to: None,
    }
}

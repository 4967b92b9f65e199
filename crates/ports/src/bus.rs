//! The event bus port: how an event raised on one node reaches the WebSocket gateway of every
//! node.
//!
//! Each node subscribes once and routes events to its own connections; nobody subscribes per
//! connection. Events are facts that already happened (a message is stored, a membership
//! began), published only after the store committed them.

use std::pin::Pin;

use async_trait::async_trait;
use chat_domain::{
    Invite, Message, MessageId, ReplyPreview, Role, Room, RoomId, Seq, SessionId, Timestamp,
    UserId, Username,
};
use futures_util::Stream;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A user as other users see them in passing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    /// The user.
    pub id: UserId,
    /// Their handle.
    pub username: Username,
}

/// A room as one member sees it in their room list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    /// The room.
    pub room: Room,
    /// Both members of a private room; empty for a group (it pages its members).
    pub members: Vec<UserSummary>,
    /// How many members it has.
    pub member_count: u32,
    /// The newest message, if any.
    pub last_message: Option<Message>,
    /// Messages above this member's read marker.
    pub unread_count: u64,
}

/// Something every node's gateway must hear about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BusEvent {
    /// A message was stored: every connection of every member gets it.
    MessageCreated {
        /// The stored message.
        message: Message,
        /// The message it answers, in short (when it is a reply).
        #[serde(default)]
        reply_preview: Option<ReplyPreview>,
    },
    /// `user_id` became a member of `room`: their connections start receiving its events.
    RoomJoined {
        /// The new member.
        user_id: UserId,
        /// The room as they see it.
        room: Box<RoomView>,
    },
    /// The persistence job for `pending_id` found the same `client_msg_id` already stored:
    /// whoever waits for `pending_id` gets `original` instead of a new message.
    SendDeduplicated {
        /// The id the retried send was accepted under.
        pending_id: MessageId,
        /// The message stored the first time.
        original: Message,
    },
    /// A login was revoked: its connections close with 1008.
    SessionRevoked {
        /// The revoked login.
        session_id: SessionId,
    },
    /// Every connection of `user_id` must close with 1008 (an administrator disconnected or
    /// locked them, or they logged out everywhere).
    UserDisconnected {
        /// Whose connections close.
        user_id: UserId,
    },
    /// A message's body changed: every member gets the updated message.
    MessageEdited {
        /// The message as it is now.
        message: Message,
    },
    /// A message was deleted: every member gets its tombstone.
    MessageDeleted {
        /// The tombstone.
        message: Message,
    },
    /// A member's read marker moved forward.
    ReadMarker {
        /// The room.
        room_id: RoomId,
        /// The reader.
        user_id: UserId,
        /// Their new marker.
        seq: Seq,
    },
    /// A member's devices confirmed receiving everything up to `seq`.
    Delivered {
        /// The room.
        room_id: RoomId,
        /// The recipient.
        user_id: UserId,
        /// Their new delivered marker.
        seq: Seq,
        /// The authors of the messages the marker passed: only their connections are told.
        #[serde(default)]
        senders: Vec<UserId>,
    },
    /// A member is typing; relayed to the room's other members, never stored.
    Typing {
        /// The room.
        room_id: RoomId,
        /// Who types.
        user_id: UserId,
    },
    /// A user came online or went offline; goes to everyone sharing one of `rooms` with them.
    PresenceChanged {
        /// The user.
        user_id: UserId,
        /// Whether any device of theirs is connected.
        online: bool,
        /// When the last connection closed (offline only).
        last_seen: Option<Timestamp>,
        /// Every room of the user, to route the event.
        rooms: Vec<RoomId>,
    },
    /// Someone became a member of a group (every member, the new one included, gets it).
    MemberJoined {
        /// The group.
        room_id: RoomId,
        /// The new member.
        user_id: UserId,
    },
    /// A member left; they stop receiving the room's events.
    MemberLeft {
        /// The group.
        room_id: RoomId,
        /// Who left.
        user_id: UserId,
    },
    /// A member was removed (they get this event too, then nothing more of the room).
    MemberRemoved {
        /// The group.
        room_id: RoomId,
        /// Who was removed.
        user_id: UserId,
    },
    /// A member's role changed.
    RoleChanged {
        /// The group.
        room_id: RoomId,
        /// The member.
        user_id: UserId,
        /// Their new role.
        role: Role,
    },
    /// A group's name or description changed.
    RoomUpdated {
        /// The room as it is now.
        room: Room,
        /// How many members it has.
        member_count: u32,
    },
    /// A group was deleted; every member stops receiving its events.
    RoomDeleted {
        /// The deleted group.
        room_id: RoomId,
    },
    /// `invite.invitee_id` was invited into a group.
    InviteReceived {
        /// The invite.
        invite: Invite,
        /// The group's name (the invitee cannot see the room yet).
        room_name: Option<String>,
        /// Who invited.
        inviter: UserSummary,
    },
    /// `blocker` blocked `blocked`. No client is told; each node forgets what it remembered
    /// about where `blocked` may send.
    UserBlocked {
        /// Who blocked.
        blocker: UserId,
        /// Who is blocked.
        blocked: UserId,
    },
}

impl BusEvent {
    /// The room whose member connections this event goes to, if it is a room event.
    pub fn room_id(&self) -> Option<RoomId> {
        match self {
            Self::MessageCreated { message, .. }
            | Self::MessageEdited { message }
            | Self::MessageDeleted { message } => Some(message.room_id),
            Self::ReadMarker { room_id, .. }
            | Self::Delivered { room_id, .. }
            | Self::Typing { room_id, .. }
            | Self::MemberJoined { room_id, .. }
            | Self::MemberLeft { room_id, .. }
            | Self::MemberRemoved { room_id, .. }
            | Self::RoleChanged { room_id, .. }
            | Self::RoomDeleted { room_id } => Some(*room_id),
            Self::RoomUpdated { room, .. } => Some(room.id),
            Self::RoomJoined { .. }
            | Self::SendDeduplicated { .. }
            | Self::SessionRevoked { .. }
            | Self::UserDisconnected { .. }
            | Self::PresenceChanged { .. }
            | Self::InviteReceived { .. }
            | Self::UserBlocked { .. } => None,
        }
    }
}

/// The events a subscription yields, in publication order.
pub type EventStream = Pin<Box<dyn Stream<Item = BusEvent> + Send>>;

/// What can go wrong on the bus.
#[derive(Debug, Error)]
pub enum BusError {
    /// The backing service failed; retrying later may succeed.
    #[error("event bus unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Publish-subscribe of [`BusEvent`]s across every node of a deployment.
///
/// Implementations MUST deliver every event published after a subscription began to that
/// subscription, once, and the events of one publisher in the order it published them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Publishes `event` to every subscription.
    async fn publish(&self, event: &BusEvent) -> Result<(), BusError>;
    /// Publishes `events` in order, as `publish` one after the other would, but in as few
    /// round trips as the bus allows (one, on Redis): a group commit publishes its whole batch
    /// with it. On an error, any prefix of `events` may have been published.
    async fn publish_all(&self, events: &[BusEvent]) -> Result<(), BusError> {
        for event in events {
            self.publish(event).await?;
        }
        Ok(())
    }
    /// A new subscription (one per node).
    async fn subscribe(&self) -> Result<EventStream, BusError>;
}

//! Sending a message, to a room or lazily to a user.
//!
//! Guarantees (each raced in the contract and end-to-end tests):
//! - exactly one private room per pair of users, also when both send their first message at
//!   the same instant: the room store's unique pair key decides, and the loser reuses the
//!   winner's room;
//! - a retried `(sender, client_msg_id)` in a room yields the original message and stores
//!   nothing new: the group commit looks the key up in the store and in its own batch, so a
//!   retry is deduplicated whether the original was committed long ago or races it;
//! - the call returns only once the message is committed, so whatever was acknowledged
//!   survives a crash;
//! - nobody messages privately a user who blocked them, whether by user id or by the room's
//!   id, and no private room is ever created with a user who blocked the sender;
//! - a first message creates no room for a sender or a recipient who is at the rooms-per-user
//!   limit ([`crate::room_limit`]); messages into existing rooms never meet the limit.
//!
//! Cost: a message into an existing room reads the store once before it is queued
//! ([`RoomStore::send_access`](chat_ports::RoomStore::send_access): membership, room and block
//! check together); everything after that is shared by the whole group commit.

use chat_domain::{
    BodyError, ClientMsgId, Message, MessageBody, MessageId, NewMessage, PrivatePair, Room, RoomId,
    RoomKind, UserId,
};
use chat_ports::{JobPayload, NewJob, NewPrivateRoom, Priority, StoreError};
use thiserror::Error;

use super::{MembershipError, MessagingService};
use crate::room_limit::has_room_for;

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendTarget {
    /// The private room with this user, created by the first message.
    User(UserId),
    /// A room the sender belongs to.
    Room(RoomId),
}

/// A message as a client submits it.
#[derive(Debug, Clone)]
pub struct SendRequest {
    /// The id the message will have (from [`MessagingService::new_message_id`]).
    pub id: MessageId,
    /// The author.
    pub sender: UserId,
    /// The destination.
    pub target: SendTarget,
    /// The raw text (trimmed and checked here).
    pub body: String,
    /// The client's idempotency key.
    pub client_msg_id: Option<String>,
    /// The message this one answers.
    pub reply_to: Option<MessageId>,
}

/// A committed send.
#[derive(Debug, Clone)]
pub struct SendOutcome {
    /// The room it went to (new if this send created it).
    pub room: Room,
    /// The stored message; the original one when this was a retry.
    pub message: Message,
    /// False when the `client_msg_id` had been stored before and nothing new was written.
    pub created: bool,
}

/// Why a send was refused.
#[derive(Debug, Error)]
pub enum SendError {
    /// Empty or too long.
    #[error(transparent)]
    InvalidBody(#[from] BodyError),
    /// The `client_msg_id` is empty, too long or has control characters.
    #[error("invalid client_msg_id")]
    InvalidClientMsgId,
    /// A private message to oneself.
    #[error("you cannot message yourself")]
    SelfMessage,
    /// The recipient does not exist.
    #[error("user not found")]
    UserNotFound,
    /// The recipient of a private message has blocked the sender.
    #[error("this user has blocked you")]
    Blocked,
    /// The room does not exist or the sender is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// A first message would create a private room, but the sender is in as many rooms as a
    /// user may be.
    #[error("you are in the maximum of {max} rooms")]
    RoomLimitReached {
        /// The limit in force.
        max: u32,
    },
    /// A first message would create a private room, but the recipient is in as many rooms as
    /// a user may be.
    #[error("the recipient is in the maximum of {max} rooms")]
    RecipientRoomLimitReached {
        /// The limit in force.
        max: u32,
    },
    /// `reply_to` names no message of this room.
    #[error("reply_to names no message of this room")]
    ReplyNotFound,
    /// The message could not be committed in time; retrying with the same `client_msg_id` is safe.
    #[error("message store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> SendError {
    SendError::Unavailable(Box::new(error))
}

impl From<MembershipError> for SendError {
    fn from(error: MembershipError) -> Self {
        match error {
            MembershipError::NotAMember => Self::RoomNotFound,
            MembershipError::Store(error) => unavailable(error),
        }
    }
}

#[derive(Debug, Error)]
#[error("the message was not committed within the time limit")]
struct CommitTimeout;

impl MessagingService {
    /// Validates, routes and durably stores one message; see the module docs for guarantees.
    #[tracing::instrument(skip_all, fields(message_id = %request.id, user_id = %request.sender, target = ?request.target))]
    pub async fn send(&self, request: SendRequest) -> Result<SendOutcome, SendError> {
        let body = MessageBody::parse(&request.body, self.config.max_body_chars)?;
        let client_msg_id = request
            .client_msg_id
            .as_deref()
            .map(ClientMsgId::parse)
            .transpose()
            .map_err(|_| SendError::InvalidClientMsgId)?;
        let room = match request.target {
            SendTarget::User(recipient) => {
                self.private_room_with(request.sender, recipient).await?
            }
            SendTarget::Room(room_id) => {
                let access = self
                    .ports
                    .rooms
                    .send_access(room_id, request.sender)
                    .await
                    .map_err(unavailable)?
                    .ok_or(SendError::RoomNotFound)?;
                if access.blocked {
                    return Err(SendError::Blocked);
                }
                access.room
            }
        };
        if let Some(reply_to) = request.reply_to {
            let found = self
                .ports
                .messages
                .find_in_room(room.id, reply_to)
                .await
                .map_err(unavailable)?;
            if found.is_none() {
                return Err(SendError::ReplyNotFound);
            }
        }
        let message = NewMessage {
            id: request.id,
            room_id: room.id,
            sender_id: request.sender,
            body,
            client_msg_id,
            reply_to: request.reply_to,
            created_at: self.ports.clock.now(),
        };
        let stored = self.persist(message).await?;
        let created = stored.id == request.id;
        Ok(SendOutcome {
            room,
            message: stored,
            created,
        })
    }

    /// The private room of `sender` and `recipient`, created now if this is their first message.
    async fn private_room_with(
        &self,
        sender: UserId,
        recipient: UserId,
    ) -> Result<Room, SendError> {
        let pair = PrivatePair::new(sender, recipient).map_err(|_| SendError::SelfMessage)?;
        if self
            .ports
            .users
            .find_by_id(recipient)
            .await
            .map_err(unavailable)?
            .is_none()
        {
            return Err(SendError::UserNotFound);
        }
        // Checked before the room is looked up, so a block also prevents its lazy creation.
        self.refuse_if_blocked(recipient, sender).await?;
        if let Some(room) = self
            .ports
            .rooms
            .find_private_room(&pair)
            .await
            .map_err(unavailable)?
        {
            return Ok(room);
        }
        self.refuse_at_room_limit(sender, recipient).await?;
        let room = Room {
            id: RoomId::from_uuid(self.ports.ids.new_id()),
            kind: RoomKind::Private,
            name: None,
            description: None,
            created_at: self.ports.clock.now(),
        };
        // Racing first messages both get here; the store keeps one room and hands it to both.
        let outcome = self
            .ports
            .rooms
            .create_private_room(&NewPrivateRoom { room, pair })
            .await
            .map_err(unavailable)?;
        Ok(outcome.room().clone())
    }

    /// Fails when a new private room would take `sender` or `recipient` over the rooms-per-user
    /// limit; the sender is checked first.
    async fn refuse_at_room_limit(
        &self,
        sender: UserId,
        recipient: UserId,
    ) -> Result<(), SendError> {
        let max = self.config.max_rooms_per_user;
        let rooms = self.ports.rooms.as_ref();
        if !has_room_for(rooms, sender, max).await? {
            return Err(SendError::RoomLimitReached { max });
        }
        if !has_room_for(rooms, recipient, max).await? {
            return Err(SendError::RecipientRoomLimitReached { max });
        }
        Ok(())
    }

    /// Fails with `Blocked` when `recipient` has blocked `sender`.
    async fn refuse_if_blocked(&self, recipient: UserId, sender: UserId) -> Result<(), SendError> {
        if self
            .ports
            .blocks
            .is_blocked(recipient, sender)
            .await
            .map_err(unavailable)?
        {
            return Err(SendError::Blocked);
        }
        Ok(())
    }

    /// Enqueues the message's persistence and waits until a worker committed it.
    async fn persist(&self, message: NewMessage) -> Result<Message, SendError> {
        let waiter = self.pending.register(message.id);
        let job = NewJob {
            id: chat_domain::JobId::from_uuid(self.ports.ids.new_id()),
            payload: JobPayload::PersistMessage { message },
            priority: Priority::Interactive,
            delay: std::time::Duration::ZERO,
            attempts: 0,
        };
        self.ports.queue.enqueue(job).await.map_err(unavailable)?;
        match tokio::time::timeout(self.config.send_commit_timeout, waiter.wait()).await {
            Ok(Some(stored)) => Ok(stored),
            Ok(None) | Err(_) => Err(unavailable(CommitTimeout)),
        }
    }
}

impl From<StoreError> for SendError {
    fn from(error: StoreError) -> Self {
        unavailable(error)
    }
}

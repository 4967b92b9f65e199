//! Editing and deleting messages, and reading a message's edit history.
//!
//! Each change takes the room's next rev in the store. The node's whole publish order (both
//! stages) is held from just before the store call until the event is on the bus, so two
//! changes committed on this node one after the other (or a change and a group commit) are
//! published in rev order.

use chat_domain::{BodyError, Message, MessageBody, MessageEdit, MessageId, Role, RoomId, UserId};
use chat_ports::{BusEvent, StoreError};
use thiserror::Error;

use super::{MembershipError, MessagingService};
use crate::ordering::publish_or_queue;

/// Why an edit was refused.
#[derive(Debug, Error)]
pub enum EditError {
    /// The new body is empty or too long.
    #[error(transparent)]
    InvalidBody(#[from] BodyError),
    /// No such room, or the editor is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// No such message in the room, or it was deleted.
    #[error("message not found")]
    MessageNotFound,
    /// Only the author may edit a message.
    #[error("only the author may edit a message")]
    Forbidden,
    /// The edit window of the message has passed.
    #[error("the edit window of this message has closed")]
    EditWindowClosed,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why a delete was refused.
#[derive(Debug, Error)]
pub enum DeleteError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// No such message in the room.
    #[error("message not found")]
    MessageNotFound,
    /// Someone else's message, and the caller is no admin or owner of the group.
    #[error("you may not delete this message")]
    Forbidden,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why an edit history could not be read.
#[derive(Debug, Error)]
pub enum EditHistoryError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// No such message in the room.
    #[error("message not found")]
    MessageNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

macro_rules! from_membership {
    ($error:ident) => {
        impl From<MembershipError> for $error {
            fn from(error: MembershipError) -> Self {
                match error {
                    MembershipError::NotAMember => Self::RoomNotFound,
                    MembershipError::Store(error) => Self::Unavailable(error),
                }
            }
        }
    };
}
from_membership!(EditError);
from_membership!(DeleteError);
from_membership!(EditHistoryError);

impl MessagingService {
    /// Replaces the body of `user`'s message `id` in `room` and tells the room.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room, message_id = %id))]
    pub async fn edit(
        &self,
        user: UserId,
        room: RoomId,
        id: MessageId,
        body: &str,
    ) -> Result<Message, EditError> {
        let body = MessageBody::parse(body, self.config.max_body_chars)?;
        self.require_membership(room, user).await?;
        let message = self
            .find(room, id)
            .await
            .map_err(EditError::Unavailable)?
            .filter(|m| !m.deleted)
            .ok_or(EditError::MessageNotFound)?;
        if message.sender_id != user {
            return Err(EditError::Forbidden);
        }
        let window = i64::try_from(self.config.edit_window.as_millis()).unwrap_or(i64::MAX);
        let now = self.ports.clock.now();
        if now >= message.created_at.plus_millis(window) {
            return Err(EditError::EditWindowClosed);
        }
        let _turn = self.publish_order.turn().await;
        let edited = match self.ports.messages.edit(room, id, &body, now).await {
            Ok(edited) => edited,
            // Deleted between the check and the edit.
            Err(StoreError::NotFound) => return Err(EditError::MessageNotFound),
            Err(error) => return Err(EditError::Unavailable(error)),
        };
        let event = BusEvent::MessageEdited {
            message: edited.clone(),
        };
        publish_or_queue(&self.ports, &self.config, event).await;
        Ok(edited)
    }

    /// Turns message `id` of `room` into a tombstone and tells the room. The author may delete
    /// their own messages; a group's owner and admins anyone's. Deleting a tombstone again
    /// changes nothing and announces nothing.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room, message_id = %id))]
    pub async fn delete(
        &self,
        user: UserId,
        room: RoomId,
        id: MessageId,
    ) -> Result<Message, DeleteError> {
        let membership = self.require_membership(room, user).await?;
        let message = self
            .find(room, id)
            .await
            .map_err(DeleteError::Unavailable)?
            .ok_or(DeleteError::MessageNotFound)?;
        // Only groups have moderators: in a private room both members hold `Member`.
        let moderates = matches!(membership.role, Role::Owner | Role::Admin);
        if message.sender_id != user && !moderates {
            return Err(DeleteError::Forbidden);
        }
        if message.deleted {
            return Ok(message);
        }
        let _turn = self.publish_order.turn().await;
        let tombstone = match self
            .ports
            .messages
            .delete(room, id, self.ports.clock.now())
            .await
        {
            Ok(tombstone) => tombstone,
            Err(StoreError::NotFound) => return Err(DeleteError::MessageNotFound),
            Err(error) => return Err(DeleteError::Unavailable(error)),
        };
        // A racing delete may have made the tombstone first and announced it too; announcing
        // it twice is harmless, since connections drop a rev they already have.
        let event = BusEvent::MessageDeleted {
            message: tombstone.clone(),
        };
        publish_or_queue(&self.ports, &self.config, event).await;
        Ok(tombstone)
    }

    /// The earlier bodies of message `id` of `room`, oldest first, for a member. A deleted
    /// message has none: its history goes with it.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room, message_id = %id))]
    pub async fn edit_history(
        &self,
        user: UserId,
        room: RoomId,
        id: MessageId,
    ) -> Result<Vec<MessageEdit>, EditHistoryError> {
        self.require_membership(room, user).await?;
        let message = self
            .find(room, id)
            .await
            .map_err(EditHistoryError::Unavailable)?
            .ok_or(EditHistoryError::MessageNotFound)?;
        if message.deleted {
            return Ok(Vec::new());
        }
        self.ports
            .messages
            .edit_history(room, id)
            .await
            .map_err(EditHistoryError::Unavailable)
    }

    async fn find(&self, room: RoomId, id: MessageId) -> Result<Option<Message>, StoreError> {
        self.ports.messages.find_in_room(room, id).await
    }
}

//! Answering invites: the invitee accepts or declines; the inviter or a moderator cancels.
//!
//! Only the invitee learns that an invite exists: to anyone else (but its inviter and the
//! group's moderators, who may cancel it) it is `InviteNotFound`.

use chat_domain::{InviteId, Room, UserId};
use chat_ports::{BusEvent, JoinOutcome, RoomView, StoreError};
use thiserror::Error;

use super::{GroupService, MODERATORS};
use crate::ordering::publish_or_queue;

/// Why an invite could not be accepted.
#[derive(Debug, Error)]
pub enum AcceptInviteError {
    /// No such invite for this user (or its group is gone).
    #[error("invite not found")]
    InviteNotFound,
    /// The invite expired.
    #[error("invite expired")]
    InviteExpired,
    /// The group has its maximum number of members.
    #[error("room full")]
    RoomFull,
    /// The invitee is in as many rooms as a user may be; the invite stays pending.
    #[error("you are in the maximum of {max} rooms")]
    RoomLimitReached {
        /// The limit in force.
        max: u32,
    },
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why an invite could not be declined.
#[derive(Debug, Error)]
pub enum DeclineInviteError {
    /// No such invite for this user.
    #[error("invite not found")]
    InviteNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why an invite could not be cancelled.
#[derive(Debug, Error)]
pub enum CancelInviteError {
    /// No such invite, or the caller cannot see its group.
    #[error("invite not found")]
    InviteNotFound,
    /// A member who is neither the inviter nor a moderator.
    #[error("only the inviter, the owner and admins may cancel an invite")]
    Forbidden,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl GroupService {
    /// `user` accepts invite `id` and joins its group; returns the group as they now see it.
    #[tracing::instrument(skip_all, fields(user_id = %user, invite_id = %id))]
    pub async fn accept_invite(
        &self,
        user: UserId,
        id: InviteId,
    ) -> Result<RoomView, AcceptInviteError> {
        let unavailable = AcceptInviteError::Unavailable;
        let invite = self
            .ports
            .invites
            .find_invite(id)
            .await
            .map_err(unavailable)?
            .filter(|invite| invite.invitee_id == user)
            .ok_or(AcceptInviteError::InviteNotFound)?;
        let now = self.ports.clock.now();
        if invite.is_expired(now) {
            return Err(AcceptInviteError::InviteExpired);
        }
        if !self
            .may_join(user, invite.room_id)
            .await
            .map_err(unavailable)?
        {
            let max = self.config.max_rooms_per_user;
            return Err(AcceptInviteError::RoomLimitReached { max });
        }
        let outcome = match self
            .ports
            .invites
            .accept_invite(id, now, self.config.max_group_members)
            .await
        {
            Ok(outcome) => outcome,
            // Declined, cancelled or its group deleted meanwhile.
            Err(StoreError::NotFound) => return Err(AcceptInviteError::InviteNotFound),
            Err(error) => return Err(unavailable(error)),
        };
        if outcome == JoinOutcome::RoomFull {
            return Err(AcceptInviteError::RoomFull);
        }
        let room = self
            .ports
            .rooms
            .find_room(invite.room_id)
            .await
            .map_err(unavailable)?
            .ok_or(AcceptInviteError::InviteNotFound)?;
        self.announce_join(user, room, outcome)
            .await
            .map_err(unavailable)
    }

    /// `user` declines invite `id`.
    #[tracing::instrument(skip_all, fields(user_id = %user, invite_id = %id))]
    pub async fn decline_invite(
        &self,
        user: UserId,
        id: InviteId,
    ) -> Result<(), DeclineInviteError> {
        let unavailable = DeclineInviteError::Unavailable;
        let invite = self
            .ports
            .invites
            .find_invite(id)
            .await
            .map_err(unavailable)?;
        if invite.is_none_or(|invite| invite.invitee_id != user) {
            return Err(DeclineInviteError::InviteNotFound);
        }
        match self
            .ports
            .invites
            .delete_invite(id)
            .await
            .map_err(unavailable)?
        {
            true => Ok(()),
            false => Err(DeclineInviteError::InviteNotFound),
        }
    }

    /// `user` (the inviter, or an owner or admin of the group) withdraws invite `id`.
    #[tracing::instrument(skip_all, fields(user_id = %user, invite_id = %id))]
    pub async fn cancel_invite(&self, user: UserId, id: InviteId) -> Result<(), CancelInviteError> {
        let unavailable = CancelInviteError::Unavailable;
        let invite = self
            .ports
            .invites
            .find_invite(id)
            .await
            .map_err(unavailable)?
            .ok_or(CancelInviteError::InviteNotFound)?;
        if invite.inviter_id != user {
            let membership = self
                .ports
                .rooms
                .find_membership(invite.room_id, user)
                .await
                .map_err(unavailable)?
                .ok_or(CancelInviteError::InviteNotFound)?;
            if !MODERATORS.contains(&membership.role) {
                return Err(CancelInviteError::Forbidden);
            }
        }
        match self
            .ports
            .invites
            .delete_invite(id)
            .await
            .map_err(unavailable)?
        {
            true => Ok(()),
            false => Err(CancelInviteError::InviteNotFound),
        }
    }

    /// After `user` joined `room` (or found themselves a member already): for a new member,
    /// their connections start receiving the room (`RoomJoined`, first, so they also hear the
    /// next event) and the room hears of them (`MemberJoined`). Returns the room's view.
    pub(super) async fn announce_join(
        &self,
        user: UserId,
        room: Room,
        outcome: JoinOutcome,
    ) -> Result<RoomView, StoreError> {
        let room_id = room.id;
        let view = self.joined_view(room).await?;
        if outcome == JoinOutcome::Joined {
            let joined = BusEvent::RoomJoined {
                user_id: user,
                room: Box::new(view.clone()),
            };
            publish_or_queue(&self.ports, &self.config, joined).await;
            let member = BusEvent::MemberJoined {
                room_id,
                user_id: user,
            };
            publish_or_queue(&self.ports, &self.config, member).await;
        }
        Ok(view)
    }
}

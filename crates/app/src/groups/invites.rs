//! Sending invites into a group and listing one's own; answering them is in
//! [`answers`](super::answers).
//!
//! An invite names the group and the inviter along with itself, because the invitee cannot
//! see the room yet.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use chat_domain::{Invite, InviteId, Room, RoomId, User, UserId};
use chat_ports::{BusEvent, StoreError, UserSummary};
use thiserror::Error;

use super::{GroupService, MODERATORS};
use crate::ordering::publish_or_queue;

/// An invite with what its invitee needs to know to answer it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingInvite {
    /// The invite.
    pub invite: Invite,
    /// The group's name.
    pub room_name: Option<String>,
    /// Who invited.
    pub inviter: UserSummary,
}

/// Why an invite could not be sent.
#[derive(Debug, Error)]
pub enum InviteError {
    /// No such room, or the inviter is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms take no invites.
    #[error("not a group")]
    NotAGroup,
    /// Only the owner and admins invite.
    #[error("only the owner and admins may invite")]
    Forbidden,
    /// The invitee does not exist.
    #[error("user not found")]
    UserNotFound,
    /// The invitee is a member already.
    #[error("already a member")]
    AlreadyMember,
    /// The invitee has a pending invite into this group already.
    #[error("already invited")]
    AlreadyInvited,
    /// The invitee has blocked the inviter.
    #[error("this user has blocked you")]
    Blocked,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why pending invites could not be listed.
#[derive(Debug, Error)]
pub enum ListInvitesError {
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

from_access!(InviteError);

impl GroupService {
    /// `inviter` (owner or admin of `room`) invites `invitee`, who hears of it at once.
    #[tracing::instrument(skip_all, fields(inviter = %inviter, room_id = %room, invitee = %invitee))]
    pub async fn invite(
        &self,
        inviter: UserId,
        room: RoomId,
        invitee: UserId,
    ) -> Result<PendingInvite, InviteError> {
        let (group, _) = self.require_role(room, inviter, MODERATORS).await?;
        let unavailable = InviteError::Unavailable;
        let Some(invitee_account) = self
            .ports
            .users
            .find_by_id(invitee)
            .await
            .map_err(unavailable)?
        else {
            return Err(InviteError::UserNotFound);
        };
        let member = self
            .ports
            .rooms
            .find_membership(room, invitee)
            .await
            .map_err(unavailable)?;
        if member.is_some() {
            return Err(InviteError::AlreadyMember);
        }
        if self
            .ports
            .blocks
            .is_blocked(invitee_account.id, inviter)
            .await
            .map_err(unavailable)?
        {
            return Err(InviteError::Blocked);
        }
        let inviter = self
            .ports
            .users
            .find_by_id(inviter)
            .await
            .map_err(unavailable)?
            .ok_or_else(|| unavailable(StoreError::corrupt("member without account")))?;
        match self.send_invite(&group, &inviter, invitee).await {
            Ok(pending) => Ok(pending),
            Err(StoreError::Conflict(_)) => Err(InviteError::AlreadyInvited),
            Err(error) => Err(unavailable(error)),
        }
    }

    /// The invites waiting for `user`, oldest first, without expired ones or ones whose
    /// group is gone.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn list_invites(&self, user: UserId) -> Result<Vec<PendingInvite>, ListInvitesError> {
        let unavailable = ListInvitesError::Unavailable;
        let now = self.ports.clock.now();
        let invites = self
            .ports
            .invites
            .list_invites_for(user, now)
            .await
            .map_err(unavailable)?;
        let mut rooms: HashMap<RoomId, Option<Room>> = HashMap::new();
        let mut inviters: HashMap<UserId, Option<User>> = HashMap::new();
        let mut pending = Vec::with_capacity(invites.len());
        for invite in invites {
            if let Entry::Vacant(slot) = rooms.entry(invite.room_id) {
                slot.insert(
                    self.ports
                        .rooms
                        .find_room(invite.room_id)
                        .await
                        .map_err(unavailable)?,
                );
            }
            if let Entry::Vacant(slot) = inviters.entry(invite.inviter_id) {
                slot.insert(
                    self.ports
                        .users
                        .find_by_id(invite.inviter_id)
                        .await
                        .map_err(unavailable)?,
                );
            }
            let (Some(Some(room)), Some(Some(inviter))) =
                (rooms.get(&invite.room_id), inviters.get(&invite.inviter_id))
            else {
                continue;
            };
            pending.push(PendingInvite {
                room_name: room.name.clone(),
                inviter: summary(inviter),
                invite,
            });
        }
        Ok(pending)
    }

    /// Stores an invite of `invitee` into `room` from `inviter` and tells the invitee.
    /// `Conflict` when they have a pending invite into it already.
    pub(super) async fn send_invite(
        &self,
        room: &Room,
        inviter: &User,
        invitee: UserId,
    ) -> Result<PendingInvite, StoreError> {
        let now = self.ports.clock.now();
        let ttl = i64::try_from(self.config.invite_ttl.as_millis()).unwrap_or(i64::MAX);
        let invite = Invite {
            id: InviteId::from_uuid(self.ports.ids.new_id()),
            room_id: room.id,
            inviter_id: inviter.id,
            invitee_id: invitee,
            created_at: now,
            expires_at: now.plus_millis(ttl),
        };
        self.ports.invites.create_invite(&invite).await?;
        let pending = PendingInvite {
            invite,
            room_name: room.name.clone(),
            inviter: summary(inviter),
        };
        let event = BusEvent::InviteReceived {
            invite: pending.invite.clone(),
            room_name: pending.room_name.clone(),
            inviter: pending.inviter.clone(),
        };
        publish_or_queue(&self.ports, &self.config, event).await;
        Ok(pending)
    }
}

pub(super) fn summary(user: &User) -> UserSummary {
    UserSummary {
        id: user.id,
        username: user.username.clone(),
    }
}

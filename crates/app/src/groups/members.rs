//! A group's members: paging through them, removing one, and leaving.
//!
//! Removed members and those who left lose the room at once: the membership goes first, then
//! the event that makes every node's gateway drop the room from their connections.

use chat_domain::{Role, RoomId, UserId};
use chat_ports::{BusEvent, MemberProfile, StoreError};
use thiserror::Error;

use super::{Access, GroupService, ANY_ROLE, MODERATORS};
use crate::ordering::publish_or_queue;

/// Largest page of members a client may ask for.
pub const MEMBERS_MAX_LIMIT: u32 = 200;

/// One page of a room's members, in user id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembersPage {
    /// The members.
    pub members: Vec<MemberProfile>,
    /// Whether more follow (ask again after the last one's id).
    pub has_more: bool,
}

/// Why the members could not be listed.
#[derive(Debug, Error)]
pub enum MembersPageError {
    /// `limit` outside `1..=200`.
    #[error("limit must be between 1 and {MEMBERS_MAX_LIMIT}")]
    InvalidLimit,
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why a member could not be removed.
#[derive(Debug, Error)]
pub enum RemoveMemberError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms keep their two members.
    #[error("not a group")]
    NotAGroup,
    /// A plain member, or an admin removing an admin or the owner.
    #[error("you may not remove this member")]
    Forbidden,
    /// The user to remove is not a member.
    #[error("member not found")]
    MemberNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why a member could not leave.
#[derive(Debug, Error)]
pub enum LeaveError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms keep their two members.
    #[error("not a group")]
    NotAGroup,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

from_access!(RemoveMemberError);

impl From<Access> for LeaveError {
    fn from(access: Access) -> Self {
        match access {
            // Every role may leave, so the check never answers `Forbidden`.
            Access::RoomNotFound | Access::Forbidden => Self::RoomNotFound,
            Access::NotAGroup => Self::NotAGroup,
            Access::Store(error) => Self::Unavailable(error),
        }
    }
}

impl GroupService {
    /// Up to `limit` members of `room` whose user id is above `after`, for a member.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn members_page(
        &self,
        user: UserId,
        room: RoomId,
        after: Option<UserId>,
        limit: u32,
    ) -> Result<MembersPage, MembersPageError> {
        if !(1..=MEMBERS_MAX_LIMIT).contains(&limit) {
            return Err(MembersPageError::InvalidLimit);
        }
        let unavailable = MembersPageError::Unavailable;
        let membership = self
            .ports
            .rooms
            .find_membership(room, user)
            .await
            .map_err(unavailable)?;
        if membership.is_none() {
            return Err(MembersPageError::RoomNotFound);
        }
        // One more than asked tells whether more follow.
        let mut members = self
            .ports
            .rooms
            .list_members_page(room, after, limit + 1)
            .await
            .map_err(unavailable)?;
        let has_more = members.len() > limit as usize;
        members.truncate(limit as usize);
        Ok(MembersPage { members, has_more })
    }

    /// `actor` removes `target` from `room`. The owner removes anyone; an admin removes plain
    /// members; removing oneself is leaving.
    #[tracing::instrument(skip_all, fields(actor = %actor, room_id = %room, target = %target))]
    pub async fn remove_member(
        &self,
        actor: UserId,
        room: RoomId,
        target: UserId,
    ) -> Result<(), RemoveMemberError> {
        if actor == target {
            return self.leave(actor, room).await.map_err(|error| match error {
                LeaveError::RoomNotFound => RemoveMemberError::RoomNotFound,
                LeaveError::NotAGroup => RemoveMemberError::NotAGroup,
                LeaveError::Unavailable(error) => RemoveMemberError::Unavailable(error),
            });
        }
        let (_, membership) = self.require_role(room, actor, MODERATORS).await?;
        let unavailable = RemoveMemberError::Unavailable;
        let removed = self
            .ports
            .rooms
            .find_membership(room, target)
            .await
            .map_err(unavailable)?
            .ok_or(RemoveMemberError::MemberNotFound)?;
        let allowed = match removed.role {
            Role::Owner => false,
            Role::Admin => membership.role == Role::Owner,
            Role::Member => true,
        };
        if !allowed {
            return Err(RemoveMemberError::Forbidden);
        }
        if !self
            .ports
            .rooms
            .remove_member(room, target)
            .await
            .map_err(unavailable)?
        {
            return Err(RemoveMemberError::MemberNotFound);
        }
        let event = BusEvent::MemberRemoved {
            room_id: room,
            user_id: target,
        };
        publish_or_queue(&self.ports, &self.config, event).await;
        Ok(())
    }

    /// `user` leaves `room`. An owner who leaves hands the group to the longest-standing
    /// admin, else to the longest-standing member; an owner who was alone deletes it.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn leave(&self, user: UserId, room: RoomId) -> Result<(), LeaveError> {
        let (_, membership) = self.require_role(room, user, ANY_ROLE).await?;
        let unavailable = LeaveError::Unavailable;
        let mut successor = None;
        if membership.role == Role::Owner {
            let mut others: Vec<MemberProfile> = self
                .ports
                .rooms
                .list_members(room)
                .await
                .map_err(unavailable)?
                .into_iter()
                .filter(|m| m.user.id != user)
                .collect();
            // Join order; the sort is stable, so equal times keep the store's order.
            others.sort_by_key(|m| m.membership.joined_at);
            let heir = others
                .iter()
                .find(|m| m.membership.role == Role::Admin)
                .or_else(|| others.first())
                .map(|m| m.user.id);
            let Some(heir) = heir else {
                self.ports
                    .rooms
                    .delete_room(room)
                    .await
                    .map_err(unavailable)?;
                let event = BusEvent::RoomDeleted { room_id: room };
                publish_or_queue(&self.ports, &self.config, event).await;
                return Ok(());
            };
            // The group always has an owner: the heir takes over before the owner goes.
            self.ports
                .rooms
                .transfer_ownership(room, user, heir)
                .await
                .map_err(unavailable)?;
            successor = Some(heir);
        }
        if !self
            .ports
            .rooms
            .remove_member(room, user)
            .await
            .map_err(unavailable)?
        {
            return Err(LeaveError::RoomNotFound);
        }
        let left = BusEvent::MemberLeft {
            room_id: room,
            user_id: user,
        };
        publish_or_queue(&self.ports, &self.config, left).await;
        if let Some(heir) = successor {
            let promoted = BusEvent::RoleChanged {
                room_id: room,
                user_id: heir,
                role: Role::Owner,
            };
            publish_or_queue(&self.ports, &self.config, promoted).await;
        }
        Ok(())
    }
}

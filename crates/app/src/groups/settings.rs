//! Changing a group: its name and description (owner and admins), its members' roles and its
//! ownership (owner only), and deleting it (owner only).

use chat_domain::{GroupDescription, GroupName, GroupTextError, Role, Room, RoomId, UserId};
use chat_ports::{BusEvent, StoreError};
use thiserror::Error;

use super::{GroupService, MODERATORS};
use crate::ordering::publish_or_queue;

const OWNER: &[Role] = &[Role::Owner];

/// What to change in a group; `None` keeps a field as it is.
#[derive(Debug, Clone, Default)]
pub struct GroupChanges {
    /// The new raw name.
    pub name: Option<String>,
    /// The new raw description; an empty one removes it.
    pub description: Option<String>,
}

/// Why a group could not be renamed or described.
#[derive(Debug, Error)]
pub enum UpdateGroupError {
    /// The name is empty or too long.
    #[error("invalid group name: {0}")]
    InvalidName(#[source] GroupTextError),
    /// The description is too long.
    #[error("invalid group description: {0}")]
    InvalidDescription(#[source] GroupTextError),
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms have no name.
    #[error("not a group")]
    NotAGroup,
    /// Only the owner and admins rename and describe a group.
    #[error("only the owner and admins may change the group")]
    Forbidden,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why a role could not be changed.
#[derive(Debug, Error)]
pub enum ChangeRoleError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms have no roles to change.
    #[error("not a group")]
    NotAGroup,
    /// Only the owner promotes and demotes.
    #[error("only the owner may change roles")]
    Forbidden,
    /// The user is not a member.
    #[error("member not found")]
    MemberNotFound,
    /// `Owner` (that is a transfer), or the owner's own role.
    #[error("ownership changes only by transfer")]
    InvalidRole,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why ownership could not be transferred.
#[derive(Debug, Error)]
pub enum TransferError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms have no owner.
    #[error("not a group")]
    NotAGroup,
    /// Only the owner hands the group over.
    #[error("only the owner may transfer the group")]
    Forbidden,
    /// The new owner is not a member.
    #[error("member not found")]
    MemberNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

/// Why a group could not be deleted.
#[derive(Debug, Error)]
pub enum DeleteGroupError {
    /// No such room, or the caller is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// Private rooms are not deleted.
    #[error("not a group")]
    NotAGroup,
    /// Only the owner deletes a group.
    #[error("only the owner may delete the group")]
    Forbidden,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

from_access!(
    UpdateGroupError,
    ChangeRoleError,
    TransferError,
    DeleteGroupError
);

impl GroupService {
    /// `user` (owner or admin) renames or describes `room`; every member hears of it.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn update_group(
        &self,
        user: UserId,
        room: RoomId,
        changes: GroupChanges,
    ) -> Result<Room, UpdateGroupError> {
        let name = changes
            .name
            .as_deref()
            .map(GroupName::parse)
            .transpose()
            .map_err(UpdateGroupError::InvalidName)?;
        let description = changes
            .description
            .as_deref()
            .map(GroupDescription::parse)
            .transpose()
            .map_err(UpdateGroupError::InvalidDescription)?;
        let (current, _) = self.require_role(room, user, MODERATORS).await?;
        let updated = Room {
            name: name.map_or(current.name, |n| Some(n.as_str().to_owned())),
            description: description
                .map_or(current.description, |d| d.map(|d| d.as_str().to_owned())),
            ..current
        };
        let unavailable = UpdateGroupError::Unavailable;
        match self.ports.rooms.update_room(&updated).await {
            Ok(()) => {}
            // Deleted between the check and the update.
            Err(StoreError::NotFound) => return Err(UpdateGroupError::RoomNotFound),
            Err(error) => return Err(unavailable(error)),
        }
        let member_count = self
            .ports
            .rooms
            .count_members(room)
            .await
            .map_err(unavailable)?;
        let event = BusEvent::RoomUpdated {
            room: updated.clone(),
            member_count,
        };
        publish_or_queue(&self.ports, &self.config, event).await;
        Ok(updated)
    }

    /// The owner makes `target` an admin or a plain member; setting the role they have
    /// already changes and announces nothing.
    #[tracing::instrument(skip_all, fields(owner = %owner, room_id = %room, target = %target))]
    pub async fn change_role(
        &self,
        owner: UserId,
        room: RoomId,
        target: UserId,
        role: Role,
    ) -> Result<(), ChangeRoleError> {
        // Authority first: someone who may not change roles learns nothing about the request.
        self.require_role(room, owner, OWNER).await?;
        if role == Role::Owner || target == owner {
            return Err(ChangeRoleError::InvalidRole);
        }
        let unavailable = ChangeRoleError::Unavailable;
        let membership = self
            .ports
            .rooms
            .find_membership(room, target)
            .await
            .map_err(unavailable)?
            .ok_or(ChangeRoleError::MemberNotFound)?;
        if membership.role == role {
            return Ok(());
        }
        match self.ports.rooms.set_role(room, target, role).await {
            Ok(()) => {}
            Err(StoreError::NotFound) => return Err(ChangeRoleError::MemberNotFound),
            Err(error) => return Err(unavailable(error)),
        }
        let event = BusEvent::RoleChanged {
            room_id: room,
            user_id: target,
            role,
        };
        publish_or_queue(&self.ports, &self.config, event).await;
        Ok(())
    }

    /// The owner hands `room` to the member `to` and becomes an admin.
    #[tracing::instrument(skip_all, fields(owner = %owner, room_id = %room, to = %to))]
    pub async fn transfer_ownership(
        &self,
        owner: UserId,
        room: RoomId,
        to: UserId,
    ) -> Result<(), TransferError> {
        self.require_role(room, owner, OWNER).await?;
        if to == owner {
            return Ok(());
        }
        match self.ports.rooms.transfer_ownership(room, owner, to).await {
            Ok(()) => {}
            // The store checks both memberships in the transfer's transaction.
            Err(StoreError::NotFound) => return Err(TransferError::MemberNotFound),
            Err(error) => return Err(TransferError::Unavailable(error)),
        }
        for (user_id, role) in [(to, Role::Owner), (owner, Role::Admin)] {
            let event = BusEvent::RoleChanged {
                room_id: room,
                user_id,
                role,
            };
            publish_or_queue(&self.ports, &self.config, event).await;
        }
        Ok(())
    }

    /// The owner deletes `room` with its messages, invites and links; every member stops
    /// receiving it.
    #[tracing::instrument(skip_all, fields(owner = %owner, room_id = %room))]
    pub async fn delete_group(&self, owner: UserId, room: RoomId) -> Result<(), DeleteGroupError> {
        self.require_role(room, owner, OWNER).await?;
        self.ports
            .rooms
            .delete_room(room)
            .await
            .map_err(DeleteGroupError::Unavailable)?;
        publish_or_queue(
            &self.ports,
            &self.config,
            BusEvent::RoomDeleted { room_id: room },
        )
        .await;
        Ok(())
    }
}

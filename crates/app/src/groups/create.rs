//! Creating a group: its creator becomes the owner, and the users they list are invited, not
//! added (nobody lands in a group they did not agree to join).

use std::collections::HashSet;

use chat_domain::{
    GroupDescription, GroupName, GroupTextError, Room, RoomId, RoomKind, User, UserId,
};
use chat_ports::{BusEvent, RoomView, StoreError};
use thiserror::Error;

use super::GroupService;
use crate::ordering::publish_or_queue;
use crate::room_limit::has_room_for;

/// A group as its creator asks for it.
#[derive(Debug, Clone, Default)]
pub struct NewGroup {
    /// The raw name (trimmed and checked here).
    pub name: String,
    /// The raw description, if any.
    pub description: Option<String>,
    /// Users to invite; duplicates and the creator are ignored.
    pub invite: Vec<UserId>,
}

/// Why a group could not be created.
#[derive(Debug, Error)]
pub enum CreateGroupError {
    /// The name is empty or too long.
    #[error("invalid group name: {0}")]
    InvalidName(#[source] GroupTextError),
    /// The description is too long.
    #[error("invalid group description: {0}")]
    InvalidDescription(#[source] GroupTextError),
    /// A listed user does not exist.
    #[error("user not found")]
    UserNotFound,
    /// A listed user has blocked the creator.
    #[error("a listed user has blocked you")]
    Blocked,
    /// More users listed than the group could ever hold.
    #[error("more invitees than the group can hold")]
    RoomFull,
    /// The creator is in as many rooms as a user may be.
    #[error("you are in the maximum of {max} rooms")]
    RoomLimitReached {
        /// The limit in force.
        max: u32,
    },
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl GroupService {
    /// Creates a group owned by `owner` and invites the listed users. Every invitee, and the
    /// owner's rooms-per-user limit, is checked before anything is stored, so a refused
    /// creation leaves nothing behind.
    #[tracing::instrument(skip_all, fields(owner = %owner))]
    pub async fn create_group(
        &self,
        owner: UserId,
        group: NewGroup,
    ) -> Result<RoomView, CreateGroupError> {
        let name = GroupName::parse(&group.name).map_err(CreateGroupError::InvalidName)?;
        let description = match group.description.as_deref() {
            Some(raw) => {
                GroupDescription::parse(raw).map_err(CreateGroupError::InvalidDescription)?
            }
            None => None,
        };
        let mut seen = HashSet::from([owner]);
        let invitees: Vec<UserId> = group
            .invite
            .into_iter()
            .filter(|u| seen.insert(*u))
            .collect();
        if invitees.len() >= self.config.max_group_members as usize {
            return Err(CreateGroupError::RoomFull);
        }
        for &invitee in &invitees {
            self.check_invitee(invitee, owner).await?;
        }
        let max = self.config.max_rooms_per_user;
        if !has_room_for(self.ports.rooms.as_ref(), owner, max)
            .await
            .map_err(CreateGroupError::Unavailable)?
        {
            return Err(CreateGroupError::RoomLimitReached { max });
        }
        let creator = self.account(owner).await?;
        let now = self.ports.clock.now();
        let room = Room {
            id: RoomId::from_uuid(self.ports.ids.new_id()),
            kind: RoomKind::Group,
            name: Some(name.as_str().to_owned()),
            description: description.map(|d| d.as_str().to_owned()),
            created_at: now,
        };
        self.ports
            .rooms
            .create_group(&room, owner)
            .await
            .map_err(CreateGroupError::Unavailable)?;
        // A new group needs no reads to be shown: its creator is its only member, and it has
        // no messages yet.
        let view = RoomView {
            room: room.clone(),
            members: Vec::new(),
            member_count: 1,
            last_message: None,
            unread_count: 0,
        };
        // The creator's open connections start receiving the new room's events.
        let joined = BusEvent::RoomJoined {
            user_id: owner,
            room: Box::new(view.clone()),
        };
        publish_or_queue(&self.ports, &self.config, joined).await;
        for invitee in invitees {
            self.send_invite(&room, &creator, invitee)
                .await
                .map_err(CreateGroupError::Unavailable)?;
        }
        Ok(view)
    }

    /// Fails unless `invitee` exists and has not blocked `inviter`.
    async fn check_invitee(
        &self,
        invitee: UserId,
        inviter: UserId,
    ) -> Result<(), CreateGroupError> {
        if self
            .ports
            .users
            .find_by_id(invitee)
            .await
            .map_err(CreateGroupError::Unavailable)?
            .is_none()
        {
            return Err(CreateGroupError::UserNotFound);
        }
        if self
            .ports
            .blocks
            .is_blocked(invitee, inviter)
            .await
            .map_err(CreateGroupError::Unavailable)?
        {
            return Err(CreateGroupError::Blocked);
        }
        Ok(())
    }

    async fn account(&self, user: UserId) -> Result<User, CreateGroupError> {
        self.ports
            .users
            .find_by_id(user)
            .await
            .map_err(CreateGroupError::Unavailable)?
            .ok_or_else(|| {
                CreateGroupError::Unavailable(StoreError::corrupt("creator without account"))
            })
    }
}

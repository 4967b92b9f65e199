//! Groups: creating them, inviting into them (one by one or by link), their members and
//! roles, and changing or deleting them.
//!
//! Layout: one file per concern (`create`, `invites`, `answers`, `links`,
//! `members`, `settings`), one error enum per use case, all methods of one [`GroupService`].
//!
//! Who may do what is checked in one order everywhere, which is also what callers can learn
//! from the answer: someone who is not a member cannot tell a room from no room
//! (`RoomNotFound`); a member learns that a private room is no group (`NotAGroup`) and that a
//! role is missing (`Forbidden`). Events are published after the store committed the change.

/// `From<Access>` for an error enum with `RoomNotFound`, `NotAGroup`, `Forbidden` and
/// `Unavailable(StoreError)` variants.
macro_rules! from_access {
    ($($error:ident),+ $(,)?) => {$(
        impl From<super::Access> for $error {
            fn from(access: super::Access) -> Self {
                match access {
                    super::Access::RoomNotFound => Self::RoomNotFound,
                    super::Access::NotAGroup => Self::NotAGroup,
                    super::Access::Forbidden => Self::Forbidden,
                    super::Access::Store(error) => Self::Unavailable(error),
                }
            }
        }
    )+};
}

mod answers;
mod create;
mod invites;
mod links;
mod members;
mod settings;

use chat_domain::{Membership, Role, Room, RoomId, RoomKind, UserId};
use chat_ports::{RoomView, StoreError};

use crate::messaging::room_view;
use crate::room_limit::has_room_for;
use crate::{AppConfig, Ports};

pub use answers::{AcceptInviteError, CancelInviteError, DeclineInviteError};
pub use create::{CreateGroupError, NewGroup};
pub use invites::{InviteError, ListInvitesError, PendingInvite};
pub use links::{CreateLinkError, JoinByLinkError, NewLink, RevokeLinkError};
pub use members::{
    LeaveError, MembersPage, MembersPageError, RemoveMemberError, MEMBERS_MAX_LIMIT,
};
pub use settings::{
    ChangeRoleError, DeleteGroupError, GroupChanges, TransferError, UpdateGroupError,
};

/// The group use cases.
#[derive(Debug)]
pub struct GroupService {
    ports: Ports,
    config: AppConfig,
}

impl GroupService {
    /// A service over `ports`; the member limit and the invites' lifetime come from `config`.
    pub fn new(ports: Ports, config: AppConfig) -> Self {
        Self { ports, config }
    }

    /// The group `room` and `user`'s membership of it, if `user` holds one of `roles`.
    async fn require_role(
        &self,
        room: RoomId,
        user: UserId,
        roles: &[Role],
    ) -> Result<(Room, Membership), Access> {
        let membership = self
            .ports
            .rooms
            .find_membership(room, user)
            .await
            .map_err(Access::Store)?
            .ok_or(Access::RoomNotFound)?;
        let found = self
            .ports
            .rooms
            .find_room(room)
            .await
            .map_err(Access::Store)?
            .ok_or(Access::RoomNotFound)?;
        if found.kind != RoomKind::Group {
            return Err(Access::NotAGroup);
        }
        if !roles.contains(&membership.role) {
            return Err(Access::Forbidden);
        }
        Ok((found, membership))
    }

    /// Whether `user` may join `room` under the rooms-per-user limit: below it, or a member of
    /// `room` already (joining again gains no room). The membership is looked up only at the
    /// limit.
    async fn may_join(&self, user: UserId, room: RoomId) -> Result<bool, StoreError> {
        let max = self.config.max_rooms_per_user;
        if has_room_for(self.ports.rooms.as_ref(), user, max).await? {
            return Ok(true);
        }
        let membership = self.ports.rooms.find_membership(room, user).await?;
        Ok(membership.is_some())
    }

    /// The view of `room` for a member who just joined: its latest message, and nothing
    /// unread (the store starts a new member's read marker at the room's latest seq).
    async fn joined_view(&self, room: Room) -> Result<RoomView, StoreError> {
        let last = self
            .ports
            .messages
            .latest_in_rooms(&[room.id])
            .await?
            .remove(&room.id);
        room_view(&self.ports, room, last, 0).await
    }
}

/// Roles that moderate a group.
const MODERATORS: &[Role] = &[Role::Owner, Role::Admin];
/// Every role.
const ANY_ROLE: &[Role] = &[Role::Owner, Role::Admin, Role::Member];

/// Internal outcome of an access check; each use case turns it into its own error.
#[derive(Debug)]
enum Access {
    RoomNotFound,
    NotAGroup,
    Forbidden,
    Store(StoreError),
}

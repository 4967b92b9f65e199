//! Room lists and single rooms as a member sees them.

use chat_domain::{Membership, Message, Room, RoomId, RoomKind, UserId};
use chat_ports::{RoomView, StoreError, UserSummary};
use thiserror::Error;

use super::{MembershipError, MessagingService};

/// Why a room could not be shown.
#[derive(Debug, Error)]
pub enum RoomError {
    /// No such room, or the user is not a member.
    #[error("room not found")]
    RoomNotFound,
    /// A store failed.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
}

impl From<MembershipError> for RoomError {
    fn from(error: MembershipError) -> Self {
        match error {
            MembershipError::NotAMember => Self::RoomNotFound,
            MembershipError::Store(error) => Self::Unavailable(error),
        }
    }
}

impl MessagingService {
    /// Every room of `user`, most recent activity first.
    pub async fn list_rooms(&self, user: UserId) -> Result<Vec<RoomView>, RoomError> {
        let rooms = self
            .ports
            .rooms
            .list_rooms_of_user(user)
            .await
            .map_err(RoomError::Unavailable)?;
        let ids: Vec<RoomId> = rooms.iter().map(|r| r.room.id).collect();
        let mut latest = self
            .ports
            .messages
            .latest_in_rooms(&ids)
            .await
            .map_err(RoomError::Unavailable)?;
        let mut views = Vec::with_capacity(rooms.len());
        for entry in rooms {
            let last = latest.remove(&entry.room.id);
            views.push(self.view(entry.room, &entry.membership, last).await?);
        }
        let activity = |v: &RoomView| {
            v.last_message
                .as_ref()
                .map_or(v.room.created_at, |m| m.created_at)
        };
        views.sort_by(|a, b| {
            activity(b)
                .cmp(&activity(a))
                .then_with(|| b.room.id.cmp(&a.room.id))
        });
        Ok(views)
    }

    /// The ids of every room of `user` (what a new connection subscribes to).
    pub async fn room_ids(&self, user: UserId) -> Result<Vec<RoomId>, RoomError> {
        let rooms = self
            .ports
            .rooms
            .list_rooms_of_user(user)
            .await
            .map_err(RoomError::Unavailable)?;
        Ok(rooms.into_iter().map(|r| r.room.id).collect())
    }

    /// One room of `user`.
    pub async fn get_room(&self, user: UserId, room: RoomId) -> Result<RoomView, RoomError> {
        let membership = self.require_membership(room, user).await?;
        let found = self
            .ports
            .rooms
            .find_room(room)
            .await
            .map_err(RoomError::Unavailable)?
            .ok_or(RoomError::RoomNotFound)?;
        let mut latest = self
            .ports
            .messages
            .latest_in_rooms(&[room])
            .await
            .map_err(RoomError::Unavailable)?;
        self.view(found, &membership, latest.remove(&room)).await
    }

    /// The view of `room` for the member holding `membership`.
    pub(crate) async fn view(
        &self,
        room: Room,
        membership: &Membership,
        last_message: Option<Message>,
    ) -> Result<RoomView, RoomError> {
        let members = self
            .ports
            .rooms
            .list_members(room.id)
            .await
            .map_err(RoomError::Unavailable)?;
        let member_count = u32::try_from(members.len()).unwrap_or(u32::MAX);
        let members = match room.kind {
            RoomKind::Private => members
                .into_iter()
                .map(|m| UserSummary {
                    id: m.user.id,
                    username: m.user.username,
                })
                .collect(),
            RoomKind::Group => Vec::new(),
        };
        let last_seq = last_message.as_ref().map_or(0, |m| m.seq.get());
        let unread_count = last_seq.saturating_sub(membership.read_seq.get());
        Ok(RoomView {
            room,
            members,
            member_count,
            last_message,
            unread_count,
        })
    }
}

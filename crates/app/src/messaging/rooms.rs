//! Room lists and single rooms as a member sees them, with exact unread and mention counts.
//!
//! Unread counts come from the message store, not from seq arithmetic: a member's own
//! messages and deleted ones above their read marker do not count, and of the rest the ones
//! naming `@username` are counted again as mentions.

use std::collections::HashMap;

use chat_domain::{Message, Room, RoomId, RoomKind, Seq, UserId};
use chat_ports::{RoomView, StoreError, UnreadCount, UserSummary};
use thiserror::Error;

use super::{MembershipError, MessagingService};
use crate::Ports;

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

/// A room in its member's room list: the view every event carries, plus how many of the
/// unread messages mention the member. (`RoomView` is the bus's type and stays as it is; the
/// mention count only matters to the list.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomListing {
    /// The room, with `unread_count` exact.
    pub view: RoomView,
    /// Of the unread messages, those whose body names `@username` of the member.
    pub mention_count: u64,
}

impl MessagingService {
    /// Every room of `user`, most recent activity first.
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn list_rooms(&self, user: UserId) -> Result<Vec<RoomListing>, RoomError> {
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
        let markers: Vec<(RoomId, Seq)> = rooms
            .iter()
            .map(|r| (r.room.id, r.membership.read_seq))
            .collect();
        let mut counts = self.unread_counts(user, &markers).await?;
        let mut listings = Vec::with_capacity(rooms.len());
        for entry in rooms {
            let id = entry.room.id;
            let count = counts.remove(&id).unwrap_or_default();
            let view = room_view(&self.ports, entry.room, latest.remove(&id), count.unread)
                .await
                .map_err(RoomError::Unavailable)?;
            listings.push(RoomListing {
                view,
                mention_count: count.mentions,
            });
        }
        let activity = |l: &RoomListing| {
            l.view
                .last_message
                .as_ref()
                .map_or(l.view.room.created_at, |m| m.created_at)
        };
        listings.sort_by(|a, b| {
            activity(b)
                .cmp(&activity(a))
                .then_with(|| b.view.room.id.cmp(&a.view.room.id))
        });
        Ok(listings)
    }

    /// The ids of every room of `user` (what a new connection subscribes to).
    #[tracing::instrument(skip_all, fields(user_id = %user))]
    pub async fn room_ids(&self, user: UserId) -> Result<Vec<RoomId>, RoomError> {
        let rooms = self
            .ports
            .rooms
            .list_rooms_of_user(user)
            .await
            .map_err(RoomError::Unavailable)?;
        Ok(rooms.into_iter().map(|r| r.room.id).collect())
    }

    /// One room of `user`, counted like the room list.
    #[tracing::instrument(skip_all, fields(user_id = %user, room_id = %room))]
    pub async fn get_room(&self, user: UserId, room: RoomId) -> Result<RoomListing, RoomError> {
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
        let count = self
            .unread_counts(user, &[(room, membership.read_seq)])
            .await?
            .remove(&room)
            .unwrap_or_default();
        let view = room_view(&self.ports, found, latest.remove(&room), count.unread)
            .await
            .map_err(RoomError::Unavailable)?;
        Ok(RoomListing {
            view,
            mention_count: count.mentions,
        })
    }

    /// Unread and mention counts of `user` in each room, above the given read markers.
    async fn unread_counts(
        &self,
        user: UserId,
        markers: &[(RoomId, Seq)],
    ) -> Result<HashMap<RoomId, UnreadCount>, RoomError> {
        if markers.is_empty() {
            return Ok(HashMap::new());
        }
        let account = self
            .ports
            .users
            .find_by_id(user)
            .await
            .map_err(RoomError::Unavailable)?
            .ok_or_else(|| RoomError::Unavailable(StoreError::corrupt("member without account")))?;
        let mention = format!("@{}", account.username);
        self.ports
            .messages
            .unread_counts(user, &mention, markers)
            .await
            .map_err(RoomError::Unavailable)
    }
}

/// The view of `room` with `last_message` and `unread_count` as given: a private room lists
/// both members; a group only counts them (it pages its members instead, and counting is one
/// cheap query even for a thousand members).
pub(crate) async fn room_view(
    ports: &Ports,
    room: Room,
    last_message: Option<Message>,
    unread_count: u64,
) -> Result<RoomView, StoreError> {
    let (members, member_count) = match room.kind {
        RoomKind::Private => {
            let members: Vec<UserSummary> = ports
                .rooms
                .list_members(room.id)
                .await?
                .into_iter()
                .map(|m| UserSummary {
                    id: m.user.id,
                    username: m.user.username,
                })
                .collect();
            let count = u32::try_from(members.len()).unwrap_or(u32::MAX);
            (members, count)
        }
        RoomKind::Group => (Vec::new(), ports.rooms.count_members(room.id).await?),
    };
    Ok(RoomView {
        room,
        members,
        member_count,
        last_message,
        unread_count,
    })
}

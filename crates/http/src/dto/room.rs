//! Rooms as a member sees them, and the read receipt sent for one.
//!
//! `last_message` carries no `reply_preview`: the room list is one read per page of rooms,
//! and a preview per room would add one per room whose last message is a reply. Clients show
//! the preview from history instead.

use chat_domain::{RoomKind, Seq, Timestamp};
use chat_ports::RoomView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{MessageDto, UserSummaryDto};

/// `{id, kind, name, description, members?, member_count, last_message, unread_count,
/// mention_count, created_at}`.
///
/// Built from a [`RoomListing`](chat_app::messaging::RoomListing) (room list, one room) it has
/// the exact `mention_count`; from a bare [`RoomView`] (a group just created or joined, the
/// WebSocket's `room_joined`) that count is 0, which is exact there too: a new member starts
/// with nothing unread.
///
/// `members` lists both users of a private room; groups page their members on their own
/// route, so for them it is omitted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RoomDto {
    /// Room id.
    pub id: String,
    /// `private` or `group`.
    pub kind: &'static str,
    /// Null for private rooms.
    pub name: Option<String>,
    /// What the group is about; null when none (and for private rooms).
    pub description: Option<String>,
    /// Both members of a private room.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<UserSummaryDto>>,
    /// Number of members.
    pub member_count: u32,
    /// The newest message.
    pub last_message: Option<MessageDto>,
    /// Messages from others above the caller's read marker, deleted ones excluded.
    pub unread_count: u64,
    /// Of those, the ones that mention the caller as `@username`.
    pub mention_count: u64,
    /// Creation time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&RoomView> for RoomDto {
    fn from(view: &RoomView) -> Self {
        let members = match view.room.kind {
            RoomKind::Private => Some(view.members.iter().map(UserSummaryDto::from).collect()),
            RoomKind::Group => None,
        };
        Self {
            id: view.room.id.to_string(),
            kind: view.room.kind.as_str(),
            name: view.room.name.clone(),
            description: view.room.description.clone(),
            members,
            member_count: view.member_count,
            last_message: view.last_message.as_ref().map(MessageDto::from),
            unread_count: view.unread_count,
            mention_count: 0,
            created_at: view.room.created_at,
        }
    }
}

/// `{"room": {...}}`: `GET /rooms/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomResponse {
    /// The room as the caller sees it.
    pub room: RoomDto,
}

/// `{"rooms": [...]}`: `GET /rooms`, most recent activity first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoomsResponse {
    /// The caller's rooms.
    pub rooms: Vec<RoomDto>,
}

impl From<&chat_app::messaging::RoomListing> for RoomDto {
    fn from(listing: &chat_app::messaging::RoomListing) -> Self {
        Self {
            mention_count: listing.mention_count,
            ..Self::from(&listing.view)
        }
    }
}

/// `POST /rooms/{id}/read`: `{seq}`, the highest seq the caller has read.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReadRequest {
    /// The read marker moves up to here (never back, never past the room's latest message).
    pub seq: u64,
}

impl ReadRequest {
    /// The seq as the domain type.
    pub fn seq(&self) -> Seq {
        Seq(self.seq)
    }
}

//! Rooms as a member sees them.

use chat_domain::{RoomKind, Timestamp};
use chat_ports::RoomView;
use serde::Serialize;

use super::{MessageDto, UserSummaryDto};

/// `{id, kind, name, members, member_count, last_message, unread_count, created_at}`.
///
/// `members` lists both users of a private room; groups page their members on their own
/// route, so for them it is omitted.
#[derive(Debug, Clone, Serialize)]
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
    /// Messages above the caller's read marker.
    pub unread_count: u64,
    /// Creation time.
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
            created_at: view.room.created_at,
        }
    }
}

/// `{"room": {...}}`: `GET /rooms/{id}`.
#[derive(Debug, Serialize)]
pub struct RoomResponse {
    /// The room as the caller sees it.
    pub room: RoomDto,
}

/// `{"rooms": [...]}`: `GET /rooms`, most recent activity first.
#[derive(Debug, Serialize)]
pub struct RoomsResponse {
    /// The caller's rooms.
    pub rooms: Vec<RoomDto>,
}

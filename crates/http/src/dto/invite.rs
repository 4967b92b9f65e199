//! Invites over HTTP: the invite request, the invite as its invitee sees it, and the two
//! response shapes.
//!
//! An invite names its group and its inviter along with itself, because the invitee is not a
//! member yet and cannot look either up.

use chat_app::groups::PendingInvite;
use chat_domain::{Timestamp, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::UserSummaryDto;
use crate::ApiError;

/// `POST /rooms/{id}/invites`: `{user_id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteRequest {
    /// Who to invite.
    pub user_id: String,
}

impl InviteRequest {
    /// The invitee; a value that is not a user id names nobody (404 `user_not_found`).
    pub fn invitee(&self) -> Result<UserId, ApiError> {
        self.user_id.parse().map_err(|_| ApiError::UserNotFound)
    }
}

/// `{id, name}`: the group an invite is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteRoomDto {
    /// Room id.
    pub id: String,
    /// The group's name.
    pub name: Option<String>,
}

/// `{id, room_id, inviter_id, invitee_id, created_at, expires_at, room: {id, name},
/// inviter: {id, username}}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InviteDto {
    /// Invite id.
    pub id: String,
    /// The group.
    pub room_id: String,
    /// Who invited.
    pub inviter_id: String,
    /// Who is invited.
    pub invitee_id: String,
    /// When.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// Accepting from this instant on is 410 `invite_expired`.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// The group's id and name.
    pub room: InviteRoomDto,
    /// The inviter's id and username.
    pub inviter: UserSummaryDto,
}

impl From<&PendingInvite> for InviteDto {
    fn from(pending: &PendingInvite) -> Self {
        let invite = &pending.invite;
        Self {
            id: invite.id.to_string(),
            room_id: invite.room_id.to_string(),
            inviter_id: invite.inviter_id.to_string(),
            invitee_id: invite.invitee_id.to_string(),
            created_at: invite.created_at,
            expires_at: invite.expires_at,
            room: InviteRoomDto {
                id: invite.room_id.to_string(),
                name: pending.room_name.clone(),
            },
            inviter: UserSummaryDto::from(&pending.inviter),
        }
    }
}

/// `{"invite": {...}}`: `POST /rooms/{id}/invites`.
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteResponse {
    /// The invite just sent.
    pub invite: InviteDto,
}

/// `{"invites": [...]}`: `GET /invites`, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitesResponse {
    /// The caller's pending invites, without expired ones.
    pub invites: Vec<InviteDto>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use chat_domain::{Invite, InviteId, RoomId, Username};
    use chat_ports::UserSummary;
    use serde_json::json;

    use super::*;

    #[test]
    fn an_invite_names_its_group_and_inviter() {
        let invite = Invite {
            id: InviteId::new_v7(),
            room_id: RoomId::new_v7(),
            inviter_id: UserId::new_v7(),
            invitee_id: UserId::new_v7(),
            created_at: Timestamp::from_unix_millis(1_700_000_000_000),
            expires_at: Timestamp::from_unix_millis(1_700_000_060_000),
        };
        let pending = PendingInvite {
            inviter: UserSummary {
                id: invite.inviter_id,
                username: Username::parse("alice").unwrap(),
            },
            room_name: Some("Team".into()),
            invite: invite.clone(),
        };
        let json = serde_json::to_value(InviteDto::from(&pending)).unwrap();
        assert_eq!(
            json["room"],
            json!({"id": invite.room_id.to_string(), "name": "Team"})
        );
        assert_eq!(
            json["inviter"],
            json!({"id": invite.inviter_id.to_string(), "username": "alice"})
        );
        assert_eq!(json["invitee_id"], invite.invitee_id.to_string());
        assert_eq!(json["expires_at"], "2023-11-14T22:14:20.000Z");
    }

    #[test]
    fn an_invitee_that_is_not_an_id_is_user_not_found() {
        let request = InviteRequest {
            user_id: "nope".into(),
        };
        assert!(matches!(request.invitee(), Err(ApiError::UserNotFound)));
    }
}

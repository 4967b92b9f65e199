//! Creating and changing a group over HTTP: the two request bodies.
//!
//! Names and descriptions are checked by the use cases (trimmed, bounded), so a refusal reads
//! the same whichever route made it; this module only turns ids into ids and refuses a change
//! that changes nothing.

use chat_app::groups::{GroupChanges, NewGroup};
use chat_domain::UserId;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::ApiError;

/// `POST /groups`: `{name, description?, invite?: [user ids]}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateGroupRequest {
    /// Display name, 1 to 100 characters after trimming.
    #[schema(min_length = 1, pattern = "\\S", example = "Team")]
    pub name: String,
    /// What the group is about, up to 1000 characters; empty means none.
    #[schema(max_length = 1000, example = "Weekly planning")]
    pub description: Option<String>,
    /// Users to invite (not add); duplicates and the creator are ignored.
    #[serde(default)]
    pub invite: Vec<String>,
}

impl CreateGroupRequest {
    /// The use case's request. An entry of `invite` that is not a user id names no user, so
    /// it is `user_not_found`, exactly like an id of nobody.
    pub fn into_new_group(self) -> Result<NewGroup, ApiError> {
        let invite = self
            .invite
            .iter()
            .map(|raw| raw.parse::<UserId>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| ApiError::UserNotFound)?;
        Ok(NewGroup {
            name: self.name,
            description: self.description,
            invite,
        })
    }
}

/// `PATCH /rooms/{id}`: `{name?, description?}`; at least one of them.
///
/// An absent or null field keeps its value; `"description": ""` removes the description.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateGroupRequest {
    /// The new name, 1 to 100 characters after trimming.
    #[schema(min_length = 1, pattern = "\\S", example = "Team")]
    pub name: Option<String>,
    /// The new description, up to 1000 characters; empty removes it.
    #[schema(max_length = 1000)]
    pub description: Option<String>,
}

impl UpdateGroupRequest {
    /// The use case's changes; a body that changes nothing is a 400 `invalid_request`, since
    /// every change is announced to every member as `room_updated`.
    pub fn into_changes(self) -> Result<GroupChanges, ApiError> {
        if self.name.is_none() && self.description.is_none() {
            return Err(ApiError::invalid_request(
                "give a name, a description or both",
            ));
        }
        Ok(GroupChanges {
            name: self.name,
            description: self.description,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn a_group_without_invitees_invites_nobody() {
        let request: CreateGroupRequest = serde_json::from_str(r#"{"name": "Team"}"#).unwrap();
        let group = request.into_new_group().unwrap();
        assert_eq!(group.name, "Team");
        assert!(group.invite.is_empty() && group.description.is_none());
    }

    #[test]
    fn invitees_are_parsed_and_a_non_id_is_user_not_found() {
        let id = UserId::new_v7();
        let request = CreateGroupRequest {
            name: "Team".into(),
            description: None,
            invite: vec![id.to_string()],
        };
        assert_eq!(request.into_new_group().unwrap().invite, vec![id]);
        let bad = CreateGroupRequest {
            name: "Team".into(),
            description: None,
            invite: vec![id.to_string(), "nope".into()],
        };
        assert!(matches!(bad.into_new_group(), Err(ApiError::UserNotFound)));
    }

    #[test]
    fn an_update_must_change_something() {
        let empty: UpdateGroupRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(empty.into_changes().unwrap_err().code(), "invalid_request");
        let nulls: UpdateGroupRequest =
            serde_json::from_str(r#"{"name": null, "description": null}"#).unwrap();
        assert!(nulls.into_changes().is_err());
        let clear: UpdateGroupRequest = serde_json::from_str(r#"{"description": ""}"#).unwrap();
        let changes = clear.into_changes().unwrap();
        assert_eq!(changes.description.as_deref(), Some(""));
        assert!(changes.name.is_none());
    }
}

//! A group's members over HTTP: paging them, changing a role, handing over ownership.

use chat_app::groups::MEMBERS_MAX_LIMIT;
use chat_domain::{Role, Timestamp, UserId};
use chat_ports::MemberProfile;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiError;

/// Page size when `limit` is not given.
pub const MEMBERS_DEFAULT_LIMIT: u32 = 50;

/// `?after=<user id>&limit=<1..=200>` of `GET /rooms/{id}/members`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersQuery {
    /// The last user id of the previous page.
    pub after: Option<String>,
    /// Page size, `1..=200`, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
}

impl MembersQuery {
    /// The cursor and the page size: an `after` that is not a user id is a 400
    /// `invalid_request`, a `limit` outside `1..=200` a 400 `invalid_limit`.
    pub fn cursor(&self) -> Result<(Option<UserId>, u32), ApiError> {
        let after = self
            .after
            .as_deref()
            .map(str::parse::<UserId>)
            .transpose()
            .map_err(|_| ApiError::invalid_request("after must be a user id"))?;
        let limit = match self.limit {
            None => MEMBERS_DEFAULT_LIMIT,
            Some(limit) => u32::try_from(limit)
                .ok()
                .filter(|limit| (1..=MEMBERS_MAX_LIMIT).contains(limit))
                .ok_or_else(|| {
                    ApiError::InvalidLimit(format!(
                        "limit must be between 1 and {MEMBERS_MAX_LIMIT}"
                    ))
                })?,
        };
        Ok((after, limit))
    }
}

/// `{user_id, username, role, joined_at}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberDto {
    /// The member.
    pub user_id: String,
    /// Their handle.
    pub username: String,
    /// `owner`, `admin` or `member`.
    pub role: &'static str,
    /// When they joined.
    #[schema(value_type = String, format = DateTime)]
    pub joined_at: Timestamp,
}

impl From<&MemberProfile> for MemberDto {
    fn from(member: &MemberProfile) -> Self {
        Self {
            user_id: member.user.id.to_string(),
            username: member.user.username.to_string(),
            role: member.membership.role.as_str(),
            joined_at: member.membership.joined_at,
        }
    }
}

/// `{"members": [...], "has_more"}`, in user id order.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembersResponse {
    /// One page of members.
    pub members: Vec<MemberDto>,
    /// Whether more follow (ask again with `after` = the last `user_id`).
    pub has_more: bool,
}

/// `PATCH /rooms/{id}/members/{user_id}`: `{role}`, `admin` or `member`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeRoleRequest {
    /// The new role: `admin` or `member`.
    #[schema(pattern = "^(admin|member)$", example = "admin")]
    pub role: String,
}

impl ChangeRoleRequest {
    /// The role; anything but a role's name is a 400 `invalid_role` (`owner` is a role, and
    /// the use case refuses it: ownership moves only by transfer).
    pub fn role(&self) -> Result<Role, ApiError> {
        Role::parse(&self.role)
            .ok_or_else(|| ApiError::InvalidRole("role must be admin or member".to_owned()))
    }
}

/// `POST /rooms/{id}/transfer`: `{user_id}` of the member who becomes the owner.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferRequest {
    /// The new owner.
    pub user_id: String,
}

impl TransferRequest {
    /// The new owner; a value that is not a user id names no member (404 `member_not_found`).
    pub fn new_owner(&self) -> Result<UserId, ApiError> {
        self.user_id.parse().map_err(|_| ApiError::MemberNotFound)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    fn query(after: Option<&str>, limit: Option<u64>) -> MembersQuery {
        MembersQuery {
            after: after.map(Into::into),
            limit,
        }
    }

    #[test]
    fn no_parameters_mean_the_first_fifty() {
        assert_eq!(query(None, None).cursor().unwrap(), (None, 50));
    }

    #[test]
    fn after_and_limit_are_kept() {
        let after = UserId::new_v7();
        let cursor = query(Some(&after.to_string()), Some(200)).cursor().unwrap();
        assert_eq!(cursor, (Some(after), 200));
    }

    #[test]
    fn a_bad_cursor_or_limit_is_refused() {
        let error = query(Some("nope"), None).cursor().unwrap_err();
        assert_eq!(error.code(), "invalid_request");
        for limit in [0, 201, u64::from(u32::MAX) + 1] {
            let error = query(None, Some(limit)).cursor().unwrap_err();
            assert_eq!(error.code(), "invalid_limit", "limit {limit}");
        }
    }

    #[test]
    fn roles_are_parsed_by_name() {
        let role = |raw: &str| ChangeRoleRequest { role: raw.into() }.role();
        assert_eq!(role("admin").unwrap(), Role::Admin);
        assert_eq!(role("member").unwrap(), Role::Member);
        assert_eq!(role("Admin").unwrap_err().code(), "invalid_role");
        assert_eq!(role("superuser").unwrap_err().code(), "invalid_role");
    }

    #[test]
    fn a_new_owner_that_is_not_an_id_is_member_not_found() {
        let request = TransferRequest {
            user_id: "nope".into(),
        };
        assert!(matches!(request.new_owner(), Err(ApiError::MemberNotFound)));
    }
}

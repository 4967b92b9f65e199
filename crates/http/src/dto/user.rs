//! Users as clients see them.

use chat_domain::{Timestamp, User};
use chat_ports::UserSummary;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `{id, username, created_at}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDto {
    /// User id.
    pub id: String,
    /// Lowercase handle.
    pub username: String,
    /// Registration time.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&User> for UserDto {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.to_string(),
            username: user.username.to_string(),
            created_at: user.created_at,
        }
    }
}

/// `{id, username}`: a member listed inline in a private room.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserSummaryDto {
    /// User id.
    pub id: String,
    /// Handle.
    pub username: String,
}

impl From<&UserSummary> for UserSummaryDto {
    fn from(user: &UserSummary) -> Self {
        Self {
            id: user.id.to_string(),
            username: user.username.to_string(),
        }
    }
}

/// `{"user": {...}}`: register, `GET /users/me` and `GET /users/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// The user.
    pub user: UserDto,
}

/// `{"users": [...]}`: `GET /users?q=`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UsersResponse {
    /// The matches, at most twenty.
    pub users: Vec<UserDto>,
}

/// `GET /users?q=<prefix>`; a missing `q` is the empty prefix (the first users by name).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserSearchQuery {
    /// Case-insensitive username prefix.
    #[serde(default)]
    pub q: String,
}

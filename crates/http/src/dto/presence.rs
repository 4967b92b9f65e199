//! Presence over HTTP: the query naming the users and their presence.
//!
//! Users who share no room with the caller are left out of the answer rather than refused,
//! so presence never tells a stranger whether an account exists or is active.

use chat_app::presence::PRESENCE_MAX_USERS;
use chat_domain::{Timestamp, UserId};
use chat_ports::Presence;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::ApiError;

/// `?user_ids=<id>,<id>` of `GET /presence`; absent or empty asks about nobody.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PresenceQuery {
    /// Comma-separated user ids, at most [`PRESENCE_MAX_USERS`].
    #[serde(default)]
    pub user_ids: String,
}

impl PresenceQuery {
    /// The ids asked about, in order. Empty items (`a,,b`, a trailing comma) are skipped; an
    /// item that is not a user id, or more than 100 of them, is a 400 `invalid_request`: a
    /// malformed query is a client bug worth reporting, unlike an unknown user.
    pub fn user_ids(&self) -> Result<Vec<UserId>, ApiError> {
        let ids = self
            .user_ids
            .split(',')
            .map(str::trim)
            .filter(|raw| !raw.is_empty())
            .map(|raw| {
                raw.parse::<UserId>().map_err(|_| {
                    ApiError::invalid_request(format!("user_ids: {raw:?} is not a user id"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if ids.len() > PRESENCE_MAX_USERS {
            return Err(ApiError::invalid_request(format!(
                "user_ids: at most {PRESENCE_MAX_USERS} users per query"
            )));
        }
        Ok(ids)
    }
}

/// `{user_id, online, last_seen}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PresenceDto {
    /// The user.
    pub user_id: String,
    /// Whether any device of theirs is connected.
    pub online: bool,
    /// When their last connection closed; null while online or if never seen.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_seen: Option<Timestamp>,
}

impl From<&Presence> for PresenceDto {
    fn from(presence: &Presence) -> Self {
        Self {
            user_id: presence.user_id.to_string(),
            online: presence.online,
            last_seen: presence.last_seen,
        }
    }
}

/// `{"presence": [...]}`: the users asked about who share a room with the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresenceResponse {
    /// One entry per visible user, in the order asked.
    pub presence: Vec<PresenceDto>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    fn query(raw: &str) -> PresenceQuery {
        PresenceQuery {
            user_ids: raw.to_owned(),
        }
    }

    #[test]
    fn ids_are_split_on_commas_in_order() {
        let (a, b) = (UserId::new_v7(), UserId::new_v7());
        let ids = query(&format!("{a}, {b},")).user_ids().unwrap();
        assert_eq!(ids, vec![a, b]);
        assert!(query("").user_ids().unwrap().is_empty());
    }

    #[test]
    fn a_non_id_or_too_many_ids_are_invalid_requests() {
        let error = query("nope").user_ids().unwrap_err();
        assert_eq!(error.code(), "invalid_request");
        let many: Vec<String> = (0..=PRESENCE_MAX_USERS)
            .map(|_| UserId::new_v7().to_string())
            .collect();
        let error = query(&many.join(",")).user_ids().unwrap_err();
        assert_eq!(error.code(), "invalid_request");
    }
}

//! Invite links over HTTP: the request that makes one and the link as its maker sees it.
//!
//! `expires_in` is bounded here, not only checked for zero by the use case: an expiry
//! beyond what a timestamp can hold would saturate into a nonsense date, and a link that
//! outlives a year is better made without an expiry at all.

use std::time::Duration;

use chat_app::groups::NewLink;
use chat_domain::{InviteLink, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ApiError;

/// Longest `expires_in` accepted, in seconds: 365 days.
pub const LINK_MAX_EXPIRES_IN_SECS: u64 = 365 * 24 * 60 * 60;

/// `POST /rooms/{id}/invite-links`: `{max_uses?, expires_in?}` (send `{}` for a link without
/// limits).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CreateLinkRequest {
    /// How many joins it allows, at least 1; absent for no limit.
    #[schema(value_type = Option<u64>, minimum = 1, maximum = 4_294_967_295_u64)]
    pub max_uses: Option<u32>,
    /// Seconds until it stops working, 1 to [`LINK_MAX_EXPIRES_IN_SECS`]; absent for never.
    #[schema(minimum = 1, maximum = 31_536_000)]
    pub expires_in: Option<u64>,
}

impl CreateLinkRequest {
    /// The use case's request; an `expires_in` over a year is a 400 `invalid_link` (a zero
    /// `max_uses` or `expires_in` is refused the same way by the use case).
    pub fn into_new_link(self) -> Result<NewLink, ApiError> {
        if self
            .expires_in
            .is_some_and(|secs| secs > LINK_MAX_EXPIRES_IN_SECS)
        {
            return Err(ApiError::InvalidLink(format!(
                "expires_in must be at most {LINK_MAX_EXPIRES_IN_SECS} seconds"
            )));
        }
        Ok(NewLink {
            max_uses: self.max_uses,
            expires_in: self.expires_in.map(Duration::from_secs),
        })
    }
}

/// `{token, room_id, max_uses, uses, expires_at, created_at}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkDto {
    /// The secret to share; joining is `POST /invite-links/{token}/join`.
    pub token: String,
    /// The group.
    pub room_id: String,
    /// Joins allowed; null for no limit.
    pub max_uses: Option<u32>,
    /// Joins given so far.
    pub uses: u32,
    /// When it stops working; null for never.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<Timestamp>,
    /// When it was made.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

impl From<&InviteLink> for LinkDto {
    fn from(link: &InviteLink) -> Self {
        Self {
            token: link.token.clone(),
            room_id: link.room_id.to_string(),
            max_uses: link.max_uses,
            uses: link.uses,
            expires_at: link.expires_at,
            created_at: link.created_at,
        }
    }
}

/// `{"link": {...}}`: `POST /rooms/{id}/invite-links`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkResponse {
    /// The new link.
    pub link: LinkDto,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn an_empty_request_is_a_link_without_limits() {
        let request: CreateLinkRequest = serde_json::from_str("{}").unwrap();
        let link = request.into_new_link().unwrap();
        assert_eq!((link.max_uses, link.expires_in), (None, None));
    }

    #[test]
    fn expires_in_is_seconds_up_to_a_year() {
        let request = CreateLinkRequest {
            max_uses: Some(3),
            expires_in: Some(3600),
        };
        let link = request.into_new_link().unwrap();
        assert_eq!(link.expires_in, Some(Duration::from_secs(3600)));
        assert_eq!(link.max_uses, Some(3));
        let too_far = CreateLinkRequest {
            max_uses: None,
            expires_in: Some(LINK_MAX_EXPIRES_IN_SECS + 1),
        };
        assert_eq!(too_far.into_new_link().unwrap_err().code(), "invalid_link");
    }

    #[test]
    fn negative_or_mistyped_limits_are_refused_by_the_parser() {
        for body in [r#"{"max_uses": -1}"#, r#"{"expires_in": "1h"}"#] {
            assert!(
                serde_json::from_str::<CreateLinkRequest>(body).is_err(),
                "{body}"
            );
        }
    }
}

//! [`AuthenticatedUser`]: the caller of a protected route, from its bearer access token.
//!
//! The token's signature, kind and expiry are checked, and its login against the ones this
//! node knows to be revoked (`chat_app::auth::RevokedSessions`, kept in memory from the bus
//! and the store): no store round trip per request. The WebSocket upgrade also looks the
//! session and the account's lock up in the store itself.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use chat_domain::{SessionId, UserId};

use crate::{ApiError, AppState};

/// The user a request acts for; a handler that takes it is a protected route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatedUser {
    /// Who is calling.
    pub user_id: UserId,
    /// The login the access token was issued under.
    pub session_id: SessionId,
}

impl FromRequest for AuthenticatedUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}

fn authenticate(req: &HttpRequest) -> Result<AuthenticatedUser, ApiError> {
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        // A wiring bug, not the client's fault; `routes::configure` always registers it.
        tracing::error!("AppState is not registered as app data");
        return Err(ApiError::Internal);
    };
    let token = bearer_token(req).ok_or(ApiError::Unauthorized)?;
    let claims = state.auth.authenticate(token)?;
    Ok(AuthenticatedUser {
        user_id: claims.user_id,
        session_id: claims.session_id,
    })
}

/// The token of an `Authorization: Bearer <token>` header, if there is one.
///
/// The scheme name is case-insensitive (RFC 9110 §11.1); an empty token counts as none.
pub fn bearer_token(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn a_bearer_header_yields_its_token() {
        let req = TestRequest::default()
            .insert_header((AUTHORIZATION, "Bearer abc.def"))
            .to_http_request();
        assert_eq!(bearer_token(&req), Some("abc.def"));
    }

    #[test]
    fn the_scheme_is_case_insensitive() {
        let req = TestRequest::default()
            .insert_header((AUTHORIZATION, "bearer  abc"))
            .to_http_request();
        assert_eq!(bearer_token(&req), Some("abc"));
    }

    #[test]
    fn other_schemes_and_empty_tokens_yield_nothing() {
        for value in ["Basic YWxpY2U6cHc=", "Bearer", "Bearer   ", "abc"] {
            let req = TestRequest::default()
                .insert_header((AUTHORIZATION, value))
                .to_http_request();
            assert_eq!(bearer_token(&req), None, "{value:?}");
        }
        assert_eq!(
            bearer_token(&TestRequest::default().to_http_request()),
            None
        );
    }
}

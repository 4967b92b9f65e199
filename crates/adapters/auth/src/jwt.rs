//! HS256 access tokens behind the [`TokenIssuer`] port.
//!
//! The algorithm is pinned: only HS256 is ever accepted, whatever a token's header claims, which
//! closes the classic JWT holes (`alg: none`, and a token signed with another algorithm under the
//! same secret). Tokens carry a `typ: "access"` claim so no other token this service might one
//! day sign could pass for one, and the clock leeway is a few seconds, not the library's minute.

use std::fmt;
use std::time::Duration;

use chat_domain::ids::Uuid;
use chat_domain::{SessionId, UserId};
use chat_ports::{AccessClaims, IssuedAccessToken, TokenError, TokenIssuer};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::refresh;

/// The `typ` claim of an access token.
const ACCESS: &str = "access";

/// Seconds of clock difference between nodes tolerated on `exp`.
const LEEWAY_SECS: u64 = 3;

/// What an access token says, as signed.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Claims {
    /// The user.
    pub(crate) sub: UserId,
    /// The session (login) it belongs to; revoking the session ends the token's use.
    pub(crate) sid: SessionId,
    /// The kind of token: always [`ACCESS`] here.
    pub(crate) typ: String,
    /// Issued at, in seconds since the epoch.
    pub(crate) iat: u64,
    /// Expires at, in seconds since the epoch.
    pub(crate) exp: u64,
    /// A unique id for the token, for logs and any future deny-list.
    pub(crate) jti: Uuid,
}

/// Signs and checks HS256 access tokens with one shared secret; makes refresh tokens.
pub struct JwtTokenIssuer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
}

impl JwtTokenIssuer {
    /// An issuer signing with `secret` (use at least 32 random bytes: an HS256 key is only as
    /// strong as its secret) and making tokens valid for `access_ttl`.
    pub fn new(secret: &[u8], access_ttl: Duration) -> Self {
        // jsonwebtoken picks its crypto backend from its features and panics at the first
        // signature when it cannot decide (both backends enabled somewhere in the build).
        // Installing ours makes that moot; an `Err` means some provider is installed already,
        // the application's choice, which stands.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();

        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.leeway = LEEWAY_SECS;
        validation.validate_exp = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }
}

impl fmt::Debug for JwtTokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The keys hold the secret: never print them.
        f.debug_struct("JwtTokenIssuer")
            .field("algorithm", &Algorithm::HS256)
            .field("access_ttl", &self.access_ttl)
            .finish_non_exhaustive()
    }
}

impl TokenIssuer for JwtTokenIssuer {
    fn issue_access(
        &self,
        user: UserId,
        session: SessionId,
    ) -> Result<IssuedAccessToken, TokenError> {
        let iat = jsonwebtoken::get_current_timestamp();
        let expires_in = self.access_ttl.as_secs();
        let claims = Claims {
            sub: user,
            sid: session,
            typ: ACCESS.to_owned(),
            iat,
            exp: iat.saturating_add(expires_in),
            jti: Uuid::now_v7(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|error| {
            TokenError::Internal(format!("signing an access token: {error}"))
        })?;
        Ok(IssuedAccessToken { token, expires_in })
    }

    fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        // Every refusal is the same `Invalid`: telling a caller why its token failed (expired,
        // bad signature, wrong algorithm) only helps someone forging one.
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        if data.claims.typ != ACCESS {
            return Err(TokenError::Invalid);
        }
        Ok(AccessClaims {
            user_id: data.claims.sub,
            session_id: data.claims.sid,
        })
    }

    fn new_refresh_token(&self) -> String {
        refresh::new_refresh_token()
    }

    fn hash_refresh_token(&self, token: &str) -> String {
        refresh::hash_refresh_token(token)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
#[path = "jwt_tests.rs"]
mod tests;

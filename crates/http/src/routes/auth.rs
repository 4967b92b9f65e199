//! `/api/v1/auth/*`: register, login, refresh-token rotation and logout.
//!
//! None of these take an access token: register and login create credentials, and refresh
//! and logout are authorized by the refresh token in their body.

use actix_web::http::header::USER_AGENT;
use actix_web::{web, HttpRequest, HttpResponse};
use chat_domain::DeviceName;

use super::api::Api;
use crate::dto::{
    CredentialsRequest, LoginRequest, Object, RefreshTokenRequest, TokenResponse, UserDto,
    UserResponse,
};
use crate::error::ErrorEnvelope;
use crate::{ApiError, AppState};

/// Registers the `/auth` routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_register, _, _>(register)
        .add::<__path_login, _, _>(login)
        .add::<__path_refresh, _, _>(refresh)
        .add::<__path_logout, _, _>(logout);
}

/// `POST /auth/register` → 201 `{"user"}`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/register",
    tag = "auth",
    summary = "Create an account",
    request_body = CredentialsRequest,
    responses(
        (status = 201, description = "The new user", body = UserResponse,
            links(
                ("GetUser" = (operation_id = "get_user", parameters(("id" = "$response.body#/user/id")))),
                ("Block" = (operation_id = "block", parameters(("id" = "$response.body#/user/id")))),
                ("Unblock" = (operation_id = "unblock", parameters(("id" = "$response.body#/user/id")))),
                ("SendPrivate" = (operation_id = "send_private", parameters(("id" = "$response.body#/user/id"))))
            )),
        (status = 400, description = "`invalid_request` (malformed body), `invalid_username` or `invalid_password`", body = ErrorEnvelope),
        (status = 409, description = "`username_taken`", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many registrations from this address", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    )
)]
async fn register(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Object<CredentialsRequest>>,
) -> Result<HttpResponse, ApiError> {
    state.limits.rates.register(peer_ip(&request))?;
    let CredentialsRequest { username, password } = body.into_inner().0;
    let user = state.auth.register(&username, password).await?;
    Ok(HttpResponse::Created().json(UserResponse {
        user: UserDto::from(&user),
    }))
}

/// `POST /auth/login` → 200 with a token pair; the session is named after `device`, else
/// after the User-Agent.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    summary = "Sign in: an access token and a refresh token",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A new login's token pair", body = TokenResponse),
        (status = 400, description = "`invalid_request`: a malformed body; `invalid_device`: a device name that is empty, too long or has control characters", body = ErrorEnvelope),
        (status = 401, description = "`invalid_credentials`: unknown user or wrong password", body = ErrorEnvelope),
        (status = 403, description = "`account_locked`: an administrator locked this account", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 429, description = "`rate_limited`: too many logins for this username or from this address", body = ErrorEnvelope,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    )
)]
async fn login(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<Object<LoginRequest>>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest {
        username,
        password,
        device,
    } = body.into_inner().0;
    // Counted before the password is checked: the limit bounds guessing and bcrypt work alike.
    state.limits.rates.login(peer_ip(&request), &username)?;
    let device = match device {
        Some(name) => Some(DeviceName::parse(&name).map_err(ApiError::InvalidDevice)?),
        None => request
            .headers()
            .get(USER_AGENT)
            .and_then(|agent| agent.to_str().ok())
            .and_then(DeviceName::from_user_agent),
    };
    let pair = state.auth.login(&username, password, device).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(&pair)))
}

/// `POST /auth/refresh` → 200 with the next pair; the presented token is spent.
#[utoipa::path(
    post,
    path = "/api/v1/auth/refresh",
    tag = "auth",
    summary = "Trade a refresh token for the next pair (the token is spent)",
    request_body = RefreshTokenRequest,
    responses(
        (status = 200, description = "The next token pair", body = TokenResponse),
        (status = 400, description = "`invalid_request`: a malformed body", body = ErrorEnvelope),
        (status = 401, description = "`invalid_token`: unknown, spent or revoked", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    )
)]
async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<Object<RefreshTokenRequest>>,
) -> Result<HttpResponse, ApiError> {
    let pair = state.auth.refresh(&body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(&pair)))
}

/// `POST /auth/logout` → 204; the login's WebSocket connections close (through the bus).
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    summary = "End the login of a refresh token; its WebSockets close",
    request_body = RefreshTokenRequest,
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "`invalid_request`: a malformed body", body = ErrorEnvelope),
        (status = 401, description = "`invalid_token`: unknown, spent or revoked", body = ErrorEnvelope),
        (status = 413, description = "`payload_too_large`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    )
)]
async fn logout(
    state: web::Data<AppState>,
    body: web::Json<Object<RefreshTokenRequest>>,
) -> Result<HttpResponse, ApiError> {
    state.auth.logout(&body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The client's address as this node sees it (a load balancer's, behind one; see
/// `docs/security.md`).
fn peer_ip(request: &HttpRequest) -> Option<std::net::IpAddr> {
    request.peer_addr().map(|address| address.ip())
}

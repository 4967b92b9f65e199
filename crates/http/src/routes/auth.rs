//! `/api/v1/auth/*`: register, login, refresh-token rotation and logout.
//!
//! None of these take an access token: register and login create credentials, and refresh
//! and logout are authorized by the refresh token in their body.

use actix_web::{web, HttpRequest, HttpResponse};

use super::resource;
use crate::dto::{CredentialsRequest, RefreshTokenRequest, TokenResponse, UserDto, UserResponse};
use crate::{ApiError, AppState};

/// Registers the `/auth` routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/auth/register", "POST").route(web::post().to(register)))
        .service(resource("/auth/login", "POST").route(web::post().to(login)))
        .service(resource("/auth/refresh", "POST").route(web::post().to(refresh)))
        .service(resource("/auth/logout", "POST").route(web::post().to(logout)));
}

/// `POST /auth/register` → 201 `{"user"}`.
async fn register(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<CredentialsRequest>,
) -> Result<HttpResponse, ApiError> {
    state.limits.rates.register(peer_ip(&request))?;
    let CredentialsRequest { username, password } = body.into_inner();
    let user = state.auth.register(&username, password).await?;
    Ok(HttpResponse::Created().json(UserResponse {
        user: UserDto::from(&user),
    }))
}

/// `POST /auth/login` → 200 with a token pair.
async fn login(
    request: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<CredentialsRequest>,
) -> Result<HttpResponse, ApiError> {
    let CredentialsRequest { username, password } = body.into_inner();
    // Counted before the password is checked: the limit bounds guessing and bcrypt work alike.
    state.limits.rates.login(peer_ip(&request), &username)?;
    let pair = state.auth.login(&username, password).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(&pair)))
}

/// `POST /auth/refresh` → 200 with the next pair; the presented token is spent.
async fn refresh(
    state: web::Data<AppState>,
    body: web::Json<RefreshTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = state.auth.refresh(&body.refresh_token).await?;
    Ok(HttpResponse::Ok().json(TokenResponse::from(&pair)))
}

/// `POST /auth/logout` → 204; the login's WebSocket connections close (through the bus).
async fn logout(
    state: web::Data<AppState>,
    body: web::Json<RefreshTokenRequest>,
) -> Result<HttpResponse, ApiError> {
    state.auth.logout(&body.refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The client's address as this node sees it (a load balancer's, behind one; see
/// `docs/security.md`).
fn peer_ip(request: &HttpRequest) -> Option<std::net::IpAddr> {
    request.peer_addr().map(|address| address.ip())
}

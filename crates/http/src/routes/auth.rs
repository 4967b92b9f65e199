//! `/api/v1/auth/*`: register, login, refresh-token rotation and logout.
//!
//! None of these take an access token: register and login create credentials, and refresh
//! and logout are authorized by the refresh token in their body.

use actix_web::http::header::USER_AGENT;
use actix_web::{web, HttpRequest, HttpResponse};
use chat_domain::DeviceName;

use super::resource;
use crate::dto::{
    CredentialsRequest, LoginRequest, RefreshTokenRequest, TokenResponse, UserDto, UserResponse,
};
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
    state: web::Data<AppState>,
    body: web::Json<CredentialsRequest>,
) -> Result<HttpResponse, ApiError> {
    let CredentialsRequest { username, password } = body.into_inner();
    let user = state.auth.register(&username, password).await?;
    Ok(HttpResponse::Created().json(UserResponse {
        user: UserDto::from(&user),
    }))
}

/// `POST /auth/login` → 200 with a token pair; the session is named after `device`, else
/// after the User-Agent.
async fn login(
    state: web::Data<AppState>,
    request: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let LoginRequest {
        username,
        password,
        device,
    } = body.into_inner();
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

//! `/api/v1/admin/*`: dead letters, connection figures, disconnecting and locking users.
//!
//! Every route takes an [`Admin`]: either the configured admin token as the bearer token, or
//! the access token of a user named in the admin list (checked live: a revoked login or a
//! locked account is refused). No bearer token, or one that is neither, is 401; a valid user
//! who is not an administrator is 403 `forbidden`. With no administrators configured every
//! request ends in one of those two, the safe default. The token itself is never logged.

use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chat_domain::{JobId, UserId};
use futures_util::future::LocalBoxFuture;

use super::{parse_user_id, resource};
use crate::dto::admin::{
    ConnectionStatsResponse, DeadLetterDto, DeadLettersQuery, DeadLettersResponse,
};
use crate::extract::bearer_token;
use crate::{ApiError, AppState};

/// Most dead letters one listing returns.
const MAX_DEAD_LETTERS: u32 = 1000;

/// Dead letters listed when `limit` is not given.
const DEFAULT_DEAD_LETTERS: u32 = 100;

/// Registers the admin routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/admin/dead-letters", "GET").route(web::get().to(dead_letters)))
        .service(resource("/admin/dead-letters/{id}/replay", "POST").route(web::post().to(replay)))
        .service(resource("/admin/connections", "GET").route(web::get().to(connections)))
        .service(resource("/admin/users/{id}/disconnect", "POST").route(web::post().to(disconnect)))
        .service(resource("/admin/users/{id}/lock", "POST").route(web::post().to(lock)))
        .service(resource("/admin/users/{id}/unlock", "POST").route(web::post().to(unlock)));
}

/// Who passed the admin check; a handler that takes it is an admin route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admin {
    /// A request with the configured admin token.
    Token,
    /// A signed-in user on the admin list.
    User(UserId),
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req).map(str::to_owned);
        Box::pin(async move {
            let Some(state) = state else {
                tracing::error!("AppState is not registered as app data");
                return Err(ApiError::Internal);
            };
            let token = token.ok_or(ApiError::Unauthorized)?;
            if state.admin.is_admin_token(&token) {
                return Ok(Self::Token);
            }
            let claims = state.auth.authenticate_live(&token).await?;
            if state.admin.is_admin(claims.user_id).await? {
                Ok(Self::User(claims.user_id))
            } else {
                Err(ApiError::Forbidden("administrators only".to_owned()))
            }
        })
    }
}

/// `GET /admin/dead-letters?limit=` → 200 `{"dead_letters": [...]}`, oldest first.
async fn dead_letters(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<DeadLettersQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_DEAD_LETTERS);
    if !(1..=MAX_DEAD_LETTERS).contains(&limit) {
        return Err(ApiError::InvalidLimit(format!(
            "limit must be 1 to {MAX_DEAD_LETTERS}"
        )));
    }
    let letters = state.admin.dead_letters().list(limit).await?;
    Ok(HttpResponse::Ok().json(DeadLettersResponse {
        dead_letters: letters.into_iter().map(DeadLetterDto::from).collect(),
    }))
}

/// `POST /admin/dead-letters/{id}/replay` → 204; the job is back on the queue with fresh
/// attempts and no longer a dead letter.
async fn replay(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: JobId = path
        .into_inner()
        .parse()
        .map_err(|_| ApiError::DeadLetterNotFound)?;
    state.admin.dead_letters().replay(id).await?;
    tracing::info!(job_id = %id, ?admin, "dead letter replayed");
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /admin/connections` → 200 `{connections, users}` of this node.
async fn connections(state: web::Data<AppState>, _admin: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ConnectionStatsResponse::from(state.gateway.stats())))
}

/// `POST /admin/users/{id}/disconnect` → 204; every connection of the user on every node
/// closes with 1008 (their logins stay valid).
async fn disconnect(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = parse_user_id(&path)?;
    state.admin.disconnect_user(user).await?;
    tracing::info!(user_id = %user, ?admin, "user disconnected by an administrator");
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /admin/users/{id}/lock` → 204; no login, refresh or WebSocket for the user, every
/// session revoked, every connection closed with 1008.
async fn lock(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = parse_user_id(&path)?;
    state.admin.lock_user(user).await?;
    tracing::info!(user_id = %user, ?admin, "user locked by an administrator");
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /admin/users/{id}/unlock` → 204; the user may log in again.
async fn unlock(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = parse_user_id(&path)?;
    state.admin.unlock_user(user).await?;
    tracing::info!(user_id = %user, ?admin, "user unlocked by an administrator");
    Ok(HttpResponse::NoContent().finish())
}

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

use super::api::Api;
use super::parse_user_id;
use crate::dto::admin::{
    ConnectionStatsResponse, DeadLetterDto, DeadLettersQuery, DeadLettersResponse,
};
use crate::error::ErrorEnvelope;
use crate::extract::bearer_token;
use crate::{ApiError, AppState};

/// Most dead letters one listing returns.
const MAX_DEAD_LETTERS: u32 = 1000;

/// Dead letters listed when `limit` is not given.
const DEFAULT_DEAD_LETTERS: u32 = 100;

/// Registers the admin routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_dead_letters, _, _>(dead_letters)
        .add::<__path_replay_dead_letter, _, _>(replay_dead_letter)
        .add::<__path_connections, _, _>(connections)
        .add::<__path_disconnect_user, _, _>(disconnect_user)
        .add::<__path_lock_user, _, _>(lock_user)
        .add::<__path_unlock_user, _, _>(unlock_user);
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
#[utoipa::path(
    get,
    path = "/api/v1/admin/dead-letters",
    tag = "admin",
    summary = "Jobs that failed for good, oldest first",
    params(DeadLettersQuery),
    responses(
        (status = 200, description = "The dead letters", body = DeadLettersResponse),
        (status = 400, description = "`invalid_limit` or `invalid_request`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: no bearer token, or one that is neither the admin token nor a live access token", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: the caller is not an administrator", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
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
#[utoipa::path(
    post,
    path = "/api/v1/admin/dead-letters/{id}/replay",
    tag = "admin",
    summary = "Put a dead letter back on the queue",
    params(("id" = String, Path, description = "Job id")),
    responses(
        (status = 204, description = "Queued again with fresh attempts"),
        (status = 404, description = "`dead_letter_not_found`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: no bearer token, or one that is neither the admin token nor a live access token", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: the caller is not an administrator", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn replay_dead_letter(
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
#[utoipa::path(
    get,
    path = "/api/v1/admin/connections",
    tag = "admin",
    summary = "This node's WebSocket connections and users",
    responses(
        (status = 200, description = "Connection figures of the node that answered", body = ConnectionStatsResponse),
        (status = 401, description = "`unauthorized`: no bearer token, or one that is neither the admin token nor a live access token", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: the caller is not an administrator", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn connections(state: web::Data<AppState>, _admin: Admin) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(ConnectionStatsResponse::from(state.gateway.stats())))
}

/// `POST /admin/users/{id}/disconnect` → 204; every connection of the user on every node
/// closes with 1008 (their logins stay valid).
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/disconnect",
    tag = "admin",
    summary = "Close every connection of a user on every node",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Their connections close with 1008; their logins stay valid"),
        (status = 404, description = "`user_not_found`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: no bearer token, or one that is neither the admin token nor a live access token", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: the caller is not an administrator", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn disconnect_user(
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
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/lock",
    tag = "admin",
    summary = "Lock an account: no login, refresh or WebSocket",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Locked; every session revoked, every connection closed with 1008"),
        (status = 404, description = "`user_not_found`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: no bearer token, or one that is neither the admin token nor a live access token", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: the caller is not an administrator", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn lock_user(
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
#[utoipa::path(
    post,
    path = "/api/v1/admin/users/{id}/unlock",
    tag = "admin",
    summary = "Unlock an account",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Unlocked; the user may log in again"),
        (status = 404, description = "`user_not_found`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: no bearer token, or one that is neither the admin token nor a live access token", body = ErrorEnvelope),
        (status = 403, description = "`forbidden`: the caller is not an administrator", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn unlock_user(
    state: web::Data<AppState>,
    admin: Admin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = parse_user_id(&path)?;
    state.admin.unlock_user(user).await?;
    tracing::info!(user_id = %user, ?admin, "user unlocked by an administrator");
    Ok(HttpResponse::NoContent().finish())
}

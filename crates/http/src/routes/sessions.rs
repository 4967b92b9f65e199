//! `/api/v1/auth/sessions` and `/api/v1/auth/logout-all`: a user's own logins.
//!
//! Every route acts on the caller's sessions only: another user's session id answers exactly
//! like an unknown one (404 `session_not_found`), so ids cannot be probed. Ending a login
//! closes its WebSocket connections on every node with 1008 (through the bus).

use actix_web::{web, HttpResponse};
use chat_domain::SessionId;

use super::api::Api;
use crate::dto::{SessionDto, SessionsResponse};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the session routes.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_list_sessions, _, _>(list_sessions)
        .add::<__path_revoke_session, _, _>(revoke_session)
        .add::<__path_logout_all, _, _>(logout_all);
}

/// `GET /auth/sessions` → 200 `{"sessions": [...]}`, newest first, the caller's marked
/// `current`.
#[utoipa::path(
    get,
    path = "/api/v1/auth/sessions",
    tag = "auth",
    summary = "The caller's active logins, newest first",
    responses(
        (status = 200, description = "The caller's logins; `current` marks this request's", body = SessionsResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn list_sessions(
    state: web::Data<AppState>,
    caller: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    let sessions = state.auth.list_sessions(caller.user_id).await?;
    Ok(HttpResponse::Ok().json(SessionsResponse {
        sessions: sessions
            .iter()
            .map(|session| SessionDto::new(session, caller.session_id))
            .collect(),
    }))
}

/// `DELETE /auth/sessions/{id}` → 204; that login's WebSocket connections close with 1008.
#[utoipa::path(
    delete,
    path = "/api/v1/auth/sessions/{id}",
    tag = "auth",
    summary = "End one of the caller's logins",
    params(("id" = String, Path, description = "Session id")),
    responses(
        (status = 204, description = "Ended; its WebSocket connections close with 1008"),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`session_not_found`: no such active login of the caller", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn revoke_session(
    state: web::Data<AppState>,
    caller: AuthenticatedUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id: SessionId = path
        .into_inner()
        .parse()
        .map_err(|_| ApiError::SessionNotFound)?;
    state.auth.revoke_session(caller.user_id, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /auth/logout-all` → 204; every login of the caller ends and all their connections
/// close with 1008.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout-all",
    tag = "auth",
    summary = "End every login of the caller",
    responses(
        (status = 204, description = "Every login ended; all connections close with 1008"),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn logout_all(
    state: web::Data<AppState>,
    caller: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    state.auth.logout_all(caller.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

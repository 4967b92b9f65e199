//! `/api/v1/auth/sessions` and `/api/v1/auth/logout-all`: a user's own logins.
//!
//! Every route acts on the caller's sessions only: another user's session id answers exactly
//! like an unknown one (404 `session_not_found`), so ids cannot be probed. Ending a login
//! closes its WebSocket connections on every node with 1008 (through the bus).

use actix_web::{web, HttpResponse};
use chat_domain::SessionId;

use super::resource;
use crate::dto::{SessionDto, SessionsResponse};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the session routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/auth/sessions", "GET").route(web::get().to(list)))
        .service(resource("/auth/sessions/{id}", "DELETE").route(web::delete().to(revoke)))
        .service(resource("/auth/logout-all", "POST").route(web::post().to(logout_all)));
}

/// `GET /auth/sessions` → 200 `{"sessions": [...]}`, newest first, the caller's marked
/// `current`.
async fn list(
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
async fn revoke(
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
async fn logout_all(
    state: web::Data<AppState>,
    caller: AuthenticatedUser,
) -> Result<HttpResponse, ApiError> {
    state.auth.logout_all(caller.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

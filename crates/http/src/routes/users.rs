//! `/api/v1/users` and what hangs off a user: the caller's profile, anyone's profile, search
//! by username prefix, blocking (`/users/{id}/block`) and presence (`/presence`).
//!
//! `/users/{id}/messages` (the private send) lives in [`super::messages`].
//!
//! Blocking answers 204 whatever the state was before (blocking twice is one block, lifting
//! none is fine), so a client can repeat either safely; the blocked user is never told, and
//! meets 403 `blocked` only when messaging or inviting the blocker. Presence leaves out the
//! users who share no room with the caller rather than refusing them, so it never tells a
//! stranger whether an account is active.

use actix_web::{web, HttpResponse};

use super::api::Api;
use super::parse_user_id;
use crate::dto::{
    PresenceDto, PresenceQuery, PresenceResponse, UserDto, UserResponse, UserSearchQuery,
    UsersResponse,
};
use crate::error::ErrorEnvelope;
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the `/users` routes; `/users/me` before `/users/{id}` so `me` is not an id.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_search, _, _>(search)
        .add::<__path_me, _, _>(me)
        .add::<__path_get_user, _, _>(get_user)
        .add::<__path_block, _, _>(block)
        .add::<__path_unblock, _, _>(unblock)
        .add::<__path_presence, _, _>(presence);
}

/// `GET /users/me` → `{"user"}`.
#[utoipa::path(
    get,
    path = "/api/v1/users/me",
    tag = "users",
    summary = "The caller's profile",
    responses(
        (status = 200, description = "The caller", body = UserResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`user_not_found`: the account is gone", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn me(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let user = state.users.get(caller.user_id).await?;
    Ok(HttpResponse::Ok().json(UserResponse {
        user: UserDto::from(&user),
    }))
}

/// `GET /users/{id}` → `{"user"}`, or 404 `user_not_found`.
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    summary = "A user's profile",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 200, description = "The user", body = UserResponse),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`user_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn get_user(
    _caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = state.users.get(parse_user_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(UserResponse {
        user: UserDto::from(&user),
    }))
}

/// `GET /users?q=<prefix>` → `{"users"}`, at most twenty, by username.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    summary = "Search users by username prefix",
    params(UserSearchQuery),
    responses(
        (status = 200, description = "At most twenty users, by username", body = UsersResponse),
        (status = 400, description = "`invalid_request`: a malformed query string", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn search(
    _caller: AuthenticatedUser,
    state: web::Data<AppState>,
    query: web::Query<UserSearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let users = state.users.search(&query.q).await?;
    Ok(HttpResponse::Ok().json(UsersResponse {
        users: users.iter().map(UserDto::from).collect(),
    }))
}

/// `POST /users/{id}/block` → 204; oneself is 400 `cannot_block_self`, an unknown user 404
/// `user_not_found`.
#[utoipa::path(
    post,
    path = "/api/v1/users/{id}/block",
    tag = "users",
    summary = "Block a user (idempotent)",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Blocked"),
        (status = 400, description = "`cannot_block_self`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`user_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn block(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let blocked = parse_user_id(&id)?;
    state.blocks.block(caller.user_id, blocked).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /users/{id}/block` → 204.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}/block",
    tag = "users",
    summary = "Lift a block (idempotent)",
    params(("id" = String, Path, description = "User id")),
    responses(
        (status = 204, description = "Not blocked (any more)"),
        (status = 400, description = "`cannot_block_self`", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 404, description = "`user_not_found`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn unblock(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let blocked = parse_user_id(&id)?;
    state.blocks.unblock(caller.user_id, blocked).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /presence?user_ids=<id>,<id>` → `{"presence": [{user_id, online, last_seen}]}`, in
/// the order asked, each user once; at most 100 ids (more, or one that is not an id, is 400
/// `invalid_request`). Live changes come over the WebSocket as `presence` events.
#[utoipa::path(
    get,
    path = "/api/v1/presence",
    tag = "users",
    summary = "Presence of users who share a room with the caller",
    params(PresenceQuery),
    responses(
        (status = 200, description = "The visible users asked about, in order", body = PresenceResponse),
        (status = 400, description = "`invalid_request`: an item that is not a user id, or more than 100", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`", body = ErrorEnvelope),
    ),
    security(("bearer" = []))
)]
async fn presence(
    caller: AuthenticatedUser,
    state: web::Data<AppState>,
    query: web::Query<PresenceQuery>,
) -> Result<HttpResponse, ApiError> {
    let users = query.user_ids()?;
    let presence = state.presence.presence_of(caller.user_id, &users).await?;
    Ok(HttpResponse::Ok().json(PresenceResponse {
        presence: presence.iter().map(PresenceDto::from).collect(),
    }))
}

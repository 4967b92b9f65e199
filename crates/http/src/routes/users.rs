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

use super::{parse_user_id, resource};
use crate::dto::{
    PresenceDto, PresenceQuery, PresenceResponse, UserDto, UserResponse, UserSearchQuery,
    UsersResponse,
};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the `/users` routes; `/users/me` before `/users/{id}` so `me` is not an id.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/users", "GET").route(web::get().to(search)))
        .service(resource("/users/me", "GET").route(web::get().to(me)))
        .service(resource("/users/{id}", "GET").route(web::get().to(get_user)))
        .service(
            resource("/users/{id}/block", "POST, DELETE")
                .route(web::post().to(block))
                .route(web::delete().to(unblock)),
        )
        .service(resource("/presence", "GET").route(web::get().to(presence)));
}

/// `GET /users/me` → `{"user"}`.
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

//! `/api/v1/users`: the caller's profile, anyone's profile, and search by username prefix.
//!
//! `/users/{id}/messages` (the private send) lives in [`super::messages`].

use actix_web::{web, HttpResponse};

use super::{parse_user_id, resource};
use crate::dto::{UserDto, UserResponse, UserSearchQuery, UsersResponse};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the `/users` routes; `/users/me` before `/users/{id}` so `me` is not an id.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/users", "GET").route(web::get().to(search)))
        .service(resource("/users/me", "GET").route(web::get().to(me)))
        .service(resource("/users/{id}", "GET").route(web::get().to(get_user)));
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

//! `/api/v1/users/{id}/block`: blocking a user and lifting the block.
//!
//! Both answer 204 whatever the state was before (blocking twice is one block, lifting none
//! is fine), so a client can repeat either safely. A blocked user is never told: what they
//! see is 403 `blocked` when they try to message or invite the blocker.

use actix_web::{web, HttpResponse};

use super::{parse_user_id, resource};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers the block routes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config.service(
        resource("/users/{id}/block", "POST, DELETE")
            .route(web::post().to(block))
            .route(web::delete().to(unblock)),
    );
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

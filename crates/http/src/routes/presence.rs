//! `/api/v1/presence`: who of a list of users is online.
//!
//! Users who share no room with the caller are left out of the answer, not refused: presence
//! never tells a stranger whether an account is active. Live changes come over the WebSocket
//! as `presence` events; this route is for the first render and after a reconnect.

use actix_web::{web, HttpResponse};

use super::resource;
use crate::dto::{PresenceDto, PresenceQuery, PresenceResponse};
use crate::extract::AuthenticatedUser;
use crate::{ApiError, AppState};

/// Registers `GET /presence`.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config.service(resource("/presence", "GET").route(web::get().to(presence)));
}

/// `GET /presence?user_ids=<id>,<id>` → `{"presence": [{user_id, online, last_seen}]}`, in
/// the order asked, each user once; at most 100 ids (more, or one that is not an id, is 400
/// `invalid_request`).
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

//! The WebSocket gateway at `GET /api/v1/ws`.
//!
//! One authenticated connection per device carries the events of all the user's rooms. Each
//! connection is a reader task (client frames to use cases) and a writer task (the only one
//! that writes to the socket), joined by a bounded buffer that the [`Gateway`] fills from the
//! bus. See `docs/protocol.md` for the frames and `docs/architecture.md` for the ordering
//! guarantees, which [`gateway`] and [`writer`] document where they are kept.

pub mod events;
pub mod gateway;
pub mod outbound;
pub mod protocol;
pub mod reader;
pub mod replay;
pub mod writer;

#[cfg(test)]
mod gateway_tests;

use std::sync::Arc;

use actix_web::{web, HttpRequest, HttpResponse};
use chat_ports::AccessClaims;
use tracing::Instrument;

pub use gateway::Gateway;

use crate::extract::bearer_token;
use crate::{ApiError, AppState};
use outbound::CloseSignal;
use reader::Reader;
use writer::{LastHeard, Writer};

/// Upgrades an authenticated request to a WebSocket; without a valid token the answer is 401,
/// before any upgrade.
pub async fn ws_connect(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let token = bearer_token(&request)
        .map(str::to_owned)
        .or_else(|| query_token(&request))
        .ok_or(ApiError::Unauthorized)?;
    let claims = state.auth.authenticate_live(&token).await?;
    let (response, session, stream) = actix_ws::handle(&request, payload)
        .map_err(|e| ApiError::invalid_request(format!("not a WebSocket upgrade: {e}")))?;
    let stream = stream
        .max_frame_size(state.limits.max_ws_frame_bytes)
        .aggregate_continuations()
        .max_continuation_size(state.limits.max_ws_frame_bytes);
    // The connection outlives the upgrade request; it keeps the request's span (and so its
    // request id) for every line it logs, in a span of its own.
    let span = tracing::info_span!("ws", user_id = %claims.user_id);
    span.follows_from(tracing::Span::current());
    actix_web::rt::spawn(
        serve(state.into_inner(), claims, session, stream)
            .instrument(span)
            .instrument(tracing::Span::current()),
    );
    Ok(response)
}

/// Runs one connection from registration to close.
async fn serve(
    state: Arc<AppState>,
    claims: AccessClaims,
    session: actix_ws::Session,
    stream: actix_ws::AggregatedMessageStream,
) {
    let Some(registration) = state.gateway.register(claims.user_id, claims.session_id) else {
        let _ = session.close(Some(CloseSignal::GoingAway.reason())).await;
        return;
    };
    let connection = registration.id;
    let opened = std::time::Instant::now();
    tracing::info!(connection = %connection, "websocket connected");
    let rooms = match state.messaging.room_ids(claims.user_id).await {
        Ok(rooms) => rooms,
        Err(error) => {
            tracing::error!(%error, "could not load the rooms of a new connection");
            state.gateway.unregister(connection);
            let _ = session.close(Some(CloseSignal::Internal.reason())).await;
            return;
        }
    };
    state.gateway.attach_rooms(connection, rooms);
    if let Err(error) = state.presence.connected(claims.user_id).await {
        tracing::warn!(%error, "could not record presence");
    }

    let last_heard = LastHeard::new();
    let close = registration.close;
    let writer = Writer::new(session.clone());
    let writer_task = actix_web::rt::spawn(writer.run(
        registration.receiver,
        close.subscribe(),
        Arc::clone(&last_heard),
        state.limits.clone(),
    ));
    let reader = Reader {
        user_id: claims.user_id,
        messaging: Arc::clone(&state.messaging),
        outbound: registration.sender,
        close: Arc::clone(&close),
        last_heard,
    };
    // The reader ends when the client goes; a close decided elsewhere (revoked login, slow
    // consumer, shutdown, oversize frame) ends it too.
    tokio::select! {
        _ = reader.run(stream, session) => {}
        _ = wait_closed(close.subscribe()) => {}
    }
    state.gateway.unregister(connection);
    if let Err(error) = state.presence.disconnected(claims.user_id).await {
        tracing::warn!(%error, "could not record presence");
    }
    if close.borrow().is_none() {
        close.send_replace(Some(CloseSignal::GoingAway));
    }
    // Let the writer flush what it has and send the close frame.
    let _ = writer_task.await;
    let close_code = close
        .borrow()
        .map_or(1000, |signal| u16::from(signal.reason().code));
    tracing::info!(
        connection = %connection,
        seconds = opened.elapsed().as_secs(),
        close_code,
        "websocket closed"
    );
}

async fn wait_closed(mut close: tokio::sync::watch::Receiver<Option<CloseSignal>>) {
    while close.borrow_and_update().is_none() {
        if close.changed().await.is_err() {
            return;
        }
    }
}

fn query_token(request: &HttpRequest) -> Option<String> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(request.query_string())
        .ok()?
        .get("access_token")
        .cloned()
}

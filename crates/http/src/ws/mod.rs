//! The WebSocket gateway at `GET /api/v1/ws`.
//!
//! One authenticated connection per device carries the events of all the user's rooms. Each
//! connection is one task running a reader (client frames to use cases) and a writer (the
//! only one that writes to the socket), joined by a bounded [`queue`] that the [`Gateway`]
//! fills from the bus. See `docs/protocol.md` for the frames and `docs/architecture.md` for the ordering
//! guarantees, which [`gateway`] and [`writer`] document where they are kept.

pub mod events;
pub mod frame_guard;
pub mod gateway;
mod ids;
pub mod outbound;
pub mod protocol;
pub mod queue;
pub mod reader;
pub mod replay;
mod room_set;
pub mod writer;

#[cfg(test)]
mod frame_guard_tests;
#[cfg(test)]
mod gateway_tests;
#[cfg(test)]
mod protocol_fuzz;
#[cfg(test)]
mod queue_tests;

use std::sync::Arc;

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use chat_domain::UserId;
use tracing::Instrument;

pub use gateway::{ConnectionStats, Gateway};
use gateway::{RegisterRefusal, Registration};

use crate::error::ErrorEnvelope;
use crate::extract::bearer_token;
use crate::{ApiError, AppState};
use outbound::CloseSignal;
use reader::Reader;
use writer::{LastHeard, Writer};

/// Upgrades an authenticated request to a WebSocket; without a valid token the answer is 401,
/// before any upgrade.
#[utoipa::path(
    get,
    path = "/api/v1/ws",
    tag = "realtime",
    summary = "Open the WebSocket (an HTTP/1.1 upgrade)",
    description = "An HTTP/1.1 `Upgrade: websocket` request; the token comes from \
                   `Authorization: Bearer` or, for browsers, the `access_token` query parameter. \
                   Once upgraded, the connection carries JSON frames both ways (see \
                   docs/protocol.md). A request that is not an upgrade is 400 `invalid_request`.",
    params(
        ("access_token" = Option<String>, Query, description = "The access token, for clients that cannot set headers"),
    ),
    responses(
        (status = 101, description = "Switching Protocols: the WebSocket is open"),
        (status = 400, description = "`invalid_request`: not a WebSocket upgrade", body = ErrorEnvelope),
        (status = 401, description = "`unauthorized`: no valid access token, or its login was revoked", body = ErrorEnvelope),
        (status = 403, description = "`origin_not_allowed`: a browser page from an origin not on `CHAT_ALLOWED_ORIGINS`", body = ErrorEnvelope),
        (status = 429, description = "`too_many_connections`: the user already holds `CHAT_MAX_CONNECTIONS_PER_USER` connections on this node", body = ErrorEnvelope),
        (status = 503, description = "`store_unavailable`: the session could not be checked, or the node is shutting down", body = ErrorEnvelope),
    ),
    security((), ("bearer" = []))
)]
pub async fn ws_connect(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !state.limits.allowed_origins.allows_request(&request) {
        return Err(ApiError::OriginNotAllowed);
    }
    let token = bearer_token(&request)
        .map(str::to_owned)
        .or_else(|| query_token(&request))
        .ok_or(ApiError::Unauthorized)?;
    let claims = state.auth.authenticate_live(&token).await?;
    // Registered before the upgrade, so a user over the limit gets a plain 429 a client can
    // read, not an upgrade that closes at once.
    let registration = state
        .gateway
        .register_limited(
            claims.user_id,
            claims.session_id,
            state.limits.max_connections_per_user,
        )
        .map_err(|refusal| match refusal {
            RegisterRefusal::ShuttingDown => ApiError::Unavailable,
            RegisterRefusal::TooManyConnections { limit } => {
                metrics::counter!("chat_rate_limited_total", "limit" => "connections_per_user")
                    .increment(1);
                ApiError::TooManyConnections { limit }
            }
        })?;
    let limit = state.limits.max_ws_frame_bytes;
    let upgrade = match guarded(&request, payload, limit).await {
        Ok(payload) => actix_ws::handle(&request, payload)
            .map_err(|e| ApiError::invalid_request(format!("not a WebSocket upgrade: {e}"))),
        Err(error) => Err(error),
    };
    let (response, session, stream) = match upgrade {
        Ok(upgrade) => upgrade,
        Err(error) => {
            state.gateway.unregister(registration.id);
            return Err(error);
        }
    };
    let stream = stream
        .max_frame_size(limit)
        .aggregate_continuations()
        .max_continuation_size(limit);
    // The connection outlives the upgrade request; it keeps the request's span (and so its
    // request id) for every line it logs, in a span of its own.
    let span = tracing::info_span!("ws", user_id = %claims.user_id);
    span.follows_from(tracing::Span::current());
    let task = serve(
        state.into_inner(),
        claims.user_id,
        registration,
        session,
        stream,
    );
    let request_span = tracing::Span::current();
    if span.is_disabled() && request_span.is_disabled() {
        // Both spans off (`RUST_LOG=warn`): instrumenting would do nothing but keep two
        // `Span`s (80 bytes) in the task of every connection for as long as it is open.
        actix_web::rt::spawn(task);
    } else {
        actix_web::rt::spawn(task.instrument(span).instrument(request_span));
    }
    Ok(response)
}

/// The request's byte stream behind a [`frame_guard::FrameGuard`], so an oversized frame is
/// refused from its header instead of once it has all been buffered.
async fn guarded(
    request: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<web::Payload, ApiError> {
    let guard = frame_guard::FrameGuard::new(payload.into_inner(), limit);
    let stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = _>>> = Box::pin(guard);
    let mut raw = actix_web::dev::Payload::Stream { payload: stream };
    // Re-wrapping the stream is all this extractor does; it cannot fail.
    web::Payload::from_request(request, &mut raw)
        .await
        .map_err(|e| ApiError::invalid_request(format!("not a WebSocket upgrade: {e}")))
}

/// Runs one connection from registration to close, in one task.
///
/// The connection's reader and writer are two futures joined in this task rather than two
/// tasks: a task is an allocation of its own, sized for the largest state of its future, on
/// every connection for as long as it is open. For the same reason the futures of the
/// one-off and rare steps (loading the room list, presence, handling a client frame) are
/// boxed: boxed, they are allocated while they run; inline, they would size every idle
/// connection's task (see `docs/idle-memory.md`).
///
/// Like the reader's and the writer's, this is an `async move` block rather than an
/// `async fn`, which would hold its arguments twice.
#[allow(
    clippy::manual_async_fn,
    reason = "an `async fn` keeps its arguments twice in its future"
)]
fn serve(
    state: Arc<AppState>,
    user_id: UserId,
    registration: Registration,
    session: actix_ws::Session,
    mut stream: actix_ws::AggregatedMessageStream,
) -> impl std::future::Future<Output = ()> {
    async move {
        let connection = registration.id;
        // Also the connection's age, for the last line it logs.
        let last_heard = LastHeard::new();
        tracing::info!(connection = %connection, "websocket connected");
        let rooms = match Box::pin(state.messaging.room_ids(user_id)).await {
            Ok(rooms) => rooms,
            Err(error) => {
                tracing::error!(%error, "could not load the rooms of a new connection");
                state.gateway.unregister(connection);
                let _ = session.close(Some(CloseSignal::Internal.reason())).await;
                return;
            }
        };
        state.gateway.attach_rooms(connection, rooms);
        if let Err(error) = Box::pin(state.presence.connected(user_id)).await {
            tracing::warn!(%error, "could not record presence");
        }

        // Silence counts from here, as it did when the clock was made here.
        last_heard.touch();
        let outbound = registration.sender;
        let reader = Reader {
            user_id,
            messaging: Arc::clone(&state.messaging),
            outbound: outbound.clone(),
            last_heard: &last_heard,
            rates: Arc::clone(&state.limits.rates),
        };
        // Both futures are made inside `join!`, not bound first: a future held in a local while
        // another is awaited takes room of its own in this one, twice over.
        tokio::join!(
            Writer::new(session).run(registration.receiver, &last_heard, &state.limits),
            async {
                // The reader ends when the client goes; a close decided elsewhere (revoked
                // login, slow consumer, shutdown, oversize frame) ends it too.
                tokio::select! {
                    _ = reader.run(&mut stream) => {}
                    _ = outbound.closing() => {}
                }
                state.gateway.unregister(connection);
                if let Err(error) = Box::pin(state.presence.disconnected(user_id)).await {
                    tracing::warn!(%error, "could not record presence");
                }
                // The writer then sends what the close calls for and ends.
                outbound.close_unless_closing(CloseSignal::GoingAway);
            }
        );
        let close_code = outbound
            .close_signal()
            .map_or(1000, |signal| u16::from(signal.reason().code));
        tracing::info!(
            connection = %connection,
            seconds = last_heard.age().as_secs(),
            close_code,
            "websocket closed"
        );
    }
}

fn query_token(request: &HttpRequest) -> Option<String> {
    web::Query::<std::collections::HashMap<String, String>>::from_query(request.query_string())
        .ok()?
        .get("access_token")
        .cloned()
}

//! The delivery layer: JSON over HTTP under `/api/v1` and the WebSocket gateway at
//! `/api/v1/ws`, on actix-web and actix-ws.
//!
//! Layout: [`routes`] has one file per resource; [`dto`] the request and response bodies
//! (never the domain types themselves, so the wire format is a deliberate contract);
//! [`error`] the one [`ApiError`] every handler returns; [`extract`] the bearer-token
//! extractor; [`middleware`] the request ids and the access log; [`ws`] the gateway that
//! routes bus events to this node's connections.

pub mod dto;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod routes;
pub mod state;
pub mod ws;

pub use error::ApiError;
pub use state::{AppState, DependencyCheck, HttpLimits, MetricsSource, Readiness};
pub use ws::Gateway;

/// Registers every route and the JSON/query error handlers on an actix `App`.
pub fn configure(state: AppState) -> impl FnOnce(&mut actix_web::web::ServiceConfig) {
    move |config| routes::configure(config, state)
}

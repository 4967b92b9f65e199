//! The delivery layer: JSON over HTTP under `/api/v1` and the WebSocket gateway at
//! `/api/v1/ws`, on actix-web and actix-ws.
//!
//! Layout: [`routes`] has one file per resource; [`dto`] the request and response bodies
//! (never the domain types themselves, so the wire format is a deliberate contract);
//! [`error`] the one [`ApiError`] every handler returns; [`extract`] the bearer-token
//! extractor; [`middleware`] the request ids and the access log; [`limits`] the abuse limits;
//! [`security`] CORS, the WebSocket origin check and security headers; [`ws`] the gateway
//! that routes bus events to this node's connections; [`openapi`] the OpenAPI 3.1 document,
//! built from the same list that mounts the routes.

pub mod dto;
pub mod error;
pub mod extract;
pub mod limits;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod security;
pub mod state;
pub mod ws;

pub use error::ApiError;
pub use state::{
    AppState, DependencyCheck, HttpLimits, MetricsSource, Readiness,
    DEFAULT_MAX_CONNECTIONS_PER_USER,
};
pub use ws::Gateway;

/// Registers every route and the JSON/query error handlers on an actix `App`.
pub fn configure(state: AppState) -> impl FnOnce(&mut actix_web::web::ServiceConfig) {
    move |config| routes::configure(config, state)
}

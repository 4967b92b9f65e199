//! `/healthz`, `/readyz` and `/metrics`, outside `/api/v1` because orchestrators, not clients, call them.
//!
//! Liveness says only that the process answers, so a slow database never gets a healthy
//! process restarted; readiness asks each store this node uses and names the ones that did
//! not answer, so a node that cannot reach them is taken out of the load balancer instead.
//! The bodies say `up` or `down` and nothing more: the reason is logged, not shown.

use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use super::resource;
use crate::AppState;

/// Registers both probes and the metrics.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/healthz", "GET").route(web::get().to(healthz)))
        .service(resource("/readyz", "GET").route(web::get().to(readyz)))
        .service(resource("/metrics", "GET").route(web::get().to(metrics)));
}

/// `GET /metrics` → every metric of the node in the Prometheus text format.
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // Read here rather than counted up and down, so the gauge can never drift.
    metrics::gauge!("chat_ws_connections").set(state.gateway.connection_count() as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render().await)
}

/// `GET /healthz` → 200 `{"status": "ok"}`.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz` → 200 `{"status": "ok", "dependencies": {"sql": "up", ...}}`, or 503 with
/// `"status": "unavailable"` when any dependency is `down`.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checks = state.readiness.check().await;
    let ready = checks.iter().all(|check| check.up);
    let dependencies: Map<String, Value> = checks
        .iter()
        .map(|check| {
            let status = if check.up { "up" } else { "down" };
            (check.name.to_owned(), Value::from(status))
        })
        .collect();
    if ready {
        HttpResponse::Ok().json(json!({"status": "ok", "dependencies": dependencies}))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(json!({"status": "unavailable", "dependencies": dependencies}))
    }
}

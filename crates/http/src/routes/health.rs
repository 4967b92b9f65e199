//! `/healthz` and `/readyz`, outside `/api/v1` because orchestrators, not clients, call them.
//!
//! Liveness says only that the process answers, so a slow database never gets a healthy
//! process restarted; readiness asks the stores, so a node that cannot reach them is taken
//! out of the load balancer instead.

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::resource;
use crate::AppState;

/// Registers both probes.
pub(super) fn configure(config: &mut web::ServiceConfig) {
    config
        .service(resource("/healthz", "GET").route(web::get().to(healthz)))
        .service(resource("/readyz", "GET").route(web::get().to(readyz)));
}

/// `GET /healthz` → 200 `{"status": "ok"}`.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz` → 200 `{"status": "ok"}`, or 503 `{"status": "unavailable", "reason"}`.
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.readiness.check().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ok"})),
        Err(reason) => {
            tracing::warn!(%reason, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .json(json!({"status": "unavailable", "reason": reason}))
        }
    }
}

//! `/healthz`, `/readyz` and `/metrics`, outside `/api/v1` because orchestrators, not clients, call them.
//!
//! Liveness says only that the process answers, so a slow database never gets a healthy
//! process restarted; readiness asks each store this node uses and names the ones that did
//! not answer, so a node that cannot reach them is taken out of the load balancer instead.
//! The bodies say `up` or `down` and nothing more: the reason is logged, not shown.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::api::Api;
use crate::AppState;

/// Registers both probes and the metrics.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_healthz, _, _>(healthz)
        .add::<__path_readyz, _, _>(readyz)
        .add::<__path_metrics, _, _>(metrics);
}

/// `{"status": "ok"}`, or for readiness `{"status", "dependencies": {"sql": "up", ...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeResponse {
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Readiness only: each configured dependency (`sql`, `mongodb`, `redis`) and whether it
    /// answered, `up` or `down`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dependencies: Option<BTreeMap<String, String>>,
}

/// `GET /metrics` → every metric of the node in the Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain"))
)]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    // Read here rather than counted up and down, so the gauge can never drift.
    metrics::gauge!("chat_ws_connections").set(state.gateway.connection_count() as f64);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(state.metrics.render().await)
}

/// `GET /healthz` → 200 `{"status": "ok"}`.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    summary = "Liveness: the process answers",
    responses((status = 200, description = "Alive", body = ProbeResponse))
)]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(ProbeResponse {
        status: "ok",
        dependencies: None,
    })
}

/// `GET /readyz` → 200 `{"status": "ok", "dependencies": {"sql": "up", ...}}`, or 503 with
/// `"status": "unavailable"` when any dependency is `down`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Readiness: every store answers",
    responses(
        (status = 200, description = "Ready; every dependency `up`", body = ProbeResponse),
        (status = 503, description = "A dependency is `down`", body = ProbeResponse),
    )
)]
async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let checks = state.readiness.check().await;
    let ready = checks.iter().all(|check| check.up);
    let dependencies = checks
        .iter()
        .map(|check| {
            let status = if check.up { "up" } else { "down" };
            (check.name.to_owned(), status.to_owned())
        })
        .collect();
    let body = ProbeResponse {
        status: if ready { "ok" } else { "unavailable" },
        dependencies: Some(dependencies),
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

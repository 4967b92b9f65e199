//! `/healthz`, `/readyz` and `/metrics`, outside `/api/v1` because orchestrators, not clients, call them.
//!
//! Liveness says only that the process answers, so a slow database never gets a healthy
//! process restarted; readiness asks the stores, so a node that cannot reach them is taken
//! out of the load balancer instead.

use actix_web::{web, HttpResponse};
use serde_json::json;

use serde::Serialize;
use utoipa::ToSchema;

use super::api::Api;
use crate::{AppState, Sample};

/// Registers both probes and the metrics.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_healthz, _, _>(healthz)
        .add::<__path_readyz, _, _>(readyz)
        .add::<__path_metrics, _, _>(metrics);
}

/// `{"status": "ok"}` or `{"status": "unavailable", "reason"}`: what the probes answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProbeResponse {
    /// `ok` or `unavailable`.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Which dependency is down; only when unavailable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// `GET /metrics` → the node's figures in the Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", body = String, content_type = "text/plain"))
)]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut samples = state.metrics.samples().await;
    samples.push(Sample {
        name: "chat_ws_connections",
        help: "WebSocket connections open on this node.",
        kind: "gauge",
        value: state.gateway.connection_count() as f64,
    });
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(render(&samples))
}

/// The Prometheus text exposition of `samples`.
fn render(samples: &[Sample]) -> String {
    let mut text = String::new();
    for sample in samples {
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n",
            name = sample.name,
            help = sample.help,
            kind = sample.kind,
            value = sample.value,
        ));
    }
    text
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
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// `GET /readyz` → 200 `{"status": "ok"}`, or 503 `{"status": "unavailable", "reason"}`.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    summary = "Readiness: every store answers",
    responses(
        (status = 200, description = "Ready", body = ProbeResponse),
        (status = 503, description = "A dependency is down; `reason` says which", body = ProbeResponse),
    )
)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_render_in_the_prometheus_text_format() {
        let text = render(&[Sample {
            name: "chat_queue_pending",
            help: "Jobs waiting or leased.",
            kind: "gauge",
            value: 3.0,
        }]);
        assert_eq!(
            text,
            "# HELP chat_queue_pending Jobs waiting or leased.\n# TYPE chat_queue_pending gauge\nchat_queue_pending 3\n"
        );
    }
}

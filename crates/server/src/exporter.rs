//! The metrics recorder: installed globally at start, rendered by `GET /metrics`.
//!
//! Every crate records through the `metrics` facade (`metrics::counter!` and friends) where
//! things happen; [`install`] puts one Prometheus recorder behind that facade for the whole
//! process, so anything recorded anywhere, by any crate, is exported without registering it
//! here. [`NodeMetrics`] adds the figures that are only known by asking (queue depth) at
//! scrape time and renders the text. `docs/operations.md` lists every metric.
//!
//! Histograms are true Prometheus histograms with [`LATENCY_BUCKETS`] (seconds), not
//! summaries, so they can be aggregated across nodes.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chat_ports::{JobQueue, Priority};
use metrics_exporter_prometheus::{BuildError, PrometheusBuilder, PrometheusHandle};
use tokio::sync::watch;

/// Bucket bounds of every histogram, in seconds: from a fast index read to a slow job.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// How often recorded histogram samples are folded into their buckets between scrapes, which
/// bounds the memory they take when nobody scrapes.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The recorder with our buckets, not installed (tests render through it locally).
pub fn builder() -> Result<PrometheusBuilder, BuildError> {
    PrometheusBuilder::new().set_buckets(&LATENCY_BUCKETS)
}

/// Installs the process-wide recorder and describes our metrics; call once, early in `main`.
pub fn install() -> Result<PrometheusHandle, BuildError> {
    let handle = builder()?.install_recorder()?;
    describe();
    Ok(handle)
}

/// The `# HELP` line of every metric this workspace records, and a zero for each counter with
/// a fixed label set, so dashboards and alerts see the series before the first event.
pub fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(
        "chat_http_requests_total",
        "HTTP requests answered, by method and status."
    );
    describe_histogram!(
        "chat_http_request_duration_seconds",
        Unit::Seconds,
        "Time to answer an HTTP request, by method and status."
    );
    describe_gauge!(
        "chat_ws_connections",
        "WebSocket connections open on this node."
    );
    describe_counter!(
        "chat_ws_events_in_total",
        "Frames received from WebSocket clients (text and binary)."
    );
    describe_counter!(
        "chat_ws_events_out_total",
        "Frames sent to WebSocket clients (events, acks, errors)."
    );
    describe_gauge!(
        "chat_queue_pending",
        "Jobs waiting or leased on the job queue."
    );
    describe_gauge!(
        "chat_queue_depth",
        "Jobs waiting (ready or delayed, not leased) per priority class."
    );
    describe_histogram!(
        "chat_job_duration_seconds",
        Unit::Seconds,
        "Time from a job's first enqueue to done (completed or dead-lettered), by kind."
    );
    describe_counter!(
        "chat_job_retries_total",
        "Job attempts that failed and were scheduled again, by kind."
    );
    describe_counter!(
        "chat_job_dead_letters_total",
        "Jobs that failed their last attempt and became dead letters, by kind."
    );
    describe_histogram!(
        "chat_store_duration_seconds",
        Unit::Seconds,
        "Time of one store operation, by adapter (sql, mongo, redis) and op."
    );
    describe_counter!(
        "chat_mongodb_round_trips_total",
        "Commands this node sent to MongoDB."
    );
    describe_counter!(
        "chat_rate_limited_total",
        "Requests and frames refused by a rate limit, by limit."
    );
    for kind in ["persist_message", "publish_event", "prune_sessions"] {
        metrics::counter!("chat_job_retries_total", "kind" => kind).absolute(0);
        metrics::counter!("chat_job_dead_letters_total", "kind" => kind).absolute(0);
    }
    metrics::counter!("chat_ws_events_in_total").absolute(0);
    metrics::counter!("chat_ws_events_out_total").absolute(0);
}

/// Folds histogram samples into their buckets every [`UPKEEP_INTERVAL`] until `shutdown`.
pub async fn run_upkeep(handle: PrometheusHandle, mut shutdown: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(UPKEEP_INTERVAL);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = ticker.tick() => handle.run_upkeep(),
        }
    }
}

/// `/metrics`: samples the queue, then renders everything recorded in the process.
pub struct NodeMetrics {
    handle: PrometheusHandle,
    queue: Arc<dyn JobQueue>,
}

impl NodeMetrics {
    /// Renders through `handle`, asking `queue` for its depth at each scrape.
    pub fn new(handle: PrometheusHandle, queue: Arc<dyn JobQueue>) -> Self {
        Self { handle, queue }
    }

    /// Sets the queue gauges from one look at `queue`; a figure the queue does not give
    /// leaves its gauge at its last value (and says so in the log).
    pub async fn sample_queue(queue: &dyn JobQueue) {
        let pending = queue
            .pending()
            .await
            .inspect_err(|error| tracing::warn!(%error, "metrics: queue size unavailable"))
            .ok();
        let waiting = queue
            .waiting()
            .await
            .inspect_err(|error| tracing::warn!(%error, "metrics: queue depth unavailable"))
            .ok();
        set_queue_gauges(pending, waiting.as_deref());
    }
}

/// `chat_queue_pending` and `chat_queue_depth{priority}` from what the queue answered.
fn set_queue_gauges(pending: Option<usize>, waiting: Option<&[(Priority, usize)]>) {
    if let Some(pending) = pending {
        metrics::gauge!("chat_queue_pending").set(pending as f64);
    }
    for (priority, count) in waiting.unwrap_or_default() {
        metrics::gauge!("chat_queue_depth", "priority" => priority.as_str()).set(*count as f64);
    }
}

impl std::fmt::Debug for NodeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NodeMetrics { .. }")
    }
}

#[async_trait]
impl chat_http::MetricsSource for NodeMetrics {
    async fn render(&self) -> String {
        Self::sample_queue(self.queue.as_ref()).await;
        self.handle.run_upkeep();
        self.handle.render()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use chat_memory::InProcessJobQueue;
    use chat_ports::NewJob;

    use super::*;

    /// Runs `record` against a fresh recorder of ours and renders what it recorded.
    fn rendered(record: impl FnOnce()) -> String {
        let recorder = builder().unwrap().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, record);
        handle.run_upkeep();
        handle.render()
    }

    #[test]
    fn described_counters_render_with_their_help_type_and_zero() {
        let text = rendered(describe);
        assert!(text.contains("# HELP chat_job_retries_total Job attempts that failed"));
        assert!(text.contains("# TYPE chat_job_retries_total counter"));
        assert!(text.contains("chat_job_dead_letters_total{kind=\"persist_message\"} 0"));
        assert!(text.contains("chat_ws_events_in_total 0"));
    }

    #[test]
    fn latencies_render_as_histograms_with_our_buckets() {
        let text = rendered(|| {
            metrics::histogram!("chat_store_duration_seconds", "adapter" => "sql", "op" => "select")
                .record(0.003);
        });
        assert!(
            text.contains("# TYPE chat_store_duration_seconds histogram"),
            "{text}"
        );
        assert!(
            text.contains(
                "chat_store_duration_seconds_bucket{adapter=\"sql\",op=\"select\",le=\"0.005\"} 1"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "chat_store_duration_seconds_bucket{adapter=\"sql\",op=\"select\",le=\"0.0025\"} 0"
            ),
            "{text}"
        );
        assert!(text.contains("chat_store_duration_seconds_count{adapter=\"sql\",op=\"select\"} 1"));
    }

    #[tokio::test]
    async fn the_queue_depth_is_sampled_per_priority() {
        let queue = InProcessJobQueue::new(Duration::from_secs(60));
        for priority in [Priority::Normal, Priority::Background, Priority::Background] {
            let job = NewJob {
                id: chat_domain::JobId::new_v7(),
                payload: chat_ports::JobPayload::PruneSessions {
                    before: chat_domain::Timestamp::from_unix_millis(0),
                },
                priority,
                delay: Duration::ZERO,
                attempts: 0,
            };
            queue.enqueue(job).await.unwrap();
        }
        let pending = queue.pending().await.ok();
        let waiting = queue.waiting().await.ok();
        let text = rendered(|| set_queue_gauges(pending, waiting.as_deref()));
        assert!(
            text.contains("chat_queue_depth{priority=\"interactive\"} 0"),
            "{text}"
        );
        assert!(
            text.contains("chat_queue_depth{priority=\"normal\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("chat_queue_depth{priority=\"background\"} 2"),
            "{text}"
        );
        assert!(text.contains("chat_queue_pending 3"), "{text}");
    }
}

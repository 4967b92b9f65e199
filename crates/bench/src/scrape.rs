//! Reading a counter from the nodes' `GET /metrics` (Prometheus text) around each step.
//!
//! The server counts the commands it sends to MongoDB (`chat_mongodb_round_trips_total`,
//! recorded by the MongoDB adapter); read before and after a step on every node, the
//! difference over the step's acknowledged messages is the round trips one message costs,
//! with nothing of the set-up or the final history check in it. A node without MongoDB has no
//! such series and the figure is left empty.
//!
//! The same way, the changes the nodes' writers wrote late into a hole
//! (`chat_ws_late_changes_total`: another node's change stored after the reorder window, or
//! after a replay passed it) show how often the per-room order had to give way to delivery.

use crate::nodes::Nodes;

/// The MongoDB round-trip counter of every node.
pub const MONGO_ROUND_TRIPS: &str = "chat_mongodb_round_trips_total";

/// Changes written late into a hole, by every node's connections.
pub const LATE_CHANGES: &str = "chat_ws_late_changes_total";

/// The sum of every sample of `metric` (all label sets) in a Prometheus text exposition;
/// `None` when it has none.
pub fn sum_samples(text: &str, metric: &str) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let Some(rest) = line.strip_prefix(metric) else {
            continue;
        };
        // `metric 12` or `metric{label="x"} 12`, not `metric_other 12`.
        if !(rest.starts_with(' ') || rest.starts_with('{')) {
            continue;
        }
        let value = rest
            .rsplit_once('}')
            .map_or(rest, |(_, v)| v)
            .split_whitespace()
            .next()
            .and_then(|v| v.parse::<f64>().ok());
        if let Some(value) = value {
            *found.get_or_insert(0.0) += value;
        }
    }
    found
}

/// `metric` summed over every node; `None` if any node cannot be read or none has it.
pub async fn cluster_sum(nodes: &Nodes, metric: &str) -> Option<f64> {
    let mut total = None;
    for text in nodes.metrics_texts().await.ok()? {
        if let Some(v) = sum_samples(&text, metric) {
            *total.get_or_insert(0.0) += v;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# HELP chat_mongodb_round_trips_total Commands this node sent.\n\
        # TYPE chat_mongodb_round_trips_total counter\n\
        chat_mongodb_round_trips_total 1500\n\
        chat_mongodb_round_trips_total_other 7\n\
        chat_job_retries_total{kind=\"persist_message\"} 2\n\
        chat_job_retries_total{kind=\"publish_event\"} 3\n";

    #[test]
    fn a_counter_is_read_by_its_exact_name() {
        assert_eq!(sum_samples(TEXT, MONGO_ROUND_TRIPS), Some(1500.0));
    }

    #[test]
    fn every_label_set_of_a_counter_is_summed() {
        assert_eq!(sum_samples(TEXT, "chat_job_retries_total"), Some(5.0));
    }

    #[test]
    fn a_missing_counter_is_none_not_zero() {
        assert_eq!(sum_samples(TEXT, "chat_nothing_total"), None);
    }
}

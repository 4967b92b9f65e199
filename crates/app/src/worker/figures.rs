//! What the workers record for `/metrics`: how long jobs take from enqueue to done, and how
//! many are retried or dead-lettered, by kind of job; and for the group commit, how many
//! messages each carries and how long its two stages (commit, publish) take.
//!
//! A job's id is a UUID v7 made when it was first enqueued, and it keeps it through retries,
//! so the time since the id's timestamp is the whole wait: queueing, backoffs and the run.
//! Ids that are not v7 (tests' fixed ids) carry no time and record no latency. The wall clock
//! is read directly, not through the `Clock` port: these are figures about the machine, not
//! facts of the domain.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chat_ports::{JobPayload, LeasedJob};

/// The kind of a job as a label: one per payload variant, so the cardinality is fixed.
pub(super) fn kind(payload: &JobPayload) -> &'static str {
    match payload {
        JobPayload::PersistMessage { .. } => "persist_message",
        JobPayload::PublishEvent { .. } => "publish_event",
        JobPayload::PruneSessions { .. } => "prune_sessions",
    }
}

/// `job` is done (completed, or stored as a dead letter): `chat_job_duration_seconds`.
pub(super) fn done(job: &LeasedJob) {
    if let Some(waited) = since_enqueued(job) {
        metrics::histogram!("chat_job_duration_seconds", "kind" => kind(&job.payload))
            .record(waited.as_secs_f64());
    }
}

/// `job` failed and will run again: `chat_job_retries_total`.
pub(super) fn retried(job: &LeasedJob) {
    metrics::counter!("chat_job_retries_total", "kind" => kind(&job.payload)).increment(1);
}

/// `job` failed for good: `chat_job_dead_letters_total`.
pub(super) fn dead_lettered(job: &LeasedJob) {
    metrics::counter!("chat_job_dead_letters_total", "kind" => kind(&job.payload)).increment(1);
}

/// One group commit of `size` messages: `chat_group_commit_size`, and the time its stage
/// took in `chat_group_commit_seconds{stage}` (`commit`: from holding the commit stage to
/// stored; `publish`: from stored to every event on the bus and every job completed).
pub(super) fn group_commit(stage: &'static str, size: usize, took: Duration) {
    if stage == "commit" {
        // A count, so the f64 is exact below 2^53.
        #[allow(clippy::cast_precision_loss)]
        metrics::histogram!("chat_group_commit_size").record(size as f64);
    }
    metrics::histogram!("chat_group_commit_seconds", "stage" => stage).record(took.as_secs_f64());
}

/// The time since `job` was first enqueued, when its id says.
fn since_enqueued(job: &LeasedJob) -> Option<Duration> {
    let (seconds, nanos) = job.id.as_uuid().get_timestamp()?.to_unix();
    let enqueued = UNIX_EPOCH + Duration::new(seconds, nanos);
    SystemTime::now().duration_since(enqueued).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use chat_domain::ids::Uuid;
    use chat_domain::JobId;
    use chat_ports::Priority;

    use super::*;

    fn job(id: Uuid) -> LeasedJob {
        LeasedJob {
            id: JobId::from_uuid(id),
            payload: JobPayload::PruneSessions {
                before: chat_domain::Timestamp::from_unix_millis(0),
            },
            priority: Priority::Background,
            attempt: 1,
        }
    }

    #[test]
    fn a_v7_job_id_tells_how_long_ago_the_job_was_enqueued() {
        let waited = since_enqueued(&job(Uuid::now_v7())).unwrap();
        assert!(waited < Duration::from_secs(60), "{waited:?}");
    }

    #[test]
    fn an_id_without_a_timestamp_records_no_latency() {
        assert_eq!(since_enqueued(&job(Uuid::from_u128(42))), None);
    }
}

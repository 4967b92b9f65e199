//! Tunables of the use cases, with the product's defaults.

use std::time::Duration;

use chat_domain::DEFAULT_MAX_BODY_CHARS;

/// Settings the use cases read; the server fills them from its configuration.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Longest message body, in characters after trimming.
    pub max_body_chars: usize,
    /// How long a send waits for its message to be committed before answering "unavailable"
    /// (the client then retries with the same `client_msg_id`, which is safe).
    pub send_commit_timeout: Duration,
    /// Most jobs one worker takes at once; also the largest group commit.
    pub worker_batch_size: usize,
    /// Attempts before a job becomes a dead letter.
    pub job_max_attempts: u32,
    /// First retry delay; doubled on each further attempt.
    pub job_backoff_base: Duration,
    /// Longest retry delay.
    pub job_backoff_max: Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            max_body_chars: DEFAULT_MAX_BODY_CHARS,
            send_commit_timeout: Duration::from_secs(10),
            worker_batch_size: 256,
            job_max_attempts: 5,
            job_backoff_base: Duration::from_millis(200),
            job_backoff_max: Duration::from_secs(30),
        }
    }
}

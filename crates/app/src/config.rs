//! Tunables of the use cases, with the product's defaults.

use std::time::Duration;

use chat_domain::{DEFAULT_MAX_BODY_CHARS, DEFAULT_MAX_GROUP_MEMBERS};

/// The default of [`AppConfig::max_rooms_per_user`].
pub const DEFAULT_MAX_ROOMS_PER_USER: u32 = 1000;

/// The default of [`AppConfig::group_commit_interval`]: at most this much latency added to a
/// message under load, against about a quarter less CPU per message (docs/benchmarks.md).
pub const DEFAULT_GROUP_COMMIT_INTERVAL: Duration = Duration::from_millis(3);

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
    /// Shortest time between the starts of two group commits on a node: under load a commit
    /// waits out the rest of it, so that the messages arriving meanwhile share it
    /// (`crate::worker` docs); `ZERO` runs commits back to back.
    pub group_commit_interval: Duration,
    /// Attempts before a job becomes a dead letter.
    pub job_max_attempts: u32,
    /// First retry delay; doubled on each further attempt.
    pub job_backoff_base: Duration,
    /// Longest retry delay.
    pub job_backoff_max: Duration,
    /// Most members a group may have.
    pub max_group_members: u32,
    /// Most rooms (groups and private rooms) one user may belong to; `0` for no limit. Checked
    /// where a user gains a room, see [`crate::room_limit`].
    pub max_rooms_per_user: u32,
    /// How long an invite can be accepted after it was sent.
    pub invite_ttl: Duration,
    /// How long after sending a message its author may still edit it.
    pub edit_window: Duration,
    /// How long a user whose last connection closed stays online, so a reconnect (a page
    /// reload, a flaky network) does not flap their presence.
    pub presence_grace: Duration,
    /// Shortest interval between two relayed typing events of one user in one room, per node.
    pub typing_throttle: Duration,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            max_body_chars: DEFAULT_MAX_BODY_CHARS,
            send_commit_timeout: Duration::from_secs(10),
            worker_batch_size: 256,
            group_commit_interval: DEFAULT_GROUP_COMMIT_INTERVAL,
            job_max_attempts: 5,
            job_backoff_base: Duration::from_millis(200),
            job_backoff_max: Duration::from_secs(30),
            max_group_members: DEFAULT_MAX_GROUP_MEMBERS,
            max_rooms_per_user: DEFAULT_MAX_ROOMS_PER_USER,
            invite_ttl: Duration::from_secs(7 * 24 * 60 * 60),
            edit_window: Duration::from_secs(15 * 60),
            presence_grace: Duration::from_secs(5),
            typing_throttle: Duration::from_secs(2),
        }
    }
}

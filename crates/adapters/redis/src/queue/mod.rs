//! The Redis [`JobQueue`]: priorities, delays and leases in sorted sets, shared by every node.
//!
//! Each state change is one Lua script (module `scripts`), so two nodes never lease the same
//! job and no job is lost between two commands. A reserver that finds nothing ready blocks in
//! `BLPOP` on the wake-up list (module `waiter`) until an enqueue or a retry pushes a token, a
//! delayed job falls due or a lease runs out (the script tells when), or its wait ends; then it
//! runs the script again. Nothing polls.
//!
//! Delivery is at least once: a job whose worker died comes back when its lease runs out, and
//! a `complete` that arrives after that is ignored (the job runs once more; handlers are
//! idempotent). See the crate docs for the keys.

mod scripts;
mod waiter;

use std::time::Duration;

use async_trait::async_trait;
use chat_domain::JobId;
use chat_ports::{JobPayload, JobQueue, LeasedJob, NewJob, Priority, QueueError};
use deadpool_redis::redis::{self, Value};
use deadpool_redis::Pool;
use tokio::time::Instant;

use self::scripts::{invocation, Keys, Scripts};
use self::waiter::Waiter;
use crate::queue_unavailable;

/// The most jobs one `reserve` leases, whatever `max` says; keeps one script run short.
const MAX_BATCH: usize = 1000;
/// The longest a reserver blocks before it looks again, when nothing else bounds its wait.
const LONGEST_BLOCK: Duration = Duration::from_secs(60);

/// A priority job queue in Redis, shared by every node that uses the same key prefix.
#[derive(Debug)]
pub struct RedisJobQueue {
    pool: Pool,
    keys: Keys,
    scripts: Scripts,
    visibility_timeout: Duration,
    waiter: Waiter,
}

impl RedisJobQueue {
    /// A queue over `pool` whose keys start with `key_prefix` (`chat:queue`, say) and whose
    /// leases time out after `visibility_timeout` (whole milliseconds, at least one).
    pub fn new(pool: Pool, key_prefix: &str, visibility_timeout: Duration) -> Self {
        let keys = Keys::new(key_prefix);
        let waiter = Waiter::new(pool.clone(), keys.wake().to_owned());
        Self {
            pool,
            keys,
            scripts: Scripts::new(),
            visibility_timeout,
            waiter,
        }
    }

    async fn connection(&self) -> Result<deadpool_redis::Connection, QueueError> {
        self.pool.get().await.map_err(queue_unavailable)
    }

    /// One run of the reserve script: the jobs it leased, and when the state next changes by
    /// itself when it leased none.
    async fn take(&self, max: usize) -> Result<(Vec<LeasedJob>, Option<Duration>), QueueError> {
        let started = std::time::Instant::now();
        let mut connection = self.connection().await?;
        let reply: Vec<Value> = invocation(&self.scripts.reserve, &self.keys)
            .arg(max.min(MAX_BATCH))
            .arg(millis(self.visibility_timeout).max(1))
            .invoke_async(&mut connection)
            .await
            .map_err(queue_unavailable)?;
        let mut fields = reply.into_iter();
        let hint: i64 = fields
            .next()
            .map_or(Ok(-1), redis::from_redis_value)
            .map_err(queue_unavailable)?;
        let next_change = u64::try_from(hint).ok().map(Duration::from_millis);
        let mut jobs = Vec::new();
        while let Some(id) = fields.next() {
            let job = decode(id, fields.next(), fields.next(), fields.next())?;
            jobs.extend(job);
        }
        crate::figures::record("reserve", started);
        Ok((jobs, next_change))
    }
}

#[async_trait]
impl JobQueue for RedisJobQueue {
    async fn enqueue(&self, job: NewJob) -> Result<(), QueueError> {
        let started = std::time::Instant::now();
        let body = serde_json::to_string(&job.payload).map_err(queue_unavailable)?;
        let mut connection = self.connection().await?;
        // 0 when the id is already queued: the same job submitted twice runs once.
        let _added: i64 = invocation(&self.scripts.enqueue, &self.keys)
            .arg(job.id.to_string())
            .arg(body)
            .arg(job.priority.as_str())
            .arg(job.attempts)
            .arg(millis(job.delay))
            .invoke_async(&mut connection)
            .await
            .map_err(queue_unavailable)?;
        crate::figures::record("enqueue", started);
        Ok(())
    }

    async fn reserve(&self, max: usize, wait: Duration) -> Result<Vec<LeasedJob>, QueueError> {
        if max == 0 {
            return Ok(Vec::new());
        }
        // `None` when `wait` is too long to represent: wait for work however long it takes.
        let deadline = Instant::now().checked_add(wait);
        loop {
            let (jobs, next_change) = self.take(max).await?;
            if !jobs.is_empty() {
                return Ok(jobs);
            }
            let left = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            if left == Some(Duration::ZERO) {
                return Ok(jobs);
            }
            let block = [left, next_change]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(LONGEST_BLOCK)
                .min(LONGEST_BLOCK);
            self.waiter.wait(block).await?;
        }
    }

    async fn complete(&self, id: JobId) -> Result<(), QueueError> {
        self.complete_all(std::slice::from_ref(&id)).await
    }

    async fn complete_all(&self, ids: &[JobId]) -> Result<(), QueueError> {
        if ids.is_empty() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        let mut connection = self.connection().await?;
        let mut invocation = invocation(&self.scripts.complete, &self.keys);
        for id in ids {
            invocation.arg(id.to_string());
        }
        let _completed: i64 = invocation
            .invoke_async(&mut connection)
            .await
            .map_err(queue_unavailable)?;
        crate::figures::record("complete", started);
        Ok(())
    }

    async fn retry(&self, id: JobId, delay: Duration) -> Result<(), QueueError> {
        let started = std::time::Instant::now();
        let mut connection = self.connection().await?;
        let _retried: i64 = invocation(&self.scripts.retry, &self.keys)
            .arg(id.to_string())
            .arg(millis(delay))
            .invoke_async(&mut connection)
            .await
            .map_err(queue_unavailable)?;
        crate::figures::record("retry", started);
        Ok(())
    }

    async fn pending(&self) -> Result<usize, QueueError> {
        let started = std::time::Instant::now();
        let mut connection = self.connection().await?;
        // MULTI/EXEC: one consistent count while reservers move jobs from set to set.
        let mut count = redis::pipe();
        count.atomic();
        for key in self.keys.counted() {
            count.zcard(key);
        }
        let sizes: Vec<usize> = count
            .query_async(&mut connection)
            .await
            .map_err(queue_unavailable)?;
        crate::figures::record("pending", started);
        Ok(sizes.into_iter().sum())
    }

    async fn waiting(&self) -> Result<Vec<(Priority, usize)>, QueueError> {
        let started = std::time::Instant::now();
        let mut connection = self.connection().await?;
        let mut count = redis::pipe();
        count.atomic();
        for key in self.keys.classes() {
            count.zcard(key);
        }
        let sizes: Vec<usize> = count
            .query_async(&mut connection)
            .await
            .map_err(queue_unavailable)?;
        crate::figures::record("waiting", started);
        Ok(Priority::ALL.into_iter().zip(sizes).collect())
    }
}

/// `duration` in whole milliseconds, as the scripts count time.
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// One leased job from the reserve script's reply. `None`, loudly logged, for a body this build
/// cannot read (written by another version): it stays leased and comes back after its lease,
/// so a build that reads it can still run it.
fn decode(
    id: Value,
    body: Option<Value>,
    priority: Option<Value>,
    attempt: Option<Value>,
) -> Result<Option<LeasedJob>, QueueError> {
    let (Some(body), Some(priority), Some(attempt)) = (body, priority, attempt) else {
        return Err(queue_unavailable(malformed("a truncated reply")));
    };
    let id: String = redis::from_redis_value(id).map_err(queue_unavailable)?;
    let body: String = redis::from_redis_value(body).map_err(queue_unavailable)?;
    let priority: String = redis::from_redis_value(priority).map_err(queue_unavailable)?;
    let attempt: u32 = redis::from_redis_value(attempt).map_err(queue_unavailable)?;
    let (Ok(job_id), Some(priority)) = (id.parse::<JobId>(), Priority::parse(&priority)) else {
        return Err(queue_unavailable(malformed("a job id or priority")));
    };
    match serde_json::from_str::<JobPayload>(&body) {
        Ok(payload) => Ok(Some(LeasedJob {
            id: job_id,
            payload,
            priority,
            attempt,
        })),
        Err(error) => {
            tracing::error!(
                job = %job_id,
                %error,
                "a queued job's payload does not decode; left leased"
            );
            Ok(None)
        }
    }
}

/// The error for a reply the scripts never send.
fn malformed(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!("the reserve script returned {what} it never sends"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn keys_live_under_the_prefix() {
        let keys = Keys::new("chat:queue");
        assert!(keys.all.iter().all(|key| key.starts_with("chat:queue:")));
        assert_eq!(keys.wake(), "chat:queue:wake");
        assert_eq!(keys.job_prefix, "chat:queue:job:");
    }

    #[test]
    fn a_body_this_build_cannot_read_is_skipped_not_fatal() {
        let bulk = |text: &str| Value::BulkString(text.as_bytes().to_vec());
        let id = JobId::new_v7().to_string();
        let skipped = decode(
            bulk(&id),
            Some(bulk("{\"kind\":\"from_the_future\"}")),
            Some(bulk("normal")),
            Some(Value::Int(1)),
        );
        assert!(skipped.unwrap().is_none());
        let truncated = decode(bulk(&id), Some(bulk("{}")), None, None);
        assert!(truncated.is_err());
    }
}

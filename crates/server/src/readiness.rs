//! Is each dependency there? Asked by `/readyz` while serving, and once at start, where a
//! missing one ends the process instead of leaving it half up.
//!
//! Every question has a deadline: a store that hangs counts as down rather than holding the
//! probe (or the start) forever. At start the deadline is `CHAT_DEPENDENCY_TIMEOUT_SECS`,
//! and the error names the dependency and its URL without credentials.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::anyhow;
use async_trait::async_trait;
use chat_http::DependencyCheck;
use chat_mongo::MongoMessageStore;
use chat_ports::{JobQueue, MessageStore};
use chat_sql::SqlDatabase;

/// How long `/readyz` waits for one dependency before calling it down.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `/readyz`: one answer per store this node uses.
pub struct StoreReadiness {
    pub(crate) database: Arc<SqlDatabase>,
    pub(crate) mongo: Option<Arc<MongoMessageStore>>,
    /// The Redis queue, when Redis is configured (asking its size is a cheap round trip).
    pub(crate) redis: Option<Arc<dyn JobQueue>>,
}

impl std::fmt::Debug for StoreReadiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreReadiness")
            .field("mongo", &self.mongo.is_some())
            .field("redis", &self.redis.is_some())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl chat_http::Readiness for StoreReadiness {
    async fn check(&self) -> Vec<DependencyCheck> {
        let (sql, mongo, redis) = tokio::join!(
            probe("sql", async {
                self.database.ping().await.map_err(|e| e.to_string())
            }),
            async {
                match &self.mongo {
                    Some(mongo) => Some(
                        probe("mongodb", async {
                            mongo.ping().await.map_err(|e| e.to_string())
                        })
                        .await,
                    ),
                    None => None,
                }
            },
            async {
                match &self.redis {
                    Some(queue) => Some(
                        probe("redis", async {
                            queue.pending().await.map(|_| ()).map_err(|e| e.to_string())
                        })
                        .await,
                    ),
                    None => None,
                }
            },
        );
        [Some(sql), mongo, redis].into_iter().flatten().collect()
    }
}

/// Asks one dependency, within [`PROBE_TIMEOUT`]; a failure is logged with its reason.
async fn probe(
    name: &'static str,
    ask: impl Future<Output = Result<(), String>>,
) -> DependencyCheck {
    let outcome = match tokio::time::timeout(PROBE_TIMEOUT, ask).await {
        Ok(outcome) => outcome,
        Err(_) => Err(format!("no answer within {PROBE_TIMEOUT:?}")),
    };
    if let Err(reason) = &outcome {
        tracing::warn!(dependency = name, %reason, "readiness check failed");
    }
    DependencyCheck {
        name,
        up: outcome.is_ok(),
    }
}

/// Runs `connect` (a start-up step that needs the dependency `what`, configured by
/// `variable` as `url`) within `timeout`; on failure or timeout the error names the
/// dependency and its URL without credentials.
pub async fn at_start<T, E>(
    what: &str,
    variable: &str,
    url: &str,
    timeout: Duration,
    connect: impl Future<Output = Result<T, E>>,
) -> anyhow::Result<T>
where
    E: std::fmt::Display,
{
    let url = redact(url);
    match tokio::time::timeout(timeout, connect).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(anyhow!("cannot reach {what} at {url} ({variable}): {error}")),
        Err(_) => Err(anyhow!(
            "cannot reach {what} at {url} ({variable}): no answer within {}s (CHAT_DEPENDENCY_TIMEOUT_SECS)",
            timeout.as_secs()
        )),
    }
}

/// `url` without its password (the user name stays, to tell accounts apart), for logs and
/// error messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_logs() {
        assert_eq!(
            redact("postgres://chat:s3cret@db:5432/chat"),
            "postgres://chat:***@db:5432/chat"
        );
        assert_eq!(
            redact("redis://:s3cret@redis:6379/0"),
            "redis://:***@redis:6379/0"
        );
        assert_eq!(
            redact("sqlite://./data/chat.db?mode=rwc"),
            "sqlite://./data/chat.db?mode=rwc"
        );
    }

    #[tokio::test]
    async fn a_start_up_step_that_fails_names_the_dependency_without_its_password() {
        let error = at_start(
            "Redis",
            "CHAT_REDIS_URL",
            "redis://:hunter2@127.0.0.1:1",
            Duration::from_secs(5),
            async { Err::<(), _>("connection refused") },
        )
        .await
        .unwrap_err()
        .to_string();
        assert_eq!(
            error,
            "cannot reach Redis at redis://:***@127.0.0.1:1 (CHAT_REDIS_URL): connection refused"
        );
    }

    #[tokio::test]
    async fn a_start_up_step_that_hangs_gives_up_at_its_deadline() {
        let error = at_start(
            "the SQL database",
            "CHAT_DATABASE_URL",
            "postgres://u:p@10.0.0.1/db",
            Duration::from_millis(10),
            std::future::pending::<Result<(), String>>(),
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(
            error.starts_with("cannot reach the SQL database at postgres://u:***@10.0.0.1/db"),
            "{error}"
        );
        assert!(error.contains("no answer within"), "{error}");
    }
}

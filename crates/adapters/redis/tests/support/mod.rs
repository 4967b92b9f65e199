//! What the suites against the shared Redis have in common: finding it, and leaving it as they
//! found it.
//!
//! Every test works under a key prefix of its own (`chat_testkit::unique_prefix`), so the
//! tests of this crate, and other runs, share one Redis in parallel. A test removes its keys
//! when it ends well; a failed one leaves them to look at.

use chat_redis::deadpool_redis::redis::{self, AsyncCommands};
use chat_redis::deadpool_redis::Pool;

/// The shared Redis as a pool, or `None` when there is none (announced by the testkit, and a
/// failure under `CHAT_REQUIRE_SERVICES=1`).
pub async fn shared_pool() -> Option<Pool> {
    let endpoint = chat_testkit::redis().await?;
    Some(chat_redis::pool(&endpoint.url).expect("a valid Redis URL"))
}

/// The keys under `prefix`, sorted, with the prefix cut off.
pub async fn keys_under(pool: &Pool, prefix: &str) -> Vec<String> {
    let mut connection = pool.get().await.expect("a connection");
    let pattern = format!("{prefix}:*");
    let mut keys: Vec<String> = {
        let mut found = connection
            .scan_match::<_, String>(&pattern)
            .await
            .expect("scan");
        let mut keys = Vec::new();
        while let Some(key) = futures_util::StreamExt::next(&mut found).await {
            keys.push(key.expect("a key"));
        }
        keys
    };
    keys.sort();
    keys.iter_mut()
        .for_each(|key| *key = key[prefix.len() + 1..].to_owned());
    keys
}

/// Deletes every key under each of `prefixes`.
pub async fn forget(pool: &Pool, prefixes: &[String]) {
    for prefix in prefixes {
        let keys: Vec<String> = keys_under(pool, prefix)
            .await
            .into_iter()
            .map(|key| format!("{prefix}:{key}"))
            .collect();
        if !keys.is_empty() {
            let mut connection = pool.get().await.expect("a connection");
            let _: () = redis::cmd("DEL")
                .arg(&keys)
                .query_async(&mut connection)
                .await
                .expect("delete the test's keys");
        }
    }
}

//! Runs the queue and event bus contract suites of `chat-contract` against a real Redis, the
//! same checks the in-process reference adapters pass.
//!
//! The Redis is `CHAT_TEST_REDIS_URL`, else a container, else the suite is skipped (loudly; a
//! failure under `CHAT_REQUIRE_SERVICES=1`). Each queue and each bus gets its own key prefix or
//! channel, so these run in parallel with each other and with other suites on the same Redis.

mod support;

use std::sync::{Arc, Mutex};

use chat_ports::{EventBus, JobQueue};
use chat_redis::{RedisEventBus, RedisJobQueue};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_job_queue_keeps_the_queue_contract() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let prefixes = Arc::new(Mutex::new(Vec::new()));
    chat_contract::queue::run_all(|visibility_timeout| {
        let prefix = chat_testkit::unique_prefix("queue_contract");
        prefixes.lock().unwrap().push(prefix.clone());
        let pool = pool.clone();
        async move {
            Arc::new(RedisJobQueue::new(pool, &prefix, visibility_timeout)) as Arc<dyn JobQueue>
        }
    })
    .await;
    let prefixes = prefixes.lock().unwrap().clone();
    support::forget(&pool, &prefixes).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_event_bus_keeps_the_bus_contract() {
    let Some(redis) = chat_testkit::redis().await else {
        return;
    };
    chat_contract::bus::run_all(|| {
        let channel = chat_testkit::unique_prefix("bus_contract");
        let bus = RedisEventBus::new(&redis.url, channel).expect("a valid Redis URL");
        async move { Arc::new(bus) as Arc<dyn EventBus> }
    })
    .await;
}

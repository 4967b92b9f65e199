//! Runs the queue and event bus contract suites of `chat-contract` against the in-process
//! adapters, which are the reference every other adapter of those ports is compared with.
//!
//! The runtime has two worker threads so the concurrent checks race on real threads, not only
//! interleave on one.

use std::sync::Arc;

use chat_memory::{InProcessEventBus, InProcessJobQueue};
use chat_ports::{EventBus, JobQueue};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_process_job_queue_keeps_the_queue_contract() {
    chat_contract::queue::run_all(|visibility_timeout| async move {
        Arc::new(InProcessJobQueue::new(visibility_timeout)) as Arc<dyn JobQueue>
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_process_event_bus_keeps_the_bus_contract() {
    chat_contract::bus::run_all(|| async {
        Arc::new(InProcessEventBus::new()) as Arc<dyn EventBus>
    })
    .await;
}

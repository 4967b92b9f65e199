//! What the Redis queue promises beyond the port's contract: the reference adapter's behaviour
//! on duplicates and carried-over attempts, isolation by key prefix, waking a reserver of
//! another node, and the key layout the crate docs describe.

mod support;

use std::sync::Arc;
use std::time::Duration;

use chat_domain::{JobId, Timestamp};
use chat_ports::{JobPayload, JobQueue, NewJob, Priority};
use chat_redis::RedisJobQueue;

/// Long enough that reaching it means failure, not a slow machine.
const PATIENCE: Duration = Duration::from_secs(30);
/// A lease no test outlives.
const LEASE: Duration = Duration::from_secs(120);

fn job(delay: Duration) -> NewJob {
    NewJob {
        id: JobId::new_v7(),
        payload: JobPayload::PruneSessions {
            before: Timestamp::from_unix_millis(1_767_323_045_678),
        },
        priority: Priority::Normal,
        delay,
        attempts: 0,
    }
}

#[tokio::test]
async fn a_job_enqueued_twice_under_one_id_is_handed_out_once() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let prefix = chat_testkit::unique_prefix("queue_duplicate");
    let queue = RedisJobQueue::new(pool.clone(), &prefix, LEASE);
    let sent = job(Duration::ZERO);
    queue.enqueue(sent.clone()).await.unwrap();
    queue.enqueue(sent.clone()).await.unwrap();
    assert_eq!(queue.pending().await.unwrap(), 1);
    let leased = queue.reserve(5, Duration::ZERO).await.unwrap();
    assert_eq!(leased.len(), 1);
    queue.enqueue(sent).await.unwrap();
    assert_eq!(
        queue.pending().await.unwrap(),
        1,
        "a leased id is known too"
    );
    support::forget(&pool, &[prefix]).await;
}

#[tokio::test]
async fn attempts_already_made_count_towards_the_next_one() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let prefix = chat_testkit::unique_prefix("queue_attempts");
    let queue = RedisJobQueue::new(pool.clone(), &prefix, LEASE);
    let mut resumed = job(Duration::ZERO);
    resumed.attempts = 4;
    queue.enqueue(resumed).await.unwrap();
    let leased = queue.reserve(1, PATIENCE).await.unwrap();
    assert_eq!(leased[0].attempt, 5);
    support::forget(&pool, &[prefix]).await;
}

#[tokio::test]
async fn queues_under_different_prefixes_do_not_see_each_others_jobs() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let prefixes = [
        chat_testkit::unique_prefix("queue_mine"),
        chat_testkit::unique_prefix("queue_theirs"),
    ];
    let mine = RedisJobQueue::new(pool.clone(), &prefixes[0], LEASE);
    let theirs = RedisJobQueue::new(pool.clone(), &prefixes[1], LEASE);
    mine.enqueue(job(Duration::ZERO)).await.unwrap();
    assert_eq!(theirs.pending().await.unwrap(), 0);
    assert!(theirs.reserve(5, Duration::ZERO).await.unwrap().is_empty());
    assert_eq!(mine.reserve(5, Duration::ZERO).await.unwrap().len(), 1);
    support::forget(&pool, &prefixes).await;
}

/// Two queue objects over separate pools stand for two nodes: the wake-up has to travel
/// through Redis, not through memory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserver_waiting_on_one_node_is_woken_by_an_enqueue_on_another() {
    let Some(endpoint) = chat_testkit::redis().await else {
        return;
    };
    let prefix = chat_testkit::unique_prefix("queue_wake");
    let pools = [0, 1].map(|_| chat_redis::pool(&endpoint.url).unwrap());
    let waiting = Arc::new(RedisJobQueue::new(pools[0].clone(), &prefix, LEASE));
    let other_node = RedisJobQueue::new(pools[1].clone(), &prefix, LEASE);
    let reserver = tokio::spawn({
        let waiting = Arc::clone(&waiting);
        async move { waiting.reserve(1, PATIENCE).await }
    });
    // Give the reserver time to block; were it not blocked yet, it finds the job at once.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = job(Duration::ZERO);
    other_node.enqueue(sent.clone()).await.unwrap();
    let got = reserver.await.unwrap().unwrap();
    assert_eq!(
        got.iter().map(|job| job.id).collect::<Vec<_>>(),
        vec![sent.id],
        "the waiting reserver was not woken within {PATIENCE:?}"
    );
    support::forget(&pools[0], &[prefix]).await;
}

#[tokio::test]
async fn jobs_live_in_the_documented_keys_and_a_completed_one_leaves_none() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let prefix = chat_testkit::unique_prefix("queue_keys");
    let queue = RedisJobQueue::new(pool.clone(), &prefix, LEASE);
    let (ready, delayed) = (job(Duration::ZERO), job(Duration::from_secs(3600)));
    queue.enqueue(ready.clone()).await.unwrap();
    queue.enqueue(delayed.clone()).await.unwrap();
    let leased = queue.reserve(5, Duration::ZERO).await.unwrap();
    assert_eq!(leased.len(), 1);
    let mut expected = vec![
        format!("job:{}", ready.id),
        format!("job:{}", delayed.id),
        "leased".to_owned(),
        "ready:normal".to_owned(),
        "seq".to_owned(),
        "wake".to_owned(),
    ];
    expected.sort();
    assert_eq!(support::keys_under(&pool, &prefix).await, expected);

    queue.complete(ready.id).await.unwrap();
    let left = support::keys_under(&pool, &prefix).await;
    assert!(!left.contains(&format!("job:{}", ready.id)), "{left:?}");
    assert!(!left.contains(&"leased".to_owned()), "{left:?}");
    assert_eq!(queue.pending().await.unwrap(), 1);
    support::forget(&pool, &[prefix]).await;
}

//! Tests of the queue's waiting: a sleeping reserver must wake for every way a job can become
//! ready. Each waits far longer than it should need, so a slow machine only makes them slower.

use std::sync::Arc;
use std::time::Duration;

use chat_domain::{JobId, Timestamp};
use chat_ports::{JobPayload, JobQueue, NewJob, Priority};
use tokio::time::Instant;

use super::InProcessJobQueue;

/// Long enough that a test hitting it has failed, not merely run slowly.
const PATIENCE: Duration = Duration::from_secs(30);

fn job(delay: Duration) -> NewJob {
    NewJob {
        id: JobId::new_v7(),
        payload: JobPayload::PruneSessions {
            before: Timestamp::from_unix_millis(0),
        },
        priority: Priority::Normal,
        delay,
        attempts: 0,
    }
}

#[tokio::test]
async fn a_sleeping_reserver_is_woken_by_an_enqueue() {
    let queue = Arc::new(InProcessJobQueue::new(PATIENCE));
    let reserver = tokio::spawn({
        let queue = Arc::clone(&queue);
        async move { queue.reserve(1, PATIENCE).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let sent = job(Duration::ZERO);
    let sent_id = sent.id;
    queue.enqueue(sent).await.unwrap();
    let got = reserver.await.unwrap().unwrap();
    assert_eq!(
        got.iter().map(|job| job.id).collect::<Vec<_>>(),
        vec![sent_id]
    );
}

#[tokio::test]
async fn a_sleeping_reserver_wakes_when_a_delayed_job_falls_due() {
    let queue = InProcessJobQueue::new(PATIENCE);
    let delay = Duration::from_millis(200);
    let start = Instant::now();
    queue.enqueue(job(delay)).await.unwrap();
    let got = queue.reserve(1, PATIENCE).await.unwrap();
    assert_eq!(got.len(), 1, "the delayed job arrives before the wait ends");
    assert!(start.elapsed() >= delay);
}

#[tokio::test]
async fn a_sleeping_reserver_wakes_when_a_lease_runs_out() {
    let lease = Duration::from_millis(200);
    let queue = InProcessJobQueue::new(lease);
    queue.enqueue(job(Duration::ZERO)).await.unwrap();
    let first = queue.reserve(1, PATIENCE).await.unwrap();
    let again = queue.reserve(1, PATIENCE).await.unwrap();
    assert_eq!(
        again.len(),
        1,
        "the lapsed job arrives before the wait ends"
    );
    assert_eq!(again[0].id, first[0].id);
    assert_eq!(again[0].attempt, 2);
}

#[tokio::test]
async fn a_sleeping_reserver_is_woken_by_a_retry() {
    let queue = Arc::new(InProcessJobQueue::new(PATIENCE));
    queue.enqueue(job(Duration::ZERO)).await.unwrap();
    let leased = queue.reserve(1, PATIENCE).await.unwrap();
    let reserver = tokio::spawn({
        let queue = Arc::clone(&queue);
        async move { queue.reserve(1, PATIENCE).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    queue.retry(leased[0].id, Duration::ZERO).await.unwrap();
    let got = reserver.await.unwrap().unwrap();
    assert_eq!(got[0].id, leased[0].id);
    assert_eq!(got[0].attempt, 2);
}

#[tokio::test]
async fn each_enqueue_wakes_its_own_sleeper() {
    let queue = Arc::new(InProcessJobQueue::new(PATIENCE));
    let sleepers: Vec<_> = (0..2)
        .map(|_| {
            let queue = Arc::clone(&queue);
            tokio::spawn(async move { queue.reserve(1, PATIENCE).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(50)).await;
    queue.enqueue(job(Duration::ZERO)).await.unwrap();
    queue.enqueue(job(Duration::ZERO)).await.unwrap();
    for sleeper in sleepers {
        assert_eq!(
            sleeper.await.unwrap().unwrap().len(),
            1,
            "no sleeper is left waiting"
        );
    }
}

#[tokio::test]
async fn reserving_nothing_returns_at_once_and_leases_nothing() {
    let queue = InProcessJobQueue::new(PATIENCE);
    queue.enqueue(job(Duration::ZERO)).await.unwrap();
    assert!(queue.reserve(0, PATIENCE).await.unwrap().is_empty());
    assert_eq!(queue.reserve(1, Duration::ZERO).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_queue_answers_empty_after_the_wait() {
    let queue = InProcessJobQueue::new(PATIENCE);
    let wait = Duration::from_millis(100);
    let start = Instant::now();
    assert!(queue.reserve(4, wait).await.unwrap().is_empty());
    assert!(start.elapsed() >= wait);
    assert_eq!(queue.pending().await.unwrap(), 0);
}

//! The contract of the [`JobQueue`] port: priorities, order, delays, leases, concurrent workers.
//!
//! An adapter's test runs it with a factory that builds a fresh, empty queue whose leases last
//! the visibility timeout it is given:
//!
//! ```text
//! chat_contract::queue::run_all(|lease| async move {
//!     Arc::new(InProcessJobQueue::new(lease)) as Arc<dyn JobQueue>
//! })
//! .await;
//! ```
//!
//! Timing: the machine running these may be slow and shared, so no check asserts that anything
//! is fast. Waits are long and end as soon as the awaited job shows up; what is asserted is that
//! a job did not come *early*, measured from an instant taken before the call that started the
//! clock, which holds however slowly the test runs.

use std::collections::HashSet;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_domain::{JobId, Timestamp};
use chat_ports::{JobPayload, JobQueue, LeasedJob, NewJob, Priority};

/// How long a check waits for something that must happen; reaching it means failure.
const PATIENCE: Duration = Duration::from_secs(30);
/// The visibility timeout of the queues of every check but the lease check: long enough that
/// no lease runs out by accident, even on a slow machine.
const LONG_LEASE: Duration = Duration::from_secs(120);
/// The visibility timeout for the check that leases run out.
const SHORT_LEASE: Duration = Duration::from_millis(1000);
/// The delay of delayed jobs in the checks.
const DELAY: Duration = Duration::from_millis(800);
/// Tolerance for a backend that keeps time in whole milliseconds or on its own clock.
const CLOCK_SLACK: Duration = Duration::from_millis(50);

/// Runs every check, each on a fresh queue from `make(visibility_timeout)`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn(Duration) -> Fut,
    Fut: Future<Output = Arc<dyn JobQueue>>,
{
    more_urgent_jobs_are_handed_out_first(make(LONG_LEASE).await).await;
    jobs_of_one_priority_are_handed_out_oldest_first(make(LONG_LEASE).await).await;
    a_delayed_job_is_handed_out_only_after_its_delay(make(LONG_LEASE).await).await;
    a_retried_job_comes_back_after_its_delay_with_its_attempt_raised(make(LONG_LEASE).await).await;
    a_job_whose_lease_runs_out_is_handed_out_again(make(SHORT_LEASE).await, SHORT_LEASE).await;
    concurrent_reservers_get_every_job_exactly_once(make(LONG_LEASE).await).await;
    reserve_returns_nothing_after_its_wait_when_no_job_is_ready(make(LONG_LEASE).await).await;
    pending_counts_waiting_and_leased_jobs_until_all_are_completed(make(LONG_LEASE).await).await;
    waiting_counts_each_priority_class_without_the_leased_jobs(make(LONG_LEASE).await).await;
    complete_all_finishes_the_listed_jobs_and_no_others(make(LONG_LEASE).await).await;
}

/// A job of `priority`, ready after `delay`.
fn job(priority: Priority, delay: Duration) -> NewJob {
    NewJob {
        id: JobId::new_v7(),
        payload: JobPayload::PruneSessions {
            before: Timestamp::from_unix_millis(1_767_323_045_678),
        },
        priority,
        delay,
        attempts: 0,
    }
}

/// The next job, waiting as long as it takes (up to [`PATIENCE`]).
async fn next_job(queue: &dyn JobQueue) -> LeasedJob {
    let mut jobs = queue.reserve(1, PATIENCE).await.expect("reserve");
    assert_eq!(
        jobs.len(),
        1,
        "a ready job was not handed out within {PATIENCE:?}"
    );
    jobs.remove(0)
}

/// Checks `queue` has nothing ready right now; if it hands something out anyway, that must be
/// because `ready_at` passed in the meantime.
async fn nothing_before(queue: &dyn JobQueue, clock_start: Instant, ready_after: Duration) {
    let early = queue.reserve(1, Duration::ZERO).await.expect("reserve");
    assert!(
        early.is_empty() || clock_start.elapsed() + CLOCK_SLACK >= ready_after,
        "a job was handed out before its delay"
    );
}

/// Background, then normal, then interactive in: interactive, normal, background out.
pub async fn more_urgent_jobs_are_handed_out_first(queue: Arc<dyn JobQueue>) {
    let jobs = [
        Priority::Background,
        Priority::Normal,
        Priority::Interactive,
    ]
    .map(|priority| job(priority, Duration::ZERO));
    for job in &jobs {
        queue.enqueue(job.clone()).await.expect("enqueue");
    }
    for expected in jobs.iter().rev() {
        let leased = next_job(&*queue).await;
        assert_eq!(
            (leased.id, leased.priority),
            (expected.id, expected.priority)
        );
        assert_eq!(leased.payload, expected.payload);
        assert_eq!(leased.attempt, 1);
    }
}

/// Jobs of one priority come out in the order they went in, whatever the batch size.
pub async fn jobs_of_one_priority_are_handed_out_oldest_first(queue: Arc<dyn JobQueue>) {
    let jobs: Vec<NewJob> = (0..20)
        .map(|_| job(Priority::Normal, Duration::ZERO))
        .collect();
    for job in &jobs {
        queue.enqueue(job.clone()).await.expect("enqueue");
    }
    let mut order = Vec::new();
    while order.len() < jobs.len() {
        let batch = queue.reserve(3, PATIENCE).await.expect("reserve");
        assert!(!batch.is_empty(), "ready jobs were not handed out");
        order.extend(batch.into_iter().map(|leased| leased.id));
    }
    assert_eq!(order, jobs.iter().map(|job| job.id).collect::<Vec<_>>());
}

/// A delayed job is not handed out before its delay, and is once it passed.
pub async fn a_delayed_job_is_handed_out_only_after_its_delay(queue: Arc<dyn JobQueue>) {
    let delayed = job(Priority::Interactive, DELAY);
    let start = Instant::now();
    queue.enqueue(delayed.clone()).await.expect("enqueue");
    nothing_before(&*queue, start, DELAY).await;
    let leased = next_job(&*queue).await;
    assert!(start.elapsed() + CLOCK_SLACK >= DELAY, "handed out early");
    assert_eq!((leased.id, leased.attempt), (delayed.id, 1));
}

/// A retried job waits out the retry delay and comes back as its next attempt.
pub async fn a_retried_job_comes_back_after_its_delay_with_its_attempt_raised(
    queue: Arc<dyn JobQueue>,
) {
    let sent = job(Priority::Normal, Duration::ZERO);
    queue.enqueue(sent.clone()).await.expect("enqueue");
    let first = next_job(&*queue).await;
    assert_eq!((first.id, first.attempt), (sent.id, 1));
    let start = Instant::now();
    queue.retry(first.id, DELAY).await.expect("retry");
    nothing_before(&*queue, start, DELAY).await;
    let second = next_job(&*queue).await;
    assert!(
        start.elapsed() + CLOCK_SLACK >= DELAY,
        "retried job handed out early"
    );
    assert_eq!((second.id, second.attempt), (sent.id, 2));
    assert_eq!(second.payload, sent.payload);
}

/// A lease neither completed nor retried runs out after `visibility_timeout` (the one `queue`
/// was built with), and the job is handed out again as its next attempt, not before.
pub async fn a_job_whose_lease_runs_out_is_handed_out_again(
    queue: Arc<dyn JobQueue>,
    visibility_timeout: Duration,
) {
    let sent = job(Priority::Normal, Duration::ZERO);
    queue.enqueue(sent.clone()).await.expect("enqueue");
    let start = Instant::now();
    let first = next_job(&*queue).await;
    nothing_before(&*queue, start, visibility_timeout).await;
    let second = next_job(&*queue).await;
    assert!(
        start.elapsed() + CLOCK_SLACK >= visibility_timeout,
        "lease ended early"
    );
    assert_eq!((second.id, first.id), (sent.id, sent.id));
    assert_eq!(second.attempt, 2);
    queue.complete(second.id).await.expect("complete");
    assert_eq!(queue.pending().await.expect("pending"), 0);
}

/// 8 workers reserve and complete while 500 jobs are enqueued: each job reaches exactly one.
pub async fn concurrent_reservers_get_every_job_exactly_once(queue: Arc<dyn JobQueue>) {
    const WORKERS: usize = 8;
    const JOBS: usize = 500;
    let handed_out = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (queue, handed_out) = (Arc::clone(&queue), Arc::clone(&handed_out));
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while handed_out.load(Ordering::SeqCst) < JOBS {
                    let jobs = queue.reserve(7, Duration::from_millis(100)).await;
                    for leased in jobs.expect("reserve") {
                        mine.push(leased.id);
                        handed_out.fetch_add(1, Ordering::SeqCst);
                        queue.complete(leased.id).await.expect("complete");
                    }
                }
                mine
            })
        })
        .collect();
    let priorities = Priority::ALL;
    let mut sent = HashSet::new();
    for n in 0..JOBS {
        let job = job(priorities[n % priorities.len()], Duration::ZERO);
        sent.insert(job.id);
        queue.enqueue(job).await.expect("enqueue");
    }
    let mut received = Vec::new();
    let all = async {
        for worker in workers {
            received.extend(worker.await.expect("worker panicked"));
        }
    };
    tokio::time::timeout(PATIENCE * 4, all)
        .await
        .expect("workers did not drain the queue");
    let distinct: HashSet<JobId> = received.iter().copied().collect();
    assert_eq!(received.len(), JOBS, "some job was handed out twice");
    assert_eq!(
        distinct, sent,
        "the jobs handed out are not the jobs enqueued"
    );
    assert_eq!(queue.pending().await.expect("pending"), 0);
}

/// With nothing ready (empty, or only a job due much later), `reserve` waits `wait` and
/// returns empty.
pub async fn reserve_returns_nothing_after_its_wait_when_no_job_is_ready(queue: Arc<dyn JobQueue>) {
    let wait = Duration::from_millis(300);
    let start = Instant::now();
    assert!(queue.reserve(5, wait).await.expect("reserve").is_empty());
    assert!(
        start.elapsed() + CLOCK_SLACK >= wait,
        "returned before its wait"
    );
    queue
        .enqueue(job(Priority::Interactive, Duration::from_secs(3600)))
        .await
        .expect("enqueue");
    let start = Instant::now();
    assert!(queue.reserve(5, wait).await.expect("reserve").is_empty());
    assert!(
        start.elapsed() + CLOCK_SLACK >= wait,
        "returned before its wait"
    );
}

/// `pending` counts jobs waiting (ready or delayed) and leased, and is 0 once all completed.
pub async fn pending_counts_waiting_and_leased_jobs_until_all_are_completed(
    queue: Arc<dyn JobQueue>,
) {
    let pending = |expected: usize| {
        let queue = Arc::clone(&queue);
        async move { assert_eq!(queue.pending().await.expect("pending"), expected) }
    };
    pending(0).await;
    queue
        .enqueue(job(Priority::Normal, Duration::ZERO))
        .await
        .expect("enqueue");
    queue
        .enqueue(job(Priority::Background, Duration::ZERO))
        .await
        .expect("enqueue");
    queue
        .enqueue(job(Priority::Normal, DELAY))
        .await
        .expect("enqueue");
    pending(3).await;
    let first = next_job(&*queue).await;
    pending(3).await;
    queue.complete(first.id).await.expect("complete");
    pending(2).await;
    for _ in 0..2 {
        let leased = next_job(&*queue).await;
        queue.complete(leased.id).await.expect("complete");
    }
    pending(0).await;
}

/// `complete_all` finishes every leased job it names, skips an id that is not leased, and
/// leaves the other jobs alone, leased or waiting.
pub async fn complete_all_finishes_the_listed_jobs_and_no_others(queue: Arc<dyn JobQueue>) {
    for _ in 0..5 {
        queue
            .enqueue(job(Priority::Normal, Duration::ZERO))
            .await
            .expect("enqueue");
    }
    let mut leased = Vec::new();
    while leased.len() < 4 {
        leased.extend(
            queue
                .reserve(4 - leased.len(), PATIENCE)
                .await
                .expect("reserve"),
        );
    }
    queue
        .complete_all(&[])
        .await
        .expect("complete_all of nothing");
    let mut finished: Vec<JobId> = leased[..3].iter().map(|job| job.id).collect();
    finished.push(JobId::new_v7());
    queue.complete_all(&finished).await.expect("complete_all");
    assert_eq!(
        queue.pending().await.expect("pending"),
        2,
        "one leased, one waiting"
    );
    let last = next_job(&*queue).await;
    queue
        .complete_all(&[leased[3].id, last.id])
        .await
        .expect("complete_all");
    assert_eq!(queue.pending().await.expect("pending"), 0);
}

/// `waiting` counts each class's ready and delayed jobs, in the order of [`Priority::ALL`],
/// and a leased job in none of them.
pub async fn waiting_counts_each_priority_class_without_the_leased_jobs(queue: Arc<dyn JobQueue>) {
    let counts = |interactive, normal, background| {
        vec![
            (Priority::Interactive, interactive),
            (Priority::Normal, normal),
            (Priority::Background, background),
        ]
    };
    assert_eq!(queue.waiting().await.expect("waiting"), counts(0, 0, 0));
    for (priority, delay) in [
        (Priority::Interactive, Duration::ZERO),
        (Priority::Normal, Duration::ZERO),
        (Priority::Background, Duration::ZERO),
        (Priority::Background, Duration::from_secs(3600)),
    ] {
        queue.enqueue(job(priority, delay)).await.expect("enqueue");
    }
    assert_eq!(queue.waiting().await.expect("waiting"), counts(1, 1, 2));

    let leased = next_job(queue.as_ref()).await;
    assert_eq!(leased.priority, Priority::Interactive);
    assert_eq!(queue.waiting().await.expect("waiting"), counts(0, 1, 2));
}

//! Tests of the queue's bookkeeping with time driven by hand: every instant is explicit, so
//! none of these depends on how fast the machine is.

use std::time::Duration;

use chat_domain::{JobId, Timestamp};
use chat_ports::{JobPayload, NewJob, Priority};
use tokio::time::Instant;

use super::QueueState;

const LEASE: Duration = Duration::from_secs(30);

fn job(priority: Priority, delay: Duration) -> NewJob {
    NewJob {
        id: JobId::new_v7(),
        payload: JobPayload::PruneSessions {
            before: Timestamp::from_unix_millis(0),
        },
        priority,
        delay,
        attempts: 0,
    }
}

fn ids(jobs: &[chat_ports::LeasedJob]) -> Vec<JobId> {
    jobs.iter().map(|job| job.id).collect()
}

#[test]
fn more_urgent_classes_are_handed_out_first() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    let background = job(Priority::Background, Duration::ZERO);
    let normal = job(Priority::Normal, Duration::ZERO);
    let interactive = job(Priority::Interactive, Duration::ZERO);
    let expected = vec![interactive.id, normal.id, background.id];
    for job in [background, normal, interactive] {
        state.enqueue(job, now);
    }
    assert_eq!(ids(&state.take_ready(10, now)), expected);
}

#[test]
fn jobs_of_one_class_come_out_oldest_first_and_at_most_max_at_a_time() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    let jobs: Vec<NewJob> = (0..5)
        .map(|_| job(Priority::Normal, Duration::ZERO))
        .collect();
    let expected: Vec<JobId> = jobs.iter().map(|job| job.id).collect();
    for job in jobs {
        state.enqueue(job, now);
    }
    let first = state.take_ready(3, now);
    let rest = state.take_ready(3, now);
    assert_eq!(ids(&first), expected[..3]);
    assert_eq!(ids(&rest), expected[3..]);
    assert!(first.iter().chain(&rest).all(|job| job.attempt == 1));
}

#[test]
fn a_delayed_job_is_handed_out_only_once_its_delay_passed() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    state.enqueue(job(Priority::Interactive, Duration::from_secs(5)), now);
    assert!(!state.has_ready(now + Duration::from_secs(4)));
    assert!(state.take_ready(1, now + Duration::from_secs(4)).is_empty());
    assert_eq!(state.next_change(), Some(now + Duration::from_secs(5)));
    assert_eq!(state.take_ready(1, now + Duration::from_secs(5)).len(), 1);
}

#[test]
fn a_ready_job_of_a_lesser_class_overtakes_a_delayed_urgent_one() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    state.enqueue(job(Priority::Interactive, Duration::from_secs(5)), now);
    let background = job(Priority::Background, Duration::ZERO);
    let background_id = background.id;
    state.enqueue(background, now);
    assert_eq!(ids(&state.take_ready(5, now)), vec![background_id]);
}

#[test]
fn a_lapsed_lease_makes_the_job_available_again_with_one_more_attempt() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    state.enqueue(job(Priority::Normal, Duration::ZERO), now);
    let first = state.take_ready(1, now);
    assert_eq!(state.next_change(), Some(now + LEASE));
    assert!(state
        .take_ready(1, now + LEASE - Duration::from_millis(1))
        .is_empty());
    let second = state.take_ready(1, now + LEASE);
    assert_eq!(ids(&second), ids(&first));
    assert_eq!(second[0].attempt, 2);
    assert_eq!(state.pending(), 1);
}

#[test]
fn a_lapsed_job_keeps_its_place_ahead_of_jobs_that_became_ready_later() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    state.enqueue(job(Priority::Normal, Duration::ZERO), now);
    let lapsed = state.take_ready(1, now);
    let later = job(Priority::Normal, Duration::ZERO);
    let later_id = later.id;
    state.enqueue(later, now + LEASE + Duration::from_secs(1));
    let order = state.take_ready(2, now + LEASE + Duration::from_secs(2));
    assert_eq!(ids(&order), vec![lapsed[0].id, later_id]);
}

#[test]
fn a_retried_job_waits_for_its_delay_and_counts_the_attempt() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    state.enqueue(job(Priority::Normal, Duration::ZERO), now);
    let leased = state.take_ready(1, now);
    assert!(state.retry(leased[0].id, Duration::from_secs(2), now));
    assert!(state.take_ready(1, now + Duration::from_secs(1)).is_empty());
    let again = state.take_ready(1, now + Duration::from_secs(2));
    assert_eq!(ids(&again), ids(&leased));
    assert_eq!(again[0].attempt, 2);
}

#[test]
fn completing_removes_the_job_and_its_lease_for_good() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    state.enqueue(job(Priority::Normal, Duration::ZERO), now);
    let leased = state.take_ready(1, now);
    assert_eq!(state.pending(), 1);
    assert!(state.complete(leased[0].id));
    assert_eq!(state.pending(), 0);
    assert_eq!(state.next_change(), None);
    assert!(state.take_ready(1, now + LEASE * 2).is_empty());
    assert!(
        !state.complete(leased[0].id),
        "a second complete finds nothing"
    );
    assert!(
        !state.retry(leased[0].id, Duration::ZERO, now),
        "nor does a late retry"
    );
}

#[test]
fn a_job_enqueued_twice_under_one_id_is_kept_once() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    let first = job(Priority::Normal, Duration::ZERO);
    state.enqueue(first.clone(), now);
    state.enqueue(first, now);
    assert_eq!(state.pending(), 1);
    assert_eq!(state.take_ready(5, now).len(), 1);
}

#[test]
fn attempts_already_made_count_towards_the_next_one() {
    let now = Instant::now();
    let mut state = QueueState::new(LEASE);
    let mut resumed = job(Priority::Background, Duration::ZERO);
    resumed.attempts = 4;
    state.enqueue(resumed, now);
    assert_eq!(state.take_ready(1, now)[0].attempt, 5);
}

//! Dead letters: how a job that failed for good becomes one without ever being lost, and how
//! an operator replays it.

mod support;

use chat_app::messaging::PendingSends;
use chat_app::worker::{DeadLetterError, DeadLetterService};
use chat_domain::Timestamp;
use chat_ports::{DeadLetter, JobPayload, Priority};
use mockall::predicate::eq;
use mockall::Sequence;
use support::*;

fn letter() -> DeadLetter {
    DeadLetter {
        id: job_id(1),
        payload: JobPayload::PersistMessage {
            message: new_message(1, room_id(3), user_id(1)),
        },
        priority: Priority::Interactive,
        attempts: 3,
        error: "store unavailable".to_owned(),
        failed_at: Timestamp::from_unix_millis(1_000),
    }
}

#[tokio::test]
async fn replaying_a_dead_letter_requeues_it_with_its_id_and_priority_and_fresh_attempts() {
    let mut mocks = MockPorts::new();
    mocks
        .dead_letters
        .expect_take()
        .with(eq(job_id(1)))
        .times(1)
        .returning(|_| Ok(Some(letter())));
    mocks
        .queue
        .expect_enqueue()
        .withf(|job| {
            job.id == job_id(1)
                && job.payload == letter().payload
                && job.priority == Priority::Interactive
                && job.attempts == 0
                && job.delay.is_zero()
        })
        .times(1)
        .returning(|_| Ok(()));
    mocks.dead_letters.expect_insert().never();

    let result = DeadLetterService::new(mocks.build())
        .replay(job_id(1))
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_replay_the_queue_refuses_puts_the_letter_back() {
    let mut mocks = MockPorts::new();
    mocks
        .dead_letters
        .expect_take()
        .returning(|_| Ok(Some(letter())));
    mocks
        .queue
        .expect_enqueue()
        .times(1)
        .returning(|_| Err(queue_down()));
    mocks
        .dead_letters
        .expect_insert()
        .with(eq(letter()))
        .times(1)
        .returning(|_| Ok(()));

    let result = DeadLetterService::new(mocks.build())
        .replay(job_id(1))
        .await;

    assert!(
        matches!(result, Err(DeadLetterError::Queue(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn replaying_an_unknown_letter_is_not_found_and_queues_nothing() {
    let mut mocks = MockPorts::new();
    mocks.dead_letters.expect_take().returning(|_| Ok(None));
    mocks.queue.expect_enqueue().never();

    let result = DeadLetterService::new(mocks.build())
        .replay(job_id(9))
        .await;

    assert!(
        matches!(result, Err(DeadLetterError::NotFound)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_job_failing_its_last_attempt_is_stored_as_a_dead_letter_before_it_is_completed() {
    let message = new_message(1, room_id(3), user_id(1));
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_append_batch()
        .returning(|_| Err(store_down()));
    let mut order = Sequence::new();
    let payload = JobPayload::PersistMessage {
        message: message.clone(),
    };
    mocks
        .dead_letters
        .expect_insert()
        .withf(move |letter| {
            letter.id == job_id(1)
                && letter.payload == payload
                && letter.priority == Priority::Interactive
                && letter.attempts == 3
                && letter.failed_at == NOW
                && !letter.error.is_empty()
        })
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    mocks
        .queue
        .expect_complete()
        .with(eq(job_id(1)))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    mocks.queue.expect_retry().never();
    let pending = PendingSends::new();

    // The test config gives up at the third attempt.
    workers(mocks, &pending)
        .handle(vec![persist_job(1, &message, 3)])
        .await;
}

#[tokio::test]
async fn a_job_whose_dead_letter_cannot_be_stored_is_retried_and_never_completed() {
    let message = new_message(1, room_id(3), user_id(1));
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_append_batch()
        .returning(|_| Err(store_down()));
    mocks
        .dead_letters
        .expect_insert()
        .times(1)
        .returning(|_| Err(store_down()));
    mocks
        .queue
        .expect_retry()
        .withf(|id, _| *id == job_id(1))
        .times(1)
        .returning(|_, _| Ok(()));
    mocks.queue.expect_complete().never();
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &message, 3)])
        .await;
}

#[tokio::test]
async fn a_publish_event_job_failing_its_last_attempt_becomes_a_dead_letter_at_its_priority() {
    let event = chat_ports::BusEvent::SessionRevoked {
        session_id: session_id(1),
    };
    let mut mocks = MockPorts::new();
    mocks.bus.expect_publish().returning(|_| Err(bus_down()));
    mocks
        .dead_letters
        .expect_insert()
        .withf(|letter| letter.priority == Priority::Normal && letter.attempts == 3)
        .times(1)
        .returning(|_| Ok(()));
    mocks.queue.expect_complete().times(1).returning(|_| Ok(()));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![leased(
            1,
            JobPayload::PublishEvent { event },
            Priority::Normal,
            3,
        )])
        .await;
}

//! Failed writes: the fallback from a failed group commit to one write per message, and
//! retries after a backoff that doubles per attempt.

use chat_ports::StoreError;

use super::*;

#[tokio::test]
async fn a_failed_group_commit_falls_back_to_writing_each_message_alone() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_append_batch()
        .withf(|batch| batch.len() == 3)
        .times(1)
        .returning(|_| Err(one_bad_message()));
    for (seq, message) in (4..).zip(messages.clone()) {
        let alone = message.clone();
        mocks
            .messages
            .expect_append_batch()
            .withf(move |batch| batch == std::slice::from_ref(&alone))
            .times(1)
            .returning(move |_| Ok(vec![Appended::Created(stored(&message, seq))]));
    }
    let published = record_publishes(&mut mocks.bus);
    bookkeeping_succeeds(&mut mocks);
    mocks.queue.expect_retry().never();
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;

    assert_eq!(created_seqs(&recorded(&published)), vec![4, 5, 6]);
}

/// A batch-level refusal that may come from one message (not the store being down).
fn one_bad_message() -> StoreError {
    StoreError::Conflict("a message id used in another room".into())
}

#[tokio::test]
async fn a_store_that_is_down_fails_the_batch_without_writing_one_by_one() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_append_batch()
        .times(1)
        .returning(|_| Err(store_down()));
    mocks.bus.expect_publish().never();
    mocks.bus.expect_publish_all().never();
    mocks.queue.expect_retry().times(3).returning(|_, _| Ok(()));
    mocks.queue.expect_complete().never();
    mocks.queue.expect_complete_all().never();
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;
}

#[tokio::test]
async fn only_the_message_that_fails_alone_is_retried_after_a_failed_group_commit() {
    let messages = group_messages(3);
    let bad = messages[1].id;
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_append_batch()
        .returning(move |batch| {
            if batch.len() > 1 {
                Err(one_bad_message())
            } else if batch[0].id == bad {
                Err(store_down())
            } else {
                Ok(vec![Appended::Created(stored(&batch[0], 4))])
            }
        });
    record_publishes(&mut mocks.bus);
    mocks.rooms.expect_mark_read_many().returning(|_| Ok(()));
    // Each message written alone is completed alone, once published; the bad one never.
    mocks
        .queue
        .expect_complete_all()
        .withf(|ids| ids == [job_id(1)])
        .times(1)
        .returning(|_| Ok(()));
    mocks
        .queue
        .expect_complete_all()
        .withf(|ids| ids == [job_id(3)])
        .times(1)
        .returning(|_| Ok(()));
    mocks.queue.expect_complete().never();
    mocks
        .queue
        .expect_retry()
        .with(eq(job_id(2)), eq(config().job_backoff_base))
        .times(1)
        .returning(|_, _| Ok(()));
    let pending = PendingSends::new();

    workers(mocks, &pending).handle(jobs_for(&messages)).await;
}

#[tokio::test]
async fn a_failed_write_before_the_last_attempt_is_retried_after_a_doubling_backoff() {
    for (attempt, delay) in [
        (1, Duration::from_millis(100)),
        (2, Duration::from_millis(200)),
    ] {
        let message = new_message(1, room_id(3), user_id(1));
        let mut mocks = MockPorts::new();
        mocks
            .messages
            .expect_append_batch()
            .returning(|_| Err(store_down()));
        mocks
            .queue
            .expect_retry()
            .with(eq(job_id(1)), eq(delay))
            .times(1)
            .returning(|_, _| Ok(()));
        mocks.queue.expect_complete().never();
        mocks.dead_letters.expect_insert().never();
        let pending = PendingSends::new();

        workers(mocks, &pending)
            .handle(vec![persist_job(1, &message, attempt)])
            .await;
    }
}

#[tokio::test]
async fn a_publish_event_job_the_bus_refuses_again_is_retried_not_queued_anew() {
    let event = BusEvent::SessionRevoked {
        session_id: session_id(1),
    };
    let mut mocks = MockPorts::new();
    mocks.bus.expect_publish().returning(|_| Err(bus_down()));
    mocks
        .queue
        .expect_retry()
        .with(eq(job_id(1)), eq(config().job_backoff_base))
        .times(1)
        .returning(|_, _| Ok(()));
    mocks.queue.expect_enqueue().never();
    mocks.queue.expect_complete().never();
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![leased(
            1,
            JobPayload::PublishEvent { event },
            Priority::Normal,
            1,
        )])
        .await;
}

//! The services under test, built over [`MockPorts`] with settings made for tests.

use std::sync::Arc;
use std::time::Duration;

use chat_app::blocks::BlockService;
use chat_app::groups::GroupService;
use chat_app::messaging::{MessagingService, PendingSends};
use chat_app::ordering::PublishOrder;
use chat_app::presence::PresenceService;
use chat_app::worker::JobWorkers;
use chat_app::AppConfig;

use super::MockPorts;

/// Settings with timeouts short enough for tests: a send gives up after 5 s, a job is retried
/// after 100 ms, 200 ms, ... up to 1 s, and becomes a dead letter at its third attempt.
pub fn config() -> AppConfig {
    AppConfig {
        send_commit_timeout: Duration::from_secs(5),
        job_max_attempts: 3,
        job_backoff_base: Duration::from_millis(100),
        job_backoff_max: Duration::from_secs(1),
        ..AppConfig::default()
    }
}

/// A messaging service over `mocks` with the test [`config`], settling sends in `pending`.
pub fn messaging(mocks: MockPorts, pending: &Arc<PendingSends>) -> MessagingService {
    messaging_with(mocks, pending, config())
}

/// A messaging service over `mocks` with `config`, settling sends in `pending`.
pub fn messaging_with(
    mocks: MockPorts,
    pending: &Arc<PendingSends>,
    config: AppConfig,
) -> MessagingService {
    MessagingService::new(
        mocks.build(),
        config,
        Arc::clone(pending),
        Arc::new(PublishOrder::new()),
    )
}

/// A messaging service over `mocks` with the test [`config`] that takes its publish turns
/// from `order` (so a test can hold the lock).
pub fn messaging_ordered(
    mocks: MockPorts,
    pending: &Arc<PendingSends>,
    order: &Arc<PublishOrder>,
) -> MessagingService {
    MessagingService::new(
        mocks.build(),
        config(),
        Arc::clone(pending),
        Arc::clone(order),
    )
}

/// A group service over `mocks` with the test [`config`].
pub fn groups(mocks: MockPorts) -> GroupService {
    GroupService::new(mocks.build(), config())
}

/// A block service over `mocks`.
pub fn blocks(mocks: MockPorts) -> BlockService {
    BlockService::new(mocks.build())
}

/// A presence service over `mocks` with the test [`config`].
pub fn presence(mocks: MockPorts) -> PresenceService {
    PresenceService::new(mocks.build(), config())
}

/// Job workers over `mocks` with the test [`config`], settling sends in `pending`.
///
/// Unless a test scripts them first, the message store leaves the senders' read markers to
/// the worker, and nothing becomes ready while a group commit waits for its turn (the
/// batch's top-up, a `reserve` that does not wait, finds nothing).
pub fn workers(mut mocks: MockPorts, pending: &Arc<PendingSends>) -> Arc<JobWorkers> {
    mocks
        .messages
        .expect_marks_senders_read()
        .return_const(false);
    mocks
        .queue
        .expect_reserve()
        .withf(|_, wait| wait.is_zero())
        .returning(|_, _| Ok(Vec::new()));
    JobWorkers::new(
        mocks.build(),
        config(),
        Arc::clone(pending),
        Arc::new(PublishOrder::new()),
    )
}

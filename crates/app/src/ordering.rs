//! The node-wide publish lock that keeps a room's events in rev order on this node.
//!
//! Every change of a message takes the room's next rev inside the store; connections rely on
//! receiving a room's changes in that order (the gateway drops a rev at or below the last one
//! it wrote). Two tasks of one node that commit changes one after the other must therefore
//! also publish them one after the other: each holds this lock from just before its store
//! call until its events are on the bus. The persistence workers hold it around a group
//! commit, and the edit and delete use cases around their single change.
//!
//! It is a tokio mutex, not a std one, because it is held across the store call and the
//! publication, both of which await.
//!
//! [`publish_or_queue`] is how every use case but the persistence worker (which batches its
//! own retries) announces a committed change.

use chat_domain::JobId;
use chat_ports::{BusEvent, JobPayload, NewJob, Priority};
use tokio::sync::{Mutex, MutexGuard};

use crate::{AppConfig, Ports};

/// The lock every committer of message changes on this node shares.
#[derive(Debug, Default)]
pub struct PublishOrder(Mutex<()>);

/// Proof that the holder may commit and publish; dropping it lets the next committer in.
pub type PublishTurn<'a> = MutexGuard<'a, ()>;

impl PublishOrder {
    /// A fresh lock; build one per node and share it through an `Arc`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits for this node's turn to commit and publish.
    pub async fn turn(&self) -> PublishTurn<'_> {
        self.0.lock().await
    }
}

/// Publishes `event`; if the bus refuses it, queues a `PublishEvent` job that retries it with
/// backoff. The change is committed already, so failing the use case would only make the
/// client retry something that happened; a job that cannot be queued either is logged, and
/// clients still catch up from the store on their next resume.
pub(crate) async fn publish_or_queue(ports: &Ports, config: &AppConfig, event: BusEvent) {
    let Err(error) = ports.bus.publish(&event).await else {
        return;
    };
    tracing::warn!(%error, "event bus unavailable; queueing the event for retry");
    let job = NewJob {
        id: JobId::from_uuid(ports.ids.new_id()),
        payload: JobPayload::PublishEvent { event },
        priority: Priority::Normal,
        delay: config.job_backoff_base,
        attempts: 0,
    };
    if let Err(error) = ports.queue.enqueue(job).await {
        tracing::error!(%error, "could not queue an event for retry; clients catch up from the store");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_second_committer_waits_for_the_first_to_publish() {
        let order = Arc::new(PublishOrder::new());
        let first = order.turn().await;
        let waiting = {
            let order = Arc::clone(&order);
            tokio::spawn(async move {
                let _turn = order.turn().await;
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiting.is_finished());
        drop(first);
        tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("the second committer gets its turn")
            .expect("the task ends");
    }
}

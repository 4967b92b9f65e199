//! The node-wide publish order that keeps a room's events in rev order on this node.
//!
//! Every change of a message takes the room's next rev inside the store; connections rely on
//! receiving a room's changes in that order (the gateway drops a rev at or below the last one
//! it wrote). Two tasks of one node that commit changes one after the other must therefore
//! also publish them one after the other.
//!
//! The order is a pipeline of two stages, each a lock:
//! - the **commit** stage is held from just before a store call until its changes are stored;
//! - the **publish** stage is held from then until its events are on the bus.
//!
//! A committer takes the publish stage while it still holds the commit stage, and only then
//! lets the commit stage go ([`PublishTurn::release_commit`]). So the order in which
//! committers enter the publish stage is the order in which they committed, and no event can
//! overtake an earlier commit's; yet the next group commit is written while this one is being
//! published, instead of after it. At most two commits are in flight: one publishing, one
//! committing (or waiting to publish).
//!
//! The edit and delete use cases, which commit one change, hold both stages for its whole
//! length ([`PublishOrder::turn`]); the persistence workers pipeline their group commits
//! ([`PublishOrder::commit_turn`]).
//!
//! Both are tokio mutexes, not std ones, because they are held across the store call and the
//! publication, both of which await. Tokio's mutex is fair (first come, first served), so a
//! committer cannot be starved.
//!
//! [`publish_or_queue`] is how every use case but the persistence worker (which batches its
//! own retries) announces a committed change.

use chat_domain::JobId;
use chat_ports::{BusEvent, JobPayload, NewJob, Priority};
use tokio::sync::{Mutex, MutexGuard};

use crate::{AppConfig, Ports};

/// The two stages every committer of message changes on this node passes through.
#[derive(Debug, Default)]
pub struct PublishOrder {
    commit: Mutex<()>,
    publish: Mutex<()>,
}

/// Proof of a place in the node's order; dropping it lets the next committer in.
#[derive(Debug)]
pub struct PublishTurn<'a> {
    order: &'a PublishOrder,
    commit: Option<MutexGuard<'a, ()>>,
    publish: Option<MutexGuard<'a, ()>>,
}

impl PublishOrder {
    /// A fresh order; build one per node and share it through an `Arc`.
    pub fn new() -> Self {
        Self::default()
    }

    /// Waits until this node's earlier commits are stored and published, and holds both
    /// stages: for a change committed and published in one go.
    pub async fn turn(&self) -> PublishTurn<'_> {
        let mut turn = self.commit_turn().await;
        turn.publishing().await;
        turn
    }

    /// Waits for the commit stage only: the caller may store its changes now, and must call
    /// [`PublishTurn::publishing`] (or [`PublishTurn::release_commit`]) before it publishes.
    pub async fn commit_turn(&self) -> PublishTurn<'_> {
        PublishTurn {
            order: self,
            commit: Some(self.commit.lock().await),
            publish: None,
        }
    }
}

impl PublishTurn<'_> {
    /// Waits until every earlier commit of this node is published; the caller still holds
    /// the commit stage, so nothing commits after it until it lets that go.
    pub async fn publishing(&mut self) {
        if self.publish.is_none() {
            self.publish = Some(self.order.publish.lock().await);
        }
    }

    /// Waits for the publish stage, then lets the next committer store its changes while this
    /// one publishes. Its events still go out after this one's: it must wait for the publish
    /// stage in turn.
    pub async fn release_commit(&mut self) {
        self.publishing().await;
        self.commit = None;
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
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
#[path = "ordering_tests.rs"]
mod tests;

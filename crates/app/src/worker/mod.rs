//! The job workers: a pool of tasks that take jobs off the priority queue and run them.
//!
//! Message persistence is the hot path: a worker reserves ready jobs, waits for the node's
//! commit stage, waits out the commit pace ([`pacing`]), tops its batch up with every
//! persistence job that became ready meanwhile, and writes them all in one group commit.
//! Publication order equals commit order on a node because the worker enters the publish
//! stage before it leaves the commit stage ([`crate::ordering`]); the next batch is written
//! while this one is published. Under load a batch is therefore whatever arrived during the
//! previous commit and the pace, so the store's work per message falls as the load rises.
//!
//! Only one worker at a time holds persistence jobs it reserved but has not yet taken into a
//! commit (the *reservation* lock, held from its `reserve` until its top-up). Without it,
//! every idle worker would reserve the first job or two that arrive during a commit and then
//! queue for the commit stage one behind the other, each with its handful: those jobs would
//! wait out several commits instead of one.
//!
//! A failed job is retried after an exponential backoff that is really waited for (the queue
//! holds it back), and after `job_max_attempts` it becomes a dead letter in the metadata
//! database. On shutdown the workers keep going until the queue is drained.

mod backoff;
mod dead_letters;
mod figures;
mod pacing;
mod persist;

use std::sync::Arc;
use std::time::Duration;

use chat_ports::{DeadLetter, JobPayload, LeasedJob};
use tokio::sync::{watch, Mutex, MutexGuard};
use tokio::task::JoinHandle;

use crate::messaging::PendingSends;
use crate::ordering::PublishOrder;
use crate::{AppConfig, Ports};

pub use backoff::backoff_delay;
pub use dead_letters::{DeadLetterError, DeadLetterService};

/// How long an idle worker waits on the queue before it rechecks for shutdown.
const IDLE_WAIT: Duration = Duration::from_millis(250);

/// Runs jobs; cheap to share between the tasks of the pool.
#[derive(Debug)]
pub struct JobWorkers {
    ports: Ports,
    config: AppConfig,
    pending: Arc<PendingSends>,
    /// The node's commit and publish stages (see the module docs); shared with the messaging
    /// service, whose edits and deletes take them too.
    publish_order: Arc<PublishOrder>,
    /// Held by the one worker whose reserved persistence jobs are not in a commit yet (see
    /// the module docs).
    reservation: Mutex<()>,
    /// When group commits may start.
    pacing: pacing::CommitPacing,
}

/// Proof that this worker is the one allowed to hold reserved, uncommitted persistence jobs.
type Reservation<'a> = MutexGuard<'a, ()>;

impl JobWorkers {
    /// Workers over `ports`, settling the sends registered in `pending`; `publish_order` is
    /// the node's publish order, the same one the [`MessagingService`](crate::messaging::MessagingService) holds.
    pub fn new(
        ports: Ports,
        config: AppConfig,
        pending: Arc<PendingSends>,
        publish_order: Arc<PublishOrder>,
    ) -> Arc<Self> {
        Arc::new(Self {
            pacing: pacing::CommitPacing::new(config.group_commit_interval),
            ports,
            config,
            pending,
            publish_order,
            reservation: Mutex::new(()),
        })
    }

    /// Starts `count` workers. When `shutdown` turns true they finish the jobs still queued
    /// and then stop; await the handles to know the queue is drained.
    pub fn spawn(
        self: &Arc<Self>,
        count: usize,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<JoinHandle<()>> {
        (0..count.max(1))
            .map(|_| {
                let workers = Arc::clone(self);
                let shutdown = shutdown.clone();
                tokio::spawn(async move { workers.run(shutdown).await })
            })
            .collect()
    }

    async fn run(&self, shutdown: watch::Receiver<bool>) {
        loop {
            let stopping = *shutdown.borrow();
            let reservation = self.reservation.lock().await;
            match self
                .ports
                .queue
                .reserve(self.config.worker_batch_size, IDLE_WAIT)
                .await
            {
                Ok(jobs) if !jobs.is_empty() => self.handle_reserved(jobs, reservation).await,
                Ok(_) if stopping => match self.ports.queue.pending().await {
                    Ok(0) | Err(_) => break,
                    // Jobs waiting out a backoff: keep serving them until they are done.
                    Ok(_) => {}
                },
                Ok(_) => {}
                Err(error) if stopping => {
                    tracing::error!(%error, "job queue unavailable while shutting down; giving up");
                    break;
                }
                Err(error) => {
                    tracing::error!(%error, "job queue unavailable; retrying");
                    tokio::time::sleep(IDLE_WAIT).await;
                }
            }
        }
    }

    /// Runs one reservation's jobs: the persistence jobs together, the others one by one.
    pub async fn handle(&self, jobs: Vec<LeasedJob>) {
        let reservation = self.reservation.lock().await;
        self.handle_reserved(jobs, reservation).await;
    }

    /// [`Self::handle`] for a worker that holds the reservation lock; it lets it go once the
    /// persistence jobs are in a commit (at once if there are none).
    #[tracing::instrument(skip_all, fields(jobs = jobs.len()))]
    async fn handle_reserved(&self, jobs: Vec<LeasedJob>, reservation: Reservation<'_>) {
        let (persist, mut others) = split_persistence(jobs);
        if persist.is_empty() {
            drop(reservation);
        } else {
            others.extend(self.persist_batch(persist, reservation).await);
        }
        for job in others {
            let result = match &job.payload {
                JobPayload::PublishEvent { event } => self
                    .ports
                    .bus
                    .publish(event)
                    .await
                    .map_err(|e| e.to_string()),
                JobPayload::PruneSessions { before } => self
                    .ports
                    .sessions
                    .prune(*before)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                JobPayload::PersistMessage { .. } => Ok(()),
            };
            match result {
                Ok(()) => self.complete(&job).await,
                Err(error) => self.fail(&job, error).await,
            }
        }
    }

    /// Completes every job of `jobs` in one call to the queue.
    async fn complete_all(&self, jobs: &[LeasedJob]) {
        let ids: Vec<chat_domain::JobId> = jobs.iter().map(|job| job.id).collect();
        if let Err(error) = self.ports.queue.complete_all(&ids).await {
            // The leases will time out and the jobs run again; handlers are idempotent.
            tracing::warn!(%error, jobs = ids.len(), "could not complete jobs");
        }
        for job in jobs {
            figures::done(job);
        }
    }

    async fn complete(&self, job: &LeasedJob) {
        figures::done(job);
        if let Err(error) = self.ports.queue.complete(job.id).await {
            // The lease will time out and the job run again; handlers are idempotent.
            tracing::warn!(%error, job_id = %job.id, "could not complete job");
        }
    }

    /// Retries `job` after its backoff, or turns it into a dead letter after its last attempt.
    async fn fail(&self, job: &LeasedJob, error: String) {
        if job.attempt < self.config.job_max_attempts {
            let delay = backoff_delay(&self.config, job.attempt);
            tracing::warn!(job_id = %job.id, attempt = job.attempt, ?delay, %error, "job failed; will retry");
            figures::retried(job);
            if let Err(queue_error) = self.ports.queue.retry(job.id, delay).await {
                tracing::error!(%queue_error, job_id = %job.id, "could not reschedule job");
            }
            return;
        }
        tracing::error!(job_id = %job.id, attempts = job.attempt, %error, "job failed for good; dead-lettered");
        let letter = DeadLetter {
            id: job.id,
            payload: job.payload.clone(),
            priority: job.priority,
            attempts: job.attempt,
            error,
            failed_at: self.ports.clock.now(),
        };
        match self.ports.dead_letters.insert(&letter).await {
            Ok(()) => {
                figures::dead_lettered(job);
                self.complete(job).await;
            }
            Err(store_error) => {
                // Never drop a job we could not record: try again later.
                tracing::error!(%store_error, job_id = %job.id, "could not store dead letter");
                let delay = backoff_delay(&self.config, job.attempt);
                if let Err(queue_error) = self.ports.queue.retry(job.id, delay).await {
                    tracing::error!(%queue_error, job_id = %job.id, "could not reschedule job");
                }
            }
        }
    }
}

/// `jobs` split into the persistence jobs (written together in a group commit) and the others
/// (run one by one), each in reservation order.
fn split_persistence(jobs: Vec<LeasedJob>) -> (Vec<LeasedJob>, Vec<LeasedJob>) {
    jobs.into_iter()
        .partition(|job| matches!(job.payload, JobPayload::PersistMessage { .. }))
}

//! The bookkeeping of the in-process queue, as plain data with no locking and no waiting.
//!
//! Keeping it synchronous and taking "now" as an argument lets the adapter hold a std mutex
//! around it for a few microseconds at a time, and lets the tests below drive time by hand.
//!
//! Layout: one ordered map per priority holds every job that is not leased, keyed by the instant
//! it becomes available and an enqueue counter. A ready job and a delayed job differ only by that
//! instant, so "oldest first" and "not before its delay" are the same ordering, and the first key
//! of a class tells both whether it has a ready job and when it next will.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Duration;

use chat_domain::JobId;
use chat_ports::{JobPayload, LeasedJob, NewJob, Priority};
use tokio::time::Instant;

/// Where a job sits in a priority class: when it becomes available, then arrival order.
type Slot = (Instant, u64);

/// A job that is not leased right now.
#[derive(Debug)]
struct Waiting {
    id: JobId,
    payload: JobPayload,
    priority: Priority,
    /// Attempts already made.
    attempts: u32,
}

/// A job a worker holds, and when its lease runs out.
#[derive(Debug)]
struct Lease {
    job: Waiting,
    /// The key of this lease in [`QueueState::expiries`].
    expiry: Slot,
}

/// Everything the queue knows; every method runs to completion without awaiting.
#[derive(Debug)]
pub(crate) struct QueueState {
    visibility_timeout: Duration,
    /// Non-leased jobs of each priority, most urgent class first (index = position in
    /// [`Priority::ALL`]).
    classes: [BTreeMap<Slot, Waiting>; 3],
    leased: HashMap<JobId, Lease>,
    /// Lease deadlines, earliest first, so expired leases are found without a scan.
    expiries: BTreeMap<Slot, JobId>,
    /// Ids of every job waiting or leased: it makes a duplicate enqueue a no-op and is what
    /// `pending` counts.
    known: HashSet<JobId>,
    /// Ticket for the next slot; ties between equal instants resolve in arrival order.
    next_ticket: u64,
}

impl QueueState {
    /// An empty queue whose leases last `visibility_timeout`.
    pub(crate) fn new(visibility_timeout: Duration) -> Self {
        Self {
            visibility_timeout,
            classes: [BTreeMap::new(), BTreeMap::new(), BTreeMap::new()],
            leased: HashMap::new(),
            expiries: BTreeMap::new(),
            known: HashSet::new(),
            next_ticket: 0,
        }
    }

    /// Adds `job`, available from `now + job.delay`. A job whose id is already waiting or
    /// leased is the same job submitted twice, so it is ignored rather than run twice.
    pub(crate) fn enqueue(&mut self, job: NewJob, now: Instant) {
        if !self.known.insert(job.id) {
            return;
        }
        let waiting = Waiting {
            id: job.id,
            payload: job.payload,
            priority: job.priority,
            attempts: job.attempts,
        };
        self.put_back(waiting, now + job.delay);
    }

    /// Leases up to `max` jobs available at `now`, most urgent class first, oldest first.
    pub(crate) fn take_ready(&mut self, max: usize, now: Instant) -> Vec<LeasedJob> {
        self.expire_leases(now);
        let mut taken = Vec::new();
        for class in 0..self.classes.len() {
            while taken.len() < max {
                let Some(entry) = self.classes[class].first_entry() else {
                    break;
                };
                if entry.key().0 > now {
                    // Sorted by availability: nothing behind it is ready either.
                    break;
                }
                let mut job = entry.remove();
                job.attempts = job.attempts.saturating_add(1);
                taken.push(LeasedJob {
                    id: job.id,
                    payload: job.payload.clone(),
                    priority: job.priority,
                    attempt: job.attempts,
                });
                let expiry = (now + self.visibility_timeout, self.ticket());
                self.expiries.insert(expiry, job.id);
                self.leased.insert(job.id, Lease { job, expiry });
            }
        }
        taken
    }

    /// Whether some job could be leased at `now` (after timed-out leases are returned).
    pub(crate) fn has_ready(&mut self, now: Instant) -> bool {
        self.expire_leases(now);
        self.classes.iter().any(|class| {
            class
                .first_key_value()
                .is_some_and(|(slot, _)| slot.0 <= now)
        })
    }

    /// The earliest instant at which something changes by itself: a delayed job becomes
    /// available or a lease times out. `None` when only an enqueue or a retry can help.
    pub(crate) fn next_change(&self) -> Option<Instant> {
        let delayed = self.classes.iter().filter_map(|class| class.keys().next());
        let lease = self.expiries.keys().next();
        delayed.chain(lease).map(|slot| slot.0).min()
    }

    /// Drops a leased job for good; `false` if `id` was not leased (already completed, or its
    /// lease timed out and it is waiting again, in which case it will simply run once more).
    pub(crate) fn complete(&mut self, id: JobId) -> bool {
        let Some(lease) = self.leased.remove(&id) else {
            return false;
        };
        self.expiries.remove(&lease.expiry);
        self.known.remove(&id);
        true
    }

    /// Puts a leased job back, available from `now + delay`; `false` if `id` was not leased.
    pub(crate) fn retry(&mut self, id: JobId, delay: Duration, now: Instant) -> bool {
        let Some(lease) = self.leased.remove(&id) else {
            return false;
        };
        self.expiries.remove(&lease.expiry);
        self.put_back(lease.job, now + delay);
        true
    }

    /// Jobs waiting or leased.
    pub(crate) fn pending(&self) -> usize {
        self.known.len()
    }

    /// Jobs waiting (ready or delayed) in each priority class, most urgent first.
    pub(crate) fn waiting(&self) -> Vec<(Priority, usize)> {
        Priority::ALL
            .into_iter()
            .map(|priority| (priority, self.classes[class_index(priority)].len()))
            .collect()
    }

    /// Returns every job whose lease ran out by `now` to its class. It becomes available at the
    /// instant its lease ended, so it keeps its place among jobs that became ready later; its
    /// attempt count was raised when it was leased, so the next lease reports one more.
    fn expire_leases(&mut self, now: Instant) {
        while let Some(entry) = self.expiries.first_entry() {
            if entry.key().0 > now {
                break;
            }
            let (expiry, id) = entry.remove_entry();
            if let Some(lease) = self.leased.remove(&id) {
                self.put_back(lease.job, expiry.0);
            }
        }
    }

    fn put_back(&mut self, job: Waiting, available_at: Instant) {
        let slot = (available_at, self.ticket());
        self.classes[class_index(job.priority)].insert(slot, job);
    }

    fn ticket(&mut self) -> u64 {
        self.next_ticket += 1;
        self.next_ticket
    }
}

/// The position of `priority` in [`Priority::ALL`], most urgent first.
fn class_index(priority: Priority) -> usize {
    match priority {
        Priority::Interactive => 0,
        Priority::Normal => 1,
        Priority::Background => 2,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
#[path = "state_tests.rs"]
mod tests;

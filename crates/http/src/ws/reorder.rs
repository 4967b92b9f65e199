//! The writer's reorder window: changes that skip ahead of the last rev written for their
//! room wait here, per room and by rev, for at most [`REORDER_WINDOW`] (see the module docs
//! of [`super`]). Everything here exists only while a change is held.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use chat_domain::{Rev, RoomId};
use tokio::time::{Instant, Sleep};

use super::{Frames, Sent, REORDER_WINDOW};
use crate::ws::outbound::ChangeEvent;

impl Sent {
    /// Writes what the reorder window has held too long: for each room with a change held
    /// for [`REORDER_WINDOW`] or more, its lowest held rev goes out (the client sees the gap
    /// and resumes), then whatever is contiguous with it; until no held change is overdue.
    pub(super) fn expire(&mut self, now: Instant, out: &mut Frames) {
        while let Some(room) = self.overdue_room(now) {
            let Some(change) = self.take_lowest(room) else {
                break;
            };
            metrics::counter!("chat_ws_reorder_timeouts_total").increment(1);
            self.write_change(&change, out);
            self.release_contiguous(room, out);
        }
        self.free_reorder_if_empty();
    }

    /// When the oldest held change is due, if any is held.
    pub(super) fn deadline(&self) -> Option<Instant> {
        self.reorder
            .as_ref()?
            .oldest()
            .map(|at| at + REORDER_WINDOW)
    }

    /// Makes the reorder timer match [`Sent::deadline`]: none while nothing is held (the
    /// window's state is freed with the last held change), else one boxed `Sleep`.
    pub(super) fn arm(&mut self) {
        let Some(deadline) = self.deadline() else {
            return;
        };
        let Some(reorder) = self.reorder.as_mut() else {
            return;
        };
        match &mut reorder.timer {
            Some(timer) if timer.deadline() == deadline && !timer.is_elapsed() => {}
            Some(timer) => timer.as_mut().reset(deadline),
            None => reorder.timer = Some(Box::pin(tokio::time::sleep_until(deadline))),
        }
    }

    pub(super) fn hold(&mut self, change: Arc<ChangeEvent>, now: Instant) {
        let rooms = &mut self.reorder.get_or_insert_with(Box::default).rooms;
        rooms
            .entry(change.room_id)
            .or_default()
            .entry(change.rev)
            // A second copy of a held rev is a duplicate; the first keeps its place in time.
            .or_insert(Waiting {
                arrived: now,
                change,
            });
    }

    /// Writes the held changes of `room` that now follow its last written rev, in rev order,
    /// and drops held ones that something else (a replay) already wrote past.
    pub(super) fn release_contiguous(&mut self, room: RoomId, out: &mut Frames) {
        let Some(reorder) = self.reorder.as_mut() else {
            return; // the common case: nothing held anywhere
        };
        let Some(waiting) = reorder.rooms.get_mut(&room) else {
            return;
        };
        let mut ready = Vec::new();
        let mut last = self.last_rev.get(&room).copied().unwrap_or_default();
        while let Some(entry) = waiting.first_entry() {
            let rev = *entry.key();
            if rev <= last {
                entry.remove();
            } else if rev.get() == last.get() + 1 {
                ready.push(entry.remove().change);
                last = rev;
            } else {
                break;
            }
        }
        if waiting.is_empty() {
            reorder.rooms.remove(&room);
        }
        for change in ready {
            self.write_change(&change, out);
        }
        self.free_reorder_if_empty();
    }

    /// A room holding a change that arrived [`REORDER_WINDOW`] ago or earlier.
    pub(super) fn overdue_room(&self, now: Instant) -> Option<RoomId> {
        let reorder = self.reorder.as_ref()?;
        reorder.rooms.iter().find_map(|(room, waiting)| {
            waiting
                .values()
                .any(|w| w.arrived + REORDER_WINDOW <= now)
                .then_some(*room)
        })
    }

    pub(super) fn take_lowest(&mut self, room: RoomId) -> Option<Arc<ChangeEvent>> {
        let reorder = self.reorder.as_mut()?;
        let waiting = reorder.rooms.get_mut(&room)?;
        let (_, lowest) = waiting.pop_first()?;
        if waiting.is_empty() {
            reorder.rooms.remove(&room);
        }
        Some(lowest.change)
    }

    pub(super) fn free_reorder_if_empty(&mut self) {
        if self.reorder.as_ref().is_some_and(|r| r.rooms.is_empty()) {
            self.reorder = None;
        }
    }
}

/// Changes held until the revs they skip arrive; exists only while one is held.
#[derive(Default)]
pub(super) struct Reorder {
    /// Per room, by rev.
    pub(super) rooms: HashMap<RoomId, BTreeMap<Rev, Waiting>>,
    /// Fires at the oldest held change's deadline; set by [`Sent::arm`] in the running writer.
    pub(super) timer: Option<Pin<Box<Sleep>>>,
}

impl Reorder {
    fn oldest(&self) -> Option<Instant> {
        self.rooms
            .values()
            .flat_map(BTreeMap::values)
            .map(|w| w.arrived)
            .min()
    }
}

/// One held change and when it arrived.
pub(super) struct Waiting {
    arrived: Instant,
    pub(super) change: Arc<ChangeEvent>,
}

/// Resolves when the reorder window of a held change ends; never while nothing is held.
pub(super) fn reorder_due(sent: &mut Option<Box<Sent>>) -> impl Future<Output = ()> + '_ {
    std::future::poll_fn(move |cx| {
        match sent
            .as_mut()
            .and_then(|sent| sent.reorder.as_mut())
            .and_then(|reorder| reorder.timer.as_mut())
        {
            Some(timer) => timer.as_mut().poll(cx),
            None => Poll::Pending,
        }
    })
}

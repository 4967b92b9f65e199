//! Noticing a `rev` that jumps, as the protocol asks a client to, so it can `resume`.
//!
//! A connection gets each change of its room once, in `rev` order except a late one. On one
//! node changes are published in rev order; across nodes two changes of a room can cross on
//! the bus (partners on different nodes both send into their room). The writer holds the
//! later one for a short window; past it, the later one goes out and the client sees a jump.
//! The protocol's answer is the client's: "a client that missed changes (reconnect, 1013, a
//! `rev` that jumps) sends `resume`" (docs/protocol.md), and the replay fills the hole
//! without repeating what the connection already had. A change still being stored when the
//! replay ran comes later, live, with a rev the `resumed` already counted: it is new, not a
//! repeat, and [`RevTracker::see`] takes it as such.
//!
//! [`RevTracker`] keeps, per connection, the highest rev up to which nothing is missing and
//! the revs seen above it; a hole means a `resume` from that point. It survives a reconnect:
//! a new connection's replay may then repeat revs seen above the hole, which [`RevTracker`]
//! names so the self-check does not count them as duplicate frames (on one connection the
//! server never repeats a rev, and any repeat there is still counted).

use std::collections::BTreeSet;

/// What the tool knows of one room's revs on one client.
#[derive(Debug, Default, Clone)]
pub struct RevTracker {
    /// Every change up to this rev has arrived (or there was none to deliver).
    complete: u64,
    /// Revs that arrived above `complete`, below a hole.
    above: BTreeSet<u64>,
    /// Revs the current connection's replay may repeat (seen on an earlier connection).
    may_repeat: BTreeSet<u64>,
}

impl RevTracker {
    /// Notes a change at `rev`; returns `false` if it is a replay repeating a rev this client
    /// had before its reconnect (to be ignored), `true` otherwise.
    pub fn see(&mut self, rev: u64) -> bool {
        if self.may_repeat.remove(&rev) {
            return false;
        }
        if rev > self.complete {
            self.above.insert(rev);
            self.advance();
        }
        true
    }

    /// Whether a change is missing below one that arrived.
    pub fn has_hole(&self) -> bool {
        !self.above.is_empty()
    }

    /// The rev to `resume` from.
    pub fn resume_from(&self) -> u64 {
        self.complete
    }

    /// A `resumed` said the room was at `latest` when the replay began: everything up to it
    /// has now been replayed or written.
    pub fn resumed(&mut self, latest: u64) {
        self.complete = self.complete.max(latest);
        self.advance();
    }

    /// A new connection is about to `resume` from [`Self::resume_from`]: its replay may repeat
    /// the revs seen above the hole.
    pub fn reconnected(&mut self) {
        self.may_repeat = self.above.clone();
    }

    /// Gives up on the holes (a `resumed` that no longer names the room cannot fill them):
    /// treats everything up to the highest rev seen as complete, so no `resume` loop follows.
    pub fn forget_holes(&mut self) {
        if let Some(highest) = self.above.last().copied() {
            self.resumed(highest);
        }
    }

    /// What it knows, in words: to explain a lost message.
    pub fn summary(&self) -> String {
        match (self.above.first(), self.above.last()) {
            (Some(low), Some(high)) => format!(
                "complete up to rev {}, {} revs seen above it ({low}..={high})",
                self.complete,
                self.above.len()
            ),
            _ => format!("complete up to rev {}", self.complete),
        }
    }

    fn advance(&mut self) {
        self.above = self.above.split_off(&(self.complete + 1));
        while self.above.remove(&(self.complete + 1)) {
            self.complete += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revs_in_order_leave_no_hole() {
        let mut t = RevTracker::default();
        t.resumed(1);
        for rev in 2..10 {
            assert!(t.see(rev));
        }
        assert!(!t.has_hole());
        assert_eq!(t.resume_from(), 9);
    }

    #[test]
    fn a_rev_that_jumps_asks_for_a_resume_from_below_the_hole() {
        let mut t = RevTracker::default();
        t.resumed(3);
        t.see(4);
        t.see(6);
        t.see(7);
        assert!(t.has_hole());
        assert_eq!(t.resume_from(), 4);
        // The replay brings 5 (and the server skips 6 and 7, already written).
        t.see(5);
        t.resumed(7);
        assert!(!t.has_hole());
        assert_eq!(t.resume_from(), 7);
    }

    #[test]
    fn a_resumed_closes_holes_of_revs_with_nothing_to_deliver() {
        let mut t = RevTracker::default();
        t.see(3);
        assert!(t.has_hole(), "nothing known below the first change");
        t.resumed(2);
        assert!(!t.has_hole());
        assert_eq!(t.resume_from(), 3);
    }

    #[test]
    fn a_hole_above_the_resume_point_stays_open() {
        let mut t = RevTracker::default();
        t.resumed(5);
        t.see(9);
        t.resumed(7);
        assert!(t.has_hole());
        assert_eq!(t.resume_from(), 7);
    }

    #[test]
    fn forgotten_holes_ask_for_no_more_resumes() {
        let mut t = RevTracker::default();
        t.resumed(2);
        t.see(5);
        t.forget_holes();
        assert!(!t.has_hole());
        assert_eq!(t.resume_from(), 5);
    }

    #[test]
    fn after_a_reconnect_only_revs_seen_above_the_hole_may_come_again() {
        let mut t = RevTracker::default();
        t.resumed(2);
        t.see(4);
        t.reconnected();
        assert!(t.see(3), "the missing one counts");
        assert!(!t.see(4), "the repeat of one it had is ignored");
        assert!(t.see(4), "a second repeat is the server's and counts");
        assert_eq!(t.resume_from(), 4);
    }
}

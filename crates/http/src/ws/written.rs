//! Which revs of a room a connection has written, so that a `resume` replay never repeats one.
//!
//! A connection writes a room's changes in rev order, except where a change skipped ahead
//! (a hole the reorder window gave up on) or a replay filled a hole. So what it wrote is a
//! range, from the first rev it wrote to the last, minus a few holes: that is what is kept,
//! as the range and the holes as ranges. (It used to keep the newest 1,024 revs written; a
//! replay reaching further back than that, as under seconds of cross-node lag, repeated the
//! older ones: duplicate frames, docs/benchmarks.md.)
//!
//! A rev below the first one written, or in a hole, was not written. Holes are bounded by
//! [`MAX_HOLES`]: past it the oldest hole and everything below it count as unwritten, so a
//! replay may then repeat a rev but never skips one the connection did not get.
//!
//! A hole is also where a late change may still land: one whose storing was still in flight
//! (with the MongoDB message store, another node's) when the window gave up on it or a replay
//! passed it. The writer writes such a change when it comes ([`WrittenRevs::is_hole`]), and
//! a `resume` marks where the client's knowledge starts ([`WrittenRevs::note_had`]), so a
//! late change between that point and the first rev written here is a hole too.

use std::collections::BTreeMap;

use chat_domain::Rev;

/// Holes kept per room; each skip that the reorder window gave up on makes at most one.
const MAX_HOLES: usize = 256;

/// The revs of one room a connection wrote.
#[derive(Debug, Clone)]
pub(super) struct WrittenRevs {
    /// The lowest rev known written; nothing below it counts as written.
    first: u64,
    /// The highest rev written.
    last: u64,
    /// Revs between `first` and `last` not written, as ranges `start -> end` (inclusive).
    holes: BTreeMap<u64, u64>,
}

impl WrittenRevs {
    /// A room whose first written rev is `rev`.
    pub(super) fn starting_at(rev: Rev) -> Self {
        Self {
            first: rev.get(),
            last: rev.get(),
            holes: BTreeMap::new(),
        }
    }

    /// Whether `rev` was written.
    pub(super) fn contains(&self, rev: Rev) -> bool {
        let rev = rev.get();
        if rev < self.first || rev > self.last {
            return false;
        }
        self.holes
            .range(..=rev)
            .next_back()
            .is_none_or(|(_, end)| rev > *end)
    }

    /// Whether `rev` lies in a hole: between revs written here, and not written itself.
    pub(super) fn is_hole(&self, rev: Rev) -> bool {
        let rev = rev.get();
        rev > self.first && rev < self.last && !self.contains(Rev(rev))
    }

    /// The client says it has every change up to `rev` (its `resume` point): revs between it
    /// and the first written here become a hole instead of "before this connection".
    pub(super) fn note_had(&mut self, rev: Rev) {
        let rev = rev.get();
        if rev >= self.first {
            return;
        }
        if rev + 1 < self.first {
            self.holes.insert(rev + 1, self.first - 1);
        }
        self.first = rev;
        self.bound();
    }

    /// Notes that `rev` was written.
    pub(super) fn insert(&mut self, rev: Rev) {
        let rev = rev.get();
        if rev > self.last {
            if rev > self.last + 1 {
                self.holes.insert(self.last + 1, rev - 1);
            }
            self.last = rev;
        } else if rev < self.first {
            if rev + 1 < self.first {
                self.holes.insert(rev + 1, self.first - 1);
            }
            self.first = rev;
        } else {
            self.fill(rev);
        }
        self.bound();
    }

    /// Takes `rev` out of the hole holding it, if any.
    fn fill(&mut self, rev: u64) {
        let Some((&start, &end)) = self.holes.range(..=rev).next_back() else {
            return;
        };
        if rev > end {
            return;
        }
        self.holes.remove(&start);
        if start < rev {
            self.holes.insert(start, rev - 1);
        }
        if rev < end {
            self.holes.insert(rev + 1, end);
        }
    }

    /// Forgets the oldest holes beyond [`MAX_HOLES`], with everything below them.
    fn bound(&mut self) {
        while self.holes.len() > MAX_HOLES {
            if let Some((_, end)) = self.holes.pop_first() {
                self.first = end + 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(revs: &WrittenRevs, range: std::ops::RangeInclusive<u64>) -> Vec<u64> {
        range.filter(|rev| revs.contains(Rev(*rev))).collect()
    }

    #[test]
    fn any_number_of_revs_in_order_are_all_remembered() {
        let mut revs = WrittenRevs::starting_at(Rev(1));
        for rev in 2..=5_000 {
            revs.insert(Rev(rev));
        }
        assert_eq!(written(&revs, 0..=5_001), (1..=5_000).collect::<Vec<_>>());
        assert!(revs.holes.is_empty());
    }

    #[test]
    fn a_skip_leaves_a_hole_that_filling_revs_close_one_by_one() {
        let mut revs = WrittenRevs::starting_at(Rev(10));
        revs.insert(Rev(11));
        revs.insert(Rev(15));
        assert_eq!(written(&revs, 0..=20), [10, 11, 15]);
        revs.insert(Rev(13));
        assert_eq!(written(&revs, 0..=20), [10, 11, 13, 15]);
        revs.insert(Rev(12));
        revs.insert(Rev(14));
        assert_eq!(written(&revs, 0..=20), (10..=15).collect::<Vec<_>>());
        assert!(revs.holes.is_empty());
    }

    #[test]
    fn revs_below_the_first_are_unwritten_until_written() {
        let mut revs = WrittenRevs::starting_at(Rev(100));
        assert!(!revs.contains(Rev(99)));
        revs.insert(Rev(90));
        assert_eq!(written(&revs, 80..=100), [90, 100]);
        revs.insert(Rev(95));
        assert_eq!(written(&revs, 80..=100), [90, 95, 100]);
    }

    #[test]
    fn only_revs_between_written_ones_and_not_written_are_holes() {
        let mut revs = WrittenRevs::starting_at(Rev(10));
        revs.insert(Rev(11));
        revs.insert(Rev(14));
        let holes: Vec<u64> = (0..=20).filter(|rev| revs.is_hole(Rev(*rev))).collect();
        assert_eq!(holes, [12, 13]);
        revs.insert(Rev(12));
        let holes: Vec<u64> = (0..=20).filter(|rev| revs.is_hole(Rev(*rev))).collect();
        assert_eq!(holes, [13]);
    }

    #[test]
    fn a_resume_point_below_the_first_rev_written_opens_a_hole_down_to_it() {
        let mut revs = WrittenRevs::starting_at(Rev(10));
        revs.insert(Rev(11));
        revs.note_had(Rev(6));
        let holes: Vec<u64> = (0..=20).filter(|rev| revs.is_hole(Rev(*rev))).collect();
        assert_eq!(holes, [7, 8, 9]);
        assert_eq!(written(&revs, 0..=20), [6, 10, 11]);
        // A point at or above the first written changes nothing.
        revs.note_had(Rev(10));
        revs.note_had(Rev(30));
        assert_eq!(written(&revs, 0..=40), [6, 10, 11]);
        // Adjacent: no empty hole.
        let mut revs = WrittenRevs::starting_at(Rev(10));
        revs.note_had(Rev(9));
        assert!(revs.holes.is_empty());
        assert_eq!(written(&revs, 0..=20), [9, 10]);
    }

    #[test]
    fn past_the_hole_limit_the_oldest_holes_count_as_unwritten_never_as_written() {
        let mut revs = WrittenRevs::starting_at(Rev(1));
        // Every second rev skipped: one hole each.
        for rev in (3..=2 * (MAX_HOLES as u64 + 10) + 1).step_by(2) {
            revs.insert(Rev(rev));
        }
        assert_eq!(revs.holes.len(), MAX_HOLES);
        // Nothing that was skipped is reported written.
        let top = revs.last;
        assert!((2..=top).step_by(2).all(|rev| !revs.contains(Rev(rev))));
        // The newest revs written are still known.
        assert!(revs.contains(Rev(top)) && revs.contains(Rev(top - 2)));
    }
}

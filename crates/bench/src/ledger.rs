//! The self-check: did every acknowledged message reach every recipient exactly once?
//!
//! Each sender numbers its messages 0, 1, 2, ... and writes the number into `client_msg_id`
//! (see [`crate::wire`]), so a recipient counts arrivals in a plain `Vec<u8>` indexed by that
//! number: no hashing, no per-message allocation. A live `message` and one replayed by
//! `resume` after a reconnect land in the same counter, so a message counts once however it
//! came, and a second arrival of the same number is a duplicate frame. After the run the
//! sender's acknowledgements are set against every recipient's counters (and against the
//! room's history, read back through the API) by [`reconcile`].

/// Arrival counters of one connection, per sender.
#[derive(Debug, Default, Clone)]
pub struct Receipts {
    /// `(sender index, count per message number)`; a handful of senders per connection, so a
    /// short vector beats a map.
    by_sender: Vec<(u32, Vec<u8>)>,
}

impl Receipts {
    /// Counts one arrival of message `number` of `sender`; returns how many times it has
    /// arrived now (1 the first time, more for a duplicate).
    pub fn arrive(&mut self, sender: u32, number: u32) -> u8 {
        let slot = match self.by_sender.iter().position(|(s, _)| *s == sender) {
            Some(slot) => slot,
            None => {
                self.by_sender.push((sender, Vec::new()));
                self.by_sender.len() - 1
            }
        };
        let counts = &mut self.by_sender[slot].1;
        let number = number as usize;
        if counts.len() <= number {
            counts.resize(number + 1, 0);
        }
        counts[number] = counts[number].saturating_add(1);
        counts[number]
    }

    /// The counters of `sender` (empty if nothing of it arrived).
    pub fn of(&self, sender: u32) -> &[u8] {
        self.by_sender
            .iter()
            .find(|(s, _)| *s == sender)
            .map(|(_, counts)| counts.as_slice())
            .unwrap_or(&[])
    }
}

/// What one sender's messages did at their recipients.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Messages sent (numbers handed out).
    pub sent: u64,
    /// Messages acknowledged by the server.
    pub acked: u64,
    /// Sends never acknowledged (nor refused) by the end of the run.
    pub unacked: u64,
    /// (acknowledged message, recipient) pairs that arrived at least once.
    pub delivered: u64,
    /// (acknowledged message, recipient) pairs that never arrived.
    pub lost: u64,
    /// Extra arrivals of a message at a recipient that already had it.
    pub duplicated: u64,
}

impl Tally {
    /// Adds `other` into `self`.
    pub fn add(&mut self, other: &Tally) {
        self.sent += other.sent;
        self.acked += other.acked;
        self.unacked += other.unacked;
        self.delivered += other.delivered;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
    }

    /// Whether the run kept its promise: nothing lost, nothing doubled, everything answered.
    pub fn is_clean(&self) -> bool {
        self.lost == 0 && self.duplicated == 0 && self.unacked == 0
    }
}

/// Sets one sender's acknowledgements (`acked[n]` for message number `n`) against the
/// arrival counters of each of its recipients. A message that arrived without being
/// acknowledged is not lost (the ack may have been cut by a reconnect and the message
/// stored), but it is counted in `unacked`; one that arrived twice anywhere is a duplicate.
pub fn reconcile(acked: &[bool], recipients: &[&[u8]]) -> Tally {
    let mut tally = Tally {
        sent: acked.len() as u64,
        ..Tally::default()
    };
    for (number, ok) in acked.iter().enumerate() {
        if *ok {
            tally.acked += 1;
        } else {
            tally.unacked += 1;
        }
        for counts in recipients {
            let n = counts.get(number).copied().unwrap_or(0);
            tally.duplicated += u64::from(n.saturating_sub(1));
            if *ok {
                if n == 0 {
                    tally.lost += 1;
                } else {
                    tally.delivered += 1;
                }
            }
        }
    }
    // Arrivals of numbers the sender never handed out: impossible unless frames are mixed
    // up, so they count as duplicates rather than vanish.
    for counts in recipients {
        tally.duplicated += counts
            .iter()
            .skip(acked.len())
            .map(|n| u64::from(*n))
            .sum::<u64>();
    }
    tally
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_acked_and_delivered_once_everywhere_is_clean() {
        let tally = reconcile(&[true, true, true], &[&[1, 1, 1], &[1, 1, 1]]);
        assert_eq!(
            tally,
            Tally {
                sent: 3,
                acked: 3,
                unacked: 0,
                delivered: 6,
                lost: 0,
                duplicated: 0
            }
        );
        assert!(tally.is_clean());
    }

    #[test]
    fn an_acked_message_missing_at_one_recipient_is_lost_there_only() {
        let tally = reconcile(&[true, true], &[&[1, 1], &[1]]);
        assert_eq!(tally.lost, 1);
        assert_eq!(tally.delivered, 3);
        assert!(!tally.is_clean());
    }

    #[test]
    fn a_second_arrival_is_a_duplicate_and_not_a_second_delivery() {
        let tally = reconcile(&[true], &[&[2], &[3]]);
        assert_eq!(tally.delivered, 2);
        assert_eq!(tally.duplicated, 3);
        assert_eq!(tally.lost, 0);
        assert!(!tally.is_clean());
    }

    #[test]
    fn an_unanswered_send_is_counted_but_not_lost() {
        let tally = reconcile(&[true, false], &[&[1, 1]]);
        assert_eq!(tally.unacked, 1);
        assert_eq!(tally.lost, 0);
        assert_eq!(tally.delivered, 1);
        assert!(!tally.is_clean());
    }

    #[test]
    fn arrivals_of_numbers_never_sent_are_duplicates() {
        let tally = reconcile(&[true], &[&[1, 0, 1]]);
        assert_eq!(tally.duplicated, 1);
    }

    #[test]
    fn receipts_count_each_arrival_per_sender() {
        let mut receipts = Receipts::default();
        assert_eq!(receipts.arrive(7, 2), 1);
        assert_eq!(receipts.arrive(9, 0), 1);
        assert_eq!(receipts.arrive(7, 2), 2);
        assert_eq!(receipts.of(7), &[0, 0, 2]);
        assert_eq!(receipts.of(9), &[1]);
        assert_eq!(receipts.of(1), &[] as &[u8]);
    }

    #[test]
    fn a_resumed_message_counts_once_with_its_live_copy_missing() {
        // Live arrivals 0 and 1, the connection drops, `resume` replays 2 and 3: one each.
        let mut receipts = Receipts::default();
        for number in [0, 1, 2, 3] {
            receipts.arrive(4, number);
        }
        let tally = reconcile(&[true; 4], &[receipts.of(4)]);
        assert!(tally.is_clean(), "{tally:?}");
        assert_eq!(tally.delivered, 4);
    }

    #[test]
    fn tallies_add_up() {
        let mut total = reconcile(&[true], &[&[1]]);
        total.add(&reconcile(&[true, false], &[&[0, 0]]));
        assert_eq!(total.sent, 3);
        assert_eq!(total.acked, 2);
        assert_eq!(total.unacked, 1);
        assert_eq!(total.lost, 1);
        assert_eq!(total.delivered, 1);
    }
}

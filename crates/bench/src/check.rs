//! The end-of-run verdict: every acknowledged message reached every connection of its room
//! exactly once, and the room's history holds it exactly once.
//!
//! The live part sets each sender's acknowledgements against the [`Receipts`] of every
//! connection in its room; the history part reads each room back through
//! `GET /rooms/{id}/messages` and does the same with what it finds there, on the node of
//! the member whose token it uses.

use std::collections::HashMap;

use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::ledger::{reconcile, Receipts, Tally};
use crate::nodes::Nodes;
use crate::report::Record;
use crate::traffic::ConnReport;

/// Lost deliveries described in the failure, at most.
const EXAMPLES: usize = 5;

/// What the run's self-check found.
#[derive(Debug, Default, Clone)]
pub struct Verdict {
    /// Against the connections' arrivals.
    pub live: Tally,
    /// Against the rooms' history.
    pub history: Tally,
    /// Changes of a room that share a rev in its history: the protocol gives every change of
    /// a room its own rev, and a connection writes a rev once, so a shared one hides a message.
    pub shared_revs: u64,
    /// The first few lost deliveries, in words: which message, its seq and rev in history,
    /// and which revs of the room reached the connection that missed it.
    pub examples: Vec<String>,
}

impl Verdict {
    /// Whether nothing was lost, doubled or left unanswered, live or in history.
    pub fn is_clean(&self) -> bool {
        self.live.is_clean() && self.history.is_clean() && self.shared_revs == 0
    }
}

/// One room's history as the self-check reads it.
#[derive(Default)]
struct History {
    receipts: Receipts,
    /// `(seq, rev)` by `(sender, number)`.
    positions: HashMap<(u32, u32), (u64, u64)>,
    shared_revs: u64,
}

impl History {
    fn of(messages: Vec<crate::api::PageMessage>) -> Self {
        let mut history = History::default();
        let mut revs = std::collections::HashSet::with_capacity(messages.len());
        for message in messages {
            if !revs.insert(message.rev) {
                history.shared_revs += 1;
            }
            if let Some((sender, number)) = message
                .client_msg_id
                .as_deref()
                .and_then(crate::wire::parse_client_msg_id)
            {
                history.receipts.arrive(sender, number);
                history
                    .positions
                    .insert((sender, number), (message.seq, message.rev));
            }
        }
        history
    }
}

/// Reconciles the connections' reports, live and against each room's history.
pub async fn verify(nodes: &Nodes, reports: &[ConnReport]) -> anyhow::Result<Verdict> {
    let mut rooms: HashMap<&str, Vec<&ConnReport>> = HashMap::new();
    for report in reports {
        rooms
            .entry(report.room_id.as_str())
            .or_default()
            .push(report);
    }
    let histories: Vec<(&str, History)> = futures_util::stream::iter(rooms.iter())
        .map(|(room, members)| async move {
            let reader = members
                .first()
                .map_or((0, ""), |m| (m.index, m.token.as_str()));
            let messages = nodes.api(reader.0).whole_history(reader.1, room).await?;
            anyhow::Ok((*room, History::of(messages)))
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    let histories: HashMap<&str, History> = histories.into_iter().collect();
    let mut verdict = Verdict::default();
    for (room, members) in &rooms {
        let history = histories.get(room);
        verdict.shared_revs += history.map_or(0, |h| h.shared_revs);
        for sender in members.iter().filter(|m| !m.acked.is_empty()) {
            let arrivals: Vec<&[u8]> = members
                .iter()
                .map(|m| m.receipts.of(sender.index))
                .collect();
            verdict.live.add(&reconcile(&sender.acked, &arrivals));
            if let Some(history) = history {
                verdict.history.add(&reconcile(
                    &sender.acked,
                    &[history.receipts.of(sender.index)],
                ));
            }
            describe_losses(room, sender, members, history, &mut verdict.examples);
        }
    }
    Ok(verdict)
}

/// Adds, up to [`EXAMPLES`], the deliveries of `sender`'s acknowledged messages that never
/// reached one of `members`.
fn describe_losses(
    room: &str,
    sender: &ConnReport,
    members: &[&ConnReport],
    history: Option<&History>,
    examples: &mut Vec<String>,
) {
    for member in members {
        let counts = member.receipts.of(sender.index);
        for (number, acked) in sender.acked.iter().enumerate() {
            if examples.len() >= EXAMPLES {
                return;
            }
            if !*acked || counts.get(number).copied().unwrap_or(0) > 0 {
                continue;
            }
            let number = u32::try_from(number).unwrap_or(u32::MAX);
            let stored = history
                .and_then(|h| h.positions.get(&(sender.index, number)))
                .map_or("not in history".to_owned(), |(seq, rev)| {
                    format!("seq {seq}, rev {rev}")
                });
            examples.push(format!(
                "room {room}: message {number} of sender {} ({stored}) never reached sender {}, \
                 which has {}",
                sender.index,
                member.index,
                member.revs.summary()
            ));
        }
    }
}

/// The verdict as a record.
pub fn record(workload: &'static str, verdict: &Verdict) -> Record {
    let (live, history) = (&verdict.live, &verdict.history);
    Record::new(workload)
        .with("sent", live.sent)
        .with("acked", live.acked)
        .with("unacked", live.unacked)
        .with("delivered", live.delivered)
        .with("lost", live.lost)
        .with("dup", live.duplicated)
        .with("in_history", history.delivered)
        .with("lost_history", history.lost)
        .with("dup_history", history.duplicated)
        .with("shared_revs", verdict.shared_revs)
        .with("ok", if verdict.is_clean() { "yes" } else { "NO" })
}

/// What makes the run fail, in words.
pub fn failures(verdict: &Verdict) -> Vec<String> {
    let mut out = Vec::new();
    let (live, history) = (&verdict.live, &verdict.history);
    if live.lost > 0 {
        out.push(format!(
            "{} acknowledged deliveries never arrived",
            live.lost
        ));
    }
    if live.duplicated > 0 {
        out.push(format!("{} duplicate message frames", live.duplicated));
    }
    if live.unacked > 0 {
        out.push(format!("{} sends were never acknowledged", live.unacked));
    }
    if history.lost > 0 {
        out.push(format!(
            "{} acknowledged messages are missing from history",
            history.lost
        ));
    }
    if history.duplicated > 0 {
        out.push(format!(
            "{} messages are in history more than once",
            history.duplicated
        ));
    }
    if verdict.shared_revs > 0 {
        out.push(format!(
            "{} messages share a rev with another of their room",
            verdict.shared_revs
        ));
    }
    out.extend(verdict.examples.iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PageMessage;
    use crate::gaps::RevTracker;

    fn stored(seq: u64, rev: u64, sender: u32, number: u32) -> PageMessage {
        PageMessage {
            seq,
            rev,
            client_msg_id: Some(format!("s{sender}-{number}")),
        }
    }

    fn member(index: u32, acked: Vec<bool>, got: &[(u32, u32)], revs: &[u64]) -> ConnReport {
        let mut receipts = Receipts::default();
        for (sender, number) in got {
            receipts.arrive(*sender, *number);
        }
        let mut tracker = RevTracker::default();
        tracker.resumed(1);
        for rev in revs {
            tracker.see(*rev);
        }
        ConnReport {
            index,
            room_id: "r".to_owned(),
            token: String::new(),
            acked,
            receipts,
            revs: tracker,
        }
    }

    #[test]
    fn history_counts_messages_sharing_a_rev() {
        let history = History::of(vec![
            stored(1, 1, 0, 0),
            stored(2, 3, 0, 1),
            stored(3, 3, 1, 0),
            stored(4, 4, 1, 1),
        ]);
        assert_eq!(history.shared_revs, 1);
        assert_eq!(history.positions.get(&(1, 0)), Some(&(3, 3)));
        assert_eq!(history.receipts.of(0), [1, 1]);
    }

    #[test]
    fn a_lost_delivery_is_named_with_its_place_in_history_and_what_the_recipient_had() {
        let history = History::of(vec![stored(2, 2, 0, 0), stored(3, 3, 0, 1)]);
        let sender = member(0, vec![true, true], &[(0, 0), (0, 1)], &[2, 3]);
        let partner = member(1, Vec::new(), &[(0, 1)], &[3]);
        let mut examples = Vec::new();
        describe_losses(
            "r",
            &sender,
            &[&sender, &partner],
            Some(&history),
            &mut examples,
        );
        assert_eq!(examples.len(), 1, "{examples:?}");
        assert!(examples[0].contains("message 0 of sender 0 (seq 2, rev 2)"));
        assert!(examples[0].contains("never reached sender 1"));
        assert!(examples[0].contains("complete up to rev 1, 1 revs seen above it (3..=3)"));
    }

    #[test]
    fn at_most_a_few_losses_are_named() {
        let sender = member(0, vec![true; 20], &[], &[]);
        let mut examples = Vec::new();
        describe_losses("r", &sender, &[&sender], None, &mut examples);
        assert_eq!(examples.len(), EXAMPLES);
        assert!(examples[0].contains("not in history"));
    }
}

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

/// What the run's self-check found.
#[derive(Debug, Default, Clone, Copy)]
pub struct Verdict {
    /// Against the connections' arrivals.
    pub live: Tally,
    /// Against the rooms' history.
    pub history: Tally,
}

impl Verdict {
    /// Whether nothing was lost, doubled or left unanswered, live or in history.
    pub fn is_clean(&self) -> bool {
        self.live.is_clean() && self.history.is_clean()
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
    let histories: Vec<(&str, Receipts)> = futures_util::stream::iter(rooms.iter())
        .map(|(room, members)| async move {
            let reader = members
                .first()
                .map_or((0, ""), |m| (m.index, m.token.as_str()));
            let messages = nodes.api(reader.0).whole_history(reader.1, room).await?;
            let mut receipts = Receipts::default();
            for message in messages {
                if let Some((sender, number)) = message
                    .client_msg_id
                    .as_deref()
                    .and_then(crate::wire::parse_client_msg_id)
                {
                    receipts.arrive(sender, number);
                }
            }
            anyhow::Ok((*room, receipts))
        })
        .buffer_unordered(8)
        .try_collect()
        .await?;
    let histories: HashMap<&str, Receipts> = histories.into_iter().collect();
    let mut verdict = Verdict::default();
    for (room, members) in &rooms {
        for sender in members.iter().filter(|m| !m.acked.is_empty()) {
            let arrivals: Vec<&[u8]> = members
                .iter()
                .map(|m| m.receipts.of(sender.index))
                .collect();
            verdict.live.add(&reconcile(&sender.acked, &arrivals));
            if let Some(history) = histories.get(room) {
                verdict
                    .history
                    .add(&reconcile(&sender.acked, &[history.of(sender.index)]));
            }
        }
    }
    Ok(verdict)
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
    out
}

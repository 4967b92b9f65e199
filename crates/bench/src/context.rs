//! What every workload needs: the nodes and their HTTP clients, the profile name, a fresh
//! name prefix for this run's users, and the verdict of a run.

use crate::nodes::Nodes;
use crate::report::Record;

/// The environment of one run.
#[derive(Debug, Clone)]
pub struct Context {
    /// The server's nodes (one, or several sharing their stores and bus).
    pub nodes: Nodes,
    /// The server's pids, if given (one per node, summed).
    pub server_pids: Vec<u32>,
    /// Concurrency of the set-up.
    pub setup_concurrency: usize,
    /// A prefix no earlier run used, so runs against one database never collide.
    pub run_tag: String,
}

impl Context {
    /// A fresh user-name prefix for `workload` (`p`, `g`, `i`, `h`): lowercase, short
    /// enough for a 32-byte user name with a five-digit index.
    pub fn prefix(&self, workload: char) -> String {
        format!("b{workload}{}_", self.run_tag)
    }
}

/// A run's records and whether its self-check held.
#[derive(Debug)]
pub struct Outcome {
    /// Results, in print order.
    pub records: Vec<Record>,
    /// Problems that make the run fail (lost, doubled or refused messages, dropped
    /// connections); empty for a clean run.
    pub failures: Vec<String>,
}

/// A fresh run tag: the time in ms, in hex (ten characters or fewer for centuries).
pub fn run_tag() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{:x}", ms % (1 << 40))
}

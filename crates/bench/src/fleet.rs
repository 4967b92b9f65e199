//! A set of connections under one controller: opened together, stepped together, and
//! asked for their ledgers together at the end.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use futures_util::{StreamExt as _, TryStreamExt as _};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::conn;
use crate::traffic::{run_connection, ConnPlan, ConnReport, Phase, Shared};

/// Running connections and the handle that steers them.
#[derive(Debug)]
pub struct Fleet {
    /// Their counters and latency histogram.
    pub shared: Arc<Shared>,
    /// The phase every connection follows.
    pub phase: watch::Sender<Phase>,
    tasks: Vec<JoinHandle<ConnReport>>,
}

impl Fleet {
    /// Opens a connection for each plan, to its node (`concurrency` upgrades at a time), and
    /// starts its task, quiet until the first step.
    pub async fn launch(
        plans: Vec<ConnPlan>,
        body_bytes: usize,
        concurrency: usize,
    ) -> anyhow::Result<Self> {
        let sockets: Vec<_> = futures_util::stream::iter(plans.iter())
            .map(|plan| async move {
                conn::connect(&plan.target, &plan.token, None)
                    .await
                    .with_context(|| format!("connecting client {}", plan.index))
            })
            .buffered(concurrency)
            .try_collect()
            .await?;
        let shared = Arc::new(Shared::default());
        let (phase, watcher) = watch::channel(Phase::Quiet);
        let count = plans.len().max(1) as f64;
        let tasks = plans
            .into_iter()
            .zip(sockets)
            .enumerate()
            .map(|(i, (plan, ws))| {
                // Spread the connections' first sends evenly over one period.
                let spread = i as f64 / count;
                tokio::spawn(run_connection(
                    plan,
                    Arc::clone(&shared),
                    watcher.clone(),
                    ws,
                    body_bytes,
                    spread,
                ))
            })
            .collect();
        // Let the connections settle (presence and join events) before the first step.
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(Self {
            shared,
            phase,
            tasks,
        })
    }

    /// Stops every connection and collects its report.
    pub async fn finish(self) -> anyhow::Result<Vec<ConnReport>> {
        let _ = self.phase.send(Phase::Stop);
        let mut reports = Vec::with_capacity(self.tasks.len());
        for task in self.tasks {
            reports.push(task.await.context("a connection task panicked")?);
        }
        Ok(reports)
    }
}

impl Fleet {
    /// Problems the counters show: refused frames, connections that could not be reopened.
    pub fn failures(&self) -> Vec<String> {
        let c = self.shared.counters();
        let mut out = Vec::new();
        if c.errors > 0 {
            let first = self
                .shared
                .first_error
                .lock()
                .ok()
                .and_then(|f| f.clone())
                .unwrap_or_default();
            out.push(format!("{} error events (first: {first})", c.errors));
        }
        if c.gave_up > 0 {
            out.push(format!(
                "{} connections dropped and could not be reopened",
                c.gave_up
            ));
        }
        out
    }
}

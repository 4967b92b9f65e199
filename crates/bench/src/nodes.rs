//! The nodes of the cluster under test, and which node each client talks to.
//!
//! `--url` names one node, or several (repeat it, or give a comma list). Client `i` (its
//! account, its HTTP calls and its WebSocket connection) goes to node `i mod N`: round robin,
//! so every node carries the same share within one client. For `pairs` that rule is also
//! what makes the run cross nodes: partners are clients `2k` and `2k + 1`, consecutive, so
//! with two or more nodes they always sit on different ones and every message crosses the
//! event bus. For `group`, a message reaches the members on other nodes than its sender's
//! through the bus and the rest directly; [`cross_node_share`] says how many.
//!
//! Every URL must be loopback ([`Target::parse`]) and name a different address: two URLs for
//! one node would make a run claim a crossing that never happened.

use std::collections::HashSet;

use anyhow::{bail, Context as _};
use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::api::{Account, Api};
use crate::target::Target;

/// The node client `index` talks to, of `nodes` (at least one).
pub fn node_of(index: u32, nodes: usize) -> usize {
    index as usize % nodes.max(1)
}

/// The share (0..=1) of `(sender, recipient)` pairs on different nodes, when senders are
/// clients `0..senders`, recipients are clients `0..members` other than the sender, and
/// clients are spread by [`node_of`].
pub fn cross_node_share(senders: u32, members: u32, nodes: usize) -> f64 {
    let mut per_node = vec![0u64; nodes.max(1)];
    for member in 0..members {
        per_node[node_of(member, nodes)] += 1;
    }
    let (mut crossing, mut all) = (0u64, 0u64);
    for sender in 0..senders.min(members) {
        let others = u64::from(members) - 1;
        crossing += u64::from(members) - per_node[node_of(sender, nodes)];
        all += others;
    }
    if all == 0 {
        0.0
    } else {
        crossing as f64 / all as f64
    }
}

/// The nodes of one run, each with its HTTP client.
#[derive(Debug, Clone)]
pub struct Nodes {
    targets: Vec<Target>,
    apis: Vec<Api>,
}

impl Nodes {
    /// Parses the `--url` values (each possibly a comma list), refusing any that is not
    /// loopback and any address named twice.
    pub fn parse(urls: &[String]) -> anyhow::Result<Self> {
        let mut targets = Vec::new();
        let mut seen = HashSet::new();
        for url in urls.iter().flat_map(|u| u.split(',')).map(str::trim) {
            if url.is_empty() {
                continue;
            }
            let target = Target::parse(url)?;
            if !seen.insert(target.addr) {
                bail!("--url {url:?}: {} is named twice", target.addr);
            }
            targets.push(target);
        }
        if targets.is_empty() {
            bail!("--url: at least one node");
        }
        let apis = targets
            .iter()
            .map(|t| Api::new(t.clone()))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self { targets, apis })
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// The node of client `index`.
    pub fn target(&self, index: u32) -> &Target {
        &self.targets[node_of(index, self.len())]
    }

    /// The HTTP API of client `index`'s node.
    pub fn api(&self, index: u32) -> &Api {
        &self.apis[node_of(index, self.len())]
    }

    /// Checks every node answers `/readyz`.
    pub async fn ready(&self) -> anyhow::Result<()> {
        for (target, api) in self.targets.iter().zip(&self.apis) {
            api.ready()
                .await
                .with_context(|| format!("the server at {} is not ready", target.http_base))?;
        }
        Ok(())
    }

    /// Every node's `GET /metrics` text, in node order.
    pub async fn metrics_texts(&self) -> anyhow::Result<Vec<String>> {
        let mut texts = Vec::with_capacity(self.apis.len());
        for api in &self.apis {
            texts.push(api.metrics_text().await?);
        }
        Ok(texts)
    }

    /// `count` fresh accounts named `<prefix><index>`, each registered and logged in on its
    /// own node, `concurrency` at a time, in index order.
    pub async fn accounts(
        &self,
        prefix: &str,
        count: u32,
        concurrency: usize,
    ) -> anyhow::Result<Vec<Account>> {
        futures_util::stream::iter(0..count)
            .map(|index| async move {
                self.api(index)
                    .account(index, &format!("{prefix}{index}"))
                    .await
            })
            .buffered(concurrency)
            .try_collect()
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn clients_are_dealt_round_robin_and_evenly() {
        for nodes in 1..=5 {
            let mut per_node = vec![0u32; nodes];
            for index in 0..1_000 {
                per_node[node_of(index, nodes)] += 1;
            }
            let (min, max) = (per_node.iter().min(), per_node.iter().max());
            assert!(
                max.zip(min).is_some_and(|(a, b)| a - b <= 1),
                "{nodes}: {per_node:?}"
            );
        }
        assert_eq!(node_of(7, 0), 0, "no node is taken as one");
    }

    #[test]
    fn pair_partners_sit_on_different_nodes_when_there_are_two_or_more() {
        for nodes in 2..=6 {
            for pair in 0..500u32 {
                assert_ne!(
                    node_of(2 * pair, nodes),
                    node_of(2 * pair + 1, nodes),
                    "pair {pair} on {nodes} nodes"
                );
            }
        }
        assert_eq!(node_of(0, 1), node_of(1, 1));
    }

    #[test]
    fn the_crossing_share_of_a_group_follows_the_node_count() {
        assert_eq!(cross_node_share(10, 500, 1), 0.0);
        // Two nodes of 250: each sender reaches 250 members on the other node of 499 others.
        assert!((cross_node_share(10, 500, 2) - 250.0 / 499.0).abs() < 1e-9);
        let three = cross_node_share(10, 500, 3);
        assert!((0.66..0.67).contains(&three), "{three}");
        // Pairs seen as groups of two: everything crosses.
        assert_eq!(cross_node_share(2, 2, 2), 1.0);
        assert_eq!(cross_node_share(1, 1, 3), 0.0);
    }

    #[test]
    fn urls_come_repeated_or_as_a_comma_list() {
        let nodes = Nodes::parse(&urls(&[
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8081, http://127.0.0.1:8082",
        ]))
        .expect("three loopback nodes");
        assert_eq!(nodes.len(), 3);
        assert_eq!(nodes.target(4).http_base, "http://127.0.0.1:8081");
    }

    #[test]
    fn every_url_must_be_loopback_and_named_once() {
        assert!(Nodes::parse(&urls(&["http://127.0.0.1:8080,http://10.0.0.2:8080"])).is_err());
        assert!(Nodes::parse(&urls(&["http://127.0.0.1:8080", "http://127.0.0.1:8080/"])).is_err());
        assert!(Nodes::parse(&urls(&["http://localhost:8080", "http://127.0.0.1:8080"])).is_err());
        assert!(Nodes::parse(&urls(&[" , "])).is_err());
    }
}

//! `idle`: C authenticated WebSocket connections that say nothing, and what they cost the
//! server in resident memory.
//!
//! The server's `VmRSS` is read after the users are registered (so the registration's own
//! allocations are in both readings) and again once every connection is open and has
//! settled; the difference over C is the cost of one connection. The connections are held
//! by a few tasks, not one each (the point is to measure the server, not the tool): each
//! task owns a shard and pings every connection in it every 15 s, which both keeps the
//! server's 60 s silence timeout away and proves at the end that every connection is still
//! open and authenticated.
//!
//! On several nodes, connection `i` goes to node `i mod N`; give every node's pid
//! (`--server-pid a,b`) and their memory is summed.

use std::time::Duration;

use anyhow::{bail, Context as _};
use futures_util::{SinkExt as _, StreamExt as _, TryStreamExt as _};
use tokio_tungstenite::tungstenite::Message;

use crate::cli::IdleArgs;
use crate::conn::{self, Ws};
use crate::context::{Context, Outcome};
use crate::report::Record;
use crate::target::parse_source_ips;
use crate::wire::{self, Kind};

/// Tasks holding the connections.
const SHARDS: usize = 8;
/// Time between two ping sweeps.
const SWEEP_EVERY: Duration = Duration::from_secs(15);

/// Pings every connection of `shard` and waits for each pong; returns the shard and how
/// many answered within 30 s.
async fn sweep(mut shard: Vec<Ws>) -> (Vec<Ws>, usize) {
    let ping = r#"{"type":"ping"}"#;
    let mut alive = vec![false; shard.len()];
    for (i, ws) in shard.iter_mut().enumerate() {
        alive[i] = ws.feed(Message::text(ping)).await.is_ok();
    }
    for (i, ws) in shard.iter_mut().enumerate() {
        if !alive[i] || ws.flush().await.is_err() {
            alive[i] = false;
            continue;
        }
        let answered = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(Ok(frame)) = ws.next().await {
                if let Message::Text(text) = frame {
                    if wire::kind(text.as_str()) == Kind::Pong {
                        return true;
                    }
                }
            }
            false
        })
        .await;
        alive[i] = matches!(answered, Ok(true));
    }
    let count = alive.iter().filter(|a| **a).count();
    (shard, count)
}

/// Sweeps every shard at once; returns the shards and how many connections answered.
async fn sweep_all(shards: Vec<Vec<Ws>>) -> anyhow::Result<(Vec<Vec<Ws>>, usize)> {
    let tasks: Vec<_> = shards.into_iter().map(|s| tokio::spawn(sweep(s))).collect();
    let mut back = Vec::with_capacity(tasks.len());
    let mut alive = 0;
    for task in tasks {
        let (shard, n) = task.await.context("a ping sweep panicked")?;
        alive += n;
        back.push(shard);
    }
    Ok((back, alive))
}

fn mib(kib: u64) -> f64 {
    (kib as f64 / 1024.0 * 10.0).round() / 10.0
}

/// Runs `idle`.
pub async fn run(ctx: &Context, args: &IdleArgs) -> anyhow::Result<Outcome> {
    let sources = parse_source_ips(&args.source_ips)?;
    let limit = crate::sys::raise_open_files();
    let wanted = u64::from(args.connections) + 64;
    if wanted > limit {
        bail!(
            "{} connections need about {wanted} open files and the limit is {limit}: raise it \
             (`ulimit -n`, or LimitNOFILE for a service) for the tool and the server",
            args.connections
        );
    }
    eprintln!("chat-bench: registering {} users", args.connections);
    let accounts = ctx
        .nodes
        .accounts(&ctx.prefix('i'), args.connections, ctx.setup_concurrency)
        .await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = crate::sys::total_rss_kib(&ctx.server_pids)?;
    eprintln!("chat-bench: opening {} connections", args.connections);
    let sockets: Vec<Ws> = futures_util::stream::iter(accounts.iter())
        .map(|account| {
            let source =
                (!sources.is_empty()).then(|| sources[account.index as usize % sources.len()]);
            async move {
                conn::connect(ctx.nodes.target(account.index), &account.token, source)
                    .await
                    .with_context(|| format!("opening connection {}", account.index))
            }
        })
        .buffered(ctx.setup_concurrency * 4)
        .try_collect()
        .await?;
    let opened = sockets.len();
    tokio::time::sleep(Duration::from_secs(args.settle)).await;
    let after = crate::sys::total_rss_kib(&ctx.server_pids)?;
    let tool_rss = crate::sys::rss_kib(std::process::id()).ok();
    let mut shards: Vec<Vec<Ws>> = (0..SHARDS).map(|_| Vec::new()).collect();
    for (i, ws) in sockets.into_iter().enumerate() {
        shards[i % SHARDS].push(ws);
    }
    let hold_until = tokio::time::Instant::now() + Duration::from_secs(args.hold);
    while tokio::time::Instant::now() + SWEEP_EVERY < hold_until {
        tokio::time::sleep(SWEEP_EVERY).await;
        shards = sweep_all(shards).await?.0;
    }
    tokio::time::sleep_until(hold_until).await;
    let (shards, alive) = sweep_all(shards).await?;
    drop(shards);
    let per_connection = match (before, after) {
        (Some(b), Some(a)) => serde_json::Value::from(
            ((a.saturating_sub(b)) as f64 / opened.max(1) as f64 * 100.0).round() / 100.0,
        ),
        _ => serde_json::Value::Null,
    };
    let record = Record::new("idle")
        .with("connections", opened as u64)
        .with("alive_at_end", alive as u64)
        .with("held_s", args.hold)
        .with("server_rss_before_mib", before.map(mib))
        .with("server_rss_after_mib", after.map(mib))
        .with("server_kib_per_conn", per_connection)
        .with("tool_rss_mib", tool_rss.map(mib))
        .with("ok", if alive == opened { "yes" } else { "NO" });
    let mut failures = Vec::new();
    if alive != opened {
        failures.push(format!(
            "{} of {opened} connections did not answer a ping at the end",
            opened - alive
        ));
    }
    Ok(Outcome {
        records: vec![record],
        failures,
    })
}

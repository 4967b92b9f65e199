//! `pairs`: C clients in C/2 private pairs, each sending to its partner.
//!
//! Each pair's room is made by a first HTTP message (as an app's first message would), then
//! both partners send into it over their WebSocket at the offered rate. Every message
//! reaches two connections (the partner, and the sender's own echo); latency is measured at
//! the partner.
//!
//! On several nodes, client `i` is on node `i mod N` (see [`crate::nodes`]), so partners
//! (`2k`, `2k + 1`) are always on different nodes and every message crosses the event bus.

use anyhow::bail;
use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::check;
use crate::cli::PairsArgs;
use crate::context::{Context, Outcome};
use crate::fleet::Fleet;
use crate::nodes::cross_node_share;
use crate::report::Record;
use crate::steps;
use crate::traffic::ConnPlan;

/// Runs `pairs`.
pub async fn run(ctx: &Context, args: &PairsArgs) -> anyhow::Result<Outcome> {
    if !args.clients.is_multiple_of(2) {
        bail!("--clients must be even (C/2 pairs)");
    }
    eprintln!("chat-bench: registering {} users", args.clients);
    let accounts = ctx
        .nodes
        .accounts(&ctx.prefix('p'), args.clients, ctx.setup_concurrency)
        .await?;
    eprintln!("chat-bench: opening {} private rooms", args.clients / 2);
    let rooms: Vec<String> = futures_util::stream::iter(accounts.chunks(2))
        .map(|pair| {
            ctx.nodes
                .api(pair[0].index)
                .open_private_room(&pair[0], &pair[1])
        })
        .buffered(ctx.setup_concurrency)
        .try_collect()
        .await?;
    let plans = accounts
        .iter()
        .map(|a| ConnPlan {
            index: a.index,
            target: ctx.nodes.target(a.index).clone(),
            token: a.token.clone(),
            room_id: rooms[a.index as usize / 2].clone(),
            sends: true,
        })
        .collect();
    let nodes = ctx.nodes.len();
    let cross = cross_node_share(2, 2, nodes);
    if nodes > 1 {
        eprintln!("chat-bench: partners are on different nodes: every message crosses the bus");
    }
    eprintln!("chat-bench: connecting {} clients", args.clients);
    let fleet = Fleet::launch(plans, args.steps.body_bytes as usize, ctx.setup_concurrency).await?;
    let stepping = args.steps.stepping();
    let (mut records, best) = steps::run("pairs", &fleet, &stepping, args.clients, 2, ctx).await;
    for record in &mut records {
        record
            .fields
            .insert(0, ("cross_node_pct", (cross * 100.0).round().into()));
        record.fields.insert(0, ("clients", args.clients.into()));
    }
    let mut failures = fleet.failures();
    let reports = fleet.finish().await?;
    eprintln!("chat-bench: checking every message, live and in history");
    let verdict = check::verify(&ctx.nodes, &reports).await?;
    if let Some(best) = best {
        records.push(
            Record::new("pairs-saturate")
                .with("clients", args.clients)
                .with("sustainable_msg_s", best.round())
                .with("p99_bound_ms", stepping.p99_ms),
        );
    }
    records.push(check::record("pairs-check", &verdict));
    failures.extend(check::failures(&verdict));
    Ok(Outcome { records, failures })
}

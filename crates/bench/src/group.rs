//! `group`: one group of N members, S of whom send; every message fans out to all N
//! connections (the sender's echo included), and latency is measured at the other N-1.
//!
//! The group is made as an app would: its owner creates it and an invite link, and the
//! other members join through the link.
//!
//! On several nodes, member `i` is on node `i mod N` (see [`crate::nodes`]); the owner makes
//! the group on the first node and every member joins, and connects, on its own. A message
//! reaches the members on its sender's node directly and the others through the event bus;
//! `cross_node_pct` says how many deliveries cross.

use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::check;
use crate::cli::GroupArgs;
use crate::context::{Context, Outcome};
use crate::fleet::Fleet;
use crate::nodes::cross_node_share;
use crate::report::Record;
use crate::steps;
use crate::traffic::ConnPlan;

/// Runs `group`.
pub async fn run(ctx: &Context, args: &GroupArgs) -> anyhow::Result<Outcome> {
    let senders = args.senders.min(args.members);
    eprintln!("chat-bench: registering {} users", args.members);
    let accounts = ctx
        .nodes
        .accounts(&ctx.prefix('g'), args.members, ctx.setup_concurrency)
        .await?;
    let owner = &accounts[0];
    let api = ctx.nodes.api(owner.index);
    let room = api.create_group(owner, "chat-bench").await?;
    let link = api.invite_link(owner, &room).await?;
    eprintln!("chat-bench: {} members join the group", args.members - 1);
    futures_util::stream::iter(&accounts[1..])
        .map(|member| ctx.nodes.api(member.index).join(member, &link))
        .buffer_unordered(ctx.setup_concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    let plans = accounts
        .iter()
        .map(|a| ConnPlan {
            index: a.index,
            target: ctx.nodes.target(a.index).clone(),
            token: a.token.clone(),
            room_id: room.clone(),
            sends: a.index < senders,
        })
        .collect();
    eprintln!("chat-bench: connecting {} members", args.members);
    let fleet = Fleet::launch(plans, args.steps.body_bytes as usize, ctx.setup_concurrency).await?;
    let stepping = args.steps.stepping();
    let fan_out = u64::from(args.members);
    let (mut records, best) = steps::run("group", &fleet, &stepping, senders, fan_out, ctx).await;
    let cross = cross_node_share(senders, args.members, ctx.nodes.len());
    for record in &mut records {
        record
            .fields
            .insert(0, ("cross_node_pct", (cross * 100.0).round().into()));
        record.fields.insert(0, ("senders", senders.into()));
        record.fields.insert(0, ("members", args.members.into()));
    }
    let mut failures = fleet.failures();
    let reports = fleet.finish().await?;
    eprintln!("chat-bench: checking every delivery, live and in history");
    let verdict = check::verify(&ctx.nodes, &reports).await?;
    if let Some(best) = best {
        records.push(
            Record::new("group-saturate")
                .with("members", args.members)
                .with("sustainable_msg_s", best.round())
                .with("sustainable_deliveries_s", (best * fan_out as f64).round())
                .with("p99_bound_ms", stepping.p99_ms),
        );
    }
    records.push(check::record("group-check", &verdict));
    failures.extend(check::failures(&verdict));
    Ok(Outcome { records, failures })
}

//! `group`: one group of N members, S of whom send; every message fans out to all N
//! connections (the sender's echo included), and latency is measured at the other N-1.
//!
//! The group is made as an app would: its owner creates it and an invite link, and the
//! other members join through the link.

use futures_util::{StreamExt as _, TryStreamExt as _};

use crate::check;
use crate::cli::GroupArgs;
use crate::context::{Context, Outcome};
use crate::fleet::Fleet;
use crate::report::Record;
use crate::steps;
use crate::traffic::ConnPlan;

/// Runs `group`.
pub async fn run(ctx: &Context, args: &GroupArgs) -> anyhow::Result<Outcome> {
    let senders = args.senders.min(args.members);
    eprintln!("chat-bench: registering {} users", args.members);
    let accounts = ctx
        .api
        .accounts(&ctx.prefix('g'), args.members, ctx.setup_concurrency)
        .await?;
    let owner = &accounts[0];
    let room = ctx.api.create_group(owner, "chat-bench").await?;
    let link = ctx.api.invite_link(owner, &room).await?;
    eprintln!("chat-bench: {} members join the group", args.members - 1);
    futures_util::stream::iter(&accounts[1..])
        .map(|member| ctx.api.join(member, &link))
        .buffer_unordered(ctx.setup_concurrency)
        .try_collect::<Vec<()>>()
        .await?;
    let plans = accounts
        .iter()
        .map(|a| ConnPlan {
            index: a.index,
            token: a.token.clone(),
            room_id: room.clone(),
            sends: a.index < senders,
        })
        .collect();
    eprintln!("chat-bench: connecting {} members", args.members);
    let fleet = Fleet::launch(
        &ctx.target,
        plans,
        args.steps.body_bytes as usize,
        ctx.setup_concurrency,
    )
    .await?;
    let stepping = args.steps.stepping();
    let fan_out = u64::from(args.members);
    let (mut records, best) =
        steps::run("group", &fleet, &stepping, senders, fan_out, ctx.server_pid).await;
    for record in &mut records {
        record.fields.insert(0, ("senders", senders.into()));
        record.fields.insert(0, ("members", args.members.into()));
    }
    let mut failures = fleet.failures();
    let reports = fleet.finish().await?;
    eprintln!("chat-bench: checking every delivery, live and in history");
    let verdict = check::verify(&ctx.api, &reports).await?;
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

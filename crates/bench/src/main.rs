//! `chat-bench`: the load tool of chat-system.
//!
//! It drives a running chat-server over its public HTTP and WebSocket API exactly as client
//! apps would (it registers its own users, makes rooms and groups through the API, sends
//! with `client_msg_id`, waits for acks, reconnects and `resume`s), on loopback only and
//! bounded in time and count, and prints a table plus one JSON line per result. Every run
//! checks itself: each acknowledged message must reach each connection of its room exactly
//! once and be in the room's history; a run that loses or doubles anything exits with
//! status 1 and says so on stderr.
//!
//! Layout: [`cli`] (arguments), one module per workload ([`pairs`], [`group`], [`idle`],
//! [`history`]); the engine that moves messages ([`traffic`], [`fleet`], [`steps`]); the
//! self-check ([`ledger`], [`check`]); the wire format ([`wire`], [`conn`], [`api`]); and
//! measurement and output ([`stats`], [`sys`], [`report`]).

mod api;
mod check;
mod cli;
mod conn;
mod context;
mod fleet;
mod gaps;
mod group;
mod history;
mod idle;
mod ledger;
mod nodes;
mod pairs;
mod report;
mod scrape;
mod stats;
mod steps;
mod sys;
mod target;
mod traffic;
mod wire;

use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::{Cli, Workload};
use crate::context::{Context, Outcome};

async fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    let nodes = nodes::Nodes::parse(&cli.url)?;
    nodes.ready().await?;
    if nodes.len() > 1 {
        eprintln!(
            "chat-bench: {} nodes; clients are dealt to them round robin",
            nodes.len()
        );
    }
    let ctx = Context {
        nodes,
        server_pids: cli.server_pid.clone(),
        setup_concurrency: usize::from(cli.setup_concurrency),
        run_tag: context::run_tag(),
    };
    let mut outcome = match &cli.workload {
        Workload::Pairs(args) => pairs::run(&ctx, args).await,
        Workload::Group(args) => group::run(&ctx, args).await,
        Workload::Idle(args) => idle::run(&ctx, args).await,
        Workload::History(args) => history::run(&ctx, args).await,
    }?;
    // Every result says how many nodes it ran on.
    for record in &mut outcome.records {
        record.fields.insert(0, ("nodes", ctx.nodes.len().into()));
    }
    Ok(outcome)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(usize::from(cli.threads))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("chat-bench: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(&cli)) {
        Ok(outcome) => {
            print!("{}", report::render(&outcome.records, &cli.profile));
            if outcome.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                eprintln!("\nchat-bench: SELF-CHECK FAILED");
                for failure in &outcome.failures {
                    eprintln!("chat-bench:   {failure}");
                }
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("chat-bench: {e:#}");
            ExitCode::from(2)
        }
    }
}

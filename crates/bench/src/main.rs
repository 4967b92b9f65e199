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
mod group;
mod history;
mod idle;
mod ledger;
mod pairs;
mod report;
mod stats;
mod steps;
mod sys;
mod target;
mod traffic;
mod wire;

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

use crate::cli::{Cli, Workload};
use crate::context::{Context, Outcome};

async fn run(cli: &Cli) -> anyhow::Result<Outcome> {
    let target = target::Target::parse(&cli.url)?;
    let api = api::Api::new(target.clone())?;
    api.ready()
        .await
        .with_context(|| format!("the server at {} is not ready", target.http_base))?;
    let ctx = Context {
        target,
        api,
        server_pid: cli.server_pid,
        setup_concurrency: usize::from(cli.setup_concurrency),
        run_tag: context::run_tag(),
    };
    match &cli.workload {
        Workload::Pairs(args) => pairs::run(&ctx, args).await,
        Workload::Group(args) => group::run(&ctx, args).await,
        Workload::Idle(args) => idle::run(&ctx, args).await,
        Workload::History(args) => history::run(&ctx, args).await,
    }
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

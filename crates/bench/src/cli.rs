//! The command line: one subcommand per workload, every count and duration bounded.

use std::time::Duration;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::steps::Stepping;

/// Drives a running chat-server on this machine as many client apps would and checks that
/// every message arrived exactly once.
#[derive(Debug, Parser)]
#[command(name = "chat-bench", version)]
pub struct Cli {
    /// Base URL of a node; loopback only. Several nodes of one cluster: repeat `--url`, or
    /// give a comma list; clients are dealt to them round robin.
    #[arg(long, default_value = "http://127.0.0.1:8080", global = true, action = ArgAction::Append)]
    pub url: Vec<String>,
    /// The server's profile (`CHAT_PROFILE`), named in every result.
    #[arg(long, default_value = "bench", global = true)]
    pub profile: String,
    /// The server's pid: its CPU share (and, for `idle`, its memory) are reported. Several
    /// nodes: repeat it or give a comma list; their CPU and memory are summed.
    #[arg(long, global = true, value_delimiter = ',', action = ArgAction::Append)]
    pub server_pid: Vec<u32>,
    /// Concurrent requests while registering users and opening connections.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256), global = true)]
    pub setup_concurrency: u16,
    /// Worker threads of the tool's runtime.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64), global = true)]
    pub threads: u16,
    /// The workload.
    #[command(subcommand)]
    pub workload: Workload,
}

/// What to run.
#[derive(Debug, Subcommand)]
pub enum Workload {
    /// C clients in C/2 private pairs, each sending to its partner.
    Pairs(PairsArgs),
    /// One group of N members, S of whom send.
    Group(GroupArgs),
    /// C authenticated idle WebSocket connections; the server's memory per connection.
    Idle(IdleArgs),
    /// A room of M messages; latency of reading pages of 50 from random points.
    History(HistoryArgs),
}

/// Rate, duration and saturation, shared by `pairs` and `group`.
#[derive(Debug, Args)]
pub struct StepArgs {
    /// Offered total rate, messages per second (the first step's with --saturate).
    #[arg(long, default_value_t = 5000.0, value_parser = rate)]
    pub rate: f64,
    /// Seconds of sending per step.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub duration: u64,
    /// Raise the rate step by step until p99 passes --p99-ms or anything is lost; report the
    /// highest sustainable rate.
    #[arg(long)]
    pub saturate: bool,
    /// The p99 bound of a passing step, milliseconds.
    #[arg(long, default_value_t = 50.0)]
    pub p99_ms: f64,
    /// Rate factor from one step to the next.
    #[arg(long, default_value_t = 1.25)]
    pub step_factor: f64,
    /// Most steps of a --saturate run.
    #[arg(long, default_value_t = 12, value_parser = clap::value_parser!(u32).range(1..=40))]
    pub max_steps: u32,
    /// Seconds of unreported warm-up at the first rate.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=60))]
    pub warmup: u64,
    /// Longest wait, in seconds, for a step's last deliveries.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=120))]
    pub drain: u64,
    /// Bytes of each message body.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4000))]
    pub body_bytes: u64,
}

impl StepArgs {
    /// The stepping these arguments describe.
    pub fn stepping(&self) -> Stepping {
        Stepping {
            rate: self.rate,
            duration: Duration::from_secs(self.duration),
            saturate: self.saturate,
            factor: self.step_factor.clamp(1.01, 4.0),
            max_steps: self.max_steps,
            p99_ms: self.p99_ms,
            warmup: Duration::from_secs(self.warmup),
            drain: Duration::from_secs(self.drain),
        }
    }
}

fn rate(s: &str) -> Result<f64, String> {
    let r: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (1.0..=10_000_000.0).contains(&r) {
        Ok(r)
    } else {
        Err("a rate from 1 to 10,000,000 messages per second".into())
    }
}

/// `pairs`.
#[derive(Debug, Args)]
pub struct PairsArgs {
    /// Clients (an even number: C/2 pairs).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(2..=20_000))]
    pub clients: u32,
    #[command(flatten)]
    pub steps: StepArgs,
}

/// `group`.
#[derive(Debug, Args)]
pub struct GroupArgs {
    /// Members of the group (each with one connection).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(2..=5_000))]
    pub members: u32,
    /// How many members send.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=5_000))]
    pub senders: u32,
    #[command(flatten)]
    pub steps: StepArgs,
}

/// `idle`.
#[derive(Debug, Args)]
pub struct IdleArgs {
    /// Connections to hold (one user each).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub connections: u32,
    /// Seconds to hold them after the memory reading (they are pinged every 15 s).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3_600))]
    pub hold: u64,
    /// Seconds between the last connection opening and the memory reading.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(0..=300))]
    pub settle: u64,
    /// Loopback source addresses to spread connections over (about 28,000 per address).
    #[arg(long, default_value = "127.0.0.1")]
    pub source_ips: String,
}

/// `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Messages to seed the room with.
    #[arg(long, default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(51..=10_000_000))]
    pub messages: u64,
    /// Pages of 50 to read.
    #[arg(long, default_value_t = 2_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub pages: u64,
    /// Concurrent page readers.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub readers: u16,
    /// WebSocket connections seeding the room.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub seed_connections: u16,
    /// Sends in flight per seeding connection.
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub seed_window: u32,
    /// Bytes of each message body.
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u64).range(1..=4000))]
    pub body_bytes: u64,
    /// Skip reading the whole room back to check every seeded message is in it once.
    #[arg(long)]
    pub skip_full_check: bool,
}

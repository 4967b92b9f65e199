//! Running a fleet at one offered rate, or at rising rates until it breaks (`--saturate`),
//! and turning each step into a [`Record`].
//!
//! A step passes when its p99 is within the bound, nothing is missing or doubled, no frame
//! was refused, and the tool really offered the rate (it shares the cores with the server;
//! a step it could not drive is not a rate the server sustained).

use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::context::Context;
use crate::fleet::Fleet;
use crate::report::Record;
use crate::scrape::{cluster_sum, LATE_CHANGES, MONGO_ROUND_TRIPS};
use crate::stats::Histogram;
use crate::traffic::{Counters, Phase, Shared};

/// The longest wait, after the last step, for a backlog to be acknowledged and delivered.
const FINAL_DRAIN: Duration = Duration::from_secs(120);

/// How a run steps its rate.
#[derive(Debug, Clone)]
pub struct Stepping {
    /// The first (or only) offered rate, messages per second in total.
    pub rate: f64,
    /// Each step's sending window.
    pub duration: Duration,
    /// Raise the rate until a step fails.
    pub saturate: bool,
    /// Factor from one step's rate to the next.
    pub factor: f64,
    /// Most steps of a saturation run.
    pub max_steps: u32,
    /// The p99 bound of a passing step, ms.
    pub p99_ms: f64,
    /// A warm-up window at the first rate, not reported (0 for none).
    pub warmup: Duration,
    /// How long to wait after a window for its last deliveries.
    pub drain: Duration,
}

/// The outcome of one step (one offered rate).
#[derive(Debug)]
pub struct StepOutcome {
    /// Offered total rate, messages per second.
    pub offered: f64,
    /// What the step counted.
    pub counters: Counters,
    /// Latency of the arrivals at connections other than the sender's.
    pub latency: Histogram,
    /// From the first send to the last arrival (or the drain timeout).
    pub elapsed: Duration,
    /// The sending window.
    pub window: Duration,
    /// Deliveries still missing when the drain timed out.
    pub missing: u64,
    /// Tool and server CPU, % of one core.
    pub cpu: (Option<f64>, Option<f64>),
}

/// One step of a run.
#[derive(Debug, Clone, Copy)]
pub struct StepSpec<'a> {
    /// Offered total rate, messages per second.
    pub rate: f64,
    /// How many connections send (the rate is spread over them).
    pub senders: u32,
    /// How many connections each message reaches (the sender's own included).
    pub fan_out: u64,
    /// The sending window.
    pub window: Duration,
    /// The longest wait for the last acknowledgements and arrivals after the window.
    pub drain: Duration,
    /// The server's pids (one per node), for its CPU share.
    pub server_pids: &'a [u32],
}

/// Drives every connection through one step and waits for it to drain.
pub async fn step(
    shared: &Shared,
    phase: &watch::Sender<Phase>,
    spec: &StepSpec<'_>,
) -> StepOutcome {
    let before = shared.counters();
    let _ = shared.latency.take();
    let meter = crate::sys::CpuMeter::start(spec.server_pids);
    let started = Instant::now();
    let period = Duration::from_secs_f64(f64::from(spec.senders.max(1)) / spec.rate.max(0.001));
    let _ = phase.send(Phase::Send {
        period,
        until: started + spec.window,
    });
    tokio::time::sleep(spec.window).await;
    let drain_until = Instant::now() + spec.drain;
    let mut now = shared.counters().since(&before);
    while Instant::now() < drain_until {
        // A send written just before the window closed may still be counted in a moment.
        tokio::time::sleep(Duration::from_millis(10)).await;
        now = shared.counters().since(&before);
        if now.acked + now.errors >= now.sent && now.arrivals >= now.acked * spec.fan_out {
            break;
        }
    }
    let elapsed = started.elapsed();
    let cpu = meter.read();
    let _ = phase.send(Phase::Quiet);
    StepOutcome {
        offered: spec.rate,
        counters: now,
        latency: shared.latency.take(),
        elapsed,
        window: spec.window,
        missing: (now.acked * spec.fan_out).saturating_sub(now.arrivals),
        cpu,
    }
}

/// Whether a step held: latency bound, nothing missing, doubled or refused, rate offered.
pub fn passed(outcome: &StepOutcome, p99_ms: f64) -> bool {
    let c = &outcome.counters;
    let offered = outcome.offered * outcome.window.as_secs_f64();
    let p99 = outcome.latency.quantile(0.99) as f64 / 1000.0;
    p99 <= p99_ms
        && outcome.missing == 0
        && c.duplicates == 0
        && c.errors == 0
        && c.gave_up == 0
        && c.sent as f64 >= 0.97 * offered
}

fn ms(us: u64) -> f64 {
    (us as f64 / 10.0).round() / 100.0
}

fn pct(value: Option<f64>) -> serde_json::Value {
    value.map_or(serde_json::Value::Null, |v| {
        ((v * 10.0).round() / 10.0).into()
    })
}

/// A step as a record: `fan_out` connections per message; `round_trips` is how many
/// commands the nodes sent MongoDB during the step, if they use it.
/// What the nodes' counters say about one step.
struct ServerCounts {
    /// MongoDB commands sent (none without MongoDB).
    mongo_round_trips: Option<f64>,
    /// Changes the writers wrote late into a hole.
    late_changes: f64,
}

fn record(
    workload: &'static str,
    o: &StepOutcome,
    fan_out: u64,
    p99_ms: f64,
    server: &ServerCounts,
) -> Record {
    let secs = o.elapsed.as_secs_f64().max(1e-6);
    let c = &o.counters;
    Record::new(workload)
        .with("offered_msg_s", o.offered.round())
        .with(
            "sent_msg_s",
            (c.sent as f64 / o.window.as_secs_f64()).round(),
        )
        .with(
            "delivered_msg_s",
            (c.arrivals as f64 / fan_out as f64 / secs).round(),
        )
        .with("deliveries_s", (c.arrivals as f64 / secs).round())
        .with("p50_ms", ms(o.latency.quantile(0.5)))
        .with("p99_ms", ms(o.latency.quantile(0.99)))
        .with("max_ms", ms(o.latency.max()))
        .with("missing", o.missing)
        .with("dup", c.duplicates)
        .with("errors", c.errors)
        .with("reconnects", c.reconnects)
        .with("gap_resumes", c.gap_resumes)
        .with("late", server.late_changes.max(0.0) as u64)
        .with("tool_cpu_pct", pct(o.cpu.0))
        .with("server_cpu_pct", pct(o.cpu.1))
        .with(
            "mongo_rt_per_msg",
            server
                .mongo_round_trips
                .map_or(serde_json::Value::Null, |rt| {
                    ((rt / c.acked.max(1) as f64 * 1000.0).round() / 1000.0).into()
                }),
        )
        .with("ok", if passed(o, p99_ms) { "yes" } else { "NO" })
}

/// Runs the steps; returns a record per step and, for `--saturate`, the highest rate that
/// passed (0 if none).
pub async fn run(
    workload: &'static str,
    fleet: &Fleet,
    stepping: &Stepping,
    senders: u32,
    fan_out: u64,
    ctx: &Context,
) -> (Vec<Record>, Option<f64>) {
    let spec = |rate: f64, window: Duration| StepSpec {
        rate,
        senders,
        fan_out,
        window,
        drain: stepping.drain,
        server_pids: &ctx.server_pids,
    };
    if !stepping.warmup.is_zero() {
        let _ = step(
            &fleet.shared,
            &fleet.phase,
            &spec(stepping.rate, stepping.warmup),
        )
        .await;
    }
    let mut records = Vec::new();
    let mut rate = stepping.rate;
    let mut best: Option<f64> = None;
    let steps = if stepping.saturate {
        stepping.max_steps.max(1)
    } else {
        1
    };
    for _ in 0..steps {
        let trips_before = cluster_sum(&ctx.nodes, MONGO_ROUND_TRIPS).await;
        let late_before = cluster_sum(&ctx.nodes, LATE_CHANGES).await;
        let outcome = step(&fleet.shared, &fleet.phase, &spec(rate, stepping.duration)).await;
        let trips_after = cluster_sum(&ctx.nodes, MONGO_ROUND_TRIPS).await;
        let late_after = cluster_sum(&ctx.nodes, LATE_CHANGES).await;
        let server = ServerCounts {
            mongo_round_trips: trips_before.zip(trips_after).map(|(b, a)| a - b),
            // The counter appears with its first late change: none yet means none.
            late_changes: late_after.unwrap_or(0.0) - late_before.unwrap_or(0.0),
        };
        let ok = passed(&outcome, stepping.p99_ms);
        records.push(record(
            workload,
            &outcome,
            fan_out,
            stepping.p99_ms,
            &server,
        ));
        eprintln!(
            "chat-bench: {workload} at {rate:.0} msg/s: {}",
            if ok { "ok" } else { "over the bound" }
        );
        if !stepping.saturate {
            break;
        }
        if !ok {
            break;
        }
        best = Some(rate);
        rate *= stepping.factor;
    }
    // A step that fell behind leaves sends queued in the server: wait (bounded) for their
    // acks and arrivals before the self-check, which would otherwise count them unanswered.
    let until = std::time::Instant::now() + FINAL_DRAIN;
    while std::time::Instant::now() < until {
        let c = fleet.shared.counters();
        if c.acked + c.errors >= c.sent && c.arrivals >= c.acked * fan_out {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (
        records,
        if stepping.saturate {
            Some(best.unwrap_or(0.0))
        } else {
            None
        },
    )
}

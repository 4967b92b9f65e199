//! `history`: a room of M messages, and the latency of reading pages of 50 from random
//! points in it.
//!
//! The room (a group of one) is seeded over a few WebSocket connections, each keeping a
//! window of sends in flight and writing them in batches (one flush per batch), which is
//! the fastest way the public API offers. Every send must be acknowledged; unless
//! `--skip-full-check`, the whole room is then read back to check that each seeded message
//! is in it exactly once. Each timed page is checked too: 50 messages, consecutive, ending
//! just below the cursor.
//!
//! On several nodes, seeding connection `s` and page reader `r` go to node `s mod N` and
//! `r mod N` (the owner's account and the full read-back stay on the first).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use futures_util::{SinkExt as _, StreamExt as _};
use tokio_tungstenite::tungstenite::Message;

use crate::api::{Cursor, Page};
use crate::cli::HistoryArgs;
use crate::conn::{self, Ws};
use crate::context::{Context, Outcome};
use crate::ledger::{reconcile, Receipts, Tally};
use crate::report::Record;
use crate::stats::Histogram;
use crate::wire::{self, Carried, Kind, WireError};

/// The page size the target names.
const PAGE: u64 = 50;

/// Seeds `quota` messages numbered 0.. as sender `sender`; returns which were acknowledged.
async fn seed(
    mut ws: Ws,
    room: String,
    sender: u32,
    quota: u64,
    window: u64,
    body_bytes: usize,
    progress: Arc<AtomicU64>,
) -> anyhow::Result<Vec<bool>> {
    let mut acked = vec![false; quota as usize];
    let (mut next, mut in_flight, mut answered) = (0u64, 0u64, 0u64);
    let mut buf = String::with_capacity(128);
    while answered < quota {
        if next < quota && in_flight < window / 2 + 1 {
            let batch = (window - in_flight).min(quota - next);
            for _ in 0..batch {
                wire::write_send(&mut buf, &room, sender, next as u32, 0, body_bytes);
                ws.feed(Message::text(buf.as_str()))
                    .await
                    .context("seeding: writing")?;
                next += 1;
            }
            in_flight += batch;
            ws.flush().await.context("seeding: flushing")?;
        }
        let frame = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("seeding: no answer within 30 s")?;
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(_)) => continue,
            Some(Err(e)) => bail!("seeding: connection failed: {e}"),
            None => bail!("seeding: connection closed"),
        };
        match wire::kind(text.as_str()) {
            Kind::Ack => {
                let number = serde_json::from_str::<Carried<'_>>(text.as_str())
                    .ok()
                    .and_then(|e| {
                        e.message
                            .client_msg_id
                            .as_deref()
                            .and_then(wire::parse_client_msg_id)
                    });
                if let Some((_, n)) = number {
                    if let Some(slot) = acked.get_mut(n as usize) {
                        *slot = true;
                    }
                }
                in_flight -= 1;
                answered += 1;
                progress.fetch_add(1, Ordering::Relaxed);
            }
            Kind::Error => {
                let what = serde_json::from_str::<WireError<'_>>(text.as_str())
                    .map(|e| e.code.into_owned())
                    .unwrap_or_default();
                bail!("seeding: a send was refused: {what}");
            }
            _ => {}
        }
    }
    Ok(acked)
}

/// A small xorshift generator: random cursors need no cryptography and no dependency.
fn next_random(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Whether `page`, read with `before=cursor`, is the 50 messages just below the cursor.
pub fn page_is_right(page: &Page, cursor: u64) -> bool {
    page.messages.len() as u64 == PAGE
        && page
            .messages
            .iter()
            .enumerate()
            .all(|(i, m)| m.seq == cursor - PAGE + i as u64)
}

/// Runs `history`.
pub async fn run(ctx: &Context, args: &HistoryArgs) -> anyhow::Result<Outcome> {
    let owner_name = format!("{}0", ctx.prefix('h'));
    let owner = ctx
        .nodes
        .accounts(&ctx.prefix('h'), 1, 1)
        .await?
        .pop()
        .context("no account")?;
    let room = ctx
        .nodes
        .api(owner.index)
        .create_group(&owner, "chat-bench history")
        .await?;
    let seeders = u64::from(args.seed_connections);
    eprintln!(
        "chat-bench: seeding {} messages over {seeders} connections",
        args.messages
    );
    let progress = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..seeders {
        let quota = args.messages / seeders + u64::from(s < args.messages % seeders);
        let ws = conn::connect(ctx.nodes.target(s as u32), &owner.token, None).await?;
        tasks.push(tokio::spawn(seed(
            ws,
            room.clone(),
            s as u32,
            quota,
            u64::from(args.seed_window),
            args.body_bytes as usize,
            Arc::clone(&progress),
        )));
    }
    let reporter = {
        let progress = Arc::clone(&progress);
        let total = args.messages;
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(15)).await;
                let done = progress.load(Ordering::Relaxed);
                eprintln!(
                    "chat-bench: seeded {done} of {total} ({:.0} msg/s)",
                    done as f64 / started.elapsed().as_secs_f64()
                );
            }
        })
    };
    let mut acked = Vec::new();
    for task in tasks {
        acked.push(task.await.context("a seeding task panicked")??);
    }
    reporter.abort();
    let seed_secs = started.elapsed().as_secs_f64();
    // Seeding a large room outlives an access token (15 min by default): log in again, as an
    // app would, before the timed reads.
    let owner = ctx
        .nodes
        .api(owner.index)
        .login(owner.index, &owner_name)
        .await
        .context("logging in again after seeding")?;
    eprintln!(
        "chat-bench: seeded in {seed_secs:.1} s; reading {} pages",
        args.pages
    );

    let readers = u64::from(args.readers);
    let mut reads = Vec::new();
    for r in 0..readers {
        let api = ctx.nodes.api(r as u32).clone();
        let (token, room) = (owner.token.clone(), room.clone());
        let count = args.pages / readers + u64::from(r < args.pages % readers);
        let messages = args.messages;
        reads.push(tokio::spawn(async move {
            let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (r + 1);
            let mut latency = Histogram::default();
            let mut wrong = 0u64;
            for _ in 0..count {
                let cursor = PAGE + 1 + next_random(&mut state) % (messages - PAGE + 1);
                let t = Instant::now();
                let page = api
                    .page(&token, &room, Cursor::Before(cursor), PAGE as u16)
                    .await?;
                latency.record(t.elapsed().as_micros() as u64);
                wrong += u64::from(!page_is_right(&page, cursor));
            }
            anyhow::Ok((latency, wrong))
        }));
    }
    let mut latency = Histogram::default();
    let mut wrong = 0;
    for read in reads {
        let (h, w) = read.await.context("a reader panicked")??;
        latency.merge(&h);
        wrong += w;
    }

    let mut history = Tally::default();
    if !args.skip_full_check {
        eprintln!("chat-bench: reading the whole room back");
        let mut found = Receipts::default();
        for m in ctx
            .nodes
            .api(owner.index)
            .whole_history(&owner.token, &room)
            .await?
        {
            if let Some((s, n)) = m
                .client_msg_id
                .as_deref()
                .and_then(wire::parse_client_msg_id)
            {
                found.arrive(s, n);
            }
        }
        for (s, acks) in acked.iter().enumerate() {
            history.add(&reconcile(acks, &[found.of(s as u32)]));
        }
    }
    let unacked: u64 = acked.iter().flatten().filter(|a| !**a).count() as u64;
    let ms = |us: u64| (us as f64 / 10.0).round() / 100.0;
    let clean = wrong == 0 && unacked == 0 && history.is_clean();
    let record = Record::new("history")
        .with("messages", args.messages)
        .with("seed_s", (seed_secs * 10.0).round() / 10.0)
        .with("seed_msg_s", (args.messages as f64 / seed_secs).round())
        .with("pages", latency.count())
        .with("readers", readers)
        .with("p50_ms", ms(latency.quantile(0.5)))
        .with("p99_ms", ms(latency.quantile(0.99)))
        .with("max_ms", ms(latency.max()))
        .with("wrong_pages", wrong)
        .with("unacked", unacked)
        .with(
            "in_history",
            if args.skip_full_check {
                serde_json::Value::Null
            } else {
                history.delivered.into()
            },
        )
        .with("ok", if clean { "yes" } else { "NO" });
    let mut failures = Vec::new();
    if wrong > 0 {
        failures.push(format!(
            "{wrong} pages were not the 50 messages below their cursor"
        ));
    }
    if unacked > 0 {
        failures.push(format!("{unacked} seeded sends were never acknowledged"));
    }
    if history.lost > 0 || history.duplicated > 0 {
        failures.push(format!(
            "history holds {} seeded messages missing and {} doubled",
            history.lost, history.duplicated
        ));
    }
    Ok(Outcome {
        records: vec![record],
        failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PageMessage;

    fn page(seqs: std::ops::Range<u64>) -> Page {
        Page {
            messages: seqs
                .map(|seq| PageMessage {
                    seq,
                    rev: seq,
                    client_msg_id: None,
                })
                .collect(),
            has_more: true,
        }
    }

    #[test]
    fn a_page_is_right_when_it_is_the_fifty_below_the_cursor() {
        assert!(page_is_right(&page(50..100), 100));
        assert!(!page_is_right(&page(49..99), 100));
        assert!(!page_is_right(&page(51..100), 100));
    }

    #[test]
    fn random_cursors_stay_in_range() {
        let mut state = 7;
        for _ in 0..10_000 {
            let cursor = PAGE + 1 + next_random(&mut state) % (1_000 - PAGE + 1);
            assert!((51..=1_001).contains(&cursor));
        }
    }
}

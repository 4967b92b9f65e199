//! The message-moving engine shared by `pairs` and `group`: connections that send into
//! their room at a paced rate and count every message that reaches them.
//!
//! One tokio task per connection (a thousand for `pairs`, cheap next to the server's work):
//! it sends on its own ticker, reads its socket, and keeps its own [`Receipts`] and
//! acknowledgements, so the hot path takes no lock and shares only a few relaxed counters and
//! the latency histogram. The controller moves every task through the steps of a run with a
//! `watch` channel (send at this period until then; stop). When a connection drops, its task
//! reconnects, sends `resume` from the last rev it saw and resends what was not acknowledged
//! (same `client_msg_id`, so nothing is stored twice), exactly as an app would. Likewise it
//! `resume`s right after connecting, and whenever a `rev` jumps (see [`crate::gaps`]: across
//! nodes a change can be dropped live and is then fetched by the replay).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::sync::watch;
use tokio::time::{interval_at, Interval};
use tokio_tungstenite::tungstenite::Message;

use crate::conn::{self, Ws};
use crate::gaps::RevTracker;
use crate::ledger::Receipts;
use crate::stats::AtomicHistogram;
use crate::target::Target;
use crate::wire::{self, Carried, Kind, WireError, WireResumed};

/// How many times a dropped connection is reopened before its task gives up.
const RECONNECT_ATTEMPTS: u32 = 10;

/// One connection of a run.
#[derive(Debug, Clone)]
pub struct ConnPlan {
    /// The sender index written into `client_msg_id`.
    pub index: u32,
    /// The node it connects (and reconnects) to.
    pub target: Target,
    /// Its login's access token.
    pub token: String,
    /// The room it sends into and receives from.
    pub room_id: String,
    /// Whether it sends.
    pub sends: bool,
}

/// What the controller tells every connection.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    /// Connected, not sending.
    Quiet,
    /// Send one message per `period` until `until`.
    Send {
        /// Time between two sends of one connection.
        period: Duration,
        /// When to stop sending.
        until: Instant,
    },
    /// Hand in the ledger and end.
    Stop,
}

/// Counters every connection adds to; the controller reads them between steps.
#[derive(Debug)]
pub struct Shared {
    /// The run's time origin: send times travel as µs since it.
    pub origin: Instant,
    /// End-to-end latency of every first arrival at a connection other than the sender's.
    pub latency: AtomicHistogram,
    /// Sends written.
    pub sent: AtomicU64,
    /// Sends acknowledged.
    pub acked: AtomicU64,
    /// First arrivals of a message at a connection (the sender's echo included).
    pub arrivals: AtomicU64,
    /// Arrivals of a message a connection already had.
    pub duplicates: AtomicU64,
    /// `error` events.
    pub errors: AtomicU64,
    /// Connections reopened after a drop.
    pub reconnects: AtomicU64,
    /// `resume`s sent because a rev jumped (a change dropped live).
    pub gap_resumes: AtomicU64,
    /// Connections that could not be reopened.
    pub gave_up: AtomicU64,
    /// The first error seen, for the report.
    pub first_error: Mutex<Option<String>>,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            latency: AtomicHistogram::default(),
            sent: AtomicU64::new(0),
            acked: AtomicU64::new(0),
            arrivals: AtomicU64::new(0),
            duplicates: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            gap_resumes: AtomicU64::new(0),
            gave_up: AtomicU64::new(0),
            first_error: Mutex::new(None),
        }
    }
}

impl Shared {
    fn now_us(&self) -> u64 {
        self.origin.elapsed().as_micros() as u64
    }

    fn note_error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut first) = self.first_error.lock() {
            first.get_or_insert(what);
        }
    }

    /// A copy of the counters.
    pub fn counters(&self) -> Counters {
        Counters {
            sent: self.sent.load(Ordering::Relaxed),
            acked: self.acked.load(Ordering::Relaxed),
            arrivals: self.arrivals.load(Ordering::Relaxed),
            duplicates: self.duplicates.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            reconnects: self.reconnects.load(Ordering::Relaxed),
            gap_resumes: self.gap_resumes.load(Ordering::Relaxed),
            gave_up: self.gave_up.load(Ordering::Relaxed),
        }
    }
}

/// A snapshot of [`Shared`]'s counters.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counters {
    /// See [`Shared::sent`].
    pub sent: u64,
    /// See [`Shared::acked`].
    pub acked: u64,
    /// See [`Shared::arrivals`].
    pub arrivals: u64,
    /// See [`Shared::duplicates`].
    pub duplicates: u64,
    /// See [`Shared::errors`].
    pub errors: u64,
    /// See [`Shared::reconnects`].
    pub reconnects: u64,
    /// See [`Shared::gap_resumes`].
    pub gap_resumes: u64,
    /// See [`Shared::gave_up`].
    pub gave_up: u64,
}

impl Counters {
    /// `self - earlier`, field by field.
    pub fn since(&self, earlier: &Counters) -> Counters {
        Counters {
            sent: self.sent - earlier.sent,
            acked: self.acked - earlier.acked,
            arrivals: self.arrivals - earlier.arrivals,
            duplicates: self.duplicates - earlier.duplicates,
            errors: self.errors - earlier.errors,
            reconnects: self.reconnects - earlier.reconnects,
            gap_resumes: self.gap_resumes - earlier.gap_resumes,
            gave_up: self.gave_up - earlier.gave_up,
        }
    }
}

/// What a connection hands in at the end: its acknowledgements and its arrivals.
#[derive(Debug)]
pub struct ConnReport {
    /// Its sender index.
    pub index: u32,
    /// Its room.
    pub room_id: String,
    /// Its login's access token (to read the room's history afterwards).
    pub token: String,
    /// `acked[n]`: whether its message number `n` was acknowledged.
    pub acked: Vec<bool>,
    /// What reached it.
    pub receipts: Receipts,
    /// Which revs of its room reached it (to explain a loss).
    pub revs: RevTracker,
}

/// The per-connection state of [`run_connection`].
struct Conn {
    plan: ConnPlan,
    shared: Arc<Shared>,
    body_bytes: usize,
    acked: Vec<bool>,
    sent_at: Vec<u64>,
    receipts: Receipts,
    revs: RevTracker,
    /// A `resume` was sent and its `resumed` has not come yet (one at a time).
    resuming: bool,
    buf: String,
}

impl Conn {
    /// Writes message number `number` (sent at `sent_at`).
    async fn send(&mut self, ws: &mut Ws, number: u32, sent_at: u64) -> bool {
        wire::write_send(
            &mut self.buf,
            &self.plan.room_id,
            self.plan.index,
            number,
            sent_at,
            self.body_bytes,
        );
        ws.send(Message::text(self.buf.as_str())).await.is_ok()
    }

    /// Counts one text frame.
    fn receive(&mut self, text: &str) {
        match wire::kind(text) {
            Kind::Message => {
                let Ok(event) = serde_json::from_str::<Carried<'_>>(text) else {
                    self.shared
                        .note_error(format!("unreadable message event: {text}"));
                    return;
                };
                let message = event.message;
                if !self.revs.see(message.rev) {
                    return; // a replay after a reconnect repeating what this client had
                }
                let Some((sender, number)) = message
                    .client_msg_id
                    .as_deref()
                    .and_then(wire::parse_client_msg_id)
                else {
                    return;
                };
                if self.receipts.arrive(sender, number) > 1 {
                    self.shared.duplicates.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                self.shared.arrivals.fetch_add(1, Ordering::Relaxed);
                if sender != self.plan.index {
                    if let Some(sent_at) = message.body.as_deref().and_then(wire::parse_sent_at) {
                        let now = self.shared.now_us();
                        self.shared.latency.record(now.saturating_sub(sent_at));
                    }
                }
            }
            Kind::Ack => {
                let number = serde_json::from_str::<Carried<'_>>(text)
                    .ok()
                    .and_then(|e| {
                        e.message
                            .client_msg_id
                            .as_deref()
                            .and_then(wire::parse_client_msg_id)
                    });
                match number {
                    Some((sender, number)) if sender == self.plan.index => {
                        if let Some(slot) = self.acked.get_mut(number as usize) {
                            if !*slot {
                                *slot = true;
                                self.shared.acked.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                    _ => self.shared.note_error(format!("unexpected ack: {text}")),
                }
            }
            Kind::Error => {
                let what = serde_json::from_str::<WireError<'_>>(text)
                    .map(|e| format!("error {} for ref {:?}", e.code, e.reference))
                    .unwrap_or_else(|_| text.to_owned());
                self.shared.note_error(what);
            }
            Kind::Resumed => {
                match serde_json::from_str::<WireResumed<'_>>(text) {
                    Ok(event) => match event.rooms.get(self.plan.room_id.as_str()) {
                        Some(rev) => self.revs.resumed(*rev),
                        None => {
                            self.shared
                                .note_error(format!("resumed without the room: {text}"));
                            self.revs.forget_holes();
                        }
                    },
                    Err(_) => self
                        .shared
                        .note_error(format!("unreadable resumed event: {text}")),
                }
                self.resuming = false;
            }
            Kind::Pong | Kind::Other => {}
        }
    }

    /// Sends `resume` from the last rev before a hole, if there is one and no resume runs.
    /// Returns `false` if the socket failed.
    async fn fill_hole(&mut self, ws: &mut Ws) -> bool {
        if self.resuming || !self.revs.has_hole() {
            return true;
        }
        self.shared.gap_resumes.fetch_add(1, Ordering::Relaxed);
        self.resuming = true;
        wire::write_resume(&mut self.buf, &self.plan.room_id, self.revs.resume_from());
        ws.send(Message::text(self.buf.as_str())).await.is_ok()
    }

    /// Reopens the connection, asks for what it missed, resends what was not acknowledged.
    async fn reconnect(&mut self) -> Option<Ws> {
        for attempt in 0..RECONNECT_ATTEMPTS {
            tokio::time::sleep(Duration::from_millis(100 * u64::from(attempt))).await;
            let Ok(mut ws) = conn::connect(&self.plan.target, &self.plan.token, None).await else {
                continue;
            };
            self.shared.reconnects.fetch_add(1, Ordering::Relaxed);
            self.revs.reconnected();
            self.resuming = true;
            wire::write_resume(&mut self.buf, &self.plan.room_id, self.revs.resume_from());
            if ws.send(Message::text(self.buf.as_str())).await.is_err() {
                continue;
            }
            let pending: Vec<(u32, u64)> = (0..self.acked.len())
                .filter(|n| !self.acked[*n])
                .map(|n| (n as u32, self.sent_at[n]))
                .collect();
            let mut ok = true;
            for (number, sent_at) in pending {
                ok &= self.send(&mut ws, number, sent_at).await;
            }
            if ok {
                return Some(ws);
            }
        }
        self.shared.gave_up.fetch_add(1, Ordering::Relaxed);
        None
    }
}

async fn tick(ticker: &mut Option<Interval>) {
    match ticker {
        Some(ticker) => {
            ticker.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// Runs one connection until [`Phase::Stop`]; `spread` (0..1) staggers its first send
/// within a period so the connections do not send in lockstep.
pub async fn run_connection(
    plan: ConnPlan,
    shared: Arc<Shared>,
    mut phase: watch::Receiver<Phase>,
    ws: Ws,
    body_bytes: usize,
    spread: f64,
) -> ConnReport {
    let mut conn = Conn {
        plan,
        shared,
        body_bytes,
        acked: Vec::new(),
        sent_at: Vec::new(),
        receipts: Receipts::default(),
        revs: RevTracker::default(),
        resuming: true,
        buf: String::with_capacity(256),
    };
    // As an app does after connecting: learn the room's rev (and anything already in it).
    wire::write_resume(&mut conn.buf, &conn.plan.room_id, 0);
    let mut ws = Some(ws);
    if let Some(socket) = ws.as_mut() {
        if socket.send(Message::text(conn.buf.as_str())).await.is_err() {
            ws = conn.reconnect().await;
        }
    }
    let mut ticker: Option<Interval> = None;
    let mut until = Instant::now();
    while let Some(socket) = ws.as_mut() {
        tokio::select! {
            changed = phase.changed() => {
                if changed.is_err() {
                    break;
                }
                let current = *phase.borrow_and_update();
                match current {
                    Phase::Quiet => ticker = None,
                    Phase::Send { period, until: end } if conn.plan.sends => {
                        let first = tokio::time::Instant::now() + period.mul_f64(spread);
                        ticker = Some(interval_at(first, period));
                        until = end;
                    }
                    Phase::Send { .. } => {}
                    Phase::Stop => break,
                }
            }
            () = tick(&mut ticker) => {
                if Instant::now() >= until {
                    ticker = None;
                    continue;
                }
                let number = conn.acked.len() as u32;
                let sent_at = conn.shared.now_us();
                conn.acked.push(false);
                conn.sent_at.push(sent_at);
                conn.shared.sent.fetch_add(1, Ordering::Relaxed);
                if !conn.send(socket, number, sent_at).await {
                    ws = conn.reconnect().await;
                }
            }
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    conn.receive(text.as_str());
                    if !conn.fill_hole(socket).await {
                        ws = conn.reconnect().await;
                    }
                }
                Some(Ok(Message::Close(_)) | Err(_)) | None => ws = conn.reconnect().await,
                Some(Ok(_)) => {}
            }
        }
    }
    if let Some(mut socket) = ws {
        let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
    }
    ConnReport {
        index: conn.plan.index,
        room_id: conn.plan.room_id,
        token: conn.plan.token,
        acked: conn.acked,
        receipts: conn.receipts,
        revs: conn.revs,
    }
}

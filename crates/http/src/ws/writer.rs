//! A connection's writer: the only task that writes to its socket.
//!
//! It keeps two promises of the protocol. The `ack` of a send goes out before that message's
//! `message` echo on the sending connection: the reader announces each send (`Expect`) before
//! the send can possibly be published, and whichever of echo or outcome arrives first writes
//! the `ack`. And each connection gets each change at most once and, per room, in rev order:
//! events arrive in publication order (each change of a room takes the room's next rev), and
//! anything at or below the last rev written for its room is a duplicate and is dropped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_ws::Session;
use bytestring::ByteString;
use chat_domain::{MessageId, Rev, RoomId};
use tokio::sync::{mpsc, watch};

use super::outbound::{CloseSignal, Outbound};
use super::protocol::{ack_event, error_event};
use crate::HttpLimits;

/// Milliseconds on a monotonic clock, shared with the reader to track the client's liveness.
#[derive(Debug)]
pub struct LastHeard {
    origin: tokio::time::Instant,
    millis: AtomicI64,
}

impl LastHeard {
    /// Starts the clock now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            origin: tokio::time::Instant::now(),
            millis: AtomicI64::new(0),
        })
    }

    /// The client just sent something.
    pub fn touch(&self) {
        let elapsed = i64::try_from(self.origin.elapsed().as_millis()).unwrap_or(i64::MAX);
        self.millis.store(elapsed, Ordering::Relaxed);
    }

    fn silence(&self) -> Duration {
        let last = u64::try_from(self.millis.load(Ordering::Relaxed)).unwrap_or(0);
        self.origin
            .elapsed()
            .saturating_sub(Duration::from_millis(last))
    }
}

/// How many recently written revs a connection remembers per room, to skip them when a
/// resume replays the same range (a client resumes right after connecting, so this is plenty).
const REMEMBERED_REVS: usize = 1024;

/// The writer's state.
pub struct Writer {
    session: Session,
    awaiting_ack: HashMap<MessageId, Option<String>>,
    last_rev: HashMap<RoomId, Rev>,
    /// Revs written per room, newest `REMEMBERED_REVS`, so a replay never repeats one.
    written: HashMap<RoomId, std::collections::BTreeSet<Rev>>,
    /// Live changes held while their room is replayed.
    held: HashMap<RoomId, Vec<Outbound>>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("awaiting_ack", &self.awaiting_ack.len())
            .finish_non_exhaustive()
    }
}

/// Socket closed under us.
struct Gone;

impl Writer {
    /// A writer for `session`.
    pub fn new(session: Session) -> Self {
        Self {
            session,
            awaiting_ack: HashMap::new(),
            last_rev: HashMap::new(),
            written: HashMap::new(),
            held: HashMap::new(),
        }
    }

    /// Runs until the connection is told to close, its buffer ends, or the socket goes.
    pub async fn run(
        mut self,
        mut receiver: mpsc::Receiver<Outbound>,
        mut close: watch::Receiver<Option<CloseSignal>>,
        last_heard: Arc<LastHeard>,
        limits: HttpLimits,
    ) {
        let mut heartbeat = tokio::time::interval(limits.ws_ping_interval);
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let signal = loop {
            if let Some(signal) = *close.borrow_and_update() {
                break Some(signal);
            }
            tokio::select! {
                biased;
                changed = close.changed() => {
                    if changed.is_err() {
                        break None;
                    }
                }
                item = receiver.recv() => match item {
                    Some(item) => {
                        if self.write(item).await.is_err() {
                            return;
                        }
                    }
                    None => break None,
                },
                _ = heartbeat.tick() => {
                    if last_heard.silence() > limits.ws_client_timeout {
                        break Some(CloseSignal::Timeout);
                    }
                    if self.session.ping(b"").await.is_err() {
                        return;
                    }
                }
            }
        };
        // The peer may already be gone; closing is best effort.
        let _ = self.session.close(signal.map(CloseSignal::reason)).await;
    }

    async fn write(&mut self, item: Outbound) -> Result<(), Gone> {
        match item {
            Outbound::Change(change) => {
                if let Some(held) = self.held.get_mut(&change.room_id) {
                    held.push(Outbound::Change(change));
                    return Ok(());
                }
                let last = self.last_rev.entry(change.room_id).or_default();
                if change.rev <= *last {
                    return Ok(());
                }
                *last = change.rev;
                self.remember(change.room_id, change.rev);
                if let Some(reference) = self.awaiting_ack.remove(&change.id) {
                    self.text(ack_event(reference.as_deref(), &change.dto))
                        .await?;
                }
                self.text(change.json.clone()).await
            }
            Outbound::RoomJoined { json } | Outbound::RoomEvent { json } => self.text(json).await,
            Outbound::Expect { id, reference } => {
                self.awaiting_ack.insert(id, reference);
                Ok(())
            }
            Outbound::Settled { id, result } => {
                let Some(reference) = self.awaiting_ack.remove(&id) else {
                    return Ok(()); // the echo came first and carried the ack
                };
                match result {
                    Ok(message) => self.text(ack_event(reference.as_deref(), &message)).await,
                    Err(mut error) => {
                        error.reference = reference;
                        self.text(error_event(&error)).await
                    }
                }
            }
            Outbound::Text(text) => self.text(text).await,
            Outbound::BeginReplay { rooms } => {
                for room in rooms {
                    self.held.entry(room).or_default();
                }
                Ok(())
            }
            Outbound::Replay(replay) => {
                let (room_id, rev) = (replay.room_id, replay.rev);
                if self
                    .written
                    .get(&room_id)
                    .is_some_and(|revs| revs.contains(&rev))
                {
                    return Ok(());
                }
                self.remember(room_id, rev);
                let last = self.last_rev.entry(room_id).or_default();
                *last = (*last).max(rev);
                self.text(replay.json.clone()).await
            }
            Outbound::EndReplay { json } => {
                // Held changes are newer than the replayed ones or already written by it.
                let held: Vec<(RoomId, Vec<Outbound>)> = self.held.drain().collect();
                for (room, items) in held {
                    for item in items {
                        if let Outbound::Change(change) = &item {
                            if self
                                .written
                                .get(&room)
                                .is_some_and(|revs| revs.contains(&change.rev))
                            {
                                continue;
                            }
                        }
                        Box::pin(self.write(item)).await?;
                    }
                }
                self.text(json).await
            }
        }
    }

    fn remember(&mut self, room: RoomId, rev: Rev) {
        let revs = self.written.entry(room).or_default();
        revs.insert(rev);
        if revs.len() > REMEMBERED_REVS {
            revs.pop_first();
        }
    }

    async fn text(&mut self, text: impl Into<ByteString>) -> Result<(), Gone> {
        self.session.text(text).await.map_err(|_| Gone)?;
        metrics::counter!("chat_ws_events_out_total").increment(1);
        Ok(())
    }
}

//! A connection's writer: the only task that writes to its socket.
//!
//! It keeps two promises of the protocol. The `ack` of a send goes out before that message's
//! `message` echo on the sending connection: the reader announces each send (`Expect`) before
//! the send can possibly be published, and whichever of echo or outcome arrives first writes
//! the `ack`. And each connection gets each message at most once and, per room, in seq order:
//! events arrive in publication order, and anything at or below the last seq written for its
//! room is a duplicate and is dropped.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_ws::Session;
use chat_domain::{MessageId, RoomId, Seq};
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

/// The writer's state.
pub struct Writer {
    session: Session,
    awaiting_ack: HashMap<MessageId, Option<String>>,
    last_seq: HashMap<RoomId, Seq>,
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
            last_seq: HashMap::new(),
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
            Outbound::Message {
                id,
                room_id,
                seq,
                dto,
                json,
            } => {
                let last = self.last_seq.entry(room_id).or_default();
                if seq <= *last {
                    return Ok(());
                }
                *last = seq;
                if let Some(reference) = self.awaiting_ack.remove(&id) {
                    self.text(ack_event(reference.as_deref(), &dto)).await?;
                }
                self.text(json.to_string()).await
            }
            Outbound::RoomJoined { json } => self.text(json.to_string()).await,
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
        }
    }

    async fn text(&mut self, text: String) -> Result<(), Gone> {
        self.session.text(text).await.map_err(|_| Gone)
    }
}

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

use super::outbound::{CloseSignal, Outbound};
use super::protocol::{ack_event, error_event};
use super::queue::{Next, QueueReceiver};
use actix_web::web::Bytes;
use actix_ws::{Message, Session};
use bytestring::ByteString;
use chat_domain::{MessageId, Rev, RoomId};
use futures_util::SinkExt as _;

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

/// How often the writer pings, and how long a silent client is kept.
#[derive(Debug, Clone, Copy)]
pub struct Heartbeat {
    /// Time between two pings.
    pub every: Duration,
    /// Silence after which the connection is closed (1001).
    pub timeout: Duration,
}

/// How many recently written revs a connection remembers per room, to skip them when a
/// resume replays the same range (a client resumes right after connecting, so this is plenty).
const REMEMBERED_REVS: usize = 1024;

/// The writer's state.
pub struct Writer {
    session: Session,
    /// What ordering and de-duplication remember, made by the first item: boxed, so an idle
    /// connection's future holds one pointer instead of four empty maps.
    sent: Option<Box<Sent>>,
}

/// What the writer remembers of what it wrote.
#[derive(Default)]
struct Sent {
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
            .field(
                "awaiting_ack",
                &self.sent.as_ref().map_or(0, |sent| sent.awaiting_ack.len()),
            )
            .finish_non_exhaustive()
    }
}

/// The frames one item becomes: none (a duplicate, a held change, an `Expect`), one, or two
/// (an `ack` and its message); the end of a replay may release many. Two live inline, so the
/// common items cost no allocation.
#[derive(Default)]
struct Frames {
    inline: [Option<ByteString>; 2],
    more: Vec<ByteString>,
}

impl Frames {
    fn push(&mut self, frame: impl Into<ByteString>) {
        let frame = frame.into();
        match &mut self.inline {
            [first @ None, _] => *first = Some(frame),
            [_, second @ None] => *second = Some(frame),
            _ => self.more.push(frame),
        }
    }

    fn in_order(self) -> impl Iterator<Item = ByteString> {
        self.inline.into_iter().flatten().chain(self.more)
    }
}

impl Writer {
    /// A writer for `session`.
    pub fn new(session: Session) -> Self {
        Self {
            session,
            sent: None,
        }
    }

    /// Runs until the connection is told to close, its queue ends, or the socket goes.
    ///
    /// While idle this future is what the connection holds, so it is kept small: items are
    /// turned into frames without awaiting ([`Writer::frames`]), and every frame goes out
    /// through the one small `Sink::send` future.
    ///
    /// A function returning an `async move` block, not an `async fn`, which would keep its
    /// arguments (the writer's state among them) twice.
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice in its future"
    )]
    pub fn run(
        mut self,
        mut receiver: QueueReceiver,
        last_heard: Arc<LastHeard>,
        limits: Heartbeat,
    ) -> impl std::future::Future<Output = ()> {
        async move {
            // A ping at once, then one every `limits.every` after the last (what an `Interval`
            // with `MissedTickBehavior::Delay` did, without its boxed timer).
            let heartbeat = tokio::time::sleep_until(tokio::time::Instant::now());
            let mut heartbeat = std::pin::pin!(heartbeat);
            let signal = loop {
                tokio::select! {
                    biased;
                    // A close signal comes out of the queue before any item still in it.
                    next = receiver.next() => match next {
                        Next::Close(signal) => break Some(signal),
                        Next::Item(item) => {
                            let mut frames = Frames::default();
                            self.sent
                                .get_or_insert_with(Box::default)
                                .frames(item, &mut frames);
                            for frame in frames.in_order() {
                                if self.session.send(Message::Text(frame)).await.is_err() {
                                    return;
                                }
                                metrics::counter!("chat_ws_events_out_total").increment(1);
                            }
                        }
                        Next::Ended => break None,
                    },
                    () = &mut heartbeat => {
                        if last_heard.silence() > limits.timeout {
                            break Some(CloseSignal::Timeout);
                        }
                        heartbeat.as_mut().reset(tokio::time::Instant::now() + limits.every);
                        if self.session.send(Message::Ping(Bytes::new())).await.is_err() {
                            return;
                        }
                    }
                }
            };
            // The peer may already be gone; closing is best effort.
            let _ = self.session.close(signal.map(CloseSignal::reason)).await;
        }
    }
}

impl Sent {
    /// What writing `item` sends, in order; updates the ordering and de-duplication state.
    fn frames(&mut self, item: Outbound, out: &mut Frames) {
        match item {
            Outbound::Change(change) => {
                if let Some(held) = self.held.get_mut(&change.room_id) {
                    held.push(Outbound::Change(change));
                    return;
                }
                let last = self.last_rev.entry(change.room_id).or_default();
                if change.rev <= *last {
                    return;
                }
                *last = change.rev;
                self.remember(change.room_id, change.rev);
                if let Some(reference) = self.awaiting_ack.remove(&change.id) {
                    out.push(ack_event(reference.as_deref(), &change.dto));
                }
                out.push(change.json.clone());
            }
            Outbound::RoomJoined { json } | Outbound::RoomEvent { json } => out.push(json),
            Outbound::Expect { id, reference } => {
                self.awaiting_ack.insert(id, reference);
            }
            Outbound::Settled { id, result } => {
                let Some(reference) = self.awaiting_ack.remove(&id) else {
                    return; // the echo came first and carried the ack
                };
                match result {
                    Ok(message) => out.push(ack_event(reference.as_deref(), &message)),
                    Err(mut error) => {
                        error.reference = reference;
                        out.push(error_event(&error));
                    }
                }
            }
            Outbound::Text(text) => out.push(text),
            Outbound::BeginReplay { rooms } => {
                for room in rooms {
                    self.held.entry(room).or_default();
                }
            }
            Outbound::Replay(replay) => {
                let (room_id, rev) = (replay.room_id, replay.rev);
                if self
                    .written
                    .get(&room_id)
                    .is_some_and(|revs| revs.contains(&rev))
                {
                    return;
                }
                self.remember(room_id, rev);
                let last = self.last_rev.entry(room_id).or_default();
                *last = (*last).max(rev);
                out.push(replay.json.clone());
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
                        self.frames(item, out);
                    }
                }
                out.push(json);
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
}

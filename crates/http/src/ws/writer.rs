//! A connection's writer: the only task that writes to its socket.
//!
//! It keeps two promises of the protocol. The `ack` of a send goes out before that message's
//! `message` echo on the sending connection: the reader announces each send (`Expect`) before
//! the send can possibly be published, and whichever of echo or outcome arrives first writes
//! the `ack`. And each connection gets each change exactly once while it is open and, per
//! room, in rev order, with one exception below: a rev already written is a duplicate and is
//! dropped.
//!
//! On one node changes arrive in rev order (each change of a room takes the room's next rev,
//! and a node publishes a room's changes in that order). Across nodes they may not: node B's
//! rev 11 can be heard before node A's rev 10. So a change that skips ahead of the last rev
//! written for its room is held, per room and by rev, for at most [`REORDER_WINDOW`]: the
//! missing rev arriving in time releases it and everything contiguous, in order; otherwise it
//! goes out when its window ends and the client sees the gap. A room whose revs come in order
//! never holds anything, and the window's state (and its timer) exists only while a change is
//! held.
//!
//! The exception: a change that arrives after a later rev of its room was written, into a
//! hole this connection never wrote, is written late rather than dropped. That happens when
//! its storing took longer than the window, which on SQL stores cannot outlast the window by
//! much (a room's counter and its messages commit together, in rev order) but with the
//! MongoDB message store can (revs come from SQL, and another node's insert may land later);
//! and when a `resume` replay passed a rev still being stored, which the replay cannot see
//! and `resumed` already counts. Dropping it would lose it for good: the client has no hole
//! left to resume for. A client keeps, per message, the change with the highest rev, so a
//! late creation never undoes a later edit (docs/protocol.md). The holes are those of
//! [`WrittenRevs`], which also starts a replayed room at the client's `resume` point, so a
//! late change between that point and the first rev written counts too.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use self::reorder::{reorder_due, Reorder};
use self::written::WrittenRevs;
use super::outbound::{ChangeEvent, CloseSignal, Outbound};
use super::protocol::{ack_event, error_event};
use super::queue::{Next, QueueReceiver};
use crate::state::HttpLimits;
use actix_web::web::Bytes;
use actix_ws::{Message, Session};
use bytestring::ByteString;
use chat_domain::{MessageId, Rev, RoomId};
use futures_util::SinkExt as _;
use tokio::time::Instant;

/// Milliseconds on a monotonic clock, shared with the reader to track the client's liveness.
///
/// Held in the connection's task and lent to the reader and the writer, which run in that
/// task: an `Arc` would be one more allocation for every open connection.
#[derive(Debug)]
pub struct LastHeard {
    origin: tokio::time::Instant,
    millis: AtomicI64,
}

impl LastHeard {
    /// Starts the clock now.
    pub fn new() -> Self {
        Self {
            origin: tokio::time::Instant::now(),
            millis: AtomicI64::new(0),
        }
    }

    /// How long since the clock started (when the connection opened).
    pub fn age(&self) -> Duration {
        self.origin.elapsed()
    }

    /// The client just sent something (or silence starts counting now).
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

impl Default for LastHeard {
    fn default() -> Self {
        Self::new()
    }
}

/// How long a change that skips ahead of its room's last written rev waits for the missing
/// ones. Two nodes' changes of a room race only between one node's commit and its publication
/// reaching the other's subscribers: a group commit's publishing plus a Redis pub/sub hop,
/// expected to be single milliseconds, tens under load or a scheduling hiccup (an estimate
/// from the path, not a measurement of the race itself). 50 ms covers that with room to
/// spare while staying far below what a hole costs instead (a `resume` round trip: p50 of
/// 380-700 ms measured on 2-3 nodes) and below what a person notices; only the room's changes
/// after the hole wait, and only on connections that saw the hole.
pub const REORDER_WINDOW: Duration = Duration::from_millis(50);

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
    /// Revs written per room, so a replay never repeats one.
    written: HashMap<RoomId, WrittenRevs>,
    /// Live changes held while their room is replayed.
    held: HashMap<RoomId, Vec<Outbound>>,
    /// Changes held until the revs they skip arrive: boxed and made by the first one held,
    /// freed with the last one released, so in-order rooms pay one null pointer.
    reorder: Option<Box<Reorder>>,
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

/// Where a live change falls against the last rev written for its room.
enum Place {
    /// At or below it: a duplicate, or late.
    Behind,
    /// Right after it.
    Next,
    /// Beyond the next: revs are missing.
    Ahead,
    /// Nothing written for the room yet.
    First,
}

/// The frames one item becomes: none (a duplicate, a held change, an `Expect`), one, or two
/// (an `ack` and its message); the end of a replay, or a rev that fills a hole, may release
/// many. Two live inline, so the common items cost no allocation.
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
    pub fn run<'a>(
        mut self,
        mut receiver: QueueReceiver,
        last_heard: &'a LastHeard,
        limits: &'a HttpLimits,
    ) -> impl std::future::Future<Output = ()> + 'a {
        async move {
            // A ping at once, then one every `limits.ws_ping_interval` after the last (what an `Interval`
            // with `MissedTickBehavior::Delay` did, without its boxed timer).
            let heartbeat = tokio::time::sleep_until(Instant::now());
            let mut heartbeat = std::pin::pin!(heartbeat);
            let signal = loop {
                let frames = tokio::select! {
                    biased;
                    // First, so a busy queue cannot keep held changes waiting past their window.
                    () = reorder_due(&mut self.sent) => {
                        let mut frames = Frames::default();
                        if let Some(sent) = self.sent.as_mut() {
                            sent.expire(Instant::now(), &mut frames);
                            sent.arm();
                        }
                        frames
                    }
                    // A close signal comes out of the queue before any item still in it.
                    next = receiver.next() => match next {
                        Next::Close(signal) => break Some(signal),
                        Next::Item(Outbound::Pong(bytes)) => {
                            if self.session.send(Message::Pong(bytes)).await.is_err() {
                                return;
                            }
                            continue;
                        }
                        Next::Item(item) => {
                            let mut frames = Frames::default();
                            let sent = self.sent.get_or_insert_with(Box::default);
                            sent.frames(item, &Instant::now, &mut frames);
                            sent.arm();
                            frames
                        }
                        Next::Ended => break None,
                    },
                    () = &mut heartbeat => {
                        if last_heard.silence() > limits.ws_client_timeout {
                            break Some(CloseSignal::Timeout);
                        }
                        heartbeat.as_mut().reset(Instant::now() + limits.ws_ping_interval);
                        if self.session.send(Message::Ping(Bytes::new())).await.is_err() {
                            return;
                        }
                        continue;
                    }
                };
                for frame in frames.in_order() {
                    if self.session.send(Message::Text(frame)).await.is_err() {
                        return;
                    }
                    metrics::counter!("chat_ws_events_out_total").increment(1);
                }
            };
            // The peer may already be gone; closing is best effort.
            let _ = self.session.close(signal.map(CloseSignal::reason)).await;
        }
    }
}

impl Sent {
    /// What writing `item` sends, in order; updates the ordering and de-duplication state.
    /// `now` is read only when a change is held for reordering.
    fn frames(&mut self, item: Outbound, now: &dyn Fn() -> Instant, out: &mut Frames) {
        match item {
            Outbound::Change(change) => {
                if let Some(held) = self.held.get_mut(&change.room_id) {
                    held.push(Outbound::Change(change));
                    return;
                }
                let room = change.room_id;
                // One lookup on the common path (the next rev of a room already written).
                let place = match self.last_rev.get_mut(&room) {
                    Some(last) if change.rev <= *last => Place::Behind,
                    Some(last) if change.rev.get() > last.get() + 1 => Place::Ahead,
                    Some(last) => {
                        *last = change.rev;
                        Place::Next
                    }
                    None => Place::First,
                };
                match place {
                    Place::Behind => {
                        if self.is_hole(room, change.rev) {
                            // Late, into a hole: written now rather than lost (module docs).
                            metrics::counter!("chat_ws_late_changes_total").increment(1);
                            self.emit(&change, out);
                        }
                        // Otherwise written already: never again.
                        return;
                    }
                    Place::Ahead => {
                        // It skips ahead of what this connection has: wait for the rest.
                        self.hold(change, now());
                        return;
                    }
                    Place::Next => {}
                    Place::First => {
                        self.last_rev.insert(room, change.rev);
                    }
                }
                self.emit(&change, out);
                self.release_contiguous(room, out);
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
            // A control frame, not text: `Writer::run` writes it before it gets here.
            Outbound::Pong(_) => {}
            Outbound::BeginReplay { rooms } => {
                for (room, from) in rooms {
                    // The client has everything up to `from`: what comes after it and is not
                    // written here is a hole the replay or a late change may fill.
                    self.last_rev.entry(room).or_insert(from);
                    match self.written.entry(room) {
                        Entry::Occupied(revs) => revs.into_mut().note_had(from),
                        Entry::Vacant(revs) => {
                            revs.insert(WrittenRevs::starting_at(from));
                        }
                    }
                    let held = self.held.entry(room).or_default();
                    // Changes waiting for a missing rev wait for the replay instead, which
                    // brings the missing ones from the store; they go first, being older
                    // than any live change held from now on.
                    if let Some(waiting) = self.reorder.as_mut().and_then(|r| r.rooms.remove(&room))
                    {
                        held.extend(waiting.into_values().map(|w| Outbound::Change(w.change)));
                    }
                }
                self.free_reorder_if_empty();
            }
            Outbound::Replay(replay) => {
                let (room_id, rev) = (replay.room_id, replay.rev);
                if self.was_written(room_id, rev) {
                    return;
                }
                self.remember(room_id, rev);
                let last = self.last_rev.entry(room_id).or_default();
                *last = (*last).max(rev);
                out.push(replay.json.clone());
            }
            Outbound::EndReplay { json } => {
                // Held changes are newer than the replayed ones or already written by it;
                // they go through the reorder window like any live change.
                let held: Vec<(RoomId, Vec<Outbound>)> = self.held.drain().collect();
                for (room, items) in held {
                    for item in items {
                        if let Outbound::Change(change) = &item {
                            if self.was_written(room, change.rev) {
                                continue;
                            }
                        }
                        self.frames(item, now, out);
                    }
                }
                out.push(json);
            }
        }
    }

    /// Writes a change that [`Sent::release_contiguous`] or [`Sent::expire`] lets go.
    fn write_change(&mut self, change: &ChangeEvent, out: &mut Frames) {
        self.last_rev.insert(change.room_id, change.rev);
        self.emit(change, out);
    }

    /// Writes `change`, its `ack` first if its sender awaits one; `last_rev` is the caller's.
    fn emit(&mut self, change: &ChangeEvent, out: &mut Frames) {
        self.remember(change.room_id, change.rev);
        if let Some(reference) = self.awaiting_ack.remove(&change.id) {
            out.push(ack_event(reference.as_deref(), &change.dto));
        }
        out.push(change.json.clone());
    }

    fn is_hole(&self, room: RoomId, rev: Rev) -> bool {
        self.written
            .get(&room)
            .is_some_and(|revs| revs.is_hole(rev))
    }

    fn was_written(&self, room: RoomId, rev: Rev) -> bool {
        self.written
            .get(&room)
            .is_some_and(|revs| revs.contains(rev))
    }

    fn remember(&mut self, room: RoomId, rev: Rev) {
        match self.written.entry(room) {
            Entry::Occupied(revs) => revs.into_mut().insert(rev),
            Entry::Vacant(revs) => {
                revs.insert(WrittenRevs::starting_at(rev));
            }
        }
    }
}

#[path = "reorder.rs"]
mod reorder;
#[path = "written.rs"]
mod written;

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;

//! A connection's outbound queue: what its writer must send, and whether it must close.
//!
//! This replaces a tokio bounded `mpsc` channel plus a `watch` channel for the close signal,
//! for memory: the `mpsc` allocated its cache-padded channel and its first block of 32 slots
//! when it was made and kept both for the life of the connection (1.8 KiB measured), and the
//! `watch` carried nine `Notify`s (0.3 KiB), on every connection, idle or not (see
//! `docs/idle-memory.md`). Here a connection has one small allocation; the items live in a
//! `VecDeque` that is allocated by the first item and given back whenever the writer finds
//! it empty, so an idle connection holds no buffer at all.
//!
//! What the gateway and the writer rely on is kept:
//! - items come out in the order they went in (one FIFO, all producers);
//! - at most `capacity` items wait: [`QueueSender::try_send`] refuses with `Full` (the
//!   gateway's slow-consumer signal, 1013) and [`QueueSender::send`] waits for room (the
//!   reader's backpressure on a client that floods);
//! - once a close signal is set the writer gets it before any item still queued, as it did
//!   with a `biased` select that polled the `watch` first;
//! - the writer sees the end once every sender is gone and the queue is drained; senders see
//!   `Closed` once the writer is gone.
//!
//! A std `Mutex`, not a tokio one: it is held for one push, pop or flag, never across an await.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;

use super::outbound::{CloseSignal, Outbound};

/// A queue for at most `capacity` items (at least one).
pub fn channel(capacity: usize) -> (QueueSender, QueueReceiver) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            items: VecDeque::new(),
            writer: None,
            close: None,
            senders: 1,
            receiver_gone: false,
        }),
        changed: Notify::new(),
        capacity: capacity.max(1),
    });
    (
        QueueSender {
            shared: Arc::clone(&shared),
        },
        QueueReceiver { shared },
    )
}

struct Shared {
    state: Mutex<State>,
    /// Wakes senders waiting for room and tasks waiting for the close signal; each re-checks
    /// its own condition, so one `Notify` serves both.
    changed: Notify,
    capacity: usize,
}

struct State {
    items: VecDeque<Outbound>,
    /// The writer, when it waits for an item or the close signal.
    writer: Option<Waker>,
    close: Option<CloseSignal>,
    senders: usize,
    receiver_gone: bool,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while the lock is held, and the state is valid between any two
        // statements, so a poisoned lock still guards a usable queue.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Why an item was not queued by [`QueueSender::try_send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrySendError {
    /// `capacity` items are already waiting.
    Full,
    /// The writer is gone.
    Closed,
}

/// The writer is gone; nothing more will be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// What the writer gets next.
#[derive(Debug)]
pub enum Next {
    /// An item to write.
    Item(Outbound),
    /// The connection must close, with this code.
    Close(CloseSignal),
    /// Every sender is gone and nothing is left.
    Ended,
}

/// The producing side: the gateway, the reader and the tasks it starts. Also where a close is
/// decided.
pub struct QueueSender {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for QueueSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.shared.lock();
        f.debug_struct("QueueSender")
            .field("queued", &state.items.len())
            .field("capacity", &self.shared.capacity)
            .field("close", &state.close)
            .finish()
    }
}

impl Clone for QueueSender {
    fn clone(&self) -> Self {
        self.shared.lock().senders += 1;
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Drop for QueueSender {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.senders -= 1;
        let writer = (state.senders == 0).then(|| state.writer.take()).flatten();
        drop(state);
        if let Some(writer) = writer {
            writer.wake();
        }
    }
}

impl QueueSender {
    /// Queues `item` unless the queue is full or the writer is gone.
    pub fn try_send(&self, item: Outbound) -> Result<(), TrySendError> {
        self.push(item).map_err(|(error, _)| error)
    }

    /// Queues `item`, waiting for room; `Closed` once the writer is gone.
    pub async fn send(&self, mut item: Outbound) -> Result<(), Closed> {
        loop {
            // Registered before looking, so room made after the look still wakes us.
            let mut changed = pin!(self.shared.changed.notified());
            changed.as_mut().enable();
            match self.push(item) {
                Ok(()) => return Ok(()),
                Err((TrySendError::Closed, _)) => return Err(Closed),
                Err((TrySendError::Full, back)) => item = back,
            }
            changed.await;
        }
    }

    fn push(&self, item: Outbound) -> Result<(), (TrySendError, Outbound)> {
        let mut state = self.shared.lock();
        if state.receiver_gone {
            return Err((TrySendError::Closed, item));
        }
        if state.items.len() >= self.shared.capacity {
            return Err((TrySendError::Full, item));
        }
        state.items.push_back(item);
        let writer = state.writer.take();
        drop(state);
        if let Some(writer) = writer {
            writer.wake();
        }
        Ok(())
    }

    /// How many more items fit now.
    pub fn free_slots(&self) -> usize {
        self.shared
            .capacity
            .saturating_sub(self.shared.lock().items.len())
    }

    /// How many items fit in all.
    pub fn max_capacity(&self) -> usize {
        self.shared.capacity
    }

    /// Whether the writer is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.lock().receiver_gone
    }

    /// Tells the writer to close with `signal`, replacing any signal set before.
    pub fn close(&self, signal: CloseSignal) {
        self.set_close(|current| {
            *current = Some(signal);
            true
        });
    }

    /// Tells the writer to close with `signal` unless a close was already decided; whether it
    /// was set.
    pub fn close_unless_closing(&self, signal: CloseSignal) -> bool {
        self.set_close(|current| {
            current.is_none() && {
                *current = Some(signal);
                true
            }
        })
    }

    fn set_close(&self, decide: impl FnOnce(&mut Option<CloseSignal>) -> bool) -> bool {
        let mut state = self.shared.lock();
        if !decide(&mut state.close) {
            return false;
        }
        let writer = state.writer.take();
        drop(state);
        if let Some(writer) = writer {
            writer.wake();
        }
        self.shared.changed.notify_waiters();
        true
    }

    /// The close decided so far, if any.
    pub fn close_signal(&self) -> Option<CloseSignal> {
        self.shared.lock().close
    }

    /// Waits until a close is decided.
    pub async fn closing(&self) -> CloseSignal {
        loop {
            let mut changed = pin!(self.shared.changed.notified());
            changed.as_mut().enable();
            if let Some(signal) = self.close_signal() {
                return signal;
            }
            changed.await;
        }
    }
}

/// The consuming side: the connection's writer.
pub struct QueueReceiver {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for QueueReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueReceiver").finish_non_exhaustive()
    }
}

impl Drop for QueueReceiver {
    fn drop(&mut self) {
        let mut state = self.shared.lock();
        state.receiver_gone = true;
        let items = std::mem::take(&mut state.items);
        drop(state);
        drop(items);
        self.shared.changed.notify_waiters();
    }
}

impl QueueReceiver {
    /// The close signal once one is set (before any item still queued), else the next item,
    /// else [`Next::Ended`] once every sender is gone.
    pub async fn next(&mut self) -> Next {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Next> {
        let mut state = self.shared.lock();
        if let Some(signal) = state.close {
            return Poll::Ready(Next::Close(signal));
        }
        let was_full = state.items.len() >= self.shared.capacity;
        if let Some(item) = state.items.pop_front() {
            drop(state);
            if was_full {
                self.shared.changed.notify_waiters();
            }
            return Poll::Ready(Next::Item(item));
        }
        if state.senders == 0 {
            return Poll::Ready(Next::Ended);
        }
        // The writer goes to sleep on an empty queue: give its storage back, so an idle
        // connection holds none (the next item allocates a small one again).
        if state.items.capacity() > 0 {
            state.items = VecDeque::new();
        }
        match &mut state.writer {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            slot => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// The next queued item without waiting (tests and benches drain with it); ignores the
    /// close signal.
    pub fn try_recv(&mut self) -> Option<Outbound> {
        let mut state = self.shared.lock();
        let was_full = state.items.len() >= self.shared.capacity;
        let item = state.items.pop_front();
        drop(state);
        if was_full && item.is_some() {
            self.shared.changed.notify_waiters();
        }
        item
    }

    /// How many items the queue's storage holds room for right now.
    #[cfg(test)]
    pub(crate) fn storage(&self) -> usize {
        self.shared.lock().items.capacity()
    }
}

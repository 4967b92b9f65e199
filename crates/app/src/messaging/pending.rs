//! Sends waiting for their message to be committed.
//!
//! The send use case registers a waiter under the message id before it enqueues the message's
//! persistence job; whoever learns the outcome first (the worker on this node, or the event
//! pump hearing it from another node's worker) settles it. A std `Mutex` is enough: it is held
//! for a map operation only, never across an await.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use chat_domain::{Message, MessageId};
use tokio::sync::oneshot;

/// The node-local registry of sends awaiting their commit.
#[derive(Debug, Default)]
pub struct PendingSends {
    waiters: Mutex<HashMap<MessageId, oneshot::Sender<Message>>>,
}

/// A registered wait for one message; dropping it (the client went away) unregisters it.
#[derive(Debug)]
pub struct SendWaiter {
    id: MessageId,
    registry: Arc<PendingSends>,
    receiver: oneshot::Receiver<Message>,
}

impl SendWaiter {
    /// The stored message (for a retried `client_msg_id`: the original), or `None` if the
    /// registry went away.
    pub async fn wait(mut self) -> Option<Message> {
        (&mut self.receiver).await.ok()
    }
}

impl Drop for SendWaiter {
    fn drop(&mut self) {
        self.registry.remove(self.id);
    }
}

impl PendingSends {
    /// An empty registry.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Starts waiting for the message accepted under `id`.
    pub fn register(self: &Arc<Self>, id: MessageId) -> SendWaiter {
        let (sender, receiver) = oneshot::channel();
        self.lock().insert(id, sender);
        SendWaiter {
            id,
            registry: Arc::clone(self),
            receiver,
        }
    }

    /// Settles the wait for `id` with `message`; a no-op when nobody here waits for it.
    pub fn settle(&self, id: MessageId, message: &Message) {
        if let Some(sender) = self.lock().remove(&id) {
            // The receiver may be gone already (client disconnected); nothing to do then.
            let _ = sender.send(message.clone());
        }
    }

    /// Gives up the wait for `id`: the send answers "unavailable" at once instead of running
    /// into its timeout (the worker calls this when the store is down). The message may still
    /// be stored by a later retry of its job, which a client retrying with the same
    /// `client_msg_id` then gets back.
    pub fn abandon(&self, id: MessageId) {
        self.lock().remove(&id);
    }

    /// How many sends are waiting.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no send is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn remove(&self, id: MessageId) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<MessageId, oneshot::Sender<Message>>> {
        // A panic while holding this lock cannot leave the map half-updated, so a poisoned
        // lock is safe to keep using.
        self.waiters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

//! The event pump: each node's single subscription to the bus.
//!
//! It settles sends waiting on this node whose message another node's worker committed, lets
//! the node's [`SendAccessCache`] forget what a removal, deletion or block revoked (and all of
//! it after a resubscription, which may have missed events), makes the node refuse the access
//! tokens of a login another node revoked ([`RevokedSessions`]), then hands every event to the
//! node's [`LocalDelivery`] (the WebSocket gateway), in bus order.

use std::sync::Arc;
use std::time::Duration;

use chat_ports::{BusEvent, EventBus, EventStream};
use futures_util::StreamExt;
use tokio::sync::watch;

use crate::access_cache::SendAccessCache;
use crate::auth::RevokedSessions;
use crate::messaging::PendingSends;

/// Whatever delivers events to this node's clients.
pub trait LocalDelivery: Send + Sync {
    /// Routes one event to the local connections it concerns; must not block.
    fn deliver(&self, event: &BusEvent);
}

/// Pumps `stream` (subscribed before the node started serving, so nothing is missed) until
/// `shutdown`; resubscribes if the bus drops the subscription.
pub async fn run_event_pump(
    bus: Arc<dyn EventBus>,
    mut stream: EventStream,
    pending: Arc<PendingSends>,
    access: Arc<SendAccessCache>,
    revoked: Arc<RevokedSessions>,
    delivery: Arc<dyn LocalDelivery>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            biased;
            _ = shutdown.changed() => return,
            next = stream.next() => match next {
                Some(event) => {
                    settle(&pending, &event);
                    access.observe(&event);
                    if let BusEvent::SessionRevoked { session_id } = &event {
                        revoked.insert_now(*session_id);
                    }
                    delivery.deliver(&event);
                }
                None => {
                    tracing::warn!("event bus subscription ended; resubscribing");
                    stream = resubscribe(bus.as_ref(), &mut shutdown).await;
                    access.clear();
                }
            },
        }
    }
}

fn settle(pending: &PendingSends, event: &BusEvent) {
    match event {
        BusEvent::MessageCreated { message, .. } => pending.settle(message.id, message),
        BusEvent::SendDeduplicated {
            pending_id,
            original,
        } => pending.settle(*pending_id, original),
        // Only sends wait on this node; every other event is for the gateway alone.
        _ => {}
    }
}

async fn resubscribe(bus: &dyn EventBus, shutdown: &mut watch::Receiver<bool>) -> EventStream {
    let mut delay = Duration::from_millis(100);
    loop {
        match bus.subscribe().await {
            Ok(stream) => return stream,
            Err(error) => {
                tracing::error!(%error, "cannot subscribe to the event bus");
                if *shutdown.borrow() {
                    return Box::pin(futures_util::stream::empty());
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
        }
    }
}

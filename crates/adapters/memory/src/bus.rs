//! The in-process [`EventBus`]: every subscription of this process hears every event published
//! in it. Enough for a single node; a deployment of several nodes needs a shared bus.
//!
//! Each subscription owns an unbounded channel. `tokio::sync::broadcast` would be the obvious
//! tool, but a slow receiver of a broadcast channel loses the oldest events, and the port
//! promises that none is lost. The cost of unbounded is memory when a subscriber stops reading:
//! there is one subscription per node (the gateway), which forwards events as they come.

use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chat_ports::{BusError, BusEvent, EventBus, EventStream};
use tokio::sync::mpsc::{self, UnboundedSender};

/// Publish-subscribe within one process.
#[derive(Debug, Default)]
pub struct InProcessEventBus {
    // A std mutex: the critical sections only push into channels (never blocking, never
    // awaiting). Sending under it is also what gives every subscriber the same order of events
    // when publishers race.
    subscribers: Mutex<Vec<UnboundedSender<BusEvent>>>,
}

impl InProcessEventBus {
    /// A bus with no subscription yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<UnboundedSender<BusEvent>>> {
        // Nothing can panic halfway through an update of the list, so a poisoned lock still
        // guards a consistent list.
        self.subscribers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[async_trait]
impl EventBus for InProcessEventBus {
    async fn publish(&self, event: &BusEvent) -> Result<(), BusError> {
        // A send fails only when the subscription's stream was dropped: forget that subscriber.
        self.lock()
            .retain(|subscriber| subscriber.send(event.clone()).is_ok());
        Ok(())
    }

    async fn subscribe(&self) -> Result<EventStream, BusError> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.lock().push(sender);
        let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
            let event = receiver.recv().await?;
            Some((event, receiver))
        });
        Ok(Box::pin(events))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use std::time::Duration;

    use chat_domain::SessionId;
    use futures_util::StreamExt;

    use super::*;

    fn revoked() -> BusEvent {
        BusEvent::SessionRevoked {
            session_id: SessionId::new_v7(),
        }
    }

    #[tokio::test]
    async fn a_subscription_gets_the_events_published_after_it_began_in_order() {
        let bus = InProcessEventBus::new();
        bus.publish(&revoked()).await.unwrap();
        let mut events = bus.subscribe().await.unwrap();
        let sent = [revoked(), revoked(), revoked()];
        for event in &sent {
            bus.publish(event).await.unwrap();
        }
        for expected in sent {
            assert_eq!(events.next().await, Some(expected));
        }
    }

    #[tokio::test]
    async fn a_dropped_subscription_is_forgotten_on_the_next_publish() {
        let bus = InProcessEventBus::new();
        let kept = bus.subscribe().await.unwrap();
        drop(bus.subscribe().await.unwrap());
        assert_eq!(bus.lock().len(), 2);
        bus.publish(&revoked()).await.unwrap();
        assert_eq!(bus.lock().len(), 1);
        drop(kept);
    }

    #[tokio::test]
    async fn a_subscription_waits_for_the_next_event() {
        let bus = std::sync::Arc::new(InProcessEventBus::new());
        let mut events = bus.subscribe().await.unwrap();
        let event = revoked();
        let publisher = tokio::spawn({
            let (bus, event) = (std::sync::Arc::clone(&bus), event.clone());
            async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                bus.publish(&event).await
            }
        });
        let got = tokio::time::timeout(Duration::from_secs(30), events.next()).await;
        assert_eq!(got.unwrap(), Some(event));
        publisher.await.unwrap().unwrap();
    }
}

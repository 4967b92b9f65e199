//! The contract of the [`EventBus`] port: every subscription hears every event published after
//! it began, once, and each publisher's events in the order published.
//!
//! An adapter's test runs it with a factory that builds a fresh bus:
//!
//! ```text
//! chat_contract::bus::run_all(|| async { Arc::new(InProcessEventBus::new()) as Arc<dyn EventBus> })
//!     .await;
//! ```
//!
//! Events are told apart by the session id of a `SessionRevoked` event, which the checks choose
//! so that it names the publisher and the event's place in that publisher's sequence.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chat_domain::ids::Uuid;
use chat_domain::SessionId;
use chat_ports::{BusEvent, EventBus, EventStream};
use futures_util::StreamExt;

/// How long a check waits for one event that must arrive; reaching it means failure.
const PATIENCE: Duration = Duration::from_secs(30);

/// Publishers in the concurrent check.
const PUBLISHERS: u64 = 4;
/// Events each of them publishes.
const EVENTS_EACH: u64 = 250;

/// Runs every check, each on a fresh bus from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn EventBus>>,
{
    every_subscription_gets_every_event_in_publish_order(make().await).await;
    a_subscription_gets_what_is_published_after_it_began(make().await).await;
    concurrent_publishers_reach_every_subscriber_in_their_own_order(make().await).await;
    publish_all_keeps_the_order_of_single_publishes(make().await).await;
}

/// The event number `index` of publisher `publisher`.
fn event(publisher: u64, index: u64) -> BusEvent {
    let id = Uuid::from_u64_pair(publisher, index);
    BusEvent::SessionRevoked {
        session_id: SessionId::from_uuid(id),
    }
}

/// Which publisher sent `event`, and its place in that publisher's sequence.
fn origin(event: &BusEvent) -> (u64, u64) {
    match event {
        BusEvent::SessionRevoked { session_id } => session_id.as_uuid().as_u64_pair(),
        other => panic!("the bus delivered an event nobody published: {other:?}"),
    }
}

/// The next event of `events`, waiting up to [`PATIENCE`].
async fn next_event(events: &mut EventStream) -> BusEvent {
    match tokio::time::timeout(PATIENCE, events.next()).await {
        Ok(Some(event)) => event,
        Ok(None) => panic!("the subscription ended while events were due"),
        Err(_) => panic!("a published event did not arrive within {PATIENCE:?}"),
    }
}

/// Two subscriptions both get each of 50 events, in the order they were published.
pub async fn every_subscription_gets_every_event_in_publish_order(bus: Arc<dyn EventBus>) {
    let mut first = bus.subscribe().await.expect("subscribe");
    let mut second = bus.subscribe().await.expect("subscribe");
    let sent: Vec<BusEvent> = (0..50).map(|index| event(1, index)).collect();
    for event in &sent {
        bus.publish(event).await.expect("publish");
    }
    for expected in &sent {
        assert_eq!(&next_event(&mut first).await, expected);
        assert_eq!(&next_event(&mut second).await, expected);
    }
}

/// Events published one by one, then 100 at once with `publish_all` (and an empty
/// `publish_all`), then one by one again reach both subscriptions once each, in that order.
pub async fn publish_all_keeps_the_order_of_single_publishes(bus: Arc<dyn EventBus>) {
    let mut first = bus.subscribe().await.expect("subscribe");
    let mut second = bus.subscribe().await.expect("subscribe");
    let sent: Vec<BusEvent> = (0..104).map(|index| event(1, index)).collect();
    for event in &sent[..2] {
        bus.publish(event).await.expect("publish");
    }
    bus.publish_all(&[]).await.expect("publish_all of nothing");
    bus.publish_all(&sent[2..102]).await.expect("publish_all");
    for event in &sent[102..] {
        bus.publish(event).await.expect("publish");
    }
    for expected in &sent {
        assert_eq!(&next_event(&mut first).await, expected);
        assert_eq!(&next_event(&mut second).await, expected);
    }
}

/// An event published before a subscription began may or may not reach it; everything
/// published after does, in order.
pub async fn a_subscription_gets_what_is_published_after_it_began(bus: Arc<dyn EventBus>) {
    let before = event(0, 0);
    bus.publish(&before).await.expect("publish");
    let mut events = bus.subscribe().await.expect("subscribe");
    let after: Vec<BusEvent> = (0..10).map(|index| event(1, index)).collect();
    for event in &after {
        bus.publish(event).await.expect("publish");
    }
    let mut got = next_event(&mut events).await;
    if got == before {
        got = next_event(&mut events).await;
    }
    assert_eq!(got, after[0]);
    for expected in &after[1..] {
        assert_eq!(&next_event(&mut events).await, expected);
    }
}

/// 4 publishers publish 250 events each at once while two subscribers read: each subscriber
/// gets all 1000, and every publisher's events in the order it published them.
pub async fn concurrent_publishers_reach_every_subscriber_in_their_own_order(
    bus: Arc<dyn EventBus>,
) {
    let mut readers = Vec::new();
    for _ in 0..2 {
        let events = bus.subscribe().await.expect("subscribe");
        // Reading while the publishers run, so no adapter needs to buffer everything.
        readers.push(tokio::spawn(read_from_all_publishers(events)));
    }
    let publishers: Vec<_> = (0..PUBLISHERS)
        .map(|publisher| {
            let bus = Arc::clone(&bus);
            tokio::spawn(async move {
                for index in 0..EVENTS_EACH {
                    let published = bus.publish(&event(publisher, index)).await;
                    published.expect("publish");
                }
            })
        })
        .collect();
    for task in publishers.into_iter().chain(readers) {
        task.await.expect("a publisher or a subscriber panicked");
    }
}

/// Reads the events of every publisher, failing at the first one lost, repeated or out of
/// order.
async fn read_from_all_publishers(mut events: EventStream) {
    // The index each publisher's next event must have.
    let mut next = [0_u64; PUBLISHERS as usize];
    for _ in 0..PUBLISHERS * EVENTS_EACH {
        let (publisher, index) = origin(&next_event(&mut events).await);
        let expected = usize::try_from(publisher)
            .ok()
            .and_then(|slot| next.get_mut(slot))
            .unwrap_or_else(|| panic!("an event from unknown publisher {publisher}"));
        assert_eq!(
            index, *expected,
            "publisher {publisher}'s events out of order"
        );
        *expected += 1;
    }
    assert_eq!(next, [EVENTS_EACH; PUBLISHERS as usize]);
}

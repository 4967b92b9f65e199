//! The event pump: a node's subscription to the bus settles the sends waiting on this node and
//! hands every event to the local WebSocket gateway, in bus order.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_app::access_cache::SendAccessCache;
use chat_app::auth::RevokedSessions;
use chat_app::events::{run_event_pump, LocalDelivery};
use chat_app::messaging::PendingSends;
use chat_domain::Message;
use chat_ports::{BusEvent, EventStream, MockEventBus};
use futures_util::{stream, StreamExt};
use support::*;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

mockall::mock! {
    Delivery {}
    impl LocalDelivery for Delivery {
        fn deliver(&self, event: &BusEvent);
    }
}

const PATIENCE: Duration = Duration::from_secs(5);

/// A subscription that yields `events` and then stays open.
fn open_stream(events: Vec<BusEvent>) -> EventStream {
    Box::pin(stream::iter(events).chain(stream::pending()))
}

/// A subscription that yields `events` and then ends, as when the bus drops it.
fn ending_stream(events: Vec<BusEvent>) -> EventStream {
    Box::pin(stream::iter(events))
}

/// Lets every delivery through and forwards it to the returned channel.
fn deliveries(delivery: &mut MockDelivery) -> mpsc::UnboundedReceiver<BusEvent> {
    let (sender, receiver) = mpsc::unbounded_channel();
    delivery.expect_deliver().returning(move |event| {
        let _ = sender.send(event.clone());
    });
    receiver
}

async fn next(received: &mut mpsc::UnboundedReceiver<BusEvent>) -> BusEvent {
    tokio::time::timeout(PATIENCE, received.recv())
        .await
        .expect("an event is delivered in time")
        .expect("the pump is still running")
}

struct Pump {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Pump {
    fn start(
        bus: MockEventBus,
        stream: EventStream,
        pending: &Arc<PendingSends>,
        delivery: MockDelivery,
    ) -> Self {
        Self::start_with(bus, stream, pending, &SendAccessCache::new(), delivery)
    }

    /// Starts a pump that keeps `access` up to date.
    fn start_with(
        bus: MockEventBus,
        stream: EventStream,
        pending: &Arc<PendingSends>,
        access: &Arc<SendAccessCache>,
        delivery: MockDelivery,
    ) -> Self {
        Self::start_full(bus, stream, pending, access, &revoked_sessions(), delivery)
    }

    /// Starts a pump that keeps `access` and `revoked` up to date.
    fn start_full(
        bus: MockEventBus,
        stream: EventStream,
        pending: &Arc<PendingSends>,
        access: &Arc<SendAccessCache>,
        revoked: &Arc<RevokedSessions>,
        delivery: MockDelivery,
    ) -> Self {
        let (stop, shutdown) = watch::channel(false);
        let task = tokio::spawn(run_event_pump(
            Arc::new(bus),
            stream,
            Arc::clone(pending),
            Arc::clone(access),
            Arc::clone(revoked),
            Arc::new(delivery),
            shutdown,
        ));
        Self { stop, task }
    }

    /// Shuts the pump down; fails if it does not stop or one of its mocks was misused.
    async fn stop(self) {
        self.stop.send(true).expect("the pump listens for shutdown");
        tokio::time::timeout(PATIENCE, self.task)
            .await
            .expect("the pump stops at shutdown")
            .expect("the pump used its ports as expected");
    }
}

fn revoked_sessions() -> Arc<RevokedSessions> {
    let mut clock = chat_ports::MockClock::new();
    clock.expect_now().return_const(NOW);
    Arc::new(RevokedSessions::new(
        Duration::from_secs(900),
        Arc::new(clock),
    ))
}

fn message(n: u64) -> Message {
    stored(&new_message(n, room_id(3), user_id(2)), n)
}

#[tokio::test]
async fn a_message_created_event_settles_the_send_waiting_for_it_and_is_delivered_locally() {
    let pending = PendingSends::new();
    let waiter = pending.register(message(1).id);
    let mut delivery = MockDelivery::new();
    let settled_before_delivery = Arc::clone(&pending);
    let (sender, mut received) = mpsc::unbounded_channel();
    delivery
        .expect_deliver()
        .withf(|event| {
            *event
                == BusEvent::MessageCreated {
                    message: message(1),
                    reply_preview: None,
                }
        })
        .times(1)
        // The ack of the send must be able to go out before the echoed message.
        .returning(move |event| {
            let _ = sender.send((event.clone(), settled_before_delivery.is_empty()));
        });
    let created = BusEvent::MessageCreated {
        message: message(1),
        reply_preview: None,
    };
    let pump = Pump::start(
        MockEventBus::new(),
        open_stream(vec![created.clone()]),
        &pending,
        delivery,
    );

    let settled = tokio::time::timeout(PATIENCE, waiter.wait())
        .await
        .expect("the send is settled in time");
    let (delivered, was_settled) = received.recv().await.expect("the event is delivered");
    pump.stop().await;

    assert_eq!(settled, Some(message(1)));
    assert_eq!(delivered, created);
    assert!(
        was_settled,
        "the waiting send is settled before the event reaches the gateway"
    );
}

#[tokio::test]
async fn a_send_deduplicated_event_settles_the_pending_send_with_the_original() {
    let pending = PendingSends::new();
    let retry_id = message_id(1000);
    let waiter = pending.register(retry_id);
    let mut delivery = MockDelivery::new();
    let mut received = deliveries(&mut delivery);
    let deduplicated = BusEvent::SendDeduplicated {
        pending_id: retry_id,
        original: message(8),
    };
    let pump = Pump::start(
        MockEventBus::new(),
        open_stream(vec![deduplicated.clone()]),
        &pending,
        delivery,
    );

    let settled = tokio::time::timeout(PATIENCE, waiter.wait())
        .await
        .expect("the send is settled in time");
    let delivered = next(&mut received).await;
    pump.stop().await;

    assert_eq!(settled, Some(message(8)));
    assert_eq!(delivered, deduplicated);
}

#[tokio::test]
async fn every_event_is_delivered_in_bus_order_and_settles_only_its_own_send() {
    let pending = PendingSends::new();
    let _unrelated = pending.register(message_id(999));
    let events = vec![
        BusEvent::SessionRevoked {
            session_id: session_id(1),
        },
        BusEvent::MessageCreated {
            message: message(1),
            reply_preview: None,
        },
        BusEvent::MessageCreated {
            message: message(2),
            reply_preview: None,
        },
    ];
    let mut delivery = MockDelivery::new();
    let mut received = deliveries(&mut delivery);
    let pump = Pump::start(
        MockEventBus::new(),
        open_stream(events.clone()),
        &pending,
        delivery,
    );

    let mut delivered = Vec::new();
    for _ in 0..events.len() {
        delivered.push(next(&mut received).await);
    }
    pump.stop().await;

    assert_eq!(delivered, events);
    assert_eq!(pending.len(), 1, "a send nobody answered is still waiting");
}

#[tokio::test]
async fn the_pump_resubscribes_when_the_bus_ends_its_subscription() {
    let before = BusEvent::MessageCreated {
        message: message(1),
        reply_preview: None,
    };
    let after = BusEvent::MessageCreated {
        message: message(2),
        reply_preview: None,
    };
    let mut bus = MockEventBus::new();
    let resubscribed = open_stream(vec![after.clone()]);
    bus.expect_subscribe()
        .times(1)
        .return_once(move || Ok(resubscribed));
    let mut delivery = MockDelivery::new();
    let mut received = deliveries(&mut delivery);
    let pending = PendingSends::new();
    let pump = Pump::start(bus, ending_stream(vec![before.clone()]), &pending, delivery);

    let first = next(&mut received).await;
    let second = next(&mut received).await;
    pump.stop().await;

    assert_eq!((first, second), (before, after));
}

#[tokio::test]
async fn the_pump_stops_at_shutdown_without_delivering_anything() {
    let mut bus = MockEventBus::new();
    bus.expect_subscribe().never();
    let mut delivery = MockDelivery::new();
    delivery.expect_deliver().never();
    let pending = PendingSends::new();
    let pump = Pump::start(bus, open_stream(Vec::new()), &pending, delivery);

    pump.stop().await;
}

/// A node that remembers alice (user 1) may send into rooms 3 and 4, and bob (user 2) into 3.
fn remembering() -> Arc<SendAccessCache> {
    let access = SendAccessCache::new();
    for (user, room) in [(1, group_room(3)), (1, group_room(4)), (2, group_room(3))] {
        access.remember(access.epoch(), user_id(user), room, Instant::now());
    }
    access
}

fn remembered(access: &SendAccessCache, room: u64, user: u64) -> bool {
    access
        .get(room_id(room), user_id(user), Instant::now())
        .is_some()
}

#[tokio::test]
async fn revocations_heard_on_the_bus_make_the_node_forget_the_access_they_revoke() {
    let events = vec![
        BusEvent::MemberRemoved {
            room_id: room_id(3),
            user_id: user_id(1),
        },
        BusEvent::UserBlocked {
            blocker: user_id(1),
            blocked: user_id(2),
        },
    ];
    let mut delivery = MockDelivery::new();
    let mut received = deliveries(&mut delivery);
    let pending = PendingSends::new();
    let access = remembering();
    let pump = Pump::start_with(
        MockEventBus::new(),
        open_stream(events),
        &pending,
        &access,
        delivery,
    );

    next(&mut received).await;
    next(&mut received).await;
    pump.stop().await;

    assert!(!remembered(&access, 3, 1), "alice was removed from room 3");
    assert!(remembered(&access, 4, 1), "alice is still in room 4");
    assert!(!remembered(&access, 3, 2), "bob was blocked");
}

#[tokio::test]
async fn after_a_resubscription_the_node_forgets_every_access_it_may_have_missed_news_of() {
    let mut bus = MockEventBus::new();
    let resubscribed = open_stream(Vec::new());
    bus.expect_subscribe()
        .times(1)
        .return_once(move || Ok(resubscribed));
    let mut delivery = MockDelivery::new();
    delivery.expect_deliver().never();
    let pending = PendingSends::new();
    let access = remembering();
    let pump = Pump::start_with(bus, ending_stream(Vec::new()), &pending, &access, delivery);

    let deadline = Instant::now() + PATIENCE;
    while !access.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    pump.stop().await;

    assert!(access.is_empty(), "{} answers survived", access.len());
}

#[tokio::test]
async fn a_login_revoked_on_another_node_is_refused_here_before_its_sockets_close() {
    let revoked = revoked_sessions();
    let mut delivery = MockDelivery::new();
    let mut received = deliveries(&mut delivery);
    let pump = Pump::start_full(
        MockEventBus::new(),
        open_stream(vec![BusEvent::SessionRevoked {
            session_id: session_id(1),
        }]),
        &PendingSends::new(),
        &SendAccessCache::new(),
        &revoked,
        delivery,
    );

    let event = next(&mut received).await;

    assert!(matches!(event, BusEvent::SessionRevoked { .. }));
    assert!(revoked.contains(session_id(1)));
    assert!(!revoked.contains(session_id(2)));
    pump.stop().await;
}

//! What the Redis event bus promises beyond the port's contract: a frame that is not an event
//! is skipped without ending the subscription, and a dropped stream gives its pub/sub
//! connection back.

use std::time::Duration;

use chat_domain::SessionId;
use chat_ports::{BusEvent, EventBus};
use chat_redis::deadpool_redis::redis::{self, AsyncCommands};
use chat_redis::RedisEventBus;
use futures_util::StreamExt;

/// Long enough that reaching it means failure, not a slow machine.
const PATIENCE: Duration = Duration::from_secs(30);

fn revoked() -> BusEvent {
    BusEvent::SessionRevoked {
        session_id: SessionId::new_v7(),
    }
}

#[tokio::test]
async fn a_frame_that_is_not_an_event_is_skipped_and_the_next_event_arrives() {
    let Some(endpoint) = chat_testkit::redis().await else {
        return;
    };
    let channel = chat_testkit::unique_prefix("bus_garbage");
    let bus = RedisEventBus::new(&endpoint.url, channel.clone()).unwrap();
    let mut events = bus.subscribe().await.unwrap();

    let pool = chat_redis::pool(&endpoint.url).unwrap();
    let mut connection = pool.get().await.unwrap();
    for garbage in ["not json", "{\"type\":\"from_the_future\"}"] {
        let _: i64 = connection.publish(&channel, garbage).await.unwrap();
    }
    let event = revoked();
    bus.publish(&event).await.unwrap();

    let got = tokio::time::timeout(PATIENCE, events.next()).await.unwrap();
    assert_eq!(got, Some(event));
}

#[tokio::test]
async fn dropping_the_stream_closes_its_subscription() {
    let Some(endpoint) = chat_testkit::redis().await else {
        return;
    };
    let channel = chat_testkit::unique_prefix("bus_drop");
    let bus = RedisEventBus::new(&endpoint.url, channel.clone()).unwrap();
    let pool = chat_redis::pool(&endpoint.url).unwrap();
    let subscribers = || {
        let (pool, channel) = (pool.clone(), channel.clone());
        async move {
            let mut connection = pool.get().await.unwrap();
            let counts: Vec<(String, i64)> = redis::cmd("PUBSUB")
                .arg("NUMSUB")
                .arg(&channel)
                .query_async(&mut connection)
                .await
                .unwrap();
            counts[0].1
        }
    };

    let events = bus.subscribe().await.unwrap();
    assert_eq!(
        subscribers().await,
        1,
        "one subscribe, one Redis subscription"
    );
    drop(events);
    // The subscription's task notices the drop and closes the connection; Redis then forgets
    // it. Wait for that, however slowly it happens.
    let closed = tokio::time::timeout(PATIENCE, async {
        while subscribers().await != 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(closed.is_ok(), "the subscription outlived its stream");
}

//! The Redis [`EventBus`]: every node publishes on one pub/sub channel and subscribes to it
//! once.
//!
//! An event travels as the JSON of [`BusEvent`] (`serde_json`). Publishing borrows a pooled
//! connection; each [`EventBus::subscribe`] opens one pub/sub connection of its own, which a
//! task keeps alive across Redis restarts (module `subscription`). The server subscribes once per
//! node and fans events out to its WebSocket connections itself: the number of Redis
//! subscriptions grows with nodes, never with clients.
//!
//! # What pub/sub does not promise
//!
//! Redis keeps no published event: one published while a subscription is reconnecting is lost
//! to it, and so is one the subscriber could not read fast enough for Redis's output buffer
//! limit (`client-output-buffer-limit pubsub`, which then disconnects it; this adapter reads
//! continuously into memory to stay far from it). The server does not rely on the bus for
//! messages: a client catches up with a `resume` frame (every change after the last rev it
//! saw, read from the store) whenever it reconnects, so a lost event delays delivery but loses
//! nothing stored. The reconnect itself is logged at error level, with the window it lasted.

mod subscription;

use async_trait::async_trait;
use chat_ports::{BusError, BusEvent, EventBus, EventStream};
use deadpool_redis::redis::{self, AsyncCommands, Client};
use deadpool_redis::Pool;

use crate::bus_unavailable;
use crate::RedisConfigError;

/// Publish-subscribe of [`BusEvent`]s over one Redis pub/sub channel.
#[derive(Debug, Clone)]
pub struct RedisEventBus {
    /// Opens the subscriptions' connections.
    client: Client,
    /// Connections for publishing.
    pool: Pool,
    channel: String,
}

impl RedisEventBus {
    /// A bus on `channel` (`chat:events`, say) of the Redis at `url`. Connects lazily: an
    /// unreachable Redis shows up at the first publish or subscribe.
    pub fn new(url: &str, channel: impl Into<String>) -> Result<Self, RedisConfigError> {
        Ok(Self {
            client: Client::open(url).map_err(RedisConfigError::new)?,
            pool: crate::pool(url)?,
            channel: channel.into(),
        })
    }

    /// The channel events travel on.
    pub fn channel(&self) -> &str {
        &self.channel
    }
}

#[async_trait]
impl EventBus for RedisEventBus {
    async fn publish(&self, event: &BusEvent) -> Result<(), BusError> {
        let frame = serde_json::to_string(event).map_err(bus_unavailable)?;
        let mut connection = self.pool.get().await.map_err(bus_unavailable)?;
        // One publisher's events keep their order: each waits for Redis's reply before the
        // next is sent, and Redis delivers to subscribers in the order it executes PUBLISH.
        let _receivers: i64 = connection
            .publish(&self.channel, frame)
            .await
            .map_err(bus_unavailable)?;
        Ok(())
    }

    async fn publish_all(&self, events: &[BusEvent]) -> Result<(), BusError> {
        if events.is_empty() {
            return Ok(());
        }
        let mut pipeline = redis::pipe();
        for event in events {
            let frame = serde_json::to_string(event).map_err(bus_unavailable)?;
            pipeline.publish(&self.channel, frame).ignore();
        }
        let mut connection = self.pool.get().await.map_err(bus_unavailable)?;
        // One round trip; Redis runs a pipeline's commands in order, so subscribers get the
        // events in this order, as with `publish` one by one.
        pipeline
            .query_async::<()>(&mut *connection)
            .await
            .map_err(bus_unavailable)?;
        Ok(())
    }

    async fn subscribe(&self) -> Result<EventStream, BusError> {
        let events = subscription::start(self.client.clone(), self.channel.clone())
            .await
            .map_err(bus_unavailable)?;
        Ok(events)
    }
}

/// Decodes one frame of the channel; `None`, logged, for a frame that is not a [`BusEvent`]
/// (another version's event, or someone publishing by hand): skipped, never fatal.
fn decode(message: &redis::Msg) -> Option<BusEvent> {
    match serde_json::from_slice(message.get_payload_bytes()) {
        Ok(event) => Some(event),
        Err(error) => {
            tracing::warn!(
                channel = message.get_channel_name(),
                %error,
                "skipped a bus frame that is not an event"
            );
            None
        }
    }
}

//! One subscription: a pub/sub connection, and the task that keeps it alive.
//!
//! [`start`] connects and subscribes before it returns, so every event published after
//! `subscribe` returned reaches the stream. A task then forwards frames to the stream in order.
//! When the connection is lost (Redis restarts, the network drops, or a heartbeat goes
//! unanswered), it logs at error level, reconnects with exponential backoff and subscribes
//! again, logging how long it was deaf. It ends, closing its connection, when the stream is
//! dropped.
//!
//! Frames go into an unbounded channel, as in the in-process bus: a bounded one would make a
//! slow reader push back on Redis, which disconnects slow pub/sub clients and so loses more.

use std::time::Duration;

use chat_ports::{BusEvent, EventStream};
use deadpool_redis::redis::aio::{PubSubSink, PubSubStream};
use deadpool_redis::redis::{Client, RedisError, RedisResult, Value};
use futures_util::StreamExt;
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::time::{Instant, MissedTickBehavior};

use super::decode;

/// How long connecting and subscribing may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How often a quiet connection is checked with a `PING`, so a connection that died without a
/// word (no FIN, no RST) is noticed rather than waited on forever.
const HEARTBEAT: Duration = Duration::from_secs(15);
/// How long the `PING` may take.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(5);
/// The first pause between reconnection attempts; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// The longest pause between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// Subscribes to `channel` and returns the events as they come, across reconnections.
pub(super) async fn start(client: Client, channel: String) -> RedisResult<EventStream> {
    let connection = connect(&client, &channel).await?;
    let (sender, receiver) = mpsc::unbounded_channel();
    tokio::spawn(run(client, channel, connection, sender));
    let events = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((event, receiver))
    });
    Ok(Box::pin(events))
}

/// Why a connection stopped serving.
enum Ended {
    /// The stream was dropped: nobody listens any more.
    Unsubscribed,
    /// The connection is gone.
    Lost(String),
}

/// Serves `connection`, then each replacement, until the stream is dropped.
async fn run(
    client: Client,
    channel: String,
    mut connection: (PubSubSink, PubSubStream),
    events: UnboundedSender<BusEvent>,
) {
    loop {
        let why = match serve(&mut connection, &events).await {
            Ended::Unsubscribed => return,
            Ended::Lost(why) => why,
        };
        let deaf_since = Instant::now();
        tracing::error!(
            %channel,
            reason = %why,
            "event bus subscription lost; reconnecting (events published meanwhile are lost \
             to this node until clients catch up through history)"
        );
        let mut backoff = FIRST_BACKOFF;
        connection = loop {
            tokio::select! {
                () = events.closed() => return,
                () = tokio::time::sleep(backoff) => {}
            }
            match connect(&client, &channel).await {
                Ok(connection) => break connection,
                Err(error) => {
                    tracing::error!(
                        %channel,
                        %error,
                        retry_in = ?backoff,
                        "event bus still unreachable"
                    );
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        };
        tracing::warn!(
            %channel,
            deaf_for = ?deaf_since.elapsed(),
            "event bus subscription restored"
        );
    }
}

/// Forwards frames from `connection` to `events` until one of them ends.
async fn serve(
    connection: &mut (PubSubSink, PubSubStream),
    events: &UnboundedSender<BusEvent>,
) -> Ended {
    let (sink, frames) = connection;
    let mut heartbeat = tokio::time::interval_at(Instant::now() + HEARTBEAT, HEARTBEAT);
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = events.closed() => return Ended::Unsubscribed,
            frame = frames.next() => {
                let Some(frame) = frame else {
                    return Ended::Lost("the connection closed".to_owned());
                };
                if let Some(event) = decode(&frame) {
                    if events.send(event).is_err() {
                        return Ended::Unsubscribed;
                    }
                }
            }
            _ = heartbeat.tick() => {
                match tokio::time::timeout(HEARTBEAT_TIMEOUT, sink.ping::<Value>()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(error)) => return Ended::Lost(format!("heartbeat failed: {error}")),
                    Err(_) => {
                        let why = format!("no heartbeat reply within {HEARTBEAT_TIMEOUT:?}");
                        return Ended::Lost(why);
                    }
                }
            }
        }
    }
}

/// Opens a pub/sub connection and subscribes it to `channel`, within [`CONNECT_TIMEOUT`].
async fn connect(client: &Client, channel: &str) -> RedisResult<(PubSubSink, PubSubStream)> {
    let subscribe = async {
        let (mut sink, frames) = client.get_async_pubsub().await?.split();
        // Returns once Redis confirmed the subscription: from here on nothing is missed.
        sink.subscribe(channel).await?;
        Ok((sink, frames))
    };
    tokio::time::timeout(CONNECT_TIMEOUT, subscribe)
        .await
        .unwrap_or_else(|_| {
            Err(RedisError::from(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "connecting to Redis for pub/sub timed out",
            )))
        })
}

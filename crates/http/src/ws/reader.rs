//! A connection's reader: turns client frames into use-case calls.
//!
//! Sends run as their own tasks so a message waiting for its commit never stops the reader
//! from answering pings; a per-connection semaphore bounds how many are in flight, which
//! pushes back on a client that floods the server.

use std::sync::Arc;

use actix_ws::{AggregatedMessage, AggregatedMessageStream};
use chat_app::messaging::{MessagingService, SendRequest, SendTarget};
use chat_domain::{MessageId, RoomId, UserId};
use tokio::sync::Semaphore;

use super::outbound::{CloseSignal, Outbound};
use super::protocol::{
    error_event, parse_client_frame, pong_event, ClientFrame, FrameError, MarkerFrame, SendFrame,
    TypingFrame,
};
use super::queue::QueueSender;
use super::replay;
use super::writer::LastHeard;
use crate::dto::MessageDto;
use crate::limits::{RateLimits, SendTargetKey};
use crate::ApiError;

/// Which marker a receipt frame moves.
#[derive(Debug, Clone, Copy)]
enum Marker {
    Read,
    Received,
}

fn parse_room(raw: &str, reference: &Option<String>) -> Result<RoomId, FrameError> {
    raw.parse::<RoomId>().map_err(|_| FrameError {
        reference: reference.clone(),
        code: "room_not_found",
        message: "room not found".to_owned(),
    })
}

fn frame_error(error: ApiError, reference: Option<String>) -> FrameError {
    FrameError {
        reference,
        code: error.code(),
        message: error.to_string(),
    }
}

/// The largest payload of a control frame (RFC 6455 §5.5).
const MAX_CONTROL_PAYLOAD: usize = 125;

/// Sends one connection may have waiting for their commit at once.
const MAX_SENDS_IN_FLIGHT: usize = 64;

/// The reader's two limits, made on first use: most connections never send over the
/// WebSocket or resume, and an idle one should not hold two semaphores for nothing.
#[derive(Debug, Default)]
struct Permits {
    in_flight: Option<Arc<Semaphore>>,
    resuming: Option<Arc<Semaphore>>,
}

impl Permits {
    /// Sends waiting for their commit ([`MAX_SENDS_IN_FLIGHT`] at most).
    fn in_flight(&mut self) -> Arc<Semaphore> {
        Arc::clone(
            self.in_flight
                .get_or_insert_with(|| Arc::new(Semaphore::new(MAX_SENDS_IN_FLIGHT))),
        )
    }

    /// The one resume that may run at a time.
    fn resuming(&mut self) -> Arc<Semaphore> {
        Arc::clone(
            self.resuming
                .get_or_insert_with(|| Arc::new(Semaphore::new(1))),
        )
    }
}

/// Everything the reader needs.
#[derive(Debug)]
pub struct Reader<'a> {
    /// Who is connected.
    pub user_id: UserId,
    /// The use cases.
    pub messaging: Arc<MessagingService>,
    /// The connection's outbound queue, which also tells the writer to close.
    pub outbound: QueueSender,
    /// Liveness, shared with the writer.
    pub last_heard: &'a LastHeard,
    /// The node's send rate limits (shared with HTTP sends).
    pub rates: Arc<RateLimits>,
}

impl<'a> Reader<'a> {
    /// Reads until the client closes, breaks the protocol, or the connection is closed.
    ///
    /// A function returning an `async move` block, not an `async fn`: an `async fn` keeps
    /// its arguments twice in its future (as passed, and as moved into its body), and this
    /// future is part of every idle connection.
    ///
    /// The reader and the stream are lent, not given: they stay where the connection's task
    /// keeps them, instead of taking room both there and in this future (224 bytes, for every
    /// idle connection).
    #[allow(
        clippy::manual_async_fn,
        reason = "an `async fn` keeps its arguments twice in its future"
    )]
    pub fn run(
        &'a self,
        stream: &'a mut AggregatedMessageStream,
    ) -> impl std::future::Future<Output = ()> + 'a {
        async move {
            let mut permits = Permits::default();
            while let Some(frame) = stream.recv().await {
                self.last_heard.touch();
                let frame = match frame {
                    Ok(frame) => frame,
                    Err(error) => {
                        let signal = CloseSignal::for_protocol_error(&error);
                        tracing::debug!(%error, "closing connection after a protocol error");
                        self.outbound.close(signal);
                        return;
                    }
                };
                if matches!(
                    frame,
                    AggregatedMessage::Text(_) | AggregatedMessage::Binary(_)
                ) {
                    metrics::counter!("chat_ws_events_in_total").increment(1);
                }
                match frame {
                    AggregatedMessage::Text(text) => {
                        // Boxed: allocated while a frame is handled, instead of sizing every
                        // idle connection's task for the largest use-case call.
                        if !Box::pin(self.handle_text(&text, &mut permits)).await {
                            return;
                        }
                    }
                    AggregatedMessage::Binary(_) => {
                        let error = FrameError {
                            reference: None,
                            code: "invalid_request",
                            message: "binary frames are not supported; send JSON text frames"
                                .into(),
                        };
                        if self
                            .outbound
                            .send(Outbound::Text(error_event(&error)))
                            .await
                            .is_err()
                        {
                            return;
                        }
                    }
                    AggregatedMessage::Ping(bytes) => {
                        // Written by the writer, the one holder of the connection's `Session`.
                        let bytes = bytes.slice(..bytes.len().min(MAX_CONTROL_PAYLOAD));
                        if self.outbound.send(Outbound::Pong(bytes)).await.is_err() {
                            return;
                        }
                    }
                    AggregatedMessage::Pong(_) => {}
                    AggregatedMessage::Close(_) => {
                        // Answer with 1000, not the 1001 of a server going away (RFC 6455 §5.5.1).
                        self.outbound
                            .close_unless_closing(CloseSignal::ClientClosed);
                        return;
                    }
                }
            }
        }
    }

    /// Handles one text frame; false once the connection is gone.
    async fn handle_text(&self, text: &str, permits: &mut Permits) -> bool {
        let reply = match parse_client_frame(text) {
            Ok(ClientFrame::Ping) => Outbound::Text(pong_event()),
            Ok(ClientFrame::Read(frame)) => match self.mark(frame, Marker::Read).await {
                Ok(()) => return true,
                Err(error) => Outbound::Text(error_event(&error)),
            },
            Ok(ClientFrame::Received(frame)) => match self.mark(frame, Marker::Received).await {
                Ok(()) => return true,
                Err(error) => Outbound::Text(error_event(&error)),
            },
            Ok(ClientFrame::Typing(frame)) => match self.typing(frame).await {
                Ok(()) => return true,
                Err(error) => Outbound::Text(error_event(&error)),
            },
            Ok(ClientFrame::Resume(frame)) => match permits.resuming().try_acquire_owned() {
                Ok(permit) => {
                    let replay = replay::replay(
                        Arc::clone(&self.messaging),
                        self.user_id,
                        frame,
                        self.outbound.clone(),
                    );
                    tokio::spawn(async move {
                        replay.await;
                        drop(permit);
                    });
                    return true;
                }
                // Two replays at once would release each other's held live changes early.
                Err(_) => Outbound::Text(error_event(&FrameError {
                    reference: frame.reference,
                    code: "invalid_request",
                    message: "a resume is already running; wait for its `resumed`".to_owned(),
                })),
            },
            Ok(ClientFrame::Send(frame)) => match self.prepare_send(frame) {
                Ok((request, reference)) => {
                    return self
                        .start_send(request, reference, permits.in_flight())
                        .await
                }
                Err(error) => Outbound::Text(error_event(&error)),
            },
            Err(error) => Outbound::Text(error_event(&error)),
        };
        self.outbound.send(reply).await.is_ok()
    }

    /// Moves the read or delivered marker; the use case announces it to the room.
    async fn mark(&self, frame: MarkerFrame, marker: Marker) -> Result<(), FrameError> {
        let room = parse_room(&frame.room_id, &frame.reference)?;
        let seq = chat_domain::Seq(frame.seq);
        let result = match marker {
            Marker::Read => self.messaging.mark_read(self.user_id, room, seq).await,
            Marker::Received => self.messaging.mark_delivered(self.user_id, room, seq).await,
        };
        result
            .map(|_| ())
            .map_err(|error| frame_error(ApiError::from(error), frame.reference))
    }

    /// Relays a typing notice (throttled by the use case).
    async fn typing(&self, frame: TypingFrame) -> Result<(), FrameError> {
        let room = parse_room(&frame.room_id, &frame.reference)?;
        self.messaging
            .typing(self.user_id, room)
            .await
            .map(|_| ())
            .map_err(|error| frame_error(ApiError::from(error), frame.reference))
    }

    fn prepare_send(&self, frame: SendFrame) -> Result<(SendRequest, Option<String>), FrameError> {
        let reference = frame.reference;
        let fail = |code: &'static str, message: &str| FrameError {
            reference: reference.clone(),
            code,
            message: message.to_owned(),
        };
        let target = match (frame.to.as_deref(), frame.room_id.as_deref()) {
            (Some(to), None) => SendTarget::User(
                to.parse::<UserId>()
                    .map_err(|_| fail("user_not_found", "user not found"))?,
            ),
            (None, Some(room)) => SendTarget::Room(
                room.parse::<RoomId>()
                    .map_err(|_| fail("room_not_found", "room not found"))?,
            ),
            _ => {
                return Err(fail(
                    "invalid_request",
                    "a send needs exactly one of `to` and `room_id`",
                ))
            }
        };
        self.rates
            .send(self.user_id, SendTargetKey::from(&target))
            .map_err(|refusal| {
                fail(
                    "rate_limited",
                    &format!(
                        "too many messages ({}); retry after {} s",
                        refusal.limit,
                        refusal.retry_after_secs()
                    ),
                )
            })?;
        let reply_to = frame
            .reply_to
            .as_deref()
            .map(str::parse::<MessageId>)
            .transpose()
            .map_err(|_| fail("invalid_reply_to", "reply_to names no message of this room"))?;
        let request = SendRequest {
            id: self.messaging.new_message_id(),
            sender: self.user_id,
            target,
            body: frame.body,
            client_msg_id: frame.client_msg_id,
            reply_to,
        };
        Ok((request, reference))
    }

    async fn start_send(
        &self,
        request: SendRequest,
        reference: Option<String>,
        in_flight: Arc<Semaphore>,
    ) -> bool {
        let id = request.id;
        // Announced before the send starts, so it is ahead of the echo in the writer's buffer.
        if self
            .outbound
            .send(Outbound::Expect { id, reference })
            .await
            .is_err()
        {
            return false;
        }
        let Ok(permit) = in_flight.acquire_owned().await else {
            return false;
        };
        let messaging = Arc::clone(&self.messaging);
        let outbound = self.outbound.clone();
        tokio::spawn(async move {
            let result = match messaging.send(request).await {
                Ok(outcome) => Ok(Arc::new(acked_message(&messaging, &outcome.message).await)),
                Err(error) => {
                    let api = ApiError::from(error);
                    Err(Box::new(FrameError {
                        reference: None,
                        code: api.code(),
                        message: api.to_string(),
                    }))
                }
            };
            // The connection may have closed meanwhile; the message is stored either way.
            let _ = outbound.send(Outbound::Settled { id, result }).await;
            drop(permit);
        });
        true
    }
}

/// The message an `ack` carries: with the preview of the message it answers, when it is a
/// reply (previews are decoration: without them the ack still goes out).
async fn acked_message(messaging: &MessagingService, message: &chat_domain::Message) -> MessageDto {
    if message.reply_to.is_none() {
        return MessageDto::from(message);
    }
    match messaging
        .reply_previews(std::slice::from_ref(message))
        .await
    {
        Ok(previews) => MessageDto::with_previews(message, &previews),
        Err(error) => {
            tracing::warn!(%error, "could not read a reply preview for an ack");
            MessageDto::from(message)
        }
    }
}

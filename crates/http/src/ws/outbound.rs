//! What flows to a connection's writer, and why it may be told to close.

use std::sync::Arc;

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_ws::{CloseCode, CloseReason, ProtocolError};
use bytestring::ByteString;
use chat_domain::{MessageId, Rev, RoomId};

use super::protocol::FrameError;
use crate::dto::MessageDto;

/// An event serialized once and shared by every recipient: cloning it bumps a reference
/// count, and the socket write takes it as it is, so a room of 500 costs one encoding and
/// no copies.
pub type Encoded = ByteString;

/// A change of a message as every connection of its room gets it, behind one `Arc`: a
/// fan-out clones a pointer, not the event.
#[derive(Debug)]
pub struct ChangeEvent {
    /// The message's id (to put a pending `ack` first).
    pub id: MessageId,
    /// Its room (for per-room ordering and de-duplication).
    pub room_id: RoomId,
    /// The rev of this change.
    pub rev: Rev,
    /// The message, for building an `ack`.
    pub dto: MessageDto,
    /// The serialized `message`, `message_edited` or `message_deleted` event.
    pub json: Encoded,
}

/// One replayed change of a `resume`.
#[derive(Debug)]
pub struct ReplayEvent {
    /// Its room.
    pub room_id: RoomId,
    /// Its rev.
    pub rev: Rev,
    /// The serialized event.
    pub json: Encoded,
}

/// One item for a connection's writer, which is the only task that writes to the socket.
///
/// Kept small (the large variants are behind a pointer): a connection's [`queue`] stores
/// items by value, and a fan-out to a room of 500 queues one on each of 500 connections.
///
/// [`queue`]: super::queue
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A change of a message of one of the connection's rooms.
    Change(Arc<ChangeEvent>),
    /// Any other serialized event of a room (receipts, typing, membership, room updates).
    RoomEvent {
        /// The serialized event.
        json: Encoded,
    },
    /// The serialized `room_joined` event.
    RoomJoined {
        /// The serialized event.
        json: Encoded,
    },
    /// This connection sent a message accepted under `id`: its `ack` must precede its echo.
    Expect {
        /// The id the send was accepted under.
        id: MessageId,
        /// The client's `ref`.
        reference: Option<String>,
    },
    /// The send accepted under `id` finished: the stored (or original) message, or why not.
    Settled {
        /// The id the send was accepted under.
        id: MessageId,
        /// The outcome.
        result: Result<Arc<MessageDto>, Box<FrameError>>,
    },
    /// A ready-made frame (an `error` or a `pong`).
    Text(String),
    /// The answer to a WebSocket ping from the client: a pong control frame with this payload.
    /// The reader hands it to the writer rather than writing it itself, so a connection holds
    /// one `Session` (one `PollSender`) instead of two.
    Pong(Bytes),
    /// A resume starts: hold these rooms' live changes until the replay is written.
    BeginReplay {
        /// The rooms replayed, each with the rev the client named: it has every change up to
        /// it, and the replay brings what follows.
        rooms: Vec<(RoomId, Rev)>,
    },
    /// One replayed change (written unless this connection already has that rev).
    Replay(Arc<ReplayEvent>),
    /// The replay is done: write the held live changes, then this `resumed` frame.
    EndReplay {
        /// The serialized `resumed` event.
        json: String,
    },
}

/// Why the server closes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloseSignal {
    /// The login was revoked (1008).
    Revoked,
    /// A frame exceeded the size limit (1009).
    TooBig,
    /// The client did not keep up (1013).
    SlowConsumer,
    /// The client closed the connection; the server answers its close frame (1000).
    ClientClosed,
    /// The server is shutting down (1001).
    GoingAway,
    /// The client broke the WebSocket protocol (1002).
    ProtocolError,
    /// A text frame that is not UTF-8 (1007).
    NotUtf8,
    /// The client went silent (1001 is what browsers expect for a dropped peer).
    Timeout,
    /// The server could not set the connection up (1011).
    Internal,
}

impl CloseSignal {
    /// The close a broken frame stream calls for: 1009 for a frame or fragmented message over
    /// the limit (whether the decoder or the [`FrameGuard`](super::frame_guard::FrameGuard)
    /// saw it), 1007 for a text message that is not UTF-8, 1002 for anything else (a reserved
    /// opcode or bit, an unmasked frame, a continuation with nothing to continue, ...).
    pub fn for_protocol_error(error: &ProtocolError) -> Self {
        match error {
            ProtocolError::Overflow => Self::TooBig,
            ProtocolError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => Self::NotUtf8,
            ProtocolError::Io(io)
                if io
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<PayloadError>())
                    .is_some_and(|inner| matches!(inner, PayloadError::Overflow)) =>
            {
                Self::TooBig
            }
            _ => Self::ProtocolError,
        }
    }

    /// The close frame to send.
    pub fn reason(self) -> CloseReason {
        let (code, description) = match self {
            Self::Revoked => (CloseCode::Policy, "login revoked"),
            Self::TooBig => (CloseCode::Size, "frame too large"),
            Self::SlowConsumer => (CloseCode::Again, "slow consumer; catch up from history"),
            Self::ClientClosed => (CloseCode::Normal, "closed as asked"),
            Self::GoingAway => (CloseCode::Away, "server shutting down"),
            Self::ProtocolError => (CloseCode::Protocol, "protocol error"),
            Self::NotUtf8 => (CloseCode::Invalid, "text frame is not UTF-8"),
            Self::Timeout => (CloseCode::Away, "no frames from client"),
            Self::Internal => (CloseCode::Error, "internal error"),
        };
        CloseReason {
            code,
            description: Some(description.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    #[test]
    fn an_outbound_item_stays_small_because_every_busy_connection_queues_some() {
        // The queue allocates nothing while idle, but a busy connection's queue holds its items
        // by value, which is why the large variants live behind a pointer.
        assert!(
            std::mem::size_of::<Outbound>() <= 48,
            "Outbound is {} bytes",
            std::mem::size_of::<Outbound>()
        );
    }

    #[test]
    fn broken_frame_streams_close_with_the_code_that_names_the_fault() {
        let guard_overflow = ProtocolError::Io(io::Error::other(PayloadError::Overflow));
        let not_utf8 = ProtocolError::Io(io::Error::new(io::ErrorKind::InvalidData, "utf-8"));
        let cases = [
            (ProtocolError::Overflow, CloseSignal::TooBig, 1009),
            (guard_overflow, CloseSignal::TooBig, 1009),
            (not_utf8, CloseSignal::NotUtf8, 1007),
            (
                ProtocolError::UnmaskedFrame,
                CloseSignal::ProtocolError,
                1002,
            ),
            (
                ProtocolError::ContinuationNotStarted,
                CloseSignal::ProtocolError,
                1002,
            ),
            (
                ProtocolError::InvalidOpcode(3),
                CloseSignal::ProtocolError,
                1002,
            ),
        ];
        for (error, signal, code) in cases {
            let got = CloseSignal::for_protocol_error(&error);
            assert_eq!(got, signal, "{error:?}");
            assert_eq!(u16::from(got.reason().code), code, "{error:?}");
        }
    }
}

//! What flows to a connection's writer, and why it may be told to close.

use std::sync::Arc;

use actix_ws::{CloseCode, CloseReason};
use chat_domain::{MessageId, Rev, RoomId};

use super::protocol::FrameError;
use crate::dto::MessageDto;

/// One item for a connection's writer, which is the only task that writes to the socket.
#[derive(Debug, Clone)]
pub enum Outbound {
    /// A change of a message of one of the connection's rooms: `message` (created),
    /// `message_edited` or `message_deleted`.
    Change {
        /// The message's id (to put a pending `ack` first).
        id: MessageId,
        /// Its room (for per-room ordering and de-duplication).
        room_id: RoomId,
        /// The rev of this change.
        rev: Rev,
        /// The message, for building an `ack`.
        dto: Arc<MessageDto>,
        /// The serialized event, shared by all recipients.
        json: Arc<str>,
    },
    /// Any other serialized event of a room (receipts, typing, membership, room updates).
    RoomEvent {
        /// The serialized event.
        json: Arc<str>,
    },
    /// The serialized `room_joined` event.
    RoomJoined {
        /// The serialized event.
        json: Arc<str>,
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
        result: Result<Arc<MessageDto>, FrameError>,
    },
    /// A ready-made frame (an `error` or a `pong`).
    Text(String),
    /// A resume starts: hold these rooms' live changes until the replay is written.
    BeginReplay {
        /// The rooms replayed.
        rooms: Vec<RoomId>,
    },
    /// One replayed change (written unless this connection already has that rev).
    Replay {
        /// Its room.
        room_id: RoomId,
        /// Its rev.
        rev: Rev,
        /// The serialized event.
        json: Arc<str>,
    },
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
    /// The server is shutting down (1001).
    GoingAway,
    /// The client broke the WebSocket protocol (1002).
    ProtocolError,
    /// The client went silent (1001 is what browsers expect for a dropped peer).
    Timeout,
    /// The server could not set the connection up (1011).
    Internal,
}

impl CloseSignal {
    /// The close frame to send.
    pub fn reason(self) -> CloseReason {
        let (code, description) = match self {
            Self::Revoked => (CloseCode::Policy, "login revoked"),
            Self::TooBig => (CloseCode::Size, "frame too large"),
            Self::SlowConsumer => (CloseCode::Again, "slow consumer; catch up from history"),
            Self::GoingAway => (CloseCode::Away, "server shutting down"),
            Self::ProtocolError => (CloseCode::Protocol, "protocol error"),
            Self::Timeout => (CloseCode::Away, "no frames from client"),
            Self::Internal => (CloseCode::Error, "internal error"),
        };
        CloseReason {
            code,
            description: Some(description.to_owned()),
        }
    }
}

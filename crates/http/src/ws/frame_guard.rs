//! A size guard on the raw bytes of a WebSocket connection, in front of the frame decoder.
//!
//! actix-http checks a frame's length against the limit only once the *whole* frame has
//! arrived, and actix-ws checks a fragmented message's total only once each fragment has: a
//! client that announces a 1 GiB frame (or streams fragments) makes the server buffer all of
//! it before the 1009. This guard reads each frame header as it passes and fails the stream
//! with [`PayloadError::Overflow`] the moment a header announces a frame, or a fragment
//! brings a message, over the limit, before any of that payload is buffered. Everything else
//! passes through untouched; the decoder still does all the real parsing.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;

/// Longest frame header: 2 bytes, 8 of extended length, 4 of mask.
const MAX_HEADER: usize = 14;

/// Where the guard is in the byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Position {
    /// Collecting a header; `len` of its bytes seen so far.
    Header { len: usize },
    /// Inside a payload, with this many bytes of it still to come.
    Payload { left: u64 },
}

/// Follows frame boundaries and enforces `limit` per frame and per fragmented message.
#[derive(Debug, Clone)]
pub struct FrameSizeTracker {
    limit: u64,
    position: Position,
    header: [u8; MAX_HEADER],
    /// Bytes announced so far by the fragmented message in progress, if one is.
    fragmented: Option<u64>,
}

/// A frame, or a fragmented message, over the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooBig;

impl FrameSizeTracker {
    /// A tracker for a fresh connection.
    pub fn new(limit: usize) -> Self {
        Self {
            limit: u64::try_from(limit).unwrap_or(u64::MAX),
            position: Position::Header { len: 0 },
            header: [0; MAX_HEADER],
            fragmented: None,
        }
    }

    /// Follows `bytes`; on a violation, the offset just after the header that announced it.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<(), (usize, TooBig)> {
        let mut at = 0;
        while at < bytes.len() {
            match self.position {
                Position::Payload { left } => {
                    let available = u64::try_from(bytes.len() - at).unwrap_or(u64::MAX);
                    let taken = left.min(available);
                    // `taken` is at most `available`, which came from a usize.
                    at += usize::try_from(taken).unwrap_or(bytes.len() - at);
                    self.position = match left - taken {
                        0 => Position::Header { len: 0 },
                        left => Position::Payload { left },
                    };
                }
                Position::Header { len } => {
                    self.header[len] = bytes[at];
                    at += 1;
                    let len = len + 1;
                    match header_len(&self.header[..len]) {
                        Some(total) if total == len => {
                            self.end_of_header(len).map_err(|too_big| (at, too_big))?;
                        }
                        _ => self.position = Position::Header { len },
                    }
                }
            }
        }
        Ok(())
    }

    /// A complete header of `len` bytes sits in `self.header`.
    fn end_of_header(&mut self, len: usize) -> Result<(), TooBig> {
        let header = &self.header[..len];
        let fin = header[0] & 0x80 != 0;
        let opcode = header[0] & 0x0F;
        let payload = payload_len(header);
        if payload > self.limit {
            return Err(TooBig);
        }
        match opcode {
            // A continuation adds to the message in progress.
            0x0 => {
                let total = self.fragmented.unwrap_or(0).saturating_add(payload);
                if total > self.limit {
                    return Err(TooBig);
                }
                self.fragmented = if fin { None } else { Some(total) };
            }
            // Text or binary: a whole message, or the first fragment of one.
            0x1 | 0x2 => self.fragmented = if fin { None } else { Some(payload) },
            // Control frames may come between fragments and do not count.
            _ => {}
        }
        self.position = match payload {
            0 => Position::Header { len: 0 },
            left => Position::Payload { left },
        };
        Ok(())
    }
}

/// The full length of the header that starts with `seen`, once its first two bytes are known.
fn header_len(seen: &[u8]) -> Option<usize> {
    let second = *seen.get(1)?;
    let extended = match second & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    let mask = if second & 0x80 != 0 { 4 } else { 0 };
    Some(2 + extended + mask)
}

/// The payload length a complete header announces.
fn payload_len(header: &[u8]) -> u64 {
    match header[1] & 0x7F {
        126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
        127 => {
            let mut bytes = [0; 8];
            bytes.copy_from_slice(&header[2..10]);
            u64::from_be_bytes(bytes)
        }
        short => u64::from(short),
    }
}

/// The connection's byte stream with a [`FrameSizeTracker`] on it.
pub struct FrameGuard<S> {
    inner: S,
    tracker: FrameSizeTracker,
    /// Where the stream is after a violation was found.
    state: GuardState,
}

/// After a violation: the bytes before it go on, the decoder gets one turn to decode them
/// (one `Pending`), then the stream fails and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GuardState {
    Open,
    Yielding,
    Failing,
    Done,
}

impl<S> std::fmt::Debug for FrameGuard<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FrameGuard")
            .field("tracker", &self.tracker)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl<S> FrameGuard<S> {
    /// Guards `inner` with frames and fragmented messages of at most `limit` bytes.
    pub fn new(inner: S, limit: usize) -> Self {
        Self {
            inner,
            tracker: FrameSizeTracker::new(limit),
            state: GuardState::Open,
        }
    }
}

impl<S> Stream for FrameGuard<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.state {
            GuardState::Open => {}
            GuardState::Yielding => {
                // actix-ws reads its payload until `Pending` before decoding: this lets it
                // decode, and answer, the frames that came before the offending one.
                self.state = GuardState::Failing;
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            GuardState::Failing => {
                self.state = GuardState::Done;
                return Poll::Ready(Some(Err(PayloadError::Overflow)));
            }
            GuardState::Done => return Poll::Ready(None),
        }
        let bytes = match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => bytes,
            other => return other,
        };
        match self.tracker.feed(&bytes) {
            Ok(()) => Poll::Ready(Some(Ok(bytes))),
            Err((at, TooBig)) => {
                // The frames before the offending header are still handed on.
                self.state = GuardState::Yielding;
                Poll::Ready(Some(Ok(bytes.slice(..at))))
            }
        }
    }
}

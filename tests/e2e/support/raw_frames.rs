//! Frames no well-behaved client sends: raw bytes on the socket, fragments, control frames.
//!
//! [`WsClient::send_message`] hands tungstenite any message (binary, ping, pong, or one raw
//! [`Frame`] of a fragmented message), and [`WsClient::send_raw`] writes bytes straight to the
//! TCP stream under tungstenite, for what it refuses to encode: text that is not UTF-8,
//! reserved opcodes, or a header announcing a length that never comes. [`client_frame`] builds
//! such bytes, masked as a client must.

use futures_util::SinkExt;
use tokio::io::AsyncWriteExt;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::MaybeTlsStream;

use super::ws::WsClient;

/// Opcodes of the frames the tests send raw.
pub const CONTINUATION: u8 = 0x0;
/// A text frame.
pub const TEXT: u8 = 0x1;
/// A data opcode that RFC 6455 reserves.
pub const RESERVED: u8 = 0x3;

/// The header of a masked client frame announcing `len` payload bytes, and its mask.
pub fn client_header(fin: bool, opcode: u8, len: u64) -> (Vec<u8>, [u8; 4]) {
    let mask = [0x37, 0xFA, 0x21, 0x3D];
    let mut out = vec![(u8::from(fin) << 7) | opcode];
    match len {
        0..=125 => out.push(0x80 | u8::try_from(len).expect("short length")),
        126..=0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&u16::try_from(len).expect("16-bit length").to_be_bytes());
        }
        _ => {
            out.push(0x80 | 127);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    (out, mask)
}

/// A whole masked client frame carrying `payload`.
pub fn client_frame(fin: bool, opcode: u8, payload: &[u8]) -> Vec<u8> {
    let (mut out, mask) = client_header(fin, opcode, payload.len() as u64);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    out
}

/// `text` cut into fragments at the given byte offsets (first a text frame, then
/// continuations, the last one final), as raw frames for [`WsClient::send_message`].
pub fn fragments(text: &str, cuts: &[usize]) -> Vec<Message> {
    let bytes = text.as_bytes();
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    points.dedup();
    if points.len() == 1 {
        points.push(0);
    }
    let last = points.len() - 2;
    points
        .windows(2)
        .enumerate()
        .map(|(i, w)| {
            let opcode = if i == 0 {
                OpCode::Data(Data::Text)
            } else {
                OpCode::Data(Data::Continue)
            };
            Message::Frame(Frame::message(
                bytes[w[0]..w[1]].to_vec(),
                opcode,
                i == last,
            ))
        })
        .collect()
}

impl WsClient {
    /// Sends one message of any kind through tungstenite (which masks it).
    pub async fn send_message(&mut self, message: Message) {
        self.stream
            .send(message)
            .await
            .expect("sending a WebSocket message");
    }

    /// Writes `bytes` to the socket as they are, bypassing tungstenite; a write error (the
    /// server may close first) is ignored.
    pub async fn send_raw(&mut self, bytes: &[u8]) {
        if let MaybeTlsStream::Plain(tcp) = self.stream.get_mut() {
            let _ = tcp.write_all(bytes).await;
            let _ = tcp.flush().await;
        } else {
            panic!("raw frames need a plain TCP connection");
        }
    }
}

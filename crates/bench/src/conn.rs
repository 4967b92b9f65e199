//! Opening authenticated WebSocket connections, from a chosen loopback source address.
//!
//! One source address can open about 28,000 connections to one server port (the ephemeral
//! port range, 32768-60999 by default), so the `idle` workload spreads its connections over
//! `--source-ips` (127.0.0.1, 127.0.0.2, ...: all of 127.0.0.0/8 is loopback on Linux) when it
//! needs more. Buffers are kept small (4 KiB read buffer): the tool holds as many connections
//! as the server does, on the same machine.

use std::net::IpAddr;

use anyhow::Context as _;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::WebSocketStream;

use crate::target::Target;

/// An open connection.
pub type Ws = WebSocketStream<TcpStream>;

/// Opens `GET /api/v1/ws` with `Authorization: Bearer <token>`, from `source` if given.
pub async fn connect(target: &Target, token: &str, source: Option<IpAddr>) -> anyhow::Result<Ws> {
    let socket = if target.addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .context("opening a socket")?;
    if let Some(ip) = source {
        socket
            .bind((ip, 0).into())
            .with_context(|| format!("binding to {ip}"))?;
    }
    let stream = socket
        .connect(target.addr)
        .await
        .with_context(|| format!("connecting to {}", target.addr))?;
    stream.set_nodelay(true).context("TCP_NODELAY")?;
    let mut request = target
        .ws_url
        .as_str()
        .into_client_request()
        .context("WebSocket request")?;
    request.headers_mut().insert(
        "Authorization",
        HeaderValue::from_str(&format!("Bearer {token}")).context("token header")?,
    );
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(0);
    let (ws, _) = tokio_tungstenite::client_async_with_config(request, stream, Some(config))
        .await
        .context("WebSocket upgrade")?;
    Ok(ws)
}

//! A minimal WebSocket client for trying chat-server by hand (used by the README walkthrough).
//!
//! ```text
//! cargo run -p chat-server --example ws_client -- ws://127.0.0.1:8080/api/v1/ws <access token>
//! ```
//!
//! Prints every event the server sends, one JSON object per line, and sends each line typed on
//! stdin as a text frame (e.g. `{"type":"ping"}`).

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(token)) = (args.next(), args.next()) else {
        eprintln!("usage: ws_client <ws url> <access token>");
        std::process::exit(2);
    };
    let mut request = url.into_client_request()?;
    request.headers_mut().insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {token}"))?,
    );
    let (socket, _) = tokio_tungstenite::connect_async(request).await?;
    eprintln!("connected; type JSON frames, one per line");
    let (mut sink, mut stream) = socket.split();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    loop {
        tokio::select! {
            frame = stream.next() => match frame {
                Some(Ok(Message::Text(text))) => println!("{text}"),
                Some(Ok(Message::Close(reason))) => {
                    eprintln!("closed by server: {reason:?}");
                    return Ok(());
                }
                Some(Ok(_)) => {}
                Some(Err(error)) => return Err(error.into()),
                None => return Ok(()),
            },
            line = lines.next_line() => match line? {
                Some(line) if !line.trim().is_empty() => sink.send(Message::text(line)).await?,
                Some(_) => {}
                None => return Ok(()),
            },
        }
    }
}

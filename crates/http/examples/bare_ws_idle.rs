//! The baseline of the idle measurement: a bare actix-web + actix-ws server, nothing of ours.
//!
//! Issue 6 compares what an idle chat connection costs with what actix itself costs, and a
//! figure quoted from elsewhere says nothing about this machine, this allocator or these
//! crate versions. This server answers just enough of the API for `chat-bench idle` to run
//! against it unchanged (`/readyz`, register and login that accept anyone, `GET /api/v1/ws`),
//! and each WebSocket is the smallest thing actix-ws allows: one task that answers a ping
//! frame with a pong and a `{"type":"ping"}` text with `{"type":"pong"}`. No auth, no
//! gateway, no writer task, no outbound queue, no frame guard, no middleware, no spans.
//! Same workers as `chat-server` (actix's default, one per physical core).
//!
//! ```sh
//! cargo build --release -p chat-http --example bare_ws_idle
//! CHAT_HTTP_ADDR=127.0.0.1:18300 target/release/examples/bare_ws_idle &
//! target/release/chat-bench --url http://127.0.0.1:18300 --server-pid $! \
//!     --setup-concurrency 32 idle --connections 19000 --source-ips 127.0.0.1,127.0.0.2
//! ```

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use actix_ws::Message;

/// Registration: accepted, remembered nowhere.
async fn register() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({}))
}

/// Login: the same token for everyone (nothing checks it).
async fn login() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "user": {"id": "bare"},
        "access_token": "bare",
    }))
}

/// The upgrade and one task per connection, as the actix-ws documentation shows it.
async fn ws(request: HttpRequest, body: web::Payload) -> actix_web::Result<HttpResponse> {
    let (response, mut session, mut stream) = actix_ws::handle(&request, body)?;
    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = stream.recv().await {
            let answered = match message {
                Message::Ping(bytes) => session.pong(&bytes).await,
                Message::Text(text) if text.contains("\"ping\"") => {
                    session.text(r#"{"type":"pong"}"#).await
                }
                Message::Close(_) => break,
                _ => Ok(()),
            };
            if answered.is_err() {
                return;
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let address = std::env::var("CHAT_HTTP_ADDR").unwrap_or_else(|_| "127.0.0.1:18300".to_owned());
    let server = HttpServer::new(|| {
        App::new()
            .route(
                "/readyz",
                web::get().to(|| async { HttpResponse::Ok().json("ready") }),
            )
            .route("/api/v1/auth/register", web::post().to(register))
            .route("/api/v1/auth/login", web::post().to(login))
            .route("/api/v1/ws", web::get().to(ws))
    })
    .bind(&address)?;
    println!("bare_ws_idle listening on {address}");
    server.run().await
}

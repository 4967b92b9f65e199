//! Request ids, the request span and the access log.
//!
//! Every request runs inside a `request` span that carries its `request_id`, so every log line
//! written while handling it (use-case spans and WebSocket connection lines included) can be
//! tied to it. The id comes from an incoming `X-Request-Id` header when a proxy or client sent
//! a sane one (visible ASCII, at most [`MAX_INCOMING_LEN`] bytes), so one id follows a request
//! through several services; otherwise it is made here (a UUID v7, which sorts by time). It is
//! returned in the `X-Request-Id` response header either way.
//!
//! The access-log line names the matched route pattern (`/api/v1/rooms/{room_id}/messages`)
//! rather than the raw path, and never the query string: invite-link tokens travel in a path
//! and WebSocket access tokens in the query (`?access_token=`), and neither may reach a log.
//! The ids a line needs come from the use-case spans instead. A path that matched no route is
//! logged as it came, cut to [`MAX_LOGGED_PATH_CHARS`].

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use chat_domain::ids::Uuid;
use futures_util::future::LocalBoxFuture;
use tracing::Instrument;

/// The header a request id is read from and returned in.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The longest incoming id taken as is; a longer one is replaced.
pub const MAX_INCOMING_LEN: usize = 128;

/// How much of a path that matched no route is logged.
pub const MAX_LOGGED_PATH_CHARS: usize = 128;

/// The id of the request being handled, in the request's extensions for handlers that want it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The middleware (`App::new().wrap(actix_web::middleware::from_fn(request_id))`).
///
/// Its future is boxed. actix-http keeps the future of the outermost middleware inline in
/// every connection's dispatcher, for as long as the connection is open, so an unboxed one
/// (this function's span, id, clock and the inner call) would size the dispatcher task of every
/// idle WebSocket for a request it finished long ago; boxed, it is one allocation while a
/// request is handled (see `docs/idle-memory.md`). It is the outermost middleware, so this is
/// the one that matters.
pub fn request_id<B: MessageBody + 'static>(
    request: ServiceRequest,
    next: Next<B>,
) -> LocalBoxFuture<'static, Result<ServiceResponse<impl MessageBody>, Error>> {
    Box::pin(handle(request, next))
}

async fn handle(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = incoming_id(request.headers()).unwrap_or_else(|| Uuid::now_v7().to_string());
    let method = method_label(request.method());
    let span = tracing::info_span!("request", request_id = %id, method);
    request.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let result = next.call(request).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let duration_ms = (seconds * 1000.0 * 1000.0).round() / 1000.0;
    let _entered = span.enter();
    match result {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let path = logged_path(response.request());
            tracing::info!(method, path, status, duration_ms, "request");
            record(method, status, seconds);
            if let Ok(value) = HeaderValue::from_str(&id) {
                response
                    .headers_mut()
                    .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
            }
            Ok(response)
        }
        Err(error) => {
            let status = error.as_response_error().status_code().as_u16();
            tracing::info!(method, status, duration_ms, "request");
            record(method, status, seconds);
            Err(error)
        }
    }
}

/// The incoming `X-Request-Id` when it is sane: 1 to [`MAX_INCOMING_LEN`] bytes of visible
/// ASCII (no spaces, no control characters, nothing a log viewer could misread).
fn incoming_id(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(REQUEST_ID_HEADER)?.as_bytes();
    let sane = !raw.is_empty()
        && raw.len() <= MAX_INCOMING_LEN
        && raw.iter().all(|byte| byte.is_ascii_graphic());
    sane.then(|| String::from_utf8_lossy(raw).into_owned())
}

/// The matched route pattern, or the raw path (cut) when no route matched; never the query.
fn logged_path(request: &actix_web::HttpRequest) -> String {
    match request.match_pattern() {
        Some(pattern) => pattern,
        None => request.path().chars().take(MAX_LOGGED_PATH_CHARS).collect(),
    }
}

/// The method as a label of bounded cardinality: the standard ones, else `other`.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// `chat_http_requests_total` and `chat_http_request_duration_seconds`, by method and status.
fn record(method: &'static str, status: u16, seconds: f64) {
    let status = status.to_string();
    metrics::counter!("chat_http_requests_total", "method" => method, "status" => status.clone())
        .increment(1);
    metrics::histogram!("chat_http_request_duration_seconds", "method" => method, "status" => status)
        .record(seconds);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use actix_web::http::header::HeaderValue;
    use actix_web::middleware::from_fn;
    use actix_web::test::{init_service, TestRequest};
    use actix_web::{web, App, HttpResponse};

    use super::*;

    fn headers(value: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static(REQUEST_ID_HEADER),
            HeaderValue::from_bytes(value).unwrap(),
        );
        headers
    }

    #[test]
    fn a_sane_incoming_id_is_kept() {
        assert_eq!(
            incoming_id(&headers(b"edge-7f3a:42")).as_deref(),
            Some("edge-7f3a:42")
        );
    }

    #[test]
    fn an_incoming_id_with_spaces_or_of_excessive_length_is_refused() {
        assert_eq!(incoming_id(&headers(b"two words")), None);
        assert_eq!(incoming_id(&headers(&[b'a'; MAX_INCOMING_LEN + 1])), None);
        assert_eq!(incoming_id(&headers(b"caf\xc3\xa9")), None);
        assert!(incoming_id(&headers(&[b'a'; MAX_INCOMING_LEN])).is_some());
        assert_eq!(incoming_id(&HeaderMap::new()), None);
    }

    #[actix_web::test]
    async fn the_response_carries_the_incoming_id_or_a_made_one() {
        let app = init_service(
            App::new()
                .wrap(from_fn(request_id))
                .route("/x", web::get().to(HttpResponse::Ok)),
        )
        .await;

        let kept = TestRequest::get()
            .uri("/x?access_token=secret")
            .insert_header((REQUEST_ID_HEADER, "from-the-proxy"))
            .send_request(&app)
            .await;
        assert_eq!(
            kept.headers().get(REQUEST_ID_HEADER).unwrap(),
            "from-the-proxy"
        );

        let made = TestRequest::get()
            .uri("/missing")
            .insert_header((REQUEST_ID_HEADER, "no spaces allowed"))
            .send_request(&app)
            .await;
        assert_eq!(made.status(), 404);
        let id = made
            .headers()
            .get(REQUEST_ID_HEADER)
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(Uuid::parse_str(id).unwrap().get_version_num(), 7);
    }
}

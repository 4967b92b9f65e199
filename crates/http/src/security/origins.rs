//! [`AllowedOrigins`]: the allow-list of browser origins, used by CORS and the WebSocket
//! upgrade alike so the two can never disagree.

use actix_cors::Cors;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::Method;
use actix_web::HttpRequest;

/// Origins (`scheme://host[:port]`) that browser pages may call from, besides the server's own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    any: bool,
    origins: Vec<String>,
}

impl AllowedOrigins {
    /// Parses a comma-separated list; `*` allows every origin (meant for development only).
    pub fn parse(raw: &str) -> Self {
        let mut list = Self::default();
        for origin in raw.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            if origin == "*" {
                list.any = true;
            } else {
                list.origins
                    .push(origin.trim_end_matches('/').to_ascii_lowercase());
            }
        }
        list
    }

    /// Whether a request carrying `origin`, addressed to `host` (its `Host` header), may go on.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        self.any
            || self.origins.contains(&origin)
            || host.is_some_and(|host| same_origin(&origin, host))
    }

    /// Whether `request` (a WebSocket upgrade) comes from an allowed page or from no page at all.
    pub fn allows_request(&self, request: &HttpRequest) -> bool {
        let Some(origin) = request.headers().get(header::ORIGIN) else {
            return true;
        };
        let Ok(origin) = origin.to_str() else {
            return false;
        };
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|host| host.to_str().ok());
        self.allows(origin, host)
    }

    /// The origins, for the start-up log.
    pub fn describe(&self) -> String {
        if self.any {
            "*".to_owned()
        } else if self.origins.is_empty() {
            "(same origin only)".to_owned()
        } else {
            self.origins.join(",")
        }
    }
}

/// `http(s)://<host>` where `<host>` is exactly the request's `Host` (port included).
fn same_origin(origin: &str, host: &str) -> bool {
    let host = host.to_ascii_lowercase();
    origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .is_some_and(|rest| rest == host)
}

/// The CORS middleware for `allowed`.
///
/// A request from an origin that is not allowed is still served, without CORS headers, so
/// the browser withholds the answer from the page; refusing it here would only turn the
/// browser's clear CORS error into a confusing one, and native clients never send `Origin`.
pub fn cors(allowed: AllowedOrigins) -> Cors {
    Cors::default()
        .allowed_origin_fn(move |origin: &HeaderValue, head| {
            let host = head
                .headers()
                .get(header::HOST)
                .and_then(|host| host.to_str().ok());
            origin
                .to_str()
                .is_ok_and(|origin| allowed.allows(origin, host))
        })
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
        ])
        .block_on_origin_mismatch(false)
        .max_age(3600)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn listed_origins_are_allowed_whatever_their_case_or_trailing_slash() {
        let list = AllowedOrigins::parse("https://chat.example.com/, http://localhost:3000");
        assert!(list.allows("https://Chat.Example.com", None));
        assert!(list.allows("http://localhost:3000/", None));
        assert!(!list.allows("http://localhost:3001", None));
        assert!(!list.allows("https://evil.example.com", None));
    }

    #[test]
    fn the_default_list_allows_only_the_servers_own_origin() {
        let list = AllowedOrigins::parse("");
        assert!(list.allows("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!list.allows("http://127.0.0.1:9999", Some("127.0.0.1:8080")));
        assert!(!list.allows("http://evil.example", Some("127.0.0.1:8080")));
        assert!(!list.allows("null", Some("127.0.0.1:8080")));
    }

    #[test]
    fn a_star_allows_every_origin() {
        assert!(AllowedOrigins::parse("*").allows("https://anything.example", None));
    }

    #[test]
    fn requests_without_an_origin_are_native_clients_and_allowed() {
        let request = actix_web::test::TestRequest::default().to_http_request();
        assert!(AllowedOrigins::default().allows_request(&request));
        let request = actix_web::test::TestRequest::default()
            .insert_header((header::ORIGIN, "https://evil.example"))
            .insert_header((header::HOST, "chat.example.com"))
            .to_http_request();
        assert!(!AllowedOrigins::default().allows_request(&request));
    }
}

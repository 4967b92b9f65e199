//! The security headers on every HTTP response.
//!
//! The API returns JSON only, so the strictest policy costs nothing: no sniffing, no framing,
//! no referrer, nothing cached, and a content security policy that loads nothing. The one
//! exception is the browsable API documentation under `/api/docs`, a page with its own
//! scripts and styles, which gets a policy allowing them from its own origin only.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// For JSON responses: load nothing, frame nowhere.
const API_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";
/// For the documentation page: its own scripts, styles and images only.
const DOCS_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

/// Middleware (`actix_web::middleware::from_fn`) adding the headers a handler did not set.
pub async fn security_headers(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let docs = request.path().starts_with("/api/docs");
    let mut response = next.call(request).await?;
    let headers = response.headers_mut();
    let policy = if docs { DOCS_POLICY } else { API_POLICY };
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CONTENT_SECURITY_POLICY, policy),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-site",
        ),
    ] {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    if !docs && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use actix_web::middleware::from_fn;
    use actix_web::{test, web, App, HttpResponse};

    use super::*;

    #[actix_web::test]
    async fn every_response_carries_the_headers() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(security_headers))
                .route("/x", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let response =
            test::call_service(&app, test::TestRequest::get().uri("/x").to_request()).await;
        let headers = response.headers();
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert_eq!(headers.get("x-frame-options").unwrap(), "DENY");
        assert_eq!(headers.get("cache-control").unwrap(), "no-store");
        assert_eq!(headers.get("content-security-policy").unwrap(), API_POLICY);
        // 404s from the router get them too.
        let missing =
            test::call_service(&app, test::TestRequest::get().uri("/nope").to_request()).await;
        assert_eq!(missing.headers().get("x-frame-options").unwrap(), "DENY");
    }

    #[actix_web::test]
    async fn the_docs_page_may_load_its_own_scripts() {
        let app = test::init_service(
            App::new()
                .wrap(from_fn(security_headers))
                .route("/api/docs/index.html", web::get().to(HttpResponse::Ok)),
        )
        .await;
        let response = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/docs/index.html")
                .to_request(),
        )
        .await;
        assert_eq!(
            response.headers().get("content-security-policy").unwrap(),
            DOCS_POLICY
        );
        assert!(response.headers().get("cache-control").is_none());
    }
}

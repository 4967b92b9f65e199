//! `GET /api/openapi.json` (the OpenAPI document, itself documented) and Swagger UI at
//! `/api/docs/`.
//!
//! The document is rendered once when the routes are mounted. The UI's files come from the
//! `utoipa-swagger-ui-vendored` crate (nothing is downloaded at build time) and are not in the
//! document: they are a page for people, not part of the API.

use actix_web::http::header::{CACHE_CONTROL, LOCATION};
use actix_web::{web, HttpResponse};
use serde_json::Value;
use utoipa_swagger_ui::{Config, SwaggerUi};

use super::api::Api;
use crate::error::ErrorEnvelope;

/// Where the document is served.
const DOCUMENT_PATH: &str = "/api/openapi.json";

/// The rendered document.
#[derive(Debug, Clone)]
pub(super) struct DocumentJson(String);

impl DocumentJson {
    /// Renders [`crate::openapi::document_json`]; a document that cannot be rendered is
    /// served as an error envelope (and logged) rather than stopping the node.
    pub(super) fn render() -> Self {
        match crate::openapi::document_json() {
            Value::Null => Self(String::new()),
            json => Self(json.to_string()),
        }
    }
}

/// Registers `GET /api/openapi.json`.
pub(super) fn configure(api: &mut Api) {
    api.add::<__path_openapi_json, _, _>(openapi_json);
}

/// Mounts Swagger UI at `/api/docs/`, reading the document from `/api/openapi.json`;
/// `/api/docs` redirects there (the UI's files are relative to the trailing slash).
pub(super) fn configure_ui(config: &mut web::ServiceConfig) {
    config
        .service(
            super::resource("/api/docs", "GET".to_owned()).route(web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((LOCATION, "/api/docs/"))
                    .finish()
            })),
        )
        .service(SwaggerUi::new("/api/docs/{_:.*}").config(Config::from(DOCUMENT_PATH)));
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "operations",
    operation_id = "openapi_document",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json"),
        (status = 500, description = "`internal_error`: the document could not be rendered (logged)", body = ErrorEnvelope),
    )
)]
async fn openapi_json(document: web::Data<DocumentJson>) -> HttpResponse {
    if document.0.is_empty() {
        return actix_web::ResponseError::error_response(&crate::ApiError::Internal);
    }
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(document.0.clone())
}

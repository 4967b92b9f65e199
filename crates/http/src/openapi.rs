//! The OpenAPI 3.1 document: the operations come from the handlers' `#[utoipa::path]`
//! annotations through [`routes`](crate::routes) (the same list that mounts them), the title,
//! tags and the bearer scheme from [`ApiDoc`] here.
//!
//! Served at `GET /api/openapi.json`, with Swagger UI at `/api/docs` (its files are vendored in
//! a crates.io crate, so building downloads nothing).

use serde_json::Value;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as Document;
use utoipa::{Modify, OpenApi};

/// The name of the bearer security scheme the protected operations refer to.
pub const BEARER: &str = "bearer";

/// Everything in the document except its operations and their schemas.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "chat-system",
        description = "A self-hosted real-time chat backend. JSON over HTTP under `/api/v1`, \
                       one WebSocket per device at `/api/v1/ws` (its frames and events are in \
                       docs/protocol.md). Every error is `{\"error\": {\"code\", \"message\"}}` \
                       with a stable `code`."
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::error::ErrorBody)),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Accounts and tokens"),
        (name = "users", description = "Profiles, search, blocks and presence"),
        (name = "rooms", description = "The caller's rooms and read markers"),
        (name = "groups", description = "Creating, changing and deleting groups"),
        (name = "members", description = "A group's members, roles and ownership"),
        (name = "invites", description = "Invites into groups"),
        (name = "links", description = "Invite links"),
        (name = "messages", description = "Sending, history, edits and deletes"),
        (name = "realtime", description = "The WebSocket"),
        (name = "operations", description = "Probes, metrics and this document")
    )
)]
struct ApiDoc;

/// Adds the `bearer` scheme: an access token from login or refresh.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        scheme.description =
            Some("The `access_token` of `POST /api/v1/auth/login` or `/auth/refresh`.".to_owned());
        components.add_security_scheme(BEARER, SecurityScheme::Http(scheme));
    }
}

/// The document as served: [`document`] in JSON, with its response links spelled as OpenAPI
/// spells them (utoipa 5 writes a link's fields in snake_case: `operation_id`).
pub fn document_json() -> Value {
    let mut json = serde_json::to_value(document()).unwrap_or_else(|error| {
        tracing::error!(%error, "could not render the OpenAPI document");
        Value::Null
    });
    if let Some(paths) = json.get_mut("paths").and_then(Value::as_object_mut) {
        let operations = paths.values_mut().filter_map(Value::as_object_mut);
        let responses = operations
            .flat_map(|item| item.values_mut())
            .filter_map(|operation| operation.get_mut("responses"))
            .filter_map(Value::as_object_mut)
            .flat_map(|responses| responses.values_mut());
        for links in responses.filter_map(|response| response.get_mut("links")) {
            for link in links
                .as_object_mut()
                .into_iter()
                .flat_map(|l| l.values_mut())
            {
                camel_case_link(link);
            }
        }
    }
    json
}

/// Renames the snake_case fields of one link object.
fn camel_case_link(link: &mut Value) {
    let Some(link) = link.as_object_mut() else {
        return;
    };
    for (snake, camel) in [
        ("operation_id", "operationId"),
        ("operation_ref", "operationRef"),
        ("request_body", "requestBody"),
    ] {
        if let Some(value) = link.remove(snake) {
            link.insert(camel.to_owned(), value);
        }
    }
}

/// The whole document, from the mounted routes.
pub fn document() -> Document {
    let (paths, schemas) = crate::routes::api().document_parts();
    let mut document = ApiDoc::openapi();
    document.paths = paths;
    let components = document.components.get_or_insert_with(Default::default);
    for (name, schema) in schemas {
        components.schemas.insert(name, schema);
    }
    document
}

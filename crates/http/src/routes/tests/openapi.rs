//! The OpenAPI document against what actix really serves.
//!
//! The routes and the document are built from one list ([`super::super::api`]), so they
//! cannot drift by construction; these tests check that construction from the outside, in
//! both directions, without a second hand-kept list of routes:
//!
//! - documented ⊆ served: every documented (method, path), with its path parameters filled
//!   in, is answered by a handler: never the JSON fallback 404 `not_found` or the 405
//!   `method_not_allowed`.
//! - served ⊆ documented, for paths: the patterns of every resource in actix's own resource
//!   map (read from a request inside the real app) are exactly the documented paths, plus the
//!   Swagger UI's two resources, which are a page for people and deliberately undocumented.
//!   actix has no public iterator over its resources, so the map's `Debug` form is read;
//!   should that form change, the parse finds nothing and the test fails loudly rather than
//!   passing silently.
//! - served ⊆ documented, for methods: on every documented path, each method the document
//!   does not name answers 405 with an `Allow` header listing exactly the documented ones.
//!
//! Every request goes without a token and without a body, so each handler refuses it
//! (401, or 400 for a missing JSON body) before touching a store.

use std::collections::BTreeSet;

use actix_web::http::header::{ALLOW, CONTENT_TYPE, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::{test, web, App, HttpRequest};
use serde_json::Value;

use super::{state, Mocks};

/// Methods a client might try on any path.
const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// The resources mounted outside the document: Swagger UI and its redirect.
const UNDOCUMENTED: [&str; 2] = ["/api/docs", "/api/docs/{_:.*}"];

/// The probe this test adds to read actix's resource map.
const PROBE: &str = "/__resource_map";

fn document() -> Value {
    crate::openapi::document_json()
}

/// Every documented (METHOD, path).
fn documented_operations(document: &Value) -> Vec<(String, String)> {
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.to_uppercase().as_str()) {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(operations.len() > 30, "too few operations: {operations:?}");
    operations
}

/// `path` with each `{parameter}` replaced by a value that names nothing.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut in_parameter = false;
    for c in path.chars() {
        match c {
            '{' => in_parameter = true,
            '}' => {
                in_parameter = false;
                out.push_str("x1");
            }
            _ if !in_parameter => out.push(c),
            _ => {}
        }
    }
    out
}

/// Serves one request through the real app: its status, `Allow` header and `error.code`.
async fn serve(method: &str, uri: &str) -> (StatusCode, Option<String>, String) {
    let app =
        test::init_service(App::new().configure(crate::configure(state(Mocks::default())))).await;
    let request = test::TestRequest::default()
        .method(Method::from_bytes(method.as_bytes()).unwrap())
        .uri(uri)
        .to_request();
    let response = test::call_service(&app, request).await;
    let status = response.status();
    let allow = response
        .headers()
        .get(ALLOW)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = test::read_body(response).await;
    let code = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|body| body["error"]["code"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status, allow, code)
}

#[actix_web::test]
async fn every_documented_operation_reaches_a_handler() {
    for (method, path) in documented_operations(&document()) {
        let (status, _, code) = serve(&method, &concrete(&path)).await;
        assert!(
            status != StatusCode::METHOD_NOT_ALLOWED && code != "not_found",
            "{method} {path} is documented but not served: {status} {code}"
        );
    }
}

#[actix_web::test]
async fn methods_the_document_does_not_name_are_refused_with_the_documented_allow_list() {
    let document = document();
    let operations = documented_operations(&document);
    for path in document["paths"].as_object().unwrap().keys() {
        let documented: BTreeSet<&str> = operations
            .iter()
            .filter(|(_, p)| p == path)
            .map(|(m, _)| m.as_str())
            .collect();
        for method in METHODS.iter().filter(|m| !documented.contains(*m)) {
            let (status, allow, code) = serve(method, &concrete(path)).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
                "{method} {path} is served but not documented"
            );
            let allowed: BTreeSet<&str> = allow.as_deref().unwrap().split(", ").collect();
            assert_eq!(allowed, documented, "Allow of {path}");
        }
    }
}

#[actix_web::test]
async fn actix_mounts_exactly_the_documented_paths() {
    let app = test::init_service(
        App::new()
            .configure(crate::configure(state(Mocks::default())))
            .route(
                PROBE,
                web::get()
                    .to(|req: HttpRequest| async move { format!("{:?}", req.resource_map()) }),
            ),
    )
    .await;
    let map =
        test::call_and_read_body(&app, test::TestRequest::get().uri(PROBE).to_request()).await;
    let map = String::from_utf8(map.to_vec()).unwrap();
    let mounted: BTreeSet<String> = resource_patterns(&map)
        .into_iter()
        .filter(|pattern| pattern != PROBE && !pattern.is_empty())
        .collect();

    let document = document();
    let mut expected: BTreeSet<String> = document["paths"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    expected.extend(UNDOCUMENTED.iter().map(|p| (*p).to_owned()));
    assert_eq!(mounted, expected, "mounted resources vs the document");
}

/// Every `Single("<pattern>")` in the `Debug` form of a `ResourceMap`.
fn resource_patterns(map: &str) -> Vec<String> {
    const MARK: &str = "Single(\"";
    let mut patterns = Vec::new();
    let mut rest = map;
    while let Some(start) = rest.find(MARK) {
        rest = &rest[start + MARK.len()..];
        let end = rest.find("\")").unwrap();
        patterns.push(rest[..end].replace("\\\"", "\""));
        rest = &rest[end..];
    }
    patterns
}

#[actix_web::test]
async fn every_schema_reference_resolves_and_the_version_is_3_1() {
    let document = document();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let schemas = document["components"]["schemas"].as_object().unwrap();
    let mut references = Vec::new();
    collect_references(&document, &mut references);
    assert!(!references.is_empty());
    for reference in references {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected reference {reference}"));
        assert!(schemas.contains_key(name), "dangling reference {reference}");
    }
}

fn collect_references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference.clone());
            }
            map.values().for_each(|v| collect_references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_references(v, out)),
        _ => {}
    }
}

#[actix_web::test]
async fn protected_operations_name_the_bearer_scheme_and_public_ones_do_not() {
    let document = document();
    assert_eq!(
        document["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let public = [
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/openapi.json",
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
    ];
    for (method, path) in documented_operations(&document) {
        let operation = &document["paths"][&path][method.to_lowercase()];
        let security = operation["security"].to_string();
        assert_eq!(
            !public.contains(&path.as_str()),
            security.contains("\"bearer\""),
            "{method} {path}: security {security}"
        );
        if security.contains("\"bearer\"") {
            assert!(
                operation["responses"]["401"].is_object(),
                "{method} {path} needs a 401"
            );
        }
    }
}

#[actix_web::test]
async fn the_document_and_its_ui_are_served() {
    let app =
        test::init_service(App::new().configure(crate::configure(state(Mocks::default())))).await;
    let response = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/api/openapi.json")
            .to_request(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers().get(CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let served: Value = test::read_body_json(response).await;
    assert_eq!(served, document());

    let response =
        test::call_service(&app, test::TestRequest::get().uri("/api/docs").to_request()).await;
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers().get(LOCATION).unwrap(), "/api/docs/");

    let page = test::call_and_read_body(
        &app,
        test::TestRequest::get().uri("/api/docs/").to_request(),
    )
    .await;
    assert!(String::from_utf8_lossy(&page).contains("swagger-ui"));
    let initializer = test::call_and_read_body(
        &app,
        test::TestRequest::get()
            .uri("/api/docs/swagger-initializer.js")
            .to_request(),
    )
    .await;
    assert!(String::from_utf8_lossy(&initializer).contains("/api/openapi.json"));
}

#[actix_web::test]
async fn every_link_names_an_operation_of_the_document() {
    let document = document();
    let mut operation_ids = BTreeSet::new();
    let mut targets = Vec::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            operation_ids.insert(operation["operationId"].as_str().unwrap().to_owned());
            for response in operation["responses"].as_object().unwrap().values() {
                for (name, link) in response["links"].as_object().into_iter().flatten() {
                    assert!(link.get("operation_id").is_none(), "{name}: {link}");
                    targets.push((
                        name.clone(),
                        link["operationId"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
    }
    assert!(targets.len() > 20, "{targets:?}");
    for (name, target) in targets {
        assert!(
            operation_ids.contains(&target),
            "link {name} names {target}"
        );
    }
}

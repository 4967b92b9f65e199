//! [`Api`]: the one declaration of the HTTP surface. Each handler is added with the
//! `#[utoipa::path]` it carries, and both the actix routes and the OpenAPI document are built
//! from that list, so the router and the document cannot disagree.
//!
//! `Api::add::<__path_handler>(handler)` registers `handler` at the method and path its
//! annotation names (`__path_<fn>` is the type utoipa generates for an annotated fn). The
//! route modules only ever see an `&mut Api`, never actix's `ServiceConfig`: a route cannot be
//! mounted without being documented. Handlers sharing a path become one actix resource whose
//! other methods answer the JSON 405 with an `Allow` header listing exactly the documented
//! methods, in the order they were added.

use actix_web::http::Method;
use actix_web::{web, FromRequest, Handler, Responder, Route};
use utoipa::openapi::path::{HttpMethod, Operation, Paths};
use utoipa::openapi::{RefOr, Schema};

/// One method of one path: its actix route and its documented operation.
struct Endpoint {
    path: String,
    method: HttpMethod,
    operation: Operation,
    route: Route,
}

/// Every endpoint, in the order they were added (actix tries resources in that order, which is
/// why `/users/me` is added before `/users/{id}`).
#[derive(Default)]
pub(crate) struct Api {
    endpoints: Vec<Endpoint>,
    schemas: Vec<(String, RefOr<Schema>)>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(
                self.endpoints.iter().map(|endpoint| {
                    format!("{} {}", actix_method(&endpoint.method), endpoint.path)
                }),
            )
            .finish()
    }
}

impl Api {
    /// Adds `handler` at every method and the path of its annotation `P`, with the schemas
    /// that annotation refers to.
    pub(crate) fn add<P, F, Args>(&mut self, handler: F) -> &mut Self
    where
        P: utoipa::Path + utoipa::__dev::SchemaReferences,
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        // `__dev::SchemaReferences` is how utoipa's own router integrations collect the
        // schemas of a path; the document test fails on any `$ref` it would leave dangling.
        P::schemas(&mut self.schemas);
        let path = P::path();
        for method in P::methods() {
            self.endpoints.push(Endpoint {
                path: path.clone(),
                route: web::route()
                    .method(actix_method(&method))
                    .to(handler.clone()),
                method,
                operation: P::operation(),
            });
        }
        self
    }

    /// The documented paths with their operations, and the schemas they refer to.
    pub(crate) fn document_parts(&self) -> (Paths, Vec<(String, RefOr<Schema>)>) {
        let mut paths = Paths::new();
        for endpoint in &self.endpoints {
            paths.add_path_operation(
                &endpoint.path,
                vec![endpoint.method.clone()],
                endpoint.operation.clone(),
            );
        }
        (paths, self.schemas.clone())
    }

    /// The actix resources: one per path, in the order paths were first added, each with
    /// its routes and a JSON 405 listing them.
    pub(crate) fn into_resources(self) -> Vec<actix_web::Resource> {
        let mut grouped: Vec<(String, Vec<(HttpMethod, Route)>)> = Vec::new();
        for endpoint in self.endpoints {
            let route = (endpoint.method, endpoint.route);
            match grouped.iter_mut().find(|(path, _)| *path == endpoint.path) {
                Some((_, routes)) => routes.push(route),
                None => grouped.push((endpoint.path, vec![route])),
            }
        }
        grouped
            .into_iter()
            .map(|(path, routes)| {
                let allow = routes
                    .iter()
                    .map(|(method, _)| actix_method(method).to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                routes
                    .into_iter()
                    .fold(super::resource(&path, allow), |resource, (_, route)| {
                        resource.route(route)
                    })
            })
            .collect()
    }
}

fn actix_method(method: &HttpMethod) -> Method {
    match method {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
        HttpMethod::Put => Method::PUT,
        HttpMethod::Delete => Method::DELETE,
        HttpMethod::Options => Method::OPTIONS,
        HttpMethod::Head => Method::HEAD,
        HttpMethod::Patch => Method::PATCH,
        HttpMethod::Trace => Method::TRACE,
    }
}

//! Plain HTTP helpers: every request returns an [`ApiResponse`] with the status and the body
//! already read, so a test asserts on both without juggling futures.

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

use super::app::TestApp;

/// A finished HTTP exchange.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The raw body.
    pub text: String,
    /// The body parsed as JSON; `Value::Null` when it is empty or not JSON.
    pub body: Value,
}

impl ApiResponse {
    /// Panics (with the body, for diagnosis) unless the status is `expected`.
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status, expected,
            "expected HTTP {expected}, got {} with body {}",
            self.status, self.text
        );
        self
    }

    /// `body[key]`, panicking with the whole body if it is missing.
    pub fn field(&self, key: &str) -> &Value {
        self.body
            .get(key)
            .unwrap_or_else(|| panic!("response has no `{key}`: {}", self.text))
    }

    async fn read(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response.text().await.expect("reading the response body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self {
            status,
            content_type,
            text,
            body,
        }
    }
}

impl TestApp {
    fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(token) => builder.header(AUTHORIZATION, format!("Bearer {token}")),
            None => builder,
        }
    }

    async fn execute(builder: RequestBuilder) -> ApiResponse {
        let response = builder.send().await.expect("sending the HTTP request");
        ApiResponse::read(response).await
    }

    /// `GET path` with an optional bearer token.
    pub async fn get(&self, path: &str, token: Option<&str>) -> ApiResponse {
        Self::execute(self.request(Method::GET, path, token)).await
    }

    /// `POST path` with a JSON body and an optional bearer token.
    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> ApiResponse {
        Self::execute(self.request(Method::POST, path, token).json(body)).await
    }

    /// `PATCH path` with a JSON body and an optional bearer token.
    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> ApiResponse {
        Self::execute(self.request(Method::PATCH, path, token).json(body)).await
    }

    /// `DELETE path` without a body, with an optional bearer token.
    pub async fn delete(&self, path: &str, token: Option<&str>) -> ApiResponse {
        Self::execute(self.request(Method::DELETE, path, token)).await
    }

    /// `POST path` with `raw` as the body, labelled `application/json` whatever it contains.
    pub async fn post_raw(&self, path: &str, token: Option<&str>, raw: &str) -> ApiResponse {
        let builder = self
            .request(Method::POST, path, token)
            .header(CONTENT_TYPE, "application/json")
            .body(raw.to_owned());
        Self::execute(builder).await
    }

    /// A request with an arbitrary `Authorization` header value (for malformed-token tests).
    pub async fn get_with_authorization(&self, path: &str, authorization: &str) -> ApiResponse {
        let builder = self
            .client
            .get(self.url(path))
            .header(AUTHORIZATION, authorization);
        Self::execute(builder).await
    }
}

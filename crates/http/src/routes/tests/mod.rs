//! The routes through a real actix service over mockall ports: the harness, and the answers
//! that succeed. [`rejections`] holds the requests that must be refused;
//! [`group_rejections`] (malformed requests) and [`value_rejections`] (refused values) the
//! same for groups, members, invites, links, blocks, presence and message changes;
//! [`group_answers`] the shapes of their answers.
//!
//! Every port a test does not script is a mock without expectations, so touching it panics
//! the test: that is how the rejection tests prove nothing reached a store.

mod group_answers;
mod group_rejections;
mod openapi;
mod rejections;
mod value_rejections;

use std::sync::Arc;

use actix_web::http::header::{ALLOW, AUTHORIZATION, CONTENT_TYPE};
use actix_web::http::{Method, StatusCode};
use actix_web::{test, App};
use async_trait::async_trait;
use chat_app::admin::{AdminPolicy, AdminService};
use chat_app::auth::AuthService;
use chat_app::blocks::BlockService;
use chat_app::groups::GroupService;
use chat_app::messaging::{MessagingService, PendingSends};
use chat_app::ordering::PublishOrder;
use chat_app::presence::PresenceService;
use chat_app::users::UserService;
use chat_app::{AppConfig, Ports};
use chat_domain::ids::Uuid;
use chat_domain::{SessionId, Timestamp, UserId};
use chat_ports::{
    AccessClaims, MockBlockStore, MockClock, MockDeadLetterStore, MockEventBus, MockIdGenerator,
    MockInviteStore, MockJobQueue, MockMessageStore, MockPasswordHasher, MockPresenceTracker,
    MockRoomStore, MockSessionStore, MockTokenIssuer, MockUserStore, PasswordHash, TokenError,
};
use serde_json::{json, Value};

use crate::{AppState, Gateway, HttpLimits, MetricsSource, Readiness};

/// The one access token the mocked issuer accepts.
const GOOD_TOKEN: &str = "good-token";

/// The ports a test scripts; everything else is an expectation-free mock.
#[derive(Default)]
struct Mocks {
    users: MockUserStore,
    rooms: MockRoomStore,
    messages: MockMessageStore,
    invites: MockInviteStore,
    bus: MockEventBus,
    hasher: MockPasswordHasher,
    clock: MockClock,
    ids: MockIdGenerator,
    ready: Option<String>,
    max_json_bytes: Option<usize>,
}

/// A readiness probe over SQL and Redis with a fixed answer: the one named in it is down.
struct FixedReadiness(Option<String>);

#[async_trait]
impl Readiness for FixedReadiness {
    async fn check(&self) -> Vec<crate::DependencyCheck> {
        ["sql", "redis"]
            .into_iter()
            .map(|name| crate::DependencyCheck {
                name,
                up: self.0.as_deref() != Some(name),
            })
            .collect()
    }
}

/// A node whose metrics render as a fixed text.
struct NoMetrics;

#[async_trait]
impl MetricsSource for NoMetrics {
    async fn render(&self) -> String {
        "# no metrics here\n".to_owned()
    }
}

/// An [`AppState`] over `mocks`, with a token issuer that accepts [`GOOD_TOKEN`].
fn state(mocks: Mocks) -> AppState {
    let mut tokens = MockTokenIssuer::new();
    tokens.expect_verify_access().returning(|token| {
        if token == GOOD_TOKEN {
            Ok(AccessClaims {
                user_id: UserId::new_v7(),
                session_id: SessionId::new_v7(),
            })
        } else {
            Err(TokenError::Invalid)
        }
    });
    let ports = Ports {
        users: Arc::new(mocks.users),
        rooms: Arc::new(mocks.rooms),
        messages: Arc::new(mocks.messages),
        sessions: Arc::new(MockSessionStore::new()),
        dead_letters: Arc::new(MockDeadLetterStore::new()),
        invites: Arc::new(mocks.invites),
        blocks: Arc::new(MockBlockStore::new()),
        presence: Arc::new(MockPresenceTracker::new()),
        queue: Arc::new(MockJobQueue::new()),
        bus: Arc::new(mocks.bus),
        hasher: Arc::new(mocks.hasher),
        tokens: Arc::new(tokens),
        clock: Arc::new(mocks.clock),
        ids: Arc::new(mocks.ids),
    };
    let limits = HttpLimits {
        max_json_bytes: mocks
            .max_json_bytes
            .unwrap_or(HttpLimits::default().max_json_bytes),
        ..HttpLimits::default()
    };
    let auth = Arc::new(AuthService::new(ports.clone()));
    let revoked = Arc::clone(auth.revoked());
    AppState {
        auth,
        users: Arc::new(UserService::new(ports.clone())),
        messaging: Arc::new(MessagingService::new(
            ports.clone(),
            AppConfig::default(),
            PendingSends::new(),
            Arc::new(PublishOrder::new()),
        )),
        groups: Arc::new(GroupService::new(ports.clone(), AppConfig::default())),
        blocks: Arc::new(BlockService::new(ports.clone())),
        presence: Arc::new(PresenceService::new(ports.clone(), AppConfig::default())),
        admin: Arc::new(AdminService::new(ports, AdminPolicy::default(), revoked)),
        gateway: Gateway::new(limits.ws_outbound_buffer),
        readiness: Arc::new(FixedReadiness(mocks.ready)),
        metrics: Arc::new(NoMetrics),
        limits,
    }
}

/// Serves one request and returns the status, the `Allow` header and the JSON body.
async fn call(mocks: Mocks, request: test::TestRequest) -> (StatusCode, Option<String>, Value) {
    let app = test::init_service(App::new().configure(crate::configure(state(mocks)))).await;
    let response = test::call_service(&app, request.to_request()).await;
    let status = response.status();
    let allow = response
        .headers()
        .get(ALLOW)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = test::read_body(response).await;
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    (status, allow, body)
}

/// `request` with the accepted bearer token.
fn authed(request: test::TestRequest) -> test::TestRequest {
    request.insert_header((AUTHORIZATION, format!("Bearer {GOOD_TOKEN}")))
}

/// The `error.code` of a response body.
fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

/// A JSON `POST`.
fn post_json(uri: &str, body: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri(uri)
        .insert_header((CONTENT_TYPE, "application/json"))
        .set_payload(body.to_owned())
}

/// An authenticated request with a JSON body.
fn json(method: Method, uri: &str, body: &str) -> test::TestRequest {
    authed(
        test::TestRequest::default()
            .method(method)
            .uri(uri)
            .insert_header((CONTENT_TYPE, "application/json"))
            .set_payload(body.to_owned()),
    )
}

/// An authenticated request without a body.
fn bare(method: Method, uri: &str) -> test::TestRequest {
    authed(test::TestRequest::default().method(method).uri(uri))
}

/// Sends `request` to an app over expectation-free mocks; asserts the status and the code.
async fn refused(request: test::TestRequest, expected: (StatusCode, &str), case: &str) {
    let (status, _, body) = call(Mocks::default(), request).await;
    assert_eq!((status, code(&body)), expected, "{case}");
}

#[actix_web::test]
async fn health_probes_report_liveness_and_readiness() {
    let (status, _, body) = call(Mocks::default(), test::TestRequest::get().uri("/healthz")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let (status, _, body) = call(Mocks::default(), test::TestRequest::get().uri("/readyz")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::OK,
            json!({"status": "ok", "dependencies": {"sql": "up", "redis": "up"}})
        )
    );
    let down = Mocks {
        ready: Some("redis".into()),
        ..Mocks::default()
    };
    let (status, _, body) = call(down, test::TestRequest::get().uri("/readyz")).await;
    assert_eq!(
        (status, body),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"status": "unavailable", "dependencies": {"sql": "up", "redis": "down"}})
        )
    );
}

#[actix_web::test]
async fn register_answers_201_with_the_lowercased_user() {
    let mut mocks = Mocks::default();
    mocks
        .hasher
        .expect_hash()
        .returning(|_| Ok(PasswordHash("$2b$hash".into())));
    mocks.ids.expect_new_id().returning(Uuid::now_v7);
    mocks
        .clock
        .expect_now()
        .returning(|| Timestamp::from_unix_millis(1_700_000_000_123));
    mocks.users.expect_insert().times(1).returning(|_| Ok(()));
    let request = post_json(
        "/api/v1/auth/register",
        r#"{"username": "Alice", "password": "secret-pw", "extra": 1}"#,
    );
    let (status, _, body) = call(mocks, request).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body["user"]["username"], "alice");
    assert!(body["user"]["id"].is_string());
}

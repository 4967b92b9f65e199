//! What every handler shares.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chat_app::admin::AdminService;
use chat_app::auth::AuthService;
use chat_app::blocks::BlockService;
use chat_app::groups::GroupService;
use chat_app::messaging::MessagingService;
use chat_app::presence::PresenceService;
use chat_app::users::UserService;

use crate::limits::{RateLimits, RateSettings};
use crate::security::AllowedOrigins;
use crate::ws::Gateway;

/// Answers whether this node's stores respond (`/readyz`).
#[async_trait]
pub trait Readiness: Send + Sync {
    /// One answer per dependency this node uses, each within a bounded time.
    async fn check(&self) -> Vec<DependencyCheck>;
}

/// Whether one dependency answered the readiness check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DependencyCheck {
    /// `sql`, `mongodb` or `redis`.
    pub name: &'static str,
    /// Whether it answered in time.
    pub up: bool,
}

/// This node's metrics for `/metrics`, in the Prometheus text format.
///
/// Counters and histograms are recorded where things happen, through the `metrics` facade;
/// the source samples what is only known by asking (queue depth, say) and renders them all.
#[async_trait]
pub trait MetricsSource: Send + Sync {
    /// Samples the scrape-time figures, then renders every metric; a figure that cannot be
    /// read is left at its last value, never an error.
    async fn render(&self) -> String;
}

/// WebSocket connections per user and node unless configured otherwise: a handful of
/// devices with room to spare, far below what one account could use to exhaust a node.
pub const DEFAULT_MAX_CONNECTIONS_PER_USER: usize = 20;

/// Limits and browser policy of the delivery layer.
#[derive(Debug, Clone)]
pub struct HttpLimits {
    /// Largest JSON request body, in bytes.
    pub max_json_bytes: usize,
    /// Largest WebSocket frame a client may send, in bytes (bigger closes with 1009).
    pub max_ws_frame_bytes: usize,
    /// Events buffered per connection before it counts as a slow consumer (closed with 1013).
    pub ws_outbound_buffer: usize,
    /// How often the server pings an idle connection.
    pub ws_ping_interval: Duration,
    /// How long without any frame from the client before the connection is dropped.
    pub ws_client_timeout: Duration,
    /// WebSocket connections one user may hold on this node (`None`: no limit); one more is
    /// refused with 429 `too_many_connections` before the upgrade.
    pub max_connections_per_user: Option<usize>,
    /// The rate limits' live buckets, shared by every worker of the node.
    pub rates: Arc<RateLimits>,
    /// Browser origins allowed to open a WebSocket (the CORS list too).
    pub allowed_origins: AllowedOrigins,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_json_bytes: 64 * 1024,
            max_ws_frame_bytes: 64 * 1024,
            ws_outbound_buffer: 1024,
            ws_ping_interval: Duration::from_secs(20),
            ws_client_timeout: Duration::from_secs(60),
            max_connections_per_user: Some(DEFAULT_MAX_CONNECTIONS_PER_USER),
            rates: Arc::new(RateLimits::new(&RateSettings::default())),
            allowed_origins: AllowedOrigins::default(),
        }
    }
}

/// The services and settings handlers use; cloned into every actix worker.
#[derive(Clone)]
pub struct AppState {
    /// Accounts and tokens.
    pub auth: Arc<AuthService>,
    /// Profiles and search.
    pub users: Arc<UserService>,
    /// Sending, rooms and history, edits, receipts, typing, resume.
    pub messaging: Arc<MessagingService>,
    /// Groups, invites, invite links, members and roles.
    pub groups: Arc<GroupService>,
    /// Blocks between users.
    pub blocks: Arc<BlockService>,
    /// Who is online (this node's connections feed it).
    pub presence: Arc<PresenceService>,
    /// Administration: who administers, locks, disconnects, dead letters.
    pub admin: Arc<AdminService>,
    /// This node's WebSocket connections.
    pub gateway: Arc<Gateway>,
    /// Store health for `/readyz`.
    pub readiness: Arc<dyn Readiness>,
    /// Node figures for `/metrics`.
    pub metrics: Arc<dyn MetricsSource>,
    /// Limits.
    pub limits: HttpLimits,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

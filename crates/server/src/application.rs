//! One running node: HTTP and WebSocket serving, the job workers, the event pump, and the
//! orderly shutdown that ties them together.
//!
//! Shutdown order (SIGINT or SIGTERM): WebSocket connections are closed with 1001, the HTTP
//! server stops accepting and finishes in-flight requests (sends still waiting for their
//! commit get it, because the workers are still running), then the workers drain the queue,
//! and only then does the process exit.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer};
use anyhow::Context;
use chat_app::access_cache::SendAccessCache;
use chat_app::admin::AdminService;
use chat_app::auth::{AuthService, RevokedSessions};
use chat_app::blocks::BlockService;
use chat_app::events::run_event_pump;
use chat_app::groups::GroupService;
use chat_app::messaging::{MessagingService, PendingSends};
use chat_app::ordering::PublishOrder;
use chat_app::presence::PresenceService;
use chat_app::users::UserService;
use chat_app::worker::JobWorkers;
use chat_app::AppConfig;
use chat_http::limits::RateLimits;
use chat_http::security::{cors, security_headers};
use chat_http::{AppState, Gateway, HttpLimits};
use chat_ports::{JobPayload, NewJob, Priority};
use tokio::sync::watch;

use crate::exporter::{self, NodeMetrics};
use crate::protection::Profile;
use crate::readiness::redact;
use crate::revocations;
use crate::settings::Settings;
use crate::wiring;

/// How often expired sessions and spent refresh tokens are pruned.
const PRUNE_INTERVAL: Duration = Duration::from_secs(3600);
/// How long spent refresh tokens and revoked sessions are kept.
const SESSION_RETENTION_MILLIS: i64 = 30 * 24 * 3600 * 1000;

/// Runs a node until SIGINT or SIGTERM, then shuts it down in order.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    // First, so that whatever any crate records from here on is exported.
    let metrics_handle = exporter::install().context("installing the metrics recorder")?;
    let wiring = wiring::connect(&settings).await?;
    // Every use case of this node reads send access through the node's cache.
    let access = SendAccessCache::new();
    let ports = access.wrap(wiring.ports.clone());
    let config = AppConfig {
        max_body_chars: settings.max_body_chars,
        max_group_members: settings.max_group_members,
        max_rooms_per_user: settings.max_rooms_per_user,
        invite_ttl: settings.invite_ttl,
        edit_window: settings.edit_window,
        presence_grace: settings.presence_grace,
        group_commit_interval: settings.group_commit_interval,
        ..AppConfig::default()
    };
    let protection = &settings.protection;
    let limits = HttpLimits {
        max_json_bytes: protection.max_request_bytes,
        max_ws_frame_bytes: settings.max_ws_frame_bytes,
        ws_outbound_buffer: settings.ws_outbound_buffer.max(16),
        max_connections_per_user: protection.max_connections_per_user,
        rates: Arc::new(RateLimits::new(&protection.rates)),
        allowed_origins: protection.allowed_origins.clone(),
        ..HttpLimits::default()
    };
    log_protection(&settings);
    let pending = PendingSends::new();
    let (shutdown_sender, shutdown) = watch::channel(false);

    // Subscribe before serving, so no event published after the first request is missed.
    let events = ports
        .bus
        .subscribe()
        .await
        .context("subscribing to the event bus")?;
    let gateway = Gateway::new(limits.ws_outbound_buffer);
    // The logins revoked within an access token's lifetime: refused on plain HTTP too.
    let revoked = Arc::new(RevokedSessions::new(
        settings.access_token_ttl,
        Arc::clone(&ports.clock),
    ));
    let pump = tokio::spawn(run_event_pump(
        Arc::clone(&ports.bus),
        events,
        Arc::clone(&pending),
        Arc::clone(&access),
        Arc::clone(&revoked),
        gateway.clone(),
        shutdown.clone(),
    ));
    // One publish order per node: commits, edits and deletes publish in rev order.
    let order = Arc::new(PublishOrder::new());
    let workers = JobWorkers::new(
        ports.clone(),
        config.clone(),
        Arc::clone(&pending),
        Arc::clone(&order),
    );
    let worker_handles = workers.spawn(settings.workers, shutdown.clone());
    let pruner = tokio::spawn(prune_sessions_periodically(ports.clone(), shutdown.clone()));
    let upkeep = tokio::spawn(exporter::run_upkeep(
        metrics_handle.clone(),
        shutdown.clone(),
    ));

    let auth = Arc::new(AuthService::with_revoked(
        ports.clone(),
        Arc::clone(&revoked),
    ));
    auth.warm_up().await;
    // Before serving, so a restarted node refuses what was revoked while it was down.
    revocations::refresh_once(&auth).await;
    let revocation_reader = tokio::spawn(revocations::refresh_periodically(
        Arc::clone(&auth),
        shutdown.clone(),
    ));
    let state = AppState {
        auth,
        users: Arc::new(UserService::new(ports.clone())),
        messaging: Arc::new(MessagingService::new(
            ports.clone(),
            config.clone(),
            Arc::clone(&pending),
            order,
        )),
        groups: Arc::new(GroupService::new(ports.clone(), config.clone())),
        blocks: Arc::new(BlockService::new(ports.clone())),
        presence: Arc::new(PresenceService::new(ports.clone(), config)),
        admin: Arc::new(AdminService::new(
            ports.clone(),
            settings.admin_policy(),
            revoked,
        )),
        gateway: Arc::clone(&gateway),
        readiness: wiring.readiness.clone(),
        metrics: Arc::new(NodeMetrics::new(metrics_handle, Arc::clone(&ports.queue))),
        limits,
    };
    let listener = TcpListener::bind(settings.http_addr)
        .with_context(|| format!("binding {}", settings.http_addr))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let grace = settings.shutdown_grace;
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(security_headers))
            .wrap(cors(state.limits.allowed_origins.clone()))
            .wrap(from_fn(chat_http::middleware::request_id))
            .configure(chat_http::configure(state.clone()))
    })
    // Nagle's algorithm holds a small write back until the previous one is acknowledged, and
    // a client's delayed ACK can take 40 ms: with it on, about one event in a hundred reached
    // its recipient 40-45 ms late under the pairs load (docs/benchmarks.md). A chat server's
    // writes are small and urgent, and the WebSocket writer already batches what is ready.
    .tcp_nodelay(true)
    .listen(listener)
    .context("listening")?
    .disable_signals()
    .shutdown_timeout(grace.as_secs())
    .run();
    let handle = server.handle();
    let server_task = tokio::spawn(server);
    tracing::info!(%address, database = %redact(&settings.database_url), log_format = ?settings.log_format, "chat-server started");
    // The one line on stdout: scripts and the end-to-end tests read the port from it.
    println!("chat-server listening on {address}");

    tokio::select! {
        signal = shutdown_signal() => tracing::info!(signal, "shutting down"),
        result = server_task => {
            result.context("HTTP server task")?.context("HTTP server")?;
            tracing::warn!("HTTP server stopped on its own; shutting down");
        }
    }
    gateway.shutdown();
    handle.stop(true).await;
    let _ = shutdown_sender.send(true);
    let drained = tokio::time::timeout(grace, futures_join(worker_handles)).await;
    if drained.is_err() {
        tracing::warn!(pending = ?ports.queue.pending().await.ok(), "shutdown grace ran out before the queue drained");
    }
    pruner.abort();
    revocation_reader.abort();
    upkeep.abort();
    pump.abort();
    tracing::info!("chat-server stopped");
    Ok(())
}

/// One line with the limits in force; the `bench` profile also warns, every start.
fn log_protection(settings: &Settings) {
    let protection = &settings.protection;
    let show =
        |rate: Option<chat_http::limits::Rate>| rate.map_or("off".to_owned(), |r| r.to_string());
    tracing::info!(
        profile = settings.profile.name(),
        bcrypt_cost = settings.bcrypt_cost,
        login_per_username = %show(protection.rates.login_per_username),
        login_per_ip = %show(protection.rates.login_per_ip),
        register_per_ip = %show(protection.rates.register_per_ip),
        sends_per_user = %show(protection.rates.sends_per_user),
        sends_per_room = %show(protection.rates.sends_per_room),
        max_connections_per_user = ?protection.max_connections_per_user,
        max_request_bytes = protection.max_request_bytes,
        allowed_origins = %protection.allowed_origins.describe(),
        "limits in force (per node)"
    );
    if settings.profile == Profile::Bench {
        tracing::warn!(
            bcrypt_cost = settings.bcrypt_cost,
            "BENCH PROFILE: low bcrypt cost and rate limits lifted, for load tests only; never expose this node to real users"
        );
    }
}

async fn futures_join(handles: Vec<tokio::task::JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.await;
    }
}

/// Enqueues a background pruning job now and then; user-facing jobs overtake it.
async fn prune_sessions_periodically(ports: chat_app::Ports, mut shutdown: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(PRUNE_INTERVAL);
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = ticker.tick() => {
                let job = NewJob {
                    id: chat_domain::JobId::from_uuid(ports.ids.new_id()),
                    payload: JobPayload::PruneSessions { before: ports.clock.now().plus_millis(-SESSION_RETENTION_MILLIS) },
                    priority: Priority::Background,
                    delay: Duration::ZERO,
                    attempts: 0,
                };
                if let Err(error) = ports.queue.enqueue(job).await {
                    tracing::warn!(%error, "could not schedule session pruning");
                }
            }
        }
    }
}

/// Resolves with the name of the first SIGINT or SIGTERM.
async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "SIGINT"
    }
}

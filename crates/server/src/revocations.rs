//! Keeps this node's set of revoked logins current by reading the store's recent revocations
//! every [`REFRESH_INTERVAL`]: what a node started after a revocation, or one that lost bus
//! events to a Redis reconnect, would otherwise not know (see `chat_app::auth::RevokedSessions`).

use std::sync::Arc;

use chat_app::auth::{AuthService, REFRESH_INTERVAL};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

/// Reads the revocations once now; a failure is logged (the next tick tries again, and the
/// bus still delivers revocations meanwhile).
pub async fn refresh_once(auth: &AuthService) {
    match auth.refresh_revoked().await {
        Ok(read) if read > 0 => tracing::debug!(read, "read recent login revocations"),
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not read recent login revocations"),
    }
}

/// Reads the revocations every [`REFRESH_INTERVAL`] until `shutdown`.
pub async fn refresh_periodically(auth: Arc<AuthService>, mut shutdown: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(REFRESH_INTERVAL);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // The first tick is immediate: the caller has just read.
    ticker.tick().await;
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            _ = ticker.tick() => refresh_once(&auth).await,
        }
    }
}

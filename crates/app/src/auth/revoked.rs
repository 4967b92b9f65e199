//! Logins revoked recently, kept in memory on every node, so that their access tokens stop
//! working on plain HTTP as well, without a store round trip per request.
//!
//! Access tokens are stateless JWTs: a signature check alone honours a revoked login's tokens
//! until they expire (15 minutes by default). A node therefore remembers every session revoked
//! within one token lifetime (plus [`CLOCK_SKEW`]); an older revocation needs no memory, since
//! every token its session issued has expired. It learns of revocations three ways:
//! - its own, at once (logout, a session ended, logout everywhere, a reused refresh token, a
//!   lock), before the request that revoked answers;
//! - every other node's, from the bus (`SessionRevoked`), within the bus's latency;
//! - the store's, read at start and every [`REFRESH_INTERVAL`] after
//!   ([`SessionStore::revoked_since`](chat_ports::SessionStore::revoked_since)): that covers a
//!   node started after a revocation and events lost to a Redis reconnect.
//!
//! So a revoked login's access tokens are refused on the node that revoked it at once, on the
//! others within the bus's latency, and everywhere within [`REFRESH_INTERVAL`] at worst. The
//! check is one read lock and one hash lookup; the set holds one entry per login revoked in
//! the last token lifetime.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use chat_domain::{SessionId, Timestamp};
use chat_ports::{Clock, SessionStore, StoreError};

/// How often a node reads the store's recent revocations.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// How far nodes' clocks may disagree: revocation times come from the revoking node's clock,
/// so each read starts this much before the newest one already read, and entries are kept
/// this much longer than a token lives.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);

/// Revocations read from the store per query; a read that fills a page reads on.
const PAGE: u32 = 1_000;

/// The sessions revoked within the last token lifetime; see the module docs.
pub struct RevokedSessions {
    clock: Arc<dyn Clock>,
    /// How long an entry is kept: the access tokens' lifetime plus [`CLOCK_SKEW`].
    keep_millis: i64,
    /// Revoked session to when it was revoked.
    sessions: RwLock<HashMap<SessionId, Timestamp>>,
    /// The newest revocation time read from the store: where the next read starts (less
    /// [`CLOCK_SKEW`]).
    read_up_to: Mutex<Option<Timestamp>>,
}

impl std::fmt::Debug for RevokedSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokedSessions")
            .field("sessions", &self.len())
            .finish_non_exhaustive()
    }
}

impl RevokedSessions {
    /// An empty set for access tokens that live `token_lifetime`, on `clock`.
    pub fn new(token_lifetime: Duration, clock: Arc<dyn Clock>) -> Self {
        let keep = token_lifetime.saturating_add(CLOCK_SKEW);
        Self {
            clock,
            keep_millis: i64::try_from(keep.as_millis()).unwrap_or(i64::MAX),
            sessions: RwLock::new(HashMap::new()),
            read_up_to: Mutex::new(None),
        }
    }

    /// Whether `session` was revoked (within the last token lifetime).
    pub fn contains(&self, session: SessionId) -> bool {
        // A map changed by single inserts and retains: consistent even after a panic elsewhere.
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&session)
    }

    /// Remembers that `session` was revoked just now (heard from another node).
    pub fn insert_now(&self, session: SessionId) {
        self.insert(session, self.clock.now());
    }

    /// Remembers that `session` was revoked at `at`.
    pub fn insert(&self, session: SessionId, at: Timestamp) {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(session)
            .or_insert(at);
    }

    /// How many revocations are remembered.
    pub fn len(&self) -> usize {
        self.sessions
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads the store's revocations since the last read (the whole token lifetime the first
    /// time) and forgets those older than a token lifetime. Returns how many it read.
    pub async fn refresh(&self, store: &dyn SessionStore) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let oldest_kept = now.plus_millis(-self.keep_millis);
        let skew = i64::try_from(CLOCK_SKEW.as_millis()).unwrap_or(i64::MAX);
        let last = *self
            .read_up_to
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut since = last.map_or(oldest_kept, |last| last.plus_millis(-skew).max(oldest_kept));
        let mut read = 0;
        loop {
            let page = store.revoked_since(since, PAGE).await?;
            read += page.len();
            let full = page.len() >= PAGE as usize;
            let newest = page.last().map(|(_, at)| *at);
            {
                let mut sessions = self
                    .sessions
                    .write()
                    .unwrap_or_else(PoisonError::into_inner);
                for (session, at) in page {
                    sessions.entry(session).or_insert(at);
                }
            }
            if let Some(newest) = newest {
                let mut read_up_to = self
                    .read_up_to
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                *read_up_to = Some(read_up_to.map_or(newest, |r| r.max(newest)));
            }
            match newest {
                // A full page: more may share its last time or follow it.
                Some(newest) if full && newest > since => since = newest,
                _ => break,
            }
        }
        self.forget_before(oldest_kept);
        Ok(read)
    }

    /// Forgets revocations before `oldest_kept`: their sessions' tokens have all expired.
    fn forget_before(&self, oldest_kept: Timestamp) {
        self.sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|_, at| *at >= oldest_kept);
    }
}

#[cfg(test)]
#[path = "revoked_tests.rs"]
mod tests;

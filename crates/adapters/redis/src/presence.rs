//! [`RedisPresence`]: who is online, counted across every node of a cluster.
//!
//! Each node counts its own connections per user in one hash per user (`{p}:online:<user>`,
//! field = node id) and proves it is alive with a key of its own (`{p}:node:<node id>`) that it
//! refreshes every [`HEARTBEAT`] and that expires after [`NODE_TTL`]. A user is online while
//! some field is above zero for a node whose key still exists, so the connections of a node
//! that died stop counting within [`NODE_TTL`] without anyone cleaning up after it. Each change
//! is one Lua script, so two nodes counting the same user never both see "first" or "last".
//!
//! | key | type | holds | TTL |
//! |---|---|---|---|
//! | `{p}:online:<user id>` | hash | node id → open connections of the user on that node | none; emptied fields are deleted |
//! | `{p}:node:<node id>` | string | `1` while the node lives | [`NODE_TTL`], refreshed every [`HEARTBEAT`] |
//! | `{p}:seen:<user id>` | string | when the user's last connection closed (ms) | 30 days |

use std::time::Duration;

use async_trait::async_trait;
use chat_domain::{Timestamp, UserId};
use chat_ports::{Presence, PresenceTracker, StoreError};
use deadpool_redis::redis::{self, Script};
use deadpool_redis::Pool;

/// How often a node refreshes its liveness key.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// How long a node counts as alive after its last heartbeat.
pub const NODE_TTL: Duration = Duration::from_secs(30);
/// How long `last_seen` is kept.
const SEEN_TTL_SECS: u64 = 30 * 24 * 3600;

/// Sums the counts of `KEYS[1]` whose node key (`ARGV[1]` prefix + field) exists.
const LIVE_TOTAL: &str = r"
local function live_total(hash, node_prefix)
  local fields = redis.call('HGETALL', hash)
  local total = 0
  for i = 1, #fields, 2 do
    if redis.call('EXISTS', node_prefix .. fields[i]) == 1 then
      total = total + tonumber(fields[i + 1])
    end
  end
  return total
end
";

/// KEYS: online hash, this node's key. ARGV: node prefix, node id, node ttl ms, delta.
/// Returns the live total before and after the change.
const CHANGE: &str = r"
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
local before = live_total(KEYS[1], ARGV[1])
local count = redis.call('HINCRBY', KEYS[1], ARGV[2], ARGV[4])
if count <= 0 then redis.call('HDEL', KEYS[1], ARGV[2]) end
local after = live_total(KEYS[1], ARGV[1])
return {before, after}
";

/// KEYS: online hash. ARGV: node prefix. Returns the live total.
const TOTAL: &str = "return live_total(KEYS[1], ARGV[1])";

/// Presence shared by every node through Redis.
#[derive(Debug, Clone)]
pub struct RedisPresence {
    pool: Pool,
    prefix: String,
    node: String,
    change: Script,
    total: Script,
}

fn unavailable(error: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::unavailable(error)
}

impl RedisPresence {
    /// Presence under `key_prefix` for the node `node_id` (unique per process); spawns the
    /// node's heartbeat, which runs for the life of the process. Call inside a tokio runtime.
    pub fn new(pool: Pool, key_prefix: &str, node_id: &str) -> Self {
        let presence = Self {
            pool,
            prefix: key_prefix.to_owned(),
            node: node_id.to_owned(),
            change: Script::new(&format!("{LIVE_TOTAL}{CHANGE}")),
            total: Script::new(&format!("{LIVE_TOTAL}{TOTAL}")),
        };
        let heartbeat = presence.clone();
        tokio::spawn(async move {
            // Every change also refreshes the node's key, so the first beat can wait a period.
            let mut ticker =
                tokio::time::interval_at(tokio::time::Instant::now() + HEARTBEAT, HEARTBEAT);
            loop {
                ticker.tick().await;
                if let Err(error) = heartbeat.beat().await {
                    tracing::warn!(%error, "presence heartbeat failed");
                }
            }
        });
        presence
    }

    fn online_key(&self, user: UserId) -> String {
        format!("{}:online:{user}", self.prefix)
    }

    fn seen_key(&self, user: UserId) -> String {
        format!("{}:seen:{user}", self.prefix)
    }

    fn node_prefix(&self) -> String {
        format!("{}:node:", self.prefix)
    }

    async fn beat(&self) -> Result<(), StoreError> {
        let mut connection = self.pool.get().await.map_err(unavailable)?;
        let key = format!("{}{}", self.node_prefix(), self.node);
        redis::cmd("SET")
            .arg(key)
            .arg("1")
            .arg("PX")
            .arg(NODE_TTL.as_millis().to_string())
            .query_async::<()>(&mut connection)
            .await
            .map_err(unavailable)
    }

    async fn apply(&self, user: UserId, delta: i64) -> Result<(i64, i64), StoreError> {
        let mut connection = self.pool.get().await.map_err(unavailable)?;
        let node_key = format!("{}{}", self.node_prefix(), self.node);
        self.change
            .key(self.online_key(user))
            .key(node_key)
            .arg(self.node_prefix())
            .arg(&self.node)
            .arg(NODE_TTL.as_millis().to_string())
            .arg(delta)
            .invoke_async(&mut connection)
            .await
            .map_err(unavailable)
    }
}

#[async_trait]
impl PresenceTracker for RedisPresence {
    async fn connected(&self, user: UserId, _now: Timestamp) -> Result<bool, StoreError> {
        let (before, after) = self.apply(user, 1).await?;
        Ok(before <= 0 && after > 0)
    }

    async fn disconnected(&self, user: UserId, now: Timestamp) -> Result<bool, StoreError> {
        let (before, after) = self.apply(user, -1).await?;
        let went_offline = before > 0 && after <= 0;
        if went_offline {
            let mut connection = self.pool.get().await.map_err(unavailable)?;
            redis::cmd("SET")
                .arg(self.seen_key(user))
                .arg(now.unix_millis())
                .arg("EX")
                .arg(SEEN_TTL_SECS)
                .query_async::<()>(&mut connection)
                .await
                .map_err(unavailable)?;
        }
        Ok(went_offline)
    }

    async fn presence(&self, users: &[UserId]) -> Result<Vec<Presence>, StoreError> {
        let mut connection = self.pool.get().await.map_err(unavailable)?;
        let mut found = Vec::with_capacity(users.len());
        for &user_id in users {
            let total: i64 = self
                .total
                .key(self.online_key(user_id))
                .arg(self.node_prefix())
                .invoke_async(&mut connection)
                .await
                .map_err(unavailable)?;
            let online = total > 0;
            let last_seen = if online {
                None
            } else {
                let seen: Option<i64> = redis::cmd("GET")
                    .arg(self.seen_key(user_id))
                    .query_async(&mut connection)
                    .await
                    .map_err(unavailable)?;
                seen.map(Timestamp::from_unix_millis)
            };
            found.push(Presence {
                user_id,
                online,
                last_seen,
            });
        }
        Ok(found)
    }
}

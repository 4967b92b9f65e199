//! Builds the ports from the settings: which adapter serves which port.
//!
//! Each choice is independent: `CHAT_DATABASE_URL` picks the SQL database (SQLite, PostgreSQL
//! or MySQL) for metadata, and for messages too unless `CHAT_MONGODB_URI` is set; then
//! MongoDB keeps the messages while SQL keeps their per-room counters. `CHAT_REDIS_URL` moves
//! the job queue and the event bus from in-process to Redis, which is what lets several
//! nodes form one cluster.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chat_app::Ports;
use chat_auth::{BcryptPasswordHasher, JwtTokenIssuer};
use chat_memory::{
    InProcessEventBus, InProcessJobQueue, InProcessPresence, SystemClock, UuidV7Ids,
};
use chat_mongo::MongoMessageStore;
use chat_ports::{EventBus, JobQueue, MessageStore, PresenceTracker};
use chat_redis::{RedisEventBus, RedisJobQueue, RedisPresence};
use chat_sql::SqlDatabase;

use crate::secret;
use crate::settings::Settings;

/// How long a leased job may run before the queue hands it out again.
const JOB_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(60);

/// The adapters of one node, and what the server needs besides the ports.
pub struct Wiring {
    /// Every port, for the use cases.
    pub ports: Ports,
    /// What `/readyz` asks.
    pub readiness: Arc<StoreReadiness>,
    /// What `/metrics` reports of the stores and the queue.
    pub metrics: Arc<NodeMetrics>,
}

impl std::fmt::Debug for Wiring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Wiring { .. }")
    }
}

/// Connects the stores (running migrations if configured) and builds every port.
pub async fn connect(settings: &Settings) -> anyhow::Result<Wiring> {
    std::fs::create_dir_all(&settings.data_dir).with_context(|| {
        format!(
            "creating the data directory {}",
            settings.data_dir.display()
        )
    })?;
    let database = open_database(settings).await?;
    let secret = secret::load_or_create(settings.jwt_secret.as_deref(), &settings.data_dir)?;
    let (messages, mongo): (Arc<dyn MessageStore>, _) = match &settings.mongodb_uri {
        Some(uri) => {
            let store = MongoMessageStore::connect(uri, database.sequences())
                .await
                .context("connecting to MongoDB (CHAT_MONGODB_URI)")?;
            store
                .ensure_indexes()
                .await
                .context("creating the MongoDB indexes")?;
            let store = Arc::new(store);
            (store.clone(), Some(store))
        }
        None => (database.messages(), None),
    };
    let (queue, bus, presence): (
        Arc<dyn JobQueue>,
        Arc<dyn EventBus>,
        Arc<dyn PresenceTracker>,
    ) = match &settings.redis_url {
        Some(url) => {
            let pool = chat_redis::pool(url).context("configuring Redis (CHAT_REDIS_URL)")?;
            let prefix = &settings.redis_prefix;
            let queue = RedisJobQueue::new(
                pool.clone(),
                &format!("{prefix}:queue"),
                JOB_VISIBILITY_TIMEOUT,
            );
            let bus = RedisEventBus::new(url, format!("{prefix}:events"))
                .context("configuring the Redis event bus")?;
            // Each process is its own node for presence counting.
            let node = chat_domain::ids::Uuid::now_v7().to_string();
            let presence = RedisPresence::new(pool, &format!("{prefix}:presence"), &node);
            (Arc::new(queue), Arc::new(bus), Arc::new(presence))
        }
        None => (
            Arc::new(InProcessJobQueue::new(JOB_VISIBILITY_TIMEOUT)),
            Arc::new(InProcessEventBus::new()),
            Arc::new(InProcessPresence::new()),
        ),
    };
    let metrics = Arc::new(NodeMetrics {
        mongo: mongo.clone(),
        queue: Arc::clone(&queue),
    });
    let readiness = Arc::new(StoreReadiness {
        database: Arc::clone(&database),
        mongo,
        queue: settings.redis_url.as_ref().map(|_| Arc::clone(&queue)),
    });
    let ports = Ports {
        users: database.users(),
        rooms: database.rooms(),
        messages,
        sessions: database.sessions(),
        dead_letters: database.dead_letters(),
        invites: database.invites(),
        blocks: database.blocks(),
        presence,
        queue,
        bus,
        hasher: Arc::new(BcryptPasswordHasher::new(settings.bcrypt_cost)),
        tokens: Arc::new(JwtTokenIssuer::new(&secret, settings.access_token_ttl)),
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7Ids),
    };
    Ok(Wiring {
        ports,
        readiness,
        metrics,
    })
}

/// Opens the SQL database and, when configured, brings its schema up to date.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Arc<SqlDatabase>> {
    let database = SqlDatabase::connect(&settings.database_url)
        .await
        .context("connecting to the SQL database (CHAT_DATABASE_URL)")?;
    if settings.migrate_on_start {
        database
            .migrate()
            .await
            .context("running the SQL migrations")?;
    }
    Ok(Arc::new(database))
}

/// `/readyz`: the node is ready when every store it uses answers.
pub struct StoreReadiness {
    database: Arc<SqlDatabase>,
    mongo: Option<Arc<MongoMessageStore>>,
    /// The Redis queue, when Redis is configured (asking its depth is a cheap round trip).
    queue: Option<Arc<dyn JobQueue>>,
}

impl std::fmt::Debug for StoreReadiness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreReadiness")
            .field("mongo", &self.mongo.is_some())
            .field("redis", &self.queue.is_some())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl chat_http::Readiness for StoreReadiness {
    async fn check(&self) -> Result<(), String> {
        self.database
            .ping()
            .await
            .map_err(|e| format!("sql: {e}"))?;
        if let Some(mongo) = &self.mongo {
            mongo.ping().await.map_err(|e| format!("mongodb: {e}"))?;
        }
        if let Some(queue) = &self.queue {
            queue.pending().await.map_err(|e| format!("redis: {e}"))?;
        }
        Ok(())
    }
}

/// `/metrics`: the figures only the wiring can see (MongoDB round trips, queue depth).
pub struct NodeMetrics {
    mongo: Option<Arc<MongoMessageStore>>,
    queue: Arc<dyn JobQueue>,
}

impl std::fmt::Debug for NodeMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeMetrics")
            .field("mongo", &self.mongo.is_some())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl chat_http::MetricsSource for NodeMetrics {
    async fn samples(&self) -> Vec<chat_http::Sample> {
        let mut samples = Vec::new();
        if let Some(mongo) = &self.mongo {
            samples.push(chat_http::Sample {
                name: "chat_mongodb_round_trips_total",
                help: "Commands this node sent to MongoDB.",
                kind: "counter",
                value: mongo.round_trips() as f64,
            });
        }
        match self.queue.pending().await {
            Ok(pending) => samples.push(chat_http::Sample {
                name: "chat_queue_pending",
                help: "Jobs waiting or leased on the job queue.",
                kind: "gauge",
                value: pending as f64,
            }),
            Err(error) => tracing::warn!(%error, "metrics: queue depth unavailable"),
        }
        samples
    }
}

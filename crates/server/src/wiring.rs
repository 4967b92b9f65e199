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
use chat_app::Ports;
use chat_auth::{BcryptPasswordHasher, JwtTokenIssuer};
use chat_memory::{
    InProcessEventBus, InProcessJobQueue, InProcessPresence, SystemClock, UuidV7Ids,
};
use chat_mongo::MongoMessageStore;
use chat_ports::{EventBus, JobQueue, MessageStore, PresenceTracker};
use chat_redis::{RedisEventBus, RedisJobQueue, RedisPresence};
use chat_sql::SqlDatabase;

use crate::readiness::{at_start, StoreReadiness};
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
            // The driver connects lazily: creating the indexes is the first round trip.
            let store = at_start(
                "MongoDB",
                "CHAT_MONGODB_URI",
                uri,
                settings.dependency_timeout,
                async {
                    let store = MongoMessageStore::connect(uri, database.sequences()).await?;
                    store.ensure_indexes().await?;
                    Ok::<_, chat_ports::StoreError>(store)
                },
            )
            .await?;
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
            // The pool connects lazily: ask once now, so a Redis that is not there stops the
            // start instead of every later operation.
            at_start(
                "Redis",
                "CHAT_REDIS_URL",
                url,
                settings.dependency_timeout,
                queue.pending(),
            )
            .await?;
            (Arc::new(queue), Arc::new(bus), Arc::new(presence))
        }
        None => (
            Arc::new(InProcessJobQueue::new(JOB_VISIBILITY_TIMEOUT)),
            Arc::new(InProcessEventBus::new()),
            Arc::new(InProcessPresence::new()),
        ),
    };
    let readiness = Arc::new(StoreReadiness {
        database: Arc::clone(&database),
        mongo,
        redis: settings.redis_url.as_ref().map(|_| Arc::clone(&queue)),
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
    Ok(Wiring { ports, readiness })
}

/// Opens the SQL database and, when configured, brings its schema up to date.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Arc<SqlDatabase>> {
    let database = at_start(
        "the SQL database",
        "CHAT_DATABASE_URL",
        &settings.database_url,
        settings.dependency_timeout,
        SqlDatabase::connect(&settings.database_url),
    )
    .await?;
    if settings.migrate_on_start {
        database
            .migrate()
            .await
            .context("running the SQL migrations")?;
    }
    Ok(Arc::new(database))
}

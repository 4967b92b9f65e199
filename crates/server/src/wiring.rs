//! Builds the ports from the settings: which adapter serves which port.
//!
//! Today the embedded and the SQL-server modes differ only in the URL: sea-orm serves every
//! store (SQLite, PostgreSQL or MySQL), and the queue and the bus run in-process.

use std::sync::Arc;

use anyhow::Context;
use async_trait::async_trait;
use chat_app::Ports;
use chat_auth::{BcryptPasswordHasher, JwtTokenIssuer};
use chat_memory::{InProcessEventBus, InProcessJobQueue, SystemClock, UuidV7Ids};
use chat_sql::SqlDatabase;

use crate::secret;
use crate::settings::Settings;

/// How long a leased job may run before the in-process queue hands it out again.
const JOB_VISIBILITY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The adapters of one node, and what the server needs besides the ports.
pub struct Wiring {
    /// Every port, for the use cases.
    pub ports: Ports,
    /// The SQL database, for readiness and closing.
    pub database: Arc<SqlDatabase>,
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
    let ports = Ports {
        users: database.users(),
        rooms: database.rooms(),
        messages: database.messages(),
        sessions: database.sessions(),
        dead_letters: database.dead_letters(),
        queue: Arc::new(InProcessJobQueue::new(JOB_VISIBILITY_TIMEOUT)),
        bus: Arc::new(InProcessEventBus::new()),
        hasher: Arc::new(BcryptPasswordHasher::new(settings.bcrypt_cost)),
        tokens: Arc::new(JwtTokenIssuer::new(&secret, settings.access_token_ttl)),
        clock: Arc::new(SystemClock),
        ids: Arc::new(UuidV7Ids),
    };
    Ok(Wiring { ports, database })
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

/// `/readyz`: the node is ready when its database answers.
#[derive(Debug)]
pub struct StoreReadiness {
    /// The database to ping.
    pub database: Arc<SqlDatabase>,
}

#[async_trait]
impl chat_http::Readiness for StoreReadiness {
    async fn check(&self) -> Result<(), String> {
        self.database.ping().await.map_err(|e| format!("sql: {e}"))
    }
}

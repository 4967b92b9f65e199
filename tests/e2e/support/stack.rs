//! The stores one cluster test shares between its nodes: a PostgreSQL database, a MongoDB
//! database and a Redis key prefix, all fresh for the test, and one JWT secret.
//!
//! Services are found through `chat_testkit` (the `CHAT_TEST_*` variables, else containers when
//! a Docker engine answers, else a loud skip, or a failure under `CHAT_REQUIRE_SERVICES=1`), so
//! [`Stack::start`] returns `None` exactly when the test should skip. The PostgreSQL database is
//! created for the test and dropped when the [`Stack`] is; the MongoDB database name and the
//! Redis prefix are unique names on the shared servers, so tests run in parallel.
//!
//! A fault test that owns a server (its own redis-server or SecantusDB, see `services`) names
//! it with [`StackConfig::with_redis`] or [`StackConfig::with_mongodb`] instead of the shared one.

use chat_testkit::{create_postgres_database, unique_prefix, with_database, CreatedDatabase};

use super::app::{spawn_app_with, TestApp};

/// Where a store of the stack comes from.
#[derive(Debug, Clone)]
enum Source {
    /// The shared server `chat_testkit` resolves.
    Shared,
    /// A server at this URL (a test's own).
    At(String),
}

/// What [`Stack::start`] builds.
#[derive(Debug, Clone)]
pub struct StackConfig {
    label: String,
    mongodb: Source,
    redis: Source,
}

impl StackConfig {
    /// PostgreSQL, MongoDB and Redis, all shared servers; `label` names the test's database,
    /// prefix and logs.
    pub fn full(label: &str) -> Self {
        Self {
            label: label.to_owned(),
            mongodb: Source::Shared,
            redis: Source::Shared,
        }
    }

    /// Uses the Redis at `url` (a test's own server) instead of the shared one.
    pub fn with_redis(mut self, url: &str) -> Self {
        self.redis = Source::At(url.to_owned());
        self
    }

    /// Uses the MongoDB at `uri` (a test's own server; any database in its path is replaced)
    /// instead of the shared one.
    pub fn with_mongodb(mut self, uri: &str) -> Self {
        self.mongodb = Source::At(uri.to_owned());
        self
    }
}

/// The configuration every node of one cluster shares.
#[derive(Debug)]
pub struct Stack {
    /// The test's own PostgreSQL database (metadata, counters, dead letters).
    pub postgres: CreatedDatabase,
    /// `mongodb://host:port/<fresh database>`.
    pub mongodb_uri: String,
    /// `redis://host:port`.
    pub redis_url: String,
    /// The test's own key and channel prefix.
    pub redis_prefix: String,
    /// The signing key every node shares (at least 32 bytes).
    pub jwt_secret: String,
}

impl Stack {
    /// Creates the test's database and names; `None` (announced on stderr) when a shared
    /// service is missing.
    pub async fn start(config: StackConfig) -> Option<Self> {
        let postgres = chat_testkit::postgres().await?;
        let mongodb_base = match config.mongodb {
            Source::Shared => chat_testkit::mongodb().await?.url,
            Source::At(uri) => uri,
        };
        let redis_url = match config.redis {
            Source::Shared => chat_testkit::redis().await?.url,
            Source::At(url) => url,
        };
        let database = create_postgres_database(&postgres.url, &format!("e2e {}", config.label))
            .await
            .unwrap_or_else(|error| panic!("creating the test's PostgreSQL database: {error}"));
        Some(Self {
            postgres: database,
            mongodb_uri: with_database(&mongodb_base, &unique_prefix(&config.label)),
            redis_url,
            redis_prefix: unique_prefix(&config.label),
            jwt_secret: format!(
                "{}-{}",
                unique_prefix("cluster secret"),
                unique_prefix(&config.label)
            ),
        })
    }

    /// The environment of a node of this cluster; `migrate` sets `CHAT_MIGRATE`.
    pub fn env(&self, migrate: bool) -> Vec<(String, String)> {
        [
            ("CHAT_DATABASE_URL", self.postgres.url.as_str()),
            ("CHAT_MONGODB_URI", self.mongodb_uri.as_str()),
            ("CHAT_REDIS_URL", self.redis_url.as_str()),
            ("CHAT_REDIS_PREFIX", self.redis_prefix.as_str()),
            ("CHAT_JWT_SECRET", self.jwt_secret.as_str()),
            ("CHAT_MIGRATE", if migrate { "true" } else { "false" }),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .collect()
    }

    /// Starts a node that runs the migrations (the first node of a cluster); `name` marks its
    /// output in a failure's log dump.
    pub async fn spawn_node(&self, name: &str) -> TestApp {
        let app = spawn_app_with(self.env(true)).await;
        app.note(&format!("{name} (migrates) is up at {}", app.base_url));
        app
    }

    /// Starts a node with `CHAT_MIGRATE=false`, which relies on a node already up having
    /// migrated the shared database.
    pub async fn spawn_follower(&self, name: &str) -> TestApp {
        let app = spawn_app_with(self.env(false)).await;
        app.note(&format!(
            "{name} (CHAT_MIGRATE=false) is up at {}",
            app.base_url
        ));
        app
    }
}

impl Drop for Stack {
    /// Drops the test's PostgreSQL database (best effort: a leftover database only costs disk).
    ///
    /// Drop cannot await, and the test's runtime may be the one running this, so the drop runs
    /// on a thread with a runtime of its own. Nodes are dropped (killed) before the stack when
    /// they are declared after it, and `WITH (FORCE)` ends connections a killed node left.
    fn drop(&mut self) {
        let database = self.postgres.clone();
        let outcome = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?
                .block_on(database.drop_database())
        })
        .join();
        if let Ok(Err(error)) = outcome {
            eprintln!("e2e: could not drop the test database: {error}");
        }
    }
}

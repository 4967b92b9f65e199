//! Fresh, empty, migrated databases for every check, on every backend.
//!
//! SQLite runs always (in memory, and as a file in a temporary directory). PostgreSQL and
//! MariaDB/MySQL run when `CHAT_TEST_POSTGRES_URL` / `CHAT_TEST_MYSQL_URL` name an account that
//! may create databases; each check then gets a database of its own (`chat_t_<random>`), so
//! tests run in parallel without seeing each other, and the databases are dropped after the
//! suite. A backend without its variable is skipped with a message written straight to the
//! terminal (past the test harness's output capture), so a green run says what it did not cover.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chat_domain::ids::Uuid;
use chat_sql::SqlDatabase;
use sea_orm::{ConnectionTrait, Database};
use tempfile::TempDir;

/// Where a suite runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    SqliteMemory,
    SqliteFile,
    Postgres,
    MySql,
}

/// Makes fresh databases of one backend and cleans up after them.
#[derive(Debug)]
pub struct Provider {
    backend: Backend,
    /// Holds the SQLite files; removed on drop.
    dir: Option<TempDir>,
    /// The account that creates and drops the per-check databases.
    admin_url: Option<String>,
    /// Databases created so far, to drop in [`Provider::cleanup`].
    created: Mutex<Vec<String>>,
    files: AtomicUsize,
}

impl Provider {
    /// A provider for `backend` to run `what`, or `None` (announced loudly) when it is not configured.
    pub fn new(backend: Backend, what: &str) -> Option<Self> {
        let admin_url = match backend {
            Backend::SqliteMemory | Backend::SqliteFile => None,
            Backend::Postgres | Backend::MySql => {
                let variable = if backend == Backend::Postgres {
                    "CHAT_TEST_POSTGRES_URL"
                } else {
                    "CHAT_TEST_MYSQL_URL"
                };
                match std::env::var(variable) {
                    Ok(url) if !url.is_empty() => Some(url),
                    _ => {
                        let mut terminal = std::io::stderr();
                        let _ = writeln!(
                            terminal,
                            "\n*** SKIPPED on {backend:?}: {what} (set {variable} to run it) ***"
                        );
                        return None;
                    }
                }
            }
        };
        let dir = match backend {
            Backend::SqliteFile => Some(tempfile::tempdir().expect("temporary directory")),
            _ => None,
        };
        Some(Self {
            backend,
            dir,
            admin_url,
            created: Mutex::new(Vec::new()),
            files: AtomicUsize::new(0),
        })
    }

    /// A connected, migrated, empty database.
    pub async fn fresh(&self) -> SqlDatabase {
        let url = self.fresh_url().await;
        let database = SqlDatabase::connect(&url).await.expect("connect");
        database.migrate().await.expect("migrate");
        database
    }

    /// The URL of a new, empty database without any schema (for SQLite in memory, a database
    /// that lives as long as the one connection opened to it).
    pub async fn fresh_url(&self) -> String {
        match (self.backend, &self.dir, &self.admin_url) {
            (Backend::SqliteMemory, _, _) => "sqlite::memory:".to_owned(),
            (Backend::SqliteFile, Some(dir), _) => {
                let n = self.files.fetch_add(1, Ordering::Relaxed);
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join(format!("chat-{n}.db")).display()
                )
            }
            (_, _, Some(admin)) => self.create_database(admin).await,
            _ => unreachable!("a provider is built with what its backend needs"),
        }
    }

    /// Creates a database of its own and returns its URL.
    async fn create_database(&self, admin_url: &str) -> String {
        let name = format!("chat_t_{}", Uuid::now_v7().simple());
        let admin = Database::connect(admin_url)
            .await
            .expect("connect as admin");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create a test database");
        admin.close().await.expect("close the admin connection");
        self.created
            .lock()
            .expect("not poisoned")
            .push(name.clone());
        with_database(admin_url, &name)
    }

    /// Drops the databases this provider created (SQLite files go with the directory).
    pub async fn cleanup(&self) {
        let Some(admin_url) = &self.admin_url else {
            return;
        };
        let names = std::mem::take(&mut *self.created.lock().expect("not poisoned"));
        let admin = Database::connect(admin_url)
            .await
            .expect("connect as admin");
        for name in names {
            // FORCE ends connections a dropped pool may not have closed yet (PostgreSQL 13+).
            let drop = match self.backend {
                Backend::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                _ => format!("DROP DATABASE IF EXISTS {name}"),
            };
            admin
                .execute_unprepared(&drop)
                .await
                .expect("drop a test database");
        }
        admin.close().await.expect("close the admin connection");
    }
}

/// `url` with its database (the path) replaced by `name`; credentials, host and query stay.
fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL with a scheme");
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let authority = rest
        .split_once('/')
        .map_or(rest, |(authority, _)| authority);
    match query {
        Some(query) => format!("{scheme}://{authority}/{name}?{query}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// Generates one test per backend that calls `$run(backend)`.
#[macro_export]
macro_rules! on_every_backend {
    ($run:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn on_sqlite_in_memory() {
            $run($crate::provision::Backend::SqliteMemory).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn on_a_sqlite_file() {
            $run($crate::provision::Backend::SqliteFile).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn on_postgres() {
            $run($crate::provision::Backend::Postgres).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn on_mysql() {
            $run($crate::provision::Backend::MySql).await;
        }
    };
}

#[test]
fn a_database_url_is_pointed_at_another_database() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("mysql://root@h:3306/test?ssl-mode=disabled", "y"),
        "mysql://root@h:3306/y?ssl-mode=disabled"
    );
    assert_eq!(
        with_database("mysql://root@h:3306", "z"),
        "mysql://root@h:3306/z"
    );
}

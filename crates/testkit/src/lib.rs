//! Test support: finds the real services (Redis, PostgreSQL, MySQL, MongoDB) that adapter
//! contract suites and end-to-end tests run against, and hands out names that keep parallel
//! tests apart.
//!
//! Each of [`redis`], [`postgres`], [`mysql`] and [`mongodb`] resolves its service in this
//! order:
//!
//! 1. the URL in its variable (`CHAT_TEST_REDIS_URL`, `CHAT_TEST_POSTGRES_URL`,
//!    `CHAT_TEST_MYSQL_URL`, `CHAT_TEST_MONGODB_URI`), taken as it is;
//! 2. else, when a Docker engine answers (`docker info` succeeds; a `docker` client alone is not
//!    an engine), a container started with `testcontainers` once per test process and kept
//!    until the process exits (see [`containers`]);
//! 3. else `None`, after a loud line on the terminal naming the backend left out, so a green
//!    run still says what it did not cover. With `CHAT_REQUIRE_SERVICES=1` (CI sets it) a
//!    missing service panics instead: a run that cannot reach its services must fail.
//!
//! A test then works in its own key prefix, database or collection from [`unique_prefix`], so
//! tests share one server and still run in parallel.
//!
//! ```no_run
//! # async fn example() {
//! let Some(redis) = chat_testkit::redis().await else {
//!     return; // announced on stderr; a failure instead under CHAT_REQUIRE_SERVICES=1
//! };
//! let prefix = chat_testkit::unique_prefix("queue");
//! # let _ = (redis.url, prefix);
//! # }
//! ```

pub mod containers;
pub mod databases;

use std::fmt;
use std::io::Write;
use std::net::{Ipv4Addr, TcpListener};

pub use databases::{create_postgres_database, execute_sql, with_database, CreatedDatabase};

/// The variable that turns a missing service into a failure instead of a skip.
pub const REQUIRE_SERVICES: &str = "CHAT_REQUIRE_SERVICES";

/// A running service a test can connect to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// How to reach it: `redis://…`, `postgres://…`, `mysql://…` or `mongodb://…`.
    pub url: String,
    /// Where the URL came from.
    pub origin: Origin,
}

/// Where an [`Endpoint`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The service's `CHAT_TEST_*` variable.
    Environment,
    /// A container this process started.
    Container,
}

/// The services the suites need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Redis: the job queue and the event bus.
    Redis,
    /// PostgreSQL: the production metadata store.
    Postgres,
    /// MySQL or MariaDB: the alternative metadata store.
    Mysql,
    /// MongoDB: the message store.
    Mongodb,
}

impl Service {
    /// The variable that names an existing server of this service.
    pub const fn variable(self) -> &'static str {
        match self {
            Self::Redis => "CHAT_TEST_REDIS_URL",
            Self::Postgres => "CHAT_TEST_POSTGRES_URL",
            Self::Mysql => "CHAT_TEST_MYSQL_URL",
            Self::Mongodb => "CHAT_TEST_MONGODB_URI",
        }
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Redis => "Redis",
            Self::Postgres => "PostgreSQL",
            Self::Mysql => "MySQL",
            Self::Mongodb => "MongoDB",
        })
    }
}

/// The Redis to test against (`redis://host:port`), or `None` when there is none.
pub async fn redis() -> Option<Endpoint> {
    resolve(Service::Redis).await
}

/// The PostgreSQL to test against, as an account that may create databases.
pub async fn postgres() -> Option<Endpoint> {
    resolve(Service::Postgres).await
}

/// The MySQL (or MariaDB) to test against, as an account that may create databases.
pub async fn mysql() -> Option<Endpoint> {
    resolve(Service::Mysql).await
}

/// The MongoDB to test against; tests pick their own database name.
pub async fn mongodb() -> Option<Endpoint> {
    resolve(Service::Mongodb).await
}

/// Resolves `service` as the crate docs describe.
pub async fn resolve(service: Service) -> Option<Endpoint> {
    if let Some(url) = std::env::var(service.variable())
        .ok()
        .filter(|url| !url.trim().is_empty())
    {
        return Some(Endpoint {
            url,
            origin: Origin::Environment,
        });
    }
    let why = match containers::start(service).await {
        Ok(Some(url)) => {
            return Some(Endpoint {
                url,
                origin: Origin::Container,
            })
        }
        Ok(None) => "no Docker engine answers (`docker info` failed)".to_owned(),
        Err(error) => format!("its container did not start: {error}"),
    };
    let variable = service.variable();
    if services_required() {
        panic!(
            "{service} is required ({REQUIRE_SERVICES}=1) but {variable} is unset and {why}; \
             start {service} and export {variable}"
        );
    }
    // Straight to the terminal, past the test harness's output capture: a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: tests against {service}: {variable} is unset and {why} ***"
    );
    None
}

/// Whether `CHAT_REQUIRE_SERVICES=1`.
pub fn services_required() -> bool {
    std::env::var(REQUIRE_SERVICES).is_ok_and(|value| value.trim() == "1")
}

/// A name unique to this call: `name` reduced to `[a-z0-9_]`, then `_` and 12 random hex
/// digits, always starting with a letter. Fit for a Redis key prefix, a PostgreSQL or MySQL
/// database name and a MongoDB database name alike.
pub fn unique_prefix(name: &str) -> String {
    let mut clean: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9') => c,
            _ => '_',
        })
        .take(40)
        .collect();
    if !clean.starts_with(|c: char| c.is_ascii_lowercase()) {
        clean.insert(0, 't');
    }
    format!("{clean}_{:012x}", rand::random::<u64>() & 0xffff_ffff_ffff)
}

/// A TCP port on 127.0.0.1 that was free a moment ago, for a server a test starts itself.
///
/// The port is released before this returns, so another process could take it in between;
/// that race is the price of letting the server bind it, and it is rare enough for tests.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|error| panic!("no free port on 127.0.0.1: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_prefixes_are_clean_and_differ() {
        let first = unique_prefix("Queue contract");
        let second = unique_prefix("Queue contract");
        assert_ne!(first, second);
        assert!(first.starts_with("queue_contract_"), "{first}");
        assert!(first
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'));
        assert!(unique_prefix("9lives").starts_with("t9lives_"));
    }

    #[test]
    fn a_free_port_can_be_bound() {
        let port = free_port();
        assert_ne!(port, 0);
        TcpListener::bind((Ipv4Addr::LOCALHOST, port)).unwrap();
    }
}

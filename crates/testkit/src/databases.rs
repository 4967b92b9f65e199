//! Whole PostgreSQL databases of their own, for tests that cannot share one.
//!
//! Adapter suites keep apart through key prefixes and collections, but a `chat-server` process
//! migrates its database itself and owns every table in it, so an end-to-end test that starts
//! real nodes needs an empty database per test. [`create_postgres_database`] makes one with the
//! account of `CHAT_TEST_POSTGRES_URL` (or of the container [`crate::postgres`] started), and
//! [`CreatedDatabase::drop_database`] removes it again, ending the connections left open by a
//! node that was killed rather than stopped.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

use crate::unique_prefix;

/// A database made by [`create_postgres_database`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedDatabase {
    /// The URL of the new database: the admin URL with its path replaced.
    pub url: String,
    /// Its name, `[a-z0-9_]` only.
    pub name: String,
    /// The account that made it, and drops it.
    admin_url: String,
}

/// Creates an empty database named after `label` (made unique with [`unique_prefix`]) on the
/// PostgreSQL that `admin_url` reaches as an account that may create databases.
pub async fn create_postgres_database(
    admin_url: &str,
    label: &str,
) -> Result<CreatedDatabase, String> {
    let name = unique_prefix(label);
    let admin = connect(admin_url).await?;
    // `name` is `[a-z0-9_]` and starts with a letter (see `unique_prefix`): safe to splice.
    let created = admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(|error| format!("CREATE DATABASE {name}: {error}"));
    let _ = admin.close().await;
    created?;
    Ok(CreatedDatabase {
        url: with_database(admin_url, &name),
        name,
        admin_url: admin_url.to_owned(),
    })
}

impl CreatedDatabase {
    /// Drops the database, ending any connection still open to it (PostgreSQL 13 and later).
    pub async fn drop_database(&self) -> Result<(), String> {
        let admin = connect(&self.admin_url).await?;
        let dropped = admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .map_err(|error| format!("DROP DATABASE {}: {error}", self.name));
        let _ = admin.close().await;
        dropped.map(|_| ())
    }
}

/// Runs `sql` (one statement) on the database at `url` (any sea-orm URL, SQLite included): how
/// an end-to-end test seeds state no route can create, such as a dead letter.
pub async fn execute_sql(url: &str, sql: &str) -> Result<(), String> {
    let db = connect(url).await?;
    let result = db
        .execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|error| format!("{sql}: {error}"));
    let _ = db.close().await;
    result
}

/// One connection as the admin account, with statement logging off.
async fn connect(admin_url: &str) -> Result<DatabaseConnection, String> {
    let mut options = ConnectOptions::new(admin_url);
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options)
        .await
        .map_err(|error| format!("connecting to {admin_url} as admin: {error}"))
}

/// `url` with its database (the path) replaced by `name`; scheme, credentials, host and query
/// stay. Works for `postgres://`, `mysql://` and `mongodb://` URLs alike.
pub fn with_database(url: &str, name: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (rest, query) = match rest.split_once('?') {
        Some((rest, query)) => (rest, Some(query)),
        None => (rest, None),
    };
    let authority = rest
        .split_once('/')
        .map_or(rest, |(authority, _)| authority);
    let prefix = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    match query {
        Some(query) => format!("{prefix}{authority}/{name}?{query}"),
        None => format!("{prefix}{authority}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn a_url_is_pointed_at_another_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mongodb://127.0.0.1:27017/", "chat_t"),
            "mongodb://127.0.0.1:27017/chat_t"
        );
        assert_eq!(
            with_database("mongodb://h:1/?serverSelectionTimeoutMS=500", "y"),
            "mongodb://h:1/y?serverSelectionTimeoutMS=500"
        );
        assert_eq!(
            with_database("mysql://root@h:3306", "z"),
            "mysql://root@h:3306/z"
        );
    }
}

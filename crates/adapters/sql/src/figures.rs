//! Store latency for `/metrics`: every statement's duration, by kind of statement.
//!
//! sea-orm calls back after each statement it runs on a connection with a callback set
//! (`DatabaseConnection::set_metric_callback`), which covers every store at once. The `op`
//! label is the statement's leading keyword (`select`, `insert`, `update`, `delete`, else
//! `other`), never the statement itself, so the number of series stays fixed.

use std::time::Duration;

use sea_orm::metric::Info;
use sea_orm::DatabaseConnection;

/// Records the duration of every statement run on `connection` in
/// `chat_store_duration_seconds{adapter="sql", op}`.
pub(crate) fn observe(connection: &mut DatabaseConnection) {
    connection.set_metric_callback(|info: &Info<'_>| record(&info.statement.sql, info.elapsed));
}

/// Records one statement that took `elapsed`. The one-query group commits
/// (`crate::sqlite_commit`, `crate::pg_commit`) run on sqlx directly, where sea-orm's callback
/// does not see them, and record themselves here.
pub(crate) fn record(sql: &str, elapsed: Duration) {
    metrics::histogram!(
        "chat_store_duration_seconds",
        "adapter" => "sql",
        "op" => statement_kind(sql),
    )
    .record(elapsed.as_secs_f64());
}

/// The leading keyword of `sql` as a label of bounded cardinality.
fn statement_kind(sql: &str) -> &'static str {
    let keyword = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("");
    ["select", "insert", "update", "delete"]
        .into_iter()
        .find(|kind| keyword.eq_ignore_ascii_case(kind))
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::statement_kind;

    #[test]
    fn statements_are_labelled_by_their_leading_keyword() {
        assert_eq!(statement_kind("SELECT \"id\" FROM \"users\""), "select");
        assert_eq!(statement_kind("  insert INTO x VALUES (1)"), "insert");
        assert_eq!(statement_kind("UPDATE x SET y = 1"), "update");
        assert_eq!(statement_kind("DELETE FROM x"), "delete");
        assert_eq!(
            statement_kind("WITH t AS (SELECT 1) SELECT * FROM t"),
            "other"
        );
        assert_eq!(statement_kind(""), "other");
    }
}

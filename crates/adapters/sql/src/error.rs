//! Translation of sea-orm's errors into the ports' [`StoreError`].
//!
//! This is the only place that looks inside a [`DbErr`], so no store decides on its own what a
//! driver error means: a broken uniqueness rule is [`StoreError::Conflict`] (naming the rule, not
//! echoing the database's message, which may quote user data), and everything else is
//! [`StoreError::Unavailable`] with the driver error kept as the source for logs.
//! [`is_retryable`] tells the few operations that retry a whole transaction when it may succeed
//! on a second run.

use chat_ports::StoreError;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// Maps `err` to a [`StoreError`]; `rule` names the uniqueness rule a conflict would break.
pub(crate) fn store_err(err: DbErr, rule: &str) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::Conflict(rule.to_owned())
    } else {
        StoreError::unavailable(err)
    }
}

/// Maps an error of an operation that breaks no uniqueness rule on purpose: every error is
/// [`StoreError::Unavailable`], a conflict included (it would mean a bug, not a user error).
pub(crate) fn unavailable(err: DbErr) -> StoreError {
    StoreError::unavailable(err)
}

/// Whether `err` is a unique index or primary key violation, on any backend.
pub(crate) fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Whether `err` is a foreign key violation (a referenced row does not exist).
pub(crate) fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(SqlErr::ForeignKeyConstraintViolation(_))
    )
}

/// Whether running the same transaction again may succeed: a unique violation caused by a racing
/// writer (the retry then sees the racer's row), or a deadlock or serialization failure that the
/// server resolved by aborting this transaction (SQLSTATE 40001 on PostgreSQL and MySQL, 40P01
/// for a PostgreSQL deadlock).
pub(crate) fn is_retryable(err: &DbErr) -> bool {
    is_unique_violation(err) || matches!(sqlstate(err).as_deref(), Some("40001" | "40P01"))
}

/// The SQLSTATE (or SQLite's extended result code) of a database error, if `err` is one.
fn sqlstate(err: &DbErr) -> Option<String> {
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(sea_orm::sqlx::Error::Database(db)))
        | DbErr::Query(RuntimeErr::SqlxError(sea_orm::sqlx::Error::Database(db))) => {
            db.code().map(|code| code.into_owned())
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_errors_other_than_conflicts_are_unavailable() {
        let err = store_err(DbErr::Custom("connection reset".into()), "username");
        assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
        assert!(err.to_string().contains("connection reset"));
    }

    #[test]
    fn errors_that_are_not_from_the_database_are_not_retried() {
        assert!(!is_retryable(&DbErr::Custom("boom".into())));
        assert!(!is_unique_violation(&DbErr::RecordNotFound("x".into())));
        assert!(!is_foreign_key_violation(&DbErr::RecordNotFound(
            "x".into()
        )));
    }

    #[test]
    fn an_operation_without_a_uniqueness_rule_maps_everything_to_unavailable() {
        let err = unavailable(DbErr::Custom("disk full".into()));
        assert!(matches!(err, StoreError::Unavailable(_)));
    }
}

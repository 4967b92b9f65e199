//! Conversions between stored column values and domain values.
//!
//! Rows are decoded strictly: an id that is not a UUID, a negative seq or an unknown role is
//! reported as [`StoreError::corrupt`], never skipped and never a panic, because a store that
//! quietly drops rows it cannot read hides the damage until a user notices missing messages.
//! Going the other way, values the domain allows beyond what a column holds (a `u64` seq above
//! `i64::MAX`) saturate: no real room reaches them, and a saturated bound still selects right.

use std::fmt::Display;
use std::str::FromStr;

use chat_domain::{Rev, Seq, Timestamp};
use chat_ports::StoreError;

/// Parses a stored id (or any value with a `FromStr`), naming `what` in the error.
pub(crate) fn parse<T>(raw: &str, what: &str) -> Result<T, StoreError>
where
    T: FromStr,
    T::Err: Display,
{
    raw.parse()
        .map_err(|err| StoreError::corrupt(format!("stored {what} {raw:?} is invalid: {err}")))
}

/// Parses an optional stored id.
pub(crate) fn parse_opt<T>(raw: Option<&str>, what: &str) -> Result<Option<T>, StoreError>
where
    T: FromStr,
    T::Err: Display,
{
    raw.map(|raw| parse(raw, what)).transpose()
}

/// Turns a domain constructor's refusal of the stored `raw` into a corrupt-row error.
pub(crate) fn validated<T, E: Display>(
    result: Result<T, E>,
    what: &str,
    raw: &str,
) -> Result<T, StoreError> {
    result.map_err(|err| StoreError::corrupt(format!("stored {what} {raw:?} is invalid: {err}")))
}

/// Parses a stored enum value with its own `parse` (kinds, roles, priorities).
pub(crate) fn parse_enum<T>(
    raw: &str,
    what: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(raw).ok_or_else(|| StoreError::corrupt(format!("stored {what} {raw:?} is unknown")))
}

/// Reads a stored seq, which must not be negative.
pub(crate) fn seq(raw: i64, what: &str) -> Result<Seq, StoreError> {
    u64::try_from(raw)
        .map(Seq)
        .map_err(|_| StoreError::corrupt(format!("stored {what} {raw} is negative")))
}

/// The stored form of a seq (saturating at `i64::MAX`).
pub(crate) fn seq_to_db(seq: Seq) -> i64 {
    i64::try_from(seq.get()).unwrap_or(i64::MAX)
}

/// Reads a stored rev, which must not be negative.
pub(crate) fn rev(raw: i64, what: &str) -> Result<Rev, StoreError> {
    u64::try_from(raw)
        .map(Rev)
        .map_err(|_| StoreError::corrupt(format!("stored {what} {raw} is negative")))
}

/// The stored form of a rev (saturating at `i64::MAX`).
pub(crate) fn rev_to_db(rev: Rev) -> i64 {
    i64::try_from(rev.get()).unwrap_or(i64::MAX)
}

/// The stored form of a count or attempt number (saturating at `i32::MAX`).
pub(crate) fn u32_to_db(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Reads a stored count, which must not be negative.
pub(crate) fn u32_from_db(raw: i32, what: &str) -> Result<u32, StoreError> {
    u32::try_from(raw).map_err(|_| StoreError::corrupt(format!("stored {what} {raw} is negative")))
}

/// Reads a stored time.
pub(crate) const fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_unix_millis(millis)
}

/// Reads an optional stored time.
pub(crate) fn timestamp_opt(millis: Option<i64>) -> Option<Timestamp> {
    millis.map(Timestamp::from_unix_millis)
}

#[cfg(test)]
mod tests {
    use chat_domain::{Role, RoomId};

    use super::*;

    #[test]
    fn a_stored_id_that_is_not_a_uuid_is_corrupt_not_a_panic() {
        let err = parse::<RoomId>("not-a-uuid", "room id").unwrap_err();
        assert!(matches!(err, StoreError::Unavailable(_)));
        assert!(err.to_string().contains("room id"), "{err}");
    }

    #[test]
    fn stored_ids_round_trip() {
        let id = RoomId::new_v7();
        assert_eq!(parse::<RoomId>(&id.to_string(), "room id").unwrap(), id);
        assert_eq!(parse_opt::<RoomId>(None, "room id").unwrap(), None);
    }

    #[test]
    fn negative_seqs_and_counts_are_corrupt() {
        assert!(seq(-1, "seq").is_err());
        assert_eq!(seq(7, "seq").unwrap(), Seq(7));
        assert!(rev(-1, "rev").is_err());
        assert_eq!(rev(9, "rev").unwrap(), Rev(9));
        assert_eq!(rev_to_db(Rev(u64::MAX)), i64::MAX);
        assert!(u32_from_db(-3, "attempts").is_err());
        assert_eq!(u32_from_db(3, "attempts").unwrap(), 3);
    }

    #[test]
    fn values_beyond_a_column_saturate_when_stored() {
        assert_eq!(seq_to_db(Seq(u64::MAX)), i64::MAX);
        assert_eq!(seq_to_db(Seq(5)), 5);
        assert_eq!(u32_to_db(u32::MAX), i32::MAX);
    }

    #[test]
    fn an_unknown_role_is_corrupt() {
        let err = parse_enum("superuser", "role", Role::parse).unwrap_err();
        assert!(err.to_string().contains("superuser"), "{err}");
        assert_eq!(
            parse_enum("owner", "role", Role::parse).unwrap(),
            Role::Owner
        );
        assert_eq!(timestamp(5).unix_millis(), 5);
        assert_eq!(timestamp_opt(None), None);
    }
}

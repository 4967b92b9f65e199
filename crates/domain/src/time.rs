//! The one timestamp type of the product.
//!
//! Times are kept to the millisecond in UTC because that is what clients are promised (RFC 3339
//! with milliseconds) and what every store can hold exactly as an integer; truncating once, at
//! construction, means a value read back from any store equals the value written.

use std::fmt;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant with millisecond precision, serialized as RFC 3339 (`2026-01-02T03:04:05.678Z`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `millis` milliseconds after the Unix epoch.
    pub const fn from_unix_millis(millis: i64) -> Self {
        Self(millis)
    }

    /// Converts a chrono time, dropping anything below a millisecond.
    pub fn from_datetime(time: DateTime<Utc>) -> Self {
        Self(time.timestamp_millis())
    }

    /// Milliseconds since the Unix epoch: the form stores keep.
    pub const fn unix_millis(&self) -> i64 {
        self.0
    }

    /// The same instant as a chrono time.
    pub fn to_datetime(&self) -> DateTime<Utc> {
        Utc.timestamp_millis_opt(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// This instant moved by `millis` milliseconds (negative moves back); saturates.
    pub const fn plus_millis(&self, millis: i64) -> Self {
        Self(self.0.saturating_add(millis))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &self
                .to_datetime()
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|time| Self::from_datetime(time.with_timezone(&Utc)))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_rfc3339_utc_with_milliseconds() {
        let time = Timestamp::from_unix_millis(1_767_323_045_678);
        assert_eq!(time.to_string(), "2026-01-02T03:04:05.678Z");
    }

    #[test]
    fn timestamps_survive_a_json_round_trip() {
        let time = Timestamp::from_unix_millis(1_767_323_045_001);
        let json = serde_json::to_string(&time).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), time);
    }
}

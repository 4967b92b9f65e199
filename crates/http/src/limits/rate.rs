//! [`Rate`]: "how many per how long", as operators write it (`10/min`, `20/s`, `100/h`).
//!
//! One notation for every limit keeps the configuration table readable; `off` turns a
//! limit off. A rate allows a burst of its whole count, then refills evenly over its period
//! (a token bucket, which is what `governor` implements as GCRA).

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;
use std::time::Duration;

use governor::Quota;

/// `count` events per `period`, with bursts of up to `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// How many.
    pub count: NonZeroU32,
    /// Per how long.
    pub period: Duration,
}

impl Rate {
    /// `count` per `period`; `None` when `count` is zero (a zero rate is written `off`).
    pub fn new(count: u32, period: Duration) -> Option<Self> {
        let count = NonZeroU32::new(count)?;
        (!period.is_zero()).then_some(Self { count, period })
    }

    /// The governor quota: a burst of `count`, one cell back every `period / count`.
    pub(crate) fn quota(self) -> Quota {
        let interval = self.period / self.count.get();
        Quota::with_period(interval.max(Duration::from_nanos(1)))
            .unwrap_or_else(|| Quota::per_second(self.count))
            .allow_burst(self.count)
    }
}

/// Why a rate could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected `<count>/<s|min|h>` (for example `10/min`) or `off`, got {0:?}")]
pub struct RateParseError(String);

/// A limit that may be switched off: `off` (or `0`) parses to `None`.
pub fn parse_limit(raw: &str) -> Result<Option<Rate>, RateParseError> {
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("off") || raw == "0" {
        return Ok(None);
    }
    raw.parse().map(Some)
}

impl FromStr for Rate {
    type Err = RateParseError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let error = || RateParseError(raw.to_owned());
        let (count, unit) = raw.trim().split_once('/').ok_or_else(error)?;
        let count: u32 = count.trim().parse().map_err(|_| error())?;
        let period = match unit.trim() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "m" | "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            _ => return Err(error()),
        };
        Rate::new(count, period).ok_or_else(error)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "s",
            60 => "min",
            3600 => "h",
            _ => return write!(f, "{}/{}s", self.count, self.period.as_secs_f64()),
        };
        write!(f, "{}/{unit}", self.count)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;

    #[test]
    fn reads_the_three_units() {
        assert_eq!("10/min".parse::<Rate>().unwrap().to_string(), "10/min");
        assert_eq!(" 20 / s ".parse::<Rate>().unwrap().to_string(), "20/s");
        assert_eq!(
            "100/h".parse::<Rate>().unwrap().period,
            Duration::from_secs(3600)
        );
    }

    #[test]
    fn off_and_zero_switch_a_limit_off() {
        assert_eq!(parse_limit("off").unwrap(), None);
        assert_eq!(parse_limit("OFF").unwrap(), None);
        assert_eq!(parse_limit("0").unwrap(), None);
        assert!(parse_limit("5/s").unwrap().is_some());
    }

    #[test]
    fn refuses_what_is_not_a_rate() {
        for raw in ["", "10", "ten/min", "10/day", "0/s", "-1/s", "10/"] {
            assert!(raw.parse::<Rate>().is_err(), "{raw:?} parsed");
        }
    }

    #[test]
    fn the_quota_allows_the_whole_count_as_a_burst() {
        let quota = "30/min".parse::<Rate>().unwrap().quota();
        assert_eq!(quota.burst_size().get(), 30);
        assert_eq!(quota.replenish_interval(), Duration::from_secs(2));
    }
}

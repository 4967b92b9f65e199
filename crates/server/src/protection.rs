//! The abuse limits and browser policy from the environment, and the `bench` profile.
//!
//! `CHAT_PROFILE=bench` is the one switch load tests flip: bcrypt cost 4, and every rate
//! limit, the per-user connection limit and the rooms-per-user limit off. It is loud about
//! itself at start (a warning in the log), and any variable set explicitly still wins over
//! it, so a test can switch the profile on and one limit back on. Never run it where real
//! users sign in.

use std::str::FromStr;

use anyhow::{bail, Context};
use chat_http::limits::{parse_limit, Rate, RateSettings};
use chat_http::security::AllowedOrigins;
use chat_http::DEFAULT_MAX_CONNECTIONS_PER_USER;

/// Which set of defaults applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Production defaults: bcrypt cost 12, every limit on.
    Default,
    /// Load tests: bcrypt cost 4, limits off.
    Bench,
}

impl Profile {
    /// The name results and logs print.
    pub fn name(self) -> &'static str {
        match self {
            Self::Default => "default",
            Self::Bench => "bench",
        }
    }

    /// The bcrypt cost when `CHAT_BCRYPT_COST` is unset.
    pub fn bcrypt_cost(self) -> u32 {
        match self {
            Self::Default => 12,
            Self::Bench => 4,
        }
    }
}

/// A `CHAT_PROFILE` that names no profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownProfile(String);

impl std::fmt::Display for UnknownProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected `default` or `bench`, got {:?}", self.0)
    }
}

impl std::error::Error for UnknownProfile {}

impl FromStr for Profile {
    type Err = UnknownProfile;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "default" | "production" => Ok(Self::Default),
            "bench" => Ok(Self::Bench),
            other => Err(UnknownProfile(other.to_owned())),
        }
    }
}

/// Limits and browser policy.
#[derive(Debug, Clone)]
pub struct Protection {
    /// `CHAT_RATE_*`: the rate limits.
    pub rates: RateSettings,
    /// `CHAT_MAX_CONNECTIONS_PER_USER`: WebSocket connections per user and node (`0`: none).
    pub max_connections_per_user: Option<usize>,
    /// `CHAT_MAX_REQUEST_BYTES`: largest JSON request body.
    pub max_request_bytes: usize,
    /// `CHAT_ALLOWED_ORIGINS`: browser origins allowed besides the server's own.
    pub allowed_origins: AllowedOrigins,
}

impl Protection {
    /// Reads the limits for `profile` through `get` (which already drops blank values).
    pub fn from_lookup(
        profile: Profile,
        get: &impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let defaults = match profile {
            Profile::Default => RateSettings::default(),
            Profile::Bench => RateSettings::off(),
        };
        let rate = |key: &str, default: Option<Rate>| -> anyhow::Result<Option<Rate>> {
            match get(key) {
                Some(raw) => {
                    parse_limit(&raw).with_context(|| format!("{key}={raw:?} is not valid"))
                }
                None => Ok(default),
            }
        };
        let rates = RateSettings {
            login_per_username: rate("CHAT_RATE_LOGIN_PER_USERNAME", defaults.login_per_username)?,
            login_per_ip: rate("CHAT_RATE_LOGIN_PER_IP", defaults.login_per_ip)?,
            register_per_ip: rate("CHAT_RATE_REGISTER_PER_IP", defaults.register_per_ip)?,
            sends_per_user: rate("CHAT_RATE_SENDS_PER_USER", defaults.sends_per_user)?,
            sends_per_room: rate("CHAT_RATE_SENDS_PER_ROOM", defaults.sends_per_room)?,
        };
        let max_connections_per_user = match get("CHAT_MAX_CONNECTIONS_PER_USER") {
            Some(raw) => {
                let limit: usize = raw.trim().parse().with_context(|| {
                    format!("CHAT_MAX_CONNECTIONS_PER_USER={raw:?} is not valid")
                })?;
                (limit > 0).then_some(limit)
            }
            None => (profile == Profile::Default).then_some(DEFAULT_MAX_CONNECTIONS_PER_USER),
        };
        let max_request_bytes = match get("CHAT_MAX_REQUEST_BYTES") {
            Some(raw) => raw
                .trim()
                .parse()
                .with_context(|| format!("CHAT_MAX_REQUEST_BYTES={raw:?} is not valid"))?,
            None => 64 * 1024,
        };
        if max_request_bytes < 1024 {
            bail!("CHAT_MAX_REQUEST_BYTES must be at least 1024, got {max_request_bytes}");
        }
        Ok(Self {
            rates,
            max_connections_per_user,
            max_request_bytes,
            allowed_origins: AllowedOrigins::parse(
                &get("CHAT_ALLOWED_ORIGINS").unwrap_or_default(),
            ),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(profile: Profile, vars: &[(&str, &str)]) -> anyhow::Result<Protection> {
        let map: HashMap<&str, &str> = vars.iter().copied().collect();
        Protection::from_lookup(profile, &|key| map.get(key).map(|v| v.to_string()))
    }

    #[test]
    fn the_default_profile_has_every_limit_on() {
        let protection = read(Profile::Default, &[]).unwrap();
        assert_eq!(protection.rates, RateSettings::default());
        assert!(protection.rates.login_per_username.is_some());
        assert_eq!(
            protection.max_connections_per_user,
            Some(DEFAULT_MAX_CONNECTIONS_PER_USER)
        );
    }

    #[test]
    fn the_bench_profile_lifts_the_limits_but_explicit_ones_win() {
        let protection = read(Profile::Bench, &[("CHAT_RATE_SENDS_PER_USER", "5/s")]).unwrap();
        assert_eq!(protection.rates.login_per_ip, None);
        assert_eq!(protection.max_connections_per_user, None);
        assert_eq!(protection.rates.sends_per_user.unwrap().to_string(), "5/s");
        assert_eq!(Profile::Bench.bcrypt_cost(), 4);
    }

    #[test]
    fn limits_can_be_switched_off_one_by_one() {
        let protection = read(
            Profile::Default,
            &[
                ("CHAT_RATE_LOGIN_PER_IP", "off"),
                ("CHAT_MAX_CONNECTIONS_PER_USER", "0"),
            ],
        )
        .unwrap();
        assert_eq!(protection.rates.login_per_ip, None);
        assert_eq!(protection.max_connections_per_user, None);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let error = read(Profile::Default, &[("CHAT_RATE_SENDS_PER_ROOM", "fast")]).unwrap_err();
        assert!(error.to_string().contains("CHAT_RATE_SENDS_PER_ROOM"));
        assert!(read(Profile::Default, &[("CHAT_MAX_REQUEST_BYTES", "10")]).is_err());
        assert!("turbo".parse::<Profile>().is_err());
    }
}

//! Exponential backoff between job attempts.

use std::time::Duration;

use crate::AppConfig;

/// The delay before attempt `failed_attempt + 1`: the base doubled per failed attempt, capped.
pub fn backoff_delay(config: &AppConfig, failed_attempt: u32) -> Duration {
    let exponent = failed_attempt.saturating_sub(1).min(20);
    config
        .job_backoff_base
        .saturating_mul(1u32 << exponent)
        .min(config.job_backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_per_attempt_up_to_the_cap() {
        let config = AppConfig {
            job_backoff_base: Duration::from_millis(100),
            job_backoff_max: Duration::from_secs(1),
            ..AppConfig::default()
        };
        let delays: Vec<_> = (1..=6)
            .map(|a| backoff_delay(&config, a).as_millis())
            .collect();
        assert_eq!(delays, vec![100, 200, 400, 800, 1000, 1000]);
    }
}

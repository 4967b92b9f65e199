//! Configuration from the environment, with defaults that need no set-up at all.
//!
//! Every variable is optional: with none set, the server listens on 127.0.0.1:8080 and keeps
//! everything (the SQLite database and its JWT secret) under `./data`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `CHAT_HTTP_ADDR`: where to listen (port 0 picks a free port).
    pub http_addr: SocketAddr,
    /// `CHAT_DATA_DIR`: where the embedded database and the generated secret live.
    pub data_dir: PathBuf,
    /// `CHAT_DATABASE_URL`: a sea-orm URL (sqlite, postgres or mysql).
    pub database_url: String,
    /// `CHAT_MONGODB_URI`: MongoDB for messages (database from the path, default `chat`);
    /// unset keeps messages in the SQL database.
    pub mongodb_uri: Option<String>,
    /// `CHAT_REDIS_URL`: Redis for the job queue and the event bus; unset runs both in-process.
    pub redis_url: Option<String>,
    /// `CHAT_REDIS_PREFIX`: prefix of every Redis key and channel (nodes of one cluster share it).
    pub redis_prefix: String,
    /// `CHAT_JWT_SECRET`: the signing key; generated into the data dir when unset.
    pub jwt_secret: Option<String>,
    /// `CHAT_ACCESS_TOKEN_TTL_SECS`: lifetime of access tokens.
    pub access_token_ttl: Duration,
    /// `CHAT_BCRYPT_COST`: bcrypt work factor (4 to 31).
    pub bcrypt_cost: u32,
    /// `CHAT_WORKERS`: job workers on this node.
    pub workers: usize,
    /// `CHAT_MAX_BODY_CHARS`: longest message body.
    pub max_body_chars: usize,
    /// `CHAT_MAX_WS_FRAME_BYTES`: largest client WebSocket frame.
    pub max_ws_frame_bytes: usize,
    /// `CHAT_WS_OUTBOUND_BUFFER`: events buffered per WebSocket connection before it counts as
    /// a slow consumer and is closed with 1013.
    pub ws_outbound_buffer: usize,
    /// `CHAT_MIGRATE`: run migrations at start (`true`/`false`).
    pub migrate_on_start: bool,
    /// `CHAT_SHUTDOWN_GRACE_SECS`: how long shutdown waits for in-flight work and the queue.
    pub shutdown_grace: Duration,
    /// `CHAT_MAX_GROUP_MEMBERS`: member limit of a group.
    pub max_group_members: u32,
    /// `CHAT_INVITE_TTL_SECS`: how long an invite can be accepted.
    pub invite_ttl: Duration,
    /// `CHAT_EDIT_WINDOW_SECS`: how long after sending its author may edit a message.
    pub edit_window: Duration,
    /// `CHAT_PRESENCE_GRACE_MS`: how long a user stays online after their last connection closes.
    pub presence_grace: Duration,
    /// `CHAT_LOG_FORMAT`: how log lines on stderr look (`json`, `pretty` or `auto`).
    pub log_format: LogFormat,
    /// `CHAT_DEPENDENCY_TIMEOUT_SECS`: how long start-up waits for each configured store
    /// (SQL, MongoDB, Redis) before giving up with an error that names it.
    pub dependency_timeout: Duration,
}

/// How log lines on stderr look (`CHAT_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One JSON object per line, for log shippers.
    Json,
    /// Human-readable lines, coloured on a terminal.
    Pretty,
    /// Pretty when stderr is a terminal, JSON otherwise (a container, a pipe, a file).
    #[default]
    Auto,
}

impl FromStr for LogFormat {
    type Err = anyhow::Error;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "json" => Ok(Self::Json),
            "pretty" => Ok(Self::Pretty),
            "auto" => Ok(Self::Auto),
            other => bail!("CHAT_LOG_FORMAT must be json, pretty or auto, got {other:?}"),
        }
    }
}

impl LogFormat {
    /// `CHAT_LOG_FORMAT` from the process environment, read before everything else so that even
    /// a settings error is logged in the chosen format; a bad value is reported by
    /// [`Settings::from_env`] and falls back to `auto` here.
    pub fn from_env() -> Self {
        std::env::var("CHAT_LOG_FORMAT")
            .ok()
            .and_then(|raw| raw.parse().ok())
            .unwrap_or_default()
    }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the settings through `lookup` (a test passes a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(get("CHAT_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("CHAT_DATABASE_URL") {
            Some(url) => url,
            None => format!("sqlite://{}?mode=rwc", data_dir.join("chat.db").display()),
        };
        let bcrypt_cost = parse(&get, "CHAT_BCRYPT_COST", 12)?;
        if !(4..=31).contains(&bcrypt_cost) {
            bail!("CHAT_BCRYPT_COST must be between 4 and 31, got {bcrypt_cost}");
        }
        Ok(Self {
            http_addr: parse(
                &get,
                "CHAT_HTTP_ADDR",
                SocketAddr::from(([127, 0, 0, 1], 8080)),
            )?,
            data_dir,
            database_url,
            mongodb_uri: get("CHAT_MONGODB_URI"),
            redis_url: get("CHAT_REDIS_URL"),
            redis_prefix: get("CHAT_REDIS_PREFIX").unwrap_or_else(|| "chat".into()),
            jwt_secret: get("CHAT_JWT_SECRET"),
            access_token_ttl: Duration::from_secs(parse(&get, "CHAT_ACCESS_TOKEN_TTL_SECS", 900)?),
            bcrypt_cost,
            workers: parse(&get, "CHAT_WORKERS", 4)?,
            max_body_chars: parse(
                &get,
                "CHAT_MAX_BODY_CHARS",
                chat_domain::DEFAULT_MAX_BODY_CHARS,
            )?,
            max_ws_frame_bytes: parse(&get, "CHAT_MAX_WS_FRAME_BYTES", 64 * 1024)?,
            ws_outbound_buffer: parse(&get, "CHAT_WS_OUTBOUND_BUFFER", 1024)?,
            migrate_on_start: parse(&get, "CHAT_MIGRATE", true)?,
            shutdown_grace: Duration::from_secs(parse(&get, "CHAT_SHUTDOWN_GRACE_SECS", 30)?),
            max_group_members: parse(
                &get,
                "CHAT_MAX_GROUP_MEMBERS",
                chat_domain::DEFAULT_MAX_GROUP_MEMBERS,
            )?,
            invite_ttl: Duration::from_secs(parse(&get, "CHAT_INVITE_TTL_SECS", 7 * 24 * 3600)?),
            edit_window: Duration::from_secs(parse(&get, "CHAT_EDIT_WINDOW_SECS", 15 * 60)?),
            presence_grace: Duration::from_millis(parse(&get, "CHAT_PRESENCE_GRACE_MS", 5_000)?),
            dependency_timeout: Duration::from_secs(
                parse(&get, "CHAT_DEPENDENCY_TIMEOUT_SECS", 30)?.max(1),
            ),
            log_format: match get("CHAT_LOG_FORMAT") {
                Some(raw) => raw.parse()?,
                None => LogFormat::Auto,
            },
        })
    }
}

fn parse<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    match get(key) {
        Some(raw) => raw
            .trim()
            .parse()
            .with_context(|| format!("{key}={raw:?} is not valid")),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|key| map.get(key).cloned())
    }

    #[test]
    fn no_configuration_means_the_embedded_default() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.http_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://./data/chat.db?mode=rwc");
        assert!(s.jwt_secret.is_none());
        assert!(s.migrate_on_start);
    }

    #[test]
    fn the_database_follows_the_data_dir() {
        let s = settings(&[("CHAT_DATA_DIR", "/tmp/x")]).unwrap();
        assert_eq!(s.database_url, "sqlite:///tmp/x/chat.db?mode=rwc");
    }

    #[test]
    fn bad_values_are_reported_with_their_name() {
        let error = settings(&[("CHAT_HTTP_ADDR", "nowhere")]).unwrap_err();
        assert!(error.to_string().contains("CHAT_HTTP_ADDR"));
        assert!(settings(&[("CHAT_BCRYPT_COST", "3")]).is_err());
    }

    #[test]
    fn the_log_format_is_json_pretty_or_auto() {
        assert_eq!(settings(&[]).unwrap().log_format, LogFormat::Auto);
        let json = settings(&[("CHAT_LOG_FORMAT", "JSON")]).unwrap();
        assert_eq!(json.log_format, LogFormat::Json);
        let pretty = settings(&[("CHAT_LOG_FORMAT", "pretty")]).unwrap();
        assert_eq!(pretty.log_format, LogFormat::Pretty);
        let error = settings(&[("CHAT_LOG_FORMAT", "xml")]).unwrap_err();
        assert!(error.to_string().contains("CHAT_LOG_FORMAT"));
    }

    #[test]
    fn start_up_waits_at_least_a_second_for_each_store() {
        assert_eq!(
            settings(&[]).unwrap().dependency_timeout,
            Duration::from_secs(30)
        );
        let zero = settings(&[("CHAT_DEPENDENCY_TIMEOUT_SECS", "0")]).unwrap();
        assert_eq!(zero.dependency_timeout, Duration::from_secs(1));
    }
}

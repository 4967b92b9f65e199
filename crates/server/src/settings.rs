//! Configuration from the environment, with defaults that need no set-up at all.
//!
//! Every variable is optional: with none set, the server listens on 127.0.0.1:8080 and keeps
//! everything (the SQLite database and its JWT secret) under `./data`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use anyhow::{bail, Context};
use chat_app::admin::AdminPolicy;
use chat_domain::Username;

use crate::protection::{Profile, Protection};

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
    /// `CHAT_GROUP_COMMIT_INTERVAL_MS`: shortest time between the starts of two group commits
    /// of messages on this node (`0`: back to back).
    pub group_commit_interval: Duration,
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
    /// `CHAT_MAX_ROOMS_PER_USER`: how many rooms (groups and private rooms) one user may
    /// belong to; `0` lifts the limit.
    pub max_rooms_per_user: u32,
    /// `CHAT_INVITE_TTL_SECS`: how long an invite can be accepted.
    pub invite_ttl: Duration,
    /// `CHAT_EDIT_WINDOW_SECS`: how long after sending its author may edit a message.
    pub edit_window: Duration,
    /// `CHAT_PRESENCE_GRACE_MS`: how long a user stays online after their last connection closes.
    pub presence_grace: Duration,
    /// `CHAT_PROFILE`: `default`, or `bench` for load tests (low bcrypt cost, limits off).
    pub profile: Profile,
    /// Rate limits, connection and body limits, allowed browser origins.
    pub protection: Protection,
    /// `CHAT_ADMIN_USERS`: comma-separated usernames allowed on `/api/v1/admin/*`.
    pub admin_users: Vec<Username>,
    /// `CHAT_ADMIN_TOKEN`: a bearer token that opens `/api/v1/admin/*` without an account
    /// (at least 32 bytes); its `Debug` is redacted.
    pub admin_token: Option<AdminToken>,
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

/// The admin token from the environment. Never printed: its `Debug` shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// Shortest accepted token, in bytes (as long as the smallest JWT secret).
    pub const MIN_BYTES: usize = 32;
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(***)")
    }
}

/// The usernames of `CHAT_ADMIN_USERS`, each checked like a registration would.
fn admin_users(raw: Option<String>) -> anyhow::Result<Vec<Username>> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    raw.split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(|name| {
            Username::parse(name)
                .with_context(|| format!("CHAT_ADMIN_USERS: {name:?} is not a valid username"))
        })
        .collect()
}

/// `CHAT_ADMIN_TOKEN`, refused when too short to resist guessing (the value is not echoed).
fn admin_token(raw: Option<String>) -> anyhow::Result<Option<AdminToken>> {
    match raw.map(|t| t.trim().to_owned()) {
        Some(token) if token.len() < AdminToken::MIN_BYTES => bail!(
            "CHAT_ADMIN_TOKEN must be at least {} bytes",
            AdminToken::MIN_BYTES
        ),
        token => Ok(token.map(AdminToken)),
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
        let profile: Profile = parse(&get, "CHAT_PROFILE", Profile::Default)?;
        let bcrypt_cost = parse(&get, "CHAT_BCRYPT_COST", profile.bcrypt_cost())?;
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
            group_commit_interval: Duration::from_millis(parse(
                &get,
                "CHAT_GROUP_COMMIT_INTERVAL_MS",
                u64::try_from(chat_app::DEFAULT_GROUP_COMMIT_INTERVAL.as_millis())
                    .unwrap_or(u64::MAX),
            )?),
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
            max_rooms_per_user: parse(
                &get,
                "CHAT_MAX_ROOMS_PER_USER",
                match profile {
                    Profile::Default => chat_app::DEFAULT_MAX_ROOMS_PER_USER,
                    Profile::Bench => 0,
                },
            )?,
            invite_ttl: Duration::from_secs(parse(&get, "CHAT_INVITE_TTL_SECS", 7 * 24 * 3600)?),
            edit_window: Duration::from_secs(parse(&get, "CHAT_EDIT_WINDOW_SECS", 15 * 60)?),
            presence_grace: Duration::from_millis(parse(&get, "CHAT_PRESENCE_GRACE_MS", 5_000)?),
            protection: Protection::from_lookup(profile, &get)?,
            profile,
            admin_users: admin_users(get("CHAT_ADMIN_USERS"))?,
            admin_token: admin_token(get("CHAT_ADMIN_TOKEN"))?,
            dependency_timeout: Duration::from_secs(
                parse(&get, "CHAT_DEPENDENCY_TIMEOUT_SECS", 30)?.max(1),
            ),
            log_format: match get("CHAT_LOG_FORMAT") {
                Some(raw) => raw.parse()?,
                None => LogFormat::Auto,
            },
        })
    }

    /// Who may use the admin routes, from `CHAT_ADMIN_USERS` and `CHAT_ADMIN_TOKEN`.
    pub fn admin_policy(&self) -> AdminPolicy {
        AdminPolicy::new(
            self.admin_users.iter().cloned(),
            self.admin_token.as_ref().map(|token| token.0.as_str()),
        )
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
    fn the_rooms_per_user_limit_defaults_to_a_thousand_and_zero_lifts_it() {
        assert_eq!(settings(&[]).unwrap().max_rooms_per_user, 1000);
        let off = settings(&[("CHAT_MAX_ROOMS_PER_USER", "0")]).unwrap();
        assert_eq!(off.max_rooms_per_user, 0);
        assert!(settings(&[("CHAT_MAX_ROOMS_PER_USER", "-1")]).is_err());
    }

    #[test]
    fn group_commits_are_paced_3_ms_apart_unless_told_otherwise() {
        let paced = settings(&[]).unwrap().group_commit_interval;
        assert_eq!(paced, Duration::from_millis(3));
        let off = settings(&[("CHAT_GROUP_COMMIT_INTERVAL_MS", "0")]).unwrap();
        assert_eq!(off.group_commit_interval, Duration::ZERO);
        assert!(settings(&[("CHAT_GROUP_COMMIT_INTERVAL_MS", "soon")]).is_err());
    }

    #[test]
    fn bad_values_are_reported_with_their_name() {
        let error = settings(&[("CHAT_HTTP_ADDR", "nowhere")]).unwrap_err();
        assert!(error.to_string().contains("CHAT_HTTP_ADDR"));
        assert!(settings(&[("CHAT_BCRYPT_COST", "3")]).is_err());
    }

    #[test]
    fn admins_are_parsed_and_the_token_is_never_shown() {
        let token = "t".repeat(AdminToken::MIN_BYTES);
        let s = settings(&[
            ("CHAT_ADMIN_USERS", " Alice, bob ,,"),
            ("CHAT_ADMIN_TOKEN", token.as_str()),
        ])
        .unwrap();
        let names: Vec<&str> = s.admin_users.iter().map(Username::as_str).collect();
        assert_eq!(names, ["alice", "bob"]);
        assert!(s.admin_policy().is_admin_token(&token));
        assert!(!format!("{s:?}").contains(&token));
        let none = settings(&[]).unwrap();
        assert!(none.admin_users.is_empty() && none.admin_token.is_none());
    }

    #[test]
    fn bad_admin_settings_are_refused_without_echoing_the_token() {
        assert!(settings(&[("CHAT_ADMIN_USERS", "alice,no spaces")]).is_err());
        let error = settings(&[("CHAT_ADMIN_TOKEN", "short-secret")]).unwrap_err();
        assert!(!error.to_string().contains("short-secret"));
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

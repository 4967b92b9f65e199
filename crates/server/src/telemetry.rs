//! Logs: `tracing` events on stderr, as JSON lines or as human-readable text, filtered by
//! `RUST_LOG` (default `info`).
//!
//! `CHAT_LOG_FORMAT` picks the format (see [`LogFormat`]): JSON is what log shippers read, one
//! object per line with the fields of the event and of every span it happened in (so each line
//! of a request carries its `request_id`); pretty text is for a person at a terminal. stdout is
//! kept for the one line that says where the server listens, which scripts and the end-to-end
//! tests read.
//!
//! No level of `RUST_LOG` may put a secret in the log: on top of its filter, [`held_back`] caps
//! the dependencies that would log one at `debug` or `trace` (sea-orm records each statement
//! with its bound values, so a message body or a token hash, in its spans).

use std::io::IsTerminal;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

use crate::settings::LogFormat;

/// The filter when `RUST_LOG` is unset: our crates at `info`, the chatty drivers quieter.
const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,actix_server=warn";

/// Installs the global subscriber in `format`; later calls are no-ops.
pub fn init(format: LogFormat) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(true)
            .finish()
            .with(held_back())
            .try_init()
    } else {
        builder
            .with_target(false)
            .with_ansi(std::io::stderr().is_terminal())
            .finish()
            .with(held_back())
            .try_init()
    };
}

/// Everything allowed, except the targets that log statement values at `debug` and `trace`,
/// which are held at `info` whatever `RUST_LOG` asks for.
fn held_back() -> Targets {
    Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_target("sea_orm", LevelFilter::INFO)
        .with_target("sea_orm_migration", LevelFilter::INFO)
}

//! `chat-server`: the thin binary that wires chat-system together.
//!
//! - `chat-server` (or `chat-server serve`): run a node.
//! - `chat-server migrate`: bring the SQL schema up to date and exit.
//! - `chat-server dlq list | replay <id> | purge`: inspect and act on dead letters.
//!
//! Configuration comes from environment variables (see `settings` and the README).

mod application;
mod commands;
mod exporter;
mod protection;
mod readiness;
mod revocations;
mod secret;
mod settings;
mod telemetry;
mod wiring;

use settings::Settings;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    telemetry::init(settings::LogFormat::from_env());
    // One TLS crypto provider for every client (sqlx, MongoDB), chosen here rather than by
    // whichever dependency asks first.
    if rustls::crypto::ring::default_provider()
        .install_default()
        .is_err()
    {
        tracing::debug!("a rustls crypto provider was already installed");
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match Settings::from_env() {
        Ok(settings) => commands::run(settings, &args).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("{error:#}");
            eprintln!("chat-server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

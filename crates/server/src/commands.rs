//! The sub-commands of the binary.

use anyhow::{bail, Context};
use chat_app::worker::DeadLetterService;
use chat_domain::JobId;

use crate::settings::Settings;
use crate::{application, wiring};

const USAGE: &str = "usage: chat-server [serve | migrate | dlq list | dlq replay <id> | dlq purge]";

/// Runs the sub-command named by `args`.
pub async fn run(settings: Settings, args: &[String]) -> anyhow::Result<()> {
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["serve"] => application::serve(settings).await,
        ["migrate"] => {
            let settings = Settings {
                migrate_on_start: true,
                ..settings
            };
            wiring::open_database(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        ["dlq", rest @ ..] => dead_letters(settings, rest).await,
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("unknown command; {USAGE}"),
    }
}

async fn dead_letters(settings: Settings, args: &[&str]) -> anyhow::Result<()> {
    let service = DeadLetterService::new(wiring::connect(&settings).await?.ports);
    match args {
        ["list"] => {
            for letter in service.list(1000).await? {
                let line = serde_json::json!({
                    "id": letter.id.to_string(),
                    "priority": letter.priority.as_str(),
                    "attempts": letter.attempts,
                    "error": letter.error,
                    "failed_at": letter.failed_at.to_string(),
                    "payload": letter.payload,
                });
                println!("{line}");
            }
            Ok(())
        }
        ["replay", id] => {
            let id: JobId = id.parse().context("a dead-letter id is a UUID")?;
            if settings.redis_url.is_none() {
                // Without Redis the queue lives in each process: this command's queue would die
                // with it, taking the replayed job along.
                bail!("replaying needs the shared queue: set CHAT_REDIS_URL (the running nodes' Redis)");
            }
            service.replay(id).await?;
            println!("replayed {id}");
            Ok(())
        }
        ["purge"] => {
            println!("purged {}", service.purge().await?);
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

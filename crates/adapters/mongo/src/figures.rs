//! Store latency for `/metrics`: every MongoDB command's round trip, by command.
//!
//! The driver reports each command it sends (its command monitoring events, which also count
//! the round trips); the `op` label is the command's name when it is one this store sends,
//! else `other`, so the number of series stays fixed.

use std::time::Duration;

/// The commands this store sends, named as the driver names them.
const KNOWN_COMMANDS: [&str; 11] = [
    "find",
    "getMore",
    "aggregate",
    "insert",
    "update",
    "delete",
    "findAndModify",
    "createIndexes",
    "listIndexes",
    "ping",
    "killCursors",
];

/// Records one command in `chat_store_duration_seconds{adapter="mongo", op}`.
pub(crate) fn record(command: &str, duration: Duration) {
    metrics::histogram!(
        "chat_store_duration_seconds",
        "adapter" => "mongo",
        "op" => command_label(command),
    )
    .record(duration.as_secs_f64());
}

/// `command` as a label of bounded cardinality.
fn command_label(command: &str) -> &'static str {
    KNOWN_COMMANDS
        .into_iter()
        .find(|known| *known == command)
        .unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::command_label;

    #[test]
    fn unknown_commands_share_one_label() {
        assert_eq!(command_label("insert"), "insert");
        assert_eq!(command_label("getMore"), "getMore");
        assert_eq!(command_label("hello"), "other");
    }
}

//! A `redis-server` of the test's own, on a free port, that the test may kill and start again.
//!
//! The fault tests never touch the shared Redis: restarting it would break every other suite
//! running at the same time. This one runs without persistence (`--save "" --appendonly no`),
//! as production Redis may, so a restart also empties it.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use chat_redis::deadpool_redis::redis;

/// How long a fresh server may take to answer `PING`.
const STARTUP: Duration = Duration::from_secs(20);

/// A running `redis-server`, killed when dropped.
pub struct RedisServer {
    port: u16,
    process: Child,
}

impl RedisServer {
    /// Starts a server on a free port, or `None` when `redis-server` is not installed
    /// (announced loudly; a failure under `CHAT_REQUIRE_SERVICES=1`).
    pub async fn start() -> Option<Self> {
        let port = chat_testkit::free_port();
        let process = match spawn(port) {
            Ok(process) => process,
            Err(error) if chat_testkit::services_required() => {
                panic!(
                    "redis-server is required (CHAT_REQUIRE_SERVICES=1) but did not start: {error}"
                )
            }
            Err(error) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPED: Redis fault tests: redis-server did not start: {error} ***"
                );
                return None;
            }
        };
        let server = Self { port, process };
        server.wait_until_ready().await;
        Some(server)
    }

    /// Where it listens.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL, as a crash would) and starts a new, empty one on the same
    /// port; returns once it answers.
    pub async fn restart(&mut self) {
        self.stop();
        self.process = spawn(self.port).expect("redis-server starts again");
        self.wait_until_ready().await;
    }

    fn stop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }

    async fn wait_until_ready(&self) {
        let client = redis::Client::open(self.url()).expect("a valid URL");
        let answered = tokio::time::timeout(STARTUP, async {
            loop {
                if let Ok(mut connection) = client.get_multiplexed_async_connection().await {
                    let pong: redis::RedisResult<String> =
                        redis::cmd("PING").query_async(&mut connection).await;
                    if pong.is_ok() {
                        return;
                    }
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await;
        assert!(
            answered.is_ok(),
            "redis-server did not answer within {STARTUP:?}"
        );
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(port: u16) -> std::io::Result<Child> {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

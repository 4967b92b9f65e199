//! Starting, killing and restarting the `chat-server` binary.
//!
//! The child is a `std::process::Child`, not a tokio one: the workspace's tokio has neither the
//! `process` nor the `io-util` feature, and plain reader threads keep draining the child's
//! stdout and stderr even while the test's (single-threaded) runtime is blocked in an assertion,
//! so the server can never stall on a full pipe. Everything the server prints is kept in a buffer
//! that is dumped when a test panics, which makes failures diagnosable without `--nocapture`.
//! Set `CHAT_E2E_ECHO=1` to also echo the server's output live.
//!
//! [`spawn_app`] gives the embedded default (SQLite and the JWT secret in the data directory,
//! in-process queue and bus); [`spawn_app_with`] adds environment variables on top, which is how
//! the cluster tests point several nodes at one PostgreSQL, MongoDB and Redis (see `stack`).
//! Whatever store the developer's shell configures is removed first, so a test gets exactly
//! the stores it asks for.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tempfile::TempDir;
use tokio::sync::oneshot;

use super::http::ApiResponse;

/// The line the server prints on stdout once it accepts connections.
const LISTENING_PREFIX: &str = "chat-server listening on ";

/// How long a start (migrations included, on a loaded machine) may take.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Variables that pick stores or shared secrets: never inherited from the shell, only set by
/// the test that wants them.
const STORE_VARIABLES: [&str; 6] = [
    "CHAT_DATABASE_URL",
    "CHAT_JWT_SECRET",
    "CHAT_MONGODB_URI",
    "CHAT_REDIS_URL",
    "CHAT_REDIS_PREFIX",
    "CHAT_MIGRATE",
];

/// One running server with its own data directory.
#[derive(Debug)]
pub struct TestApp {
    /// `http://127.0.0.1:<port>`, no trailing slash.
    pub base_url: String,
    /// `ws://127.0.0.1:<port>/api/v1/ws`.
    pub ws_url: String,
    /// Where the server keeps `chat.db` and its JWT secret; survives [`TestApp::restart`].
    pub data_dir: TempDir,
    /// Shared HTTP client (connection pool) for every request of the test.
    pub client: reqwest::Client,
    /// Variables set on top of the defaults at every start (restarts included).
    env: Vec<(String, String)>,
    child: Option<Child>,
    logs: Arc<Mutex<String>>,
}

/// Starts a fresh server on port 0 with an empty temporary data directory.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Vec::new()).await
}

/// Like [`spawn_app`], with `env` set on top of the defaults (`CHAT_DATABASE_URL`,
/// `CHAT_REDIS_URL`, ...); the same variables apply to every restart.
pub async fn spawn_app_with(env: Vec<(String, String)>) -> TestApp {
    let data_dir = tempfile::tempdir().expect("creating the temporary data directory");
    let logs = Arc::new(Mutex::new(String::new()));
    let (child, addr) = start_server(&data_dir, &env, &logs).await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("building the HTTP client");
    TestApp {
        base_url: format!("http://{addr}"),
        ws_url: format!("ws://{addr}/api/v1/ws"),
        data_dir,
        client,
        env,
        child: Some(child),
        logs,
    }
}

impl TestApp {
    /// `base_url` + `path` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Kills the server with SIGKILL (what `kill -9` does) and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            // `Child::kill` sends SIGKILL on Unix: no graceful shutdown, no flush.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends SIGTERM (a graceful shutdown request) and waits up to `timeout` for the exit.
    ///
    /// Returns the exit status, or `None` if the process was still running at the deadline
    /// (it is then killed). Uses the `kill` command, so the suite needs no libc binding.
    pub async fn terminate(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take().expect("the server is running");
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("running kill -TERM");
        assert!(sent.success(), "kill -TERM failed: {sent}");
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().expect("polling the server process") {
                return Some(status);
            }
            if tokio::time::Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts the server again on the same data directory after [`Self::kill`] or
    /// [`Self::terminate`]; the new process has a new port.
    pub async fn start_again(&mut self) {
        assert!(self.child.is_none(), "the server is still running");
        let (child, addr) = start_server(&self.data_dir, &self.env, &self.logs).await;
        self.child = Some(child);
        self.base_url = format!("http://{addr}");
        self.ws_url = format!("ws://{addr}/api/v1/ws");
        // A fresh pool: the old connections point at a dead process.
        self.client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("building the HTTP client");
    }

    /// `kill -9` the server, then start a new one on the same data directory.
    ///
    /// The new process listens on a new port; `base_url` and `ws_url` are updated.
    pub async fn restart(&mut self) {
        self.kill();
        self.logs
            .lock()
            .expect("log buffer")
            .push_str("\n----- killed with SIGKILL, restarting on the same data dir -----\n");
        self.start_again().await;
    }

    /// Writes `note` into the log buffer, to mark a step of the test in the dump.
    pub fn note(&self, note: &str) {
        self.logs
            .lock()
            .expect("log buffer")
            .push_str(&format!("----- {note} -----\n"));
    }

    /// Everything the server printed so far (stdout and stderr, interleaved by line).
    pub fn logs(&self) -> String {
        self.logs.lock().expect("log buffer").clone()
    }

    /// `GET /healthz`, handy to prove the process is still serving.
    pub async fn healthz(&self) -> ApiResponse {
        self.get("/healthz", None).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "===== chat-server output ({}) =====\n{}\n===== end of chat-server output =====",
                self.data_dir.path().display(),
                self.logs()
            );
        }
    }
}

/// How a server that must not start ended: its exit status (`None`: still running at the
/// deadline, then killed) and everything it printed.
#[derive(Debug)]
pub struct FailedStart {
    pub status: Option<std::process::ExitStatus>,
    pub output: String,
}

/// Starts the binary with `env` on a fresh data directory, expecting it to exit on its own
/// within `timeout` without ever listening (a dependency it cannot reach, say).
pub async fn start_expecting_exit(env: Vec<(String, String)>, timeout: Duration) -> FailedStart {
    let data_dir = tempfile::tempdir().expect("creating the temporary data directory");
    let logs = Arc::new(Mutex::new(String::new()));
    let mut child = server_command(&data_dir, &env)
        .spawn()
        .expect("spawning chat-server");
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    drain(stdout, "stdout", Arc::clone(&logs), None);
    drain(stderr, "stderr", Arc::clone(&logs), None);
    let deadline = tokio::time::Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().expect("polling the server process") {
            break Some(status);
        }
        if tokio::time::Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // The reader threads finish once the pipes close with the process.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let output = logs.lock().expect("log buffer").clone();
    FailedStart { status, output }
}

/// The command that runs the binary on `data_dir` with `env` on top of the defaults.
fn server_command(data_dir: &TempDir, env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_chat-server"));
    command
        .current_dir(data_dir.path())
        .env("CHAT_HTTP_ADDR", "127.0.0.1:0")
        .env("CHAT_DATA_DIR", data_dir.path())
        .env("CHAT_BCRYPT_COST", "4")
        // Rate limits off, so tests may send and log in as fast as they like; the limit tests
        // set each limit explicitly, which wins over the profile.
        .env("CHAT_PROFILE", "bench")
        .env(
            "RUST_LOG",
            std::env::var("CHAT_E2E_RUST_LOG").unwrap_or_else(|_| "warn".to_owned()),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Without `env`, the server derives everything from its data directory, whatever the
    // developer's shell exports.
    for variable in STORE_VARIABLES {
        command.env_remove(variable);
    }
    command.envs(env.iter().map(|(key, value)| (key, value)));
    command
}

/// Starts the binary on `data_dir` with `env` on top of the defaults and returns it with the
/// address from its listening line.
async fn start_server(
    data_dir: &TempDir,
    env: &[(String, String)],
    logs: &Arc<Mutex<String>>,
) -> (Child, String) {
    let mut child = server_command(data_dir, env)
        .spawn()
        .expect("spawning chat-server");

    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let (addr_tx, addr_rx) = oneshot::channel::<String>();
    drain(stdout, "stdout", Arc::clone(logs), Some(addr_tx));
    drain(stderr, "stderr", Arc::clone(logs), None);

    match tokio::time::timeout(START_TIMEOUT, addr_rx).await {
        Ok(Ok(addr)) => (child, addr),
        outcome => {
            let _ = child.kill();
            let status = child.wait().ok();
            let why = match outcome {
                Err(_) => format!("did not print its listening line within {START_TIMEOUT:?}"),
                _ => format!("closed stdout without a listening line (exit status: {status:?})"),
            };
            panic!(
                "chat-server {why}\n===== chat-server output =====\n{}",
                logs.lock().expect("log buffer")
            );
        }
    }
}

/// Reads `pipe` line by line on its own thread into `logs`, until the child closes it.
///
/// When `listening` is given, the address of the first `chat-server listening on` line is sent
/// through it.
fn drain(
    pipe: impl Read + Send + 'static,
    name: &'static str,
    logs: Arc<Mutex<String>>,
    mut listening: Option<oneshot::Sender<String>>,
) {
    let echo = std::env::var_os("CHAT_E2E_ECHO").is_some();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { break };
            if echo {
                eprintln!("[chat-server {name}] {line}");
            }
            if let Some(rest) = line.trim().strip_prefix(LISTENING_PREFIX) {
                if let Some(tx) = listening.take() {
                    let _ = tx.send(rest.trim().to_owned());
                }
            }
            let mut buffer = logs.lock().expect("log buffer");
            buffer.push_str(name);
            buffer.push_str(": ");
            buffer.push_str(&line);
            buffer.push('\n');
        }
    });
}

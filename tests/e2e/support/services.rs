//! Service processes a fault test owns and may kill: its own `redis-server` and its own
//! SecantusDB (the MongoDB stand-in), each on a free port of its own.
//!
//! The shared services of the machine are never touched: a test that wants to see Redis or
//! MongoDB die starts a private instance with [`OwnedServer::redis`] or
//! [`OwnedServer::secantus`], points its nodes at [`OwnedServer::url`], and then
//! [`OwnedServer::kill`]s it (SIGKILL, like a crash) and [`OwnedServer::start_again`]s it on the
//! same port. The process is killed when the value is dropped, whatever the outcome of the test,
//! and its output (kept in a file of its temporary directory) is printed when the test panics.
//!
//! - Redis runs without persistence (`--save "" --appendonly no`), as the product allows: a
//!   restart comes back empty, so whatever was acknowledged must not have lived only there.
//! - SecantusDB keeps its data in the temporary directory (not `:memory:`) and syncs its log on
//!   every commit, like a MongoDB with journaling: a restart after SIGKILL keeps every
//!   acknowledged write, so "nothing acknowledged is lost" can be checked across the outage.
//!
//! Programs are found through `CHAT_TEST_REDIS_SERVER` / `CHAT_TEST_SECANTUSD`, else on `PATH`,
//! else (SecantusDB) in the virtualenvs `.ci/run` and the developer machines use. A missing
//! program skips the test loudly, or fails it under `CHAT_REQUIRE_SERVICES=1`.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

/// How long a (re)start may take before the test fails.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Which server this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Redis,
    Secantus,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::Redis => "redis-server",
            Self::Secantus => "SecantusDB",
        }
    }
}

/// A server process this test started and owns.
#[derive(Debug)]
pub struct OwnedServer {
    kind: Kind,
    program: PathBuf,
    port: u16,
    /// Holds the log file and (SecantusDB) the data; removed on drop.
    dir: TempDir,
    child: Option<Child>,
}

impl OwnedServer {
    /// Starts a private `redis-server` without persistence on a free port; `None` (announced)
    /// when no `redis-server` is installed.
    pub async fn redis() -> Option<Self> {
        let program = find_program(Kind::Redis, "CHAT_TEST_REDIS_SERVER", "redis-server", &[])?;
        Some(Self::launch(Kind::Redis, program).await)
    }

    /// Starts a private SecantusDB with its data in a temporary directory on a free port;
    /// `None` (announced) when SecantusDB is not installed.
    pub async fn secantus() -> Option<Self> {
        let mut candidates = Vec::new();
        if let Ok(venv) = std::env::var("CHAT_CI_VENV") {
            candidates.push(PathBuf::from(venv).join("bin/secantusd-py"));
        }
        if let Ok(home) = std::env::var("HOME") {
            candidates.push(
                PathBuf::from(home).join(".cache/chat-system/secantus-venv/bin/secantusd-py"),
            );
        }
        candidates.push(PathBuf::from("/work/.venv-secantus/bin/secantusd-py"));
        let program = find_program(
            Kind::Secantus,
            "CHAT_TEST_SECANTUSD",
            "secantusd-py",
            &candidates,
        )?;
        Some(Self::launch(Kind::Secantus, program).await)
    }

    async fn launch(kind: Kind, program: PathBuf) -> Self {
        let mut server = Self {
            kind,
            program,
            port: chat_testkit::free_port(),
            dir: tempfile::tempdir().expect("a temporary directory for the server"),
            child: None,
        };
        server.start_again().await;
        server
    }

    /// `redis://127.0.0.1:<port>` or `mongodb://127.0.0.1:<port>/`.
    pub fn url(&self) -> String {
        match self.kind {
            Kind::Redis => format!("redis://127.0.0.1:{}", self.port),
            Kind::Secantus => format!("mongodb://127.0.0.1:{}/", self.port),
        }
    }

    /// SIGKILLs the server and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
            self.log_note("killed with SIGKILL");
        }
    }

    /// Starts the server (again) on its port and waits until it answers.
    pub async fn start_again(&mut self) {
        assert!(
            self.child.is_none(),
            "{} is still running",
            self.kind.name()
        );
        let log = self.log_file();
        let mut command = Command::new(&self.program);
        let port = self.port.to_string();
        match self.kind {
            Kind::Redis => {
                command.args([
                    "--port",
                    &port,
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ]);
                command.arg("--dir").arg(self.dir.path());
            }
            Kind::Secantus => {
                command.args([
                    "--host",
                    "127.0.0.1",
                    "--port",
                    &port,
                    "--sync-on-commit",
                    "--log-level",
                    "WARNING",
                ]);
                command
                    .arg("--storage-path")
                    .arg(self.dir.path().join("data"));
            }
        }
        let child = command
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("duplicating the log file handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", self.program.display()));
        self.child = Some(child);
        self.wait_until_it_answers().await;
    }

    /// Polls until the server answers on its port (Redis: `PING` gets `+PONG`; SecantusDB:
    /// it accepts connections, which it does only once it is ready).
    async fn wait_until_it_answers(&mut self) {
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            if self.answers() {
                return;
            }
            let exited = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().ok().flatten());
            if let Some(status) = exited {
                self.child = None;
                panic!(
                    "{} exited while starting ({status}):\n{}",
                    self.kind.name(),
                    self.logs()
                );
            }
            if tokio::time::Instant::now() >= deadline {
                self.kill();
                panic!(
                    "{} did not answer on port {} within {START_TIMEOUT:?}:\n{}",
                    self.kind.name(),
                    self.port,
                    self.logs()
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn answers(&self) -> bool {
        let address = (Ipv4Addr::LOCALHOST, self.port).into();
        let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_secs(1)) else {
            return false;
        };
        match self.kind {
            Kind::Secantus => true,
            Kind::Redis => {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let mut reply = [0u8; 7];
                stream.write_all(b"PING\r\n").is_ok()
                    && stream.read_exact(&mut reply).is_ok()
                    && &reply == b"+PONG\r\n"
            }
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    fn log_file(&self) -> File {
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("opening the server's log file")
    }

    fn log_note(&self, note: &str) {
        let _ = writeln!(self.log_file(), "----- {note} -----");
    }

    /// What the server printed so far, all its runs.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

impl Drop for OwnedServer {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "===== {} output (port {}) =====\n{}\n===== end of {} output =====",
                self.kind.name(),
                self.port,
                self.logs(),
                self.kind.name()
            );
        }
    }
}

/// The program named by `variable`, else `name` on `PATH`, else the first existing of
/// `candidates`; `None` after a loud line when there is none (a panic under
/// `CHAT_REQUIRE_SERVICES=1`).
fn find_program(kind: Kind, variable: &str, name: &str, candidates: &[PathBuf]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(variable).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if let Some(found) = on_path
        .iter()
        .chain(candidates)
        .find(|path| is_executable(path))
    {
        return Some(found.clone());
    }
    let why = format!(
        "{} is not installed ({variable} is unset and no `{name}` on PATH or in {candidates:?})",
        kind.name()
    );
    if chat_testkit::services_required() {
        panic!("{why}, and CHAT_REQUIRE_SERVICES=1 requires it");
    }
    // Straight to the terminal, past the harness's output capture: a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: a fault test that needs its own {}: {why} ***",
        kind.name()
    );
    None
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

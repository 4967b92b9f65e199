//! Services started in Docker with `testcontainers`, when no URL is given and an engine answers.
//!
//! Three decisions shape this module:
//!
//! - **One container per service per test process.** The first test that asks starts it; the
//!   others wait for that start and share the result (a failure too, so a broken engine costs
//!   one attempt, not one per test). Tests keep apart through [`crate::unique_prefix`].
//! - **Its own runtime.** Every `#[tokio::test]` runs on a runtime of its own that is dropped
//!   when the test ends. The Docker client's connections would die with the runtime of the test
//!   that happened to create them, so all Docker work runs on one runtime that lives as long as
//!   the process.
//! - **Removal at exit.** The containers sit in statics, which Rust never drops, so
//!   `testcontainers`' own clean-up never runs. Instead a small detached shell waits for this
//!   process to end and then removes them (`docker rm -f`), whether the tests passed, failed or
//!   were interrupted.
//!
//! Images: Redis is pinned to 7.2 (the queue's `BLPOP` takes fractional timeouts, Redis 6 and
//! later); the others use the module's default image.

use std::any::Any;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use testcontainers_modules::mongo::Mongo;
use testcontainers_modules::mysql::Mysql;
use testcontainers_modules::postgres::Postgres;
use testcontainers_modules::redis::{Redis, REDIS_PORT};
use testcontainers_modules::testcontainers::runners::AsyncRunner;
use testcontainers_modules::testcontainers::{ContainerAsync, ContainerRequest, Image, ImageExt};
use tokio::runtime::Runtime;
use tokio::sync::OnceCell;

use crate::Service;

/// How long `docker info` may take before the engine counts as absent.
const ENGINE_PROBE_TIMEOUT: Duration = Duration::from_secs(15);

/// A started container: its URL, and the container itself, kept so it keeps running.
struct Started {
    url: String,
    _container: Box<dyn Any + Send + Sync>,
}

/// What starting a service came to: its URL, or why it did not start.
type Outcome = Result<Started, String>;

static ENGINE: OnceCell<bool> = OnceCell::const_new();
static REDIS: OnceCell<Outcome> = OnceCell::const_new();
static POSTGRES: OnceCell<Outcome> = OnceCell::const_new();
static MYSQL: OnceCell<Outcome> = OnceCell::const_new();
static MONGODB: OnceCell<Outcome> = OnceCell::const_new();

/// The URL of `service` running in a container of this process, starting it on first use.
///
/// `Ok(None)` when no Docker engine answers; `Err` when one does but the container did not
/// start.
pub async fn start(service: Service) -> Result<Option<String>, String> {
    if !*ENGINE.get_or_init(engine_answers).await {
        return Ok(None);
    }
    let cell = match service {
        Service::Redis => &REDIS,
        Service::Postgres => &POSTGRES,
        Service::Mysql => &MYSQL,
        Service::Mongodb => &MONGODB,
    };
    let outcome = cell
        .get_or_init(|| async move {
            let runtime = runtime()?;
            runtime
                .spawn(run(service))
                .await
                .map_err(|error| format!("the start of {service} was cancelled: {error}"))?
        })
        .await;
    match outcome {
        Ok(started) => Ok(Some(started.url.clone())),
        Err(error) => Err(error.clone()),
    }
}

/// Whether `docker info` exits 0 in time: the engine, not only the client, is there.
async fn engine_answers() -> bool {
    let probe = tokio::task::spawn_blocking(|| {
        Command::new("docker")
            .arg("info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    });
    matches!(
        tokio::time::timeout(ENGINE_PROBE_TIMEOUT, probe).await,
        Ok(Ok(true))
    )
}

/// The process-wide runtime all Docker work runs on.
fn runtime() -> Result<&'static Runtime, String> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("chat-testkit-docker")
                .enable_all()
                .build()
                .map_err(|error| format!("no runtime for Docker work: {error}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Starts the container of `service` and builds its URL.
async fn run(service: Service) -> Outcome {
    match service {
        // Tags are the modules' defaults except Redis: its default (5.0) lacks fractional
        // BLPOP timeouts.
        Service::Redis => {
            launch(Redis::default().with_tag("7.2-alpine"), REDIS_PORT, |at| {
                format!("redis://{at}")
            })
            .await
        }
        Service::Postgres => {
            launch(Postgres::default().into(), 5432, |at| {
                format!("postgres://postgres:postgres@{at}/postgres")
            })
            .await
        }
        // Root with an empty password, and a database `test` the URL must name.
        Service::Mysql => {
            launch(Mysql::default().into(), 3306, |at| {
                format!("mysql://root@{at}/test")
            })
            .await
        }
        Service::Mongodb => {
            launch(Mongo::default().into(), 27017, |at| {
                format!("mongodb://{at}")
            })
            .await
        }
    }
}

/// Starts `request`'s image, waits for its readiness conditions, and makes its URL from the
/// `host:port` that the container's `port` is mapped to on the host.
async fn launch<I>(request: ContainerRequest<I>, port: u16, url: impl Fn(&str) -> String) -> Outcome
where
    I: Image + 'static,
    ContainerAsync<I>: Send + Sync,
{
    let container = request.start().await.map_err(|error| error.to_string())?;
    reap_at_exit(container.id());
    let host = container
        .get_host()
        .await
        .map_err(|error| error.to_string())?;
    let mapped = container
        .get_host_port_ipv4(port)
        .await
        .map_err(|error| error.to_string())?;
    Ok(Started {
        url: url(&format!("{host}:{mapped}")),
        _container: Box::new(container),
    })
}

/// Removes container `id` once this process has exited (see the module docs). The watcher
/// gets a process group of its own so that an interrupt of the test run does not stop it.
fn reap_at_exit(id: &str) {
    let script = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; docker rm -f -v {id} >/dev/null 2>&1",
        pid = std::process::id(),
    );
    let spawned = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn();
    if let Err(error) = spawned {
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!("chat-testkit: container {id} will outlive the tests: {error}\n").as_bytes(),
        );
    }
}

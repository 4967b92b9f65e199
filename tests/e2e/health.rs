//! The probes and the figures: `/healthz` says the process lives, `/readyz` which of its
//! stores answer, a store missing at start stops the process with a clear error, and
//! `/metrics` moves with the traffic.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::json;

use crate::support::{spawn_app, spawn_app_with, start_expecting_exit, OwnedServer};

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn healthz_and_readyz_answer_200_without_a_token() {
    let app = spawn_app().await;

    app.healthz().await.assert_status(200);
    let ready = app.get("/readyz", None).await;

    ready.assert_status(200);
    assert_eq!(
        ready.body,
        json!({"status": "ok", "dependencies": {"sql": "up"}})
    );
}

#[tokio::test]
async fn readyz_names_the_dependency_that_went_away_and_answers_503() {
    let Some(mut redis) = OwnedServer::redis().await else {
        return;
    };
    let app = spawn_app_with(vec![("CHAT_REDIS_URL".into(), redis.url())]).await;
    let ready = app.get("/readyz", None).await;
    ready.assert_status(200);
    assert_eq!(
        ready.body,
        json!({"status": "ok", "dependencies": {"sql": "up", "redis": "up"}})
    );

    redis.kill();
    let down = app.get("/readyz", None).await;

    down.assert_status(503);
    assert_eq!(
        down.body,
        json!({"status": "unavailable", "dependencies": {"sql": "up", "redis": "down"}})
    );
    app.healthz().await.assert_status(200);
}

/// A local port that nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    listener.local_addr().expect("its address").port()
}

/// Starts a server with `variable=url` and `CHAT_DEPENDENCY_TIMEOUT_SECS=3`, expecting it to
/// give up; returns its output after checking it exited non-zero.
async fn start_failure(variable: &str, url: &str) -> String {
    let failed = start_expecting_exit(
        vec![
            (variable.into(), url.into()),
            ("CHAT_DEPENDENCY_TIMEOUT_SECS".into(), "3".into()),
        ],
        Duration::from_secs(60),
    )
    .await;
    let status = failed
        .status
        .unwrap_or_else(|| panic!("still running after a minute:\n{}", failed.output));
    assert!(
        !status.success(),
        "exited with {status}:\n{}",
        failed.output
    );
    assert!(
        !failed.output.contains("chat-server listening on"),
        "it listened without its dependency:\n{}",
        failed.output
    );
    failed.output
}

#[tokio::test]
async fn an_unreachable_database_at_start_exits_non_zero_naming_it_without_the_password() {
    let url = format!("postgres://chat:pg-s3cret@127.0.0.1:{}/chat", closed_port());

    let output = start_failure("CHAT_DATABASE_URL", &url).await;

    let line = output
        .lines()
        .find(|line| line.starts_with("stderr: chat-server: "))
        .unwrap_or_else(|| panic!("no error line:\n{output}"));
    let redacted = url.replace("pg-s3cret", "***");
    assert!(
        line.contains(&format!(
            "cannot reach the SQL database at {redacted} (CHAT_DATABASE_URL)"
        )),
        "{line}"
    );
    assert!(
        !output.contains("pg-s3cret"),
        "the password was printed:\n{output}"
    );
}

#[tokio::test]
async fn an_unreachable_redis_at_start_exits_non_zero_naming_it_without_the_password() {
    let url = format!("redis://:redis-s3cret@127.0.0.1:{}", closed_port());

    let output = start_failure("CHAT_REDIS_URL", &url).await;

    let line = output
        .lines()
        .find(|line| line.starts_with("stderr: chat-server: "))
        .unwrap_or_else(|| panic!("no error line:\n{output}"));
    let redacted = url.replace("redis-s3cret", "***");
    assert!(
        line.contains(&format!(
            "cannot reach Redis at {redacted} (CHAT_REDIS_URL)"
        )),
        "{line}"
    );
    assert!(
        !output.contains("redis-s3cret"),
        "the password was printed:\n{output}"
    );
}

#[tokio::test]
async fn unknown_routes_are_404_not_500() {
    let app = spawn_app().await;

    let response = app.get("/api/v1/no-such-route", None).await;

    assert!(
        response.status == 404 || response.status == 401,
        "an unknown route is a 4xx: {} {}",
        response.status,
        response.text
    );
}

/// The value of the sample `series` (name and labels, exactly as rendered) in `text`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test]
async fn metrics_move_with_connections_frames_jobs_and_store_calls() {
    let app = spawn_app().await;
    let before = app.get("/metrics", None).await.text;
    let alice = app.register_and_login("metrics_a").await;
    let bob = app.register_and_login("metrics_b").await;
    let mut socket = app.ws_connect(&bob.access_token).await;
    socket.ping_pong().await;
    let (_, message) = app.send_private(&alice, &bob, "counted, not logged").await;
    assert!(socket
        .wait_for_message(&message["id"], WAIT)
        .await
        .is_some());
    socket.send_to_user("m1", &alice.id, "an answer").await;
    let ack = socket.answer_to("m1", WAIT).await;
    assert_eq!(ack["type"], "ack", "{ack}");

    let response = app.get("/metrics", None).await;

    response.assert_status(200);
    let text = &response.text;
    for metric in [
        "# TYPE chat_ws_connections gauge",
        "# TYPE chat_ws_events_in_total counter",
        "# TYPE chat_ws_events_out_total counter",
        "# TYPE chat_queue_depth gauge",
        "# TYPE chat_queue_pending gauge",
        "# TYPE chat_job_duration_seconds histogram",
        "# TYPE chat_job_retries_total counter",
        "# TYPE chat_job_dead_letters_total counter",
        "# TYPE chat_store_duration_seconds histogram",
        "# TYPE chat_http_requests_total counter",
        "# TYPE chat_http_request_duration_seconds histogram",
    ] {
        assert!(text.contains(metric), "no `{metric}` in:\n{text}");
    }
    assert_eq!(sample(text, "chat_ws_connections"), Some(1.0), "{text}");
    for priority in ["interactive", "normal", "background"] {
        let series = format!("chat_queue_depth{{priority=\"{priority}\"}}");
        assert!(sample(text, &series).is_some(), "no {series} in:\n{text}");
    }
    // Two frames in (ping, send), at least three out (pong, the message, the ack).
    let frames_in = sample(text, "chat_ws_events_in_total").expect("frames in");
    let frames_out = sample(text, "chat_ws_events_out_total").expect("frames out");
    assert_eq!(sample(&before, "chat_ws_events_in_total"), Some(0.0));
    assert!(frames_in >= 2.0, "{frames_in} frames in:\n{text}");
    assert!(frames_out >= 3.0, "{frames_out} frames out:\n{text}");
    let persisted = sample(
        text,
        "chat_job_duration_seconds_count{kind=\"persist_message\"}",
    )
    .expect("persistence jobs timed");
    assert!(persisted >= 2.0, "{persisted} persistence jobs:\n{text}");
    let inserts = sample(
        text,
        "chat_store_duration_seconds_count{adapter=\"sql\",op=\"insert\"}",
    )
    .expect("SQL inserts timed");
    assert!(inserts >= 2.0, "{inserts} inserts:\n{text}");
    let registrations = sample(
        text,
        "chat_http_requests_total{method=\"POST\",status=\"201\"}",
    )
    .expect("registrations counted");
    assert!(registrations >= 2.0, "{registrations}:\n{text}");
    assert!(
        !text.contains(&alice.id) && !text.contains(&bob.id),
        "user ids are never labels:\n{text}"
    );
}

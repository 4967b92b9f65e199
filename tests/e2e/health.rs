//! The probes: `/healthz` says the process lives, `/readyz` that its stores answer.

use crate::support::spawn_app;

#[tokio::test]
async fn healthz_and_readyz_answer_200_without_a_token() {
    let app = spawn_app().await;

    app.healthz().await.assert_status(200);
    app.get("/readyz", None).await.assert_status(200);
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

#[tokio::test]
async fn metrics_report_connections_and_queue_depth_in_prometheus_text() {
    let app = spawn_app().await;
    let alice = app.register_and_login("metrics").await;
    let mut socket = app.ws_connect(&alice.access_token).await;
    socket.ping_pong().await;

    let response = app.get("/metrics", None).await;

    response.assert_status(200);
    assert!(
        response.text.contains("# TYPE chat_ws_connections gauge"),
        "{}",
        response.text
    );
    assert!(
        response.text.contains("\nchat_ws_connections 1\n"),
        "{}",
        response.text
    );
    assert!(
        response.text.contains("\nchat_queue_pending "),
        "{}",
        response.text
    );
}

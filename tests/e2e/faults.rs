//! Faults of the stores under a running cluster: Redis restarting mid-run, and MongoDB going
//! away and coming back.
//!
//! Each test owns the server it breaks (see `support::services`): a private `redis-server`
//! without persistence, or a private SecantusDB that keeps its data in a temporary directory,
//! both on ports of their own. The shared services of the machine are never touched.
//!
//! The promises checked, all from outside:
//! - while a store is down, a send either commits (201 / `ack`) or fails with
//!   `503 store_unavailable` (an `error` event with that code over WebSocket), nothing else;
//! - readiness (`/readyz`) answers 503 and names the store that is down;
//! - once the store is back, sends succeed again without restarting the nodes, and live
//!   delivery resumes on the WebSocket connections that were open all along;
//! - every message that was ever acknowledged is in the history exactly once, seqs gapless.
//!
//! The third fault of the issue, a poison job that ends in the dead letters while the workers
//! go on, cannot be provoked from outside; it is `crates/server/tests/poison_job.rs`.

use std::future::Future;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::{
    assert_acknowledged_once, assert_error, assert_gapless, ApiResponse, OwnedServer, Stack,
    StackConfig, TestApp, TestUser, WsClient, EVENT_TIMEOUT,
};

/// How long a store may take to come back and the nodes to notice.
const RECOVERY: Duration = Duration::from_secs(60);

/// How long a probe waits for its live delivery before the next probe is sent.
const PROBE_WAIT: Duration = Duration::from_secs(5);

/// Asserts that `response` is either an acknowledgement (its message is returned) or
/// `503 store_unavailable`.
fn acknowledged_or_unavailable(response: &ApiResponse) -> Option<Value> {
    match response.status {
        201 => Some(response.field("message").clone()),
        _ => {
            assert_error(response, 503, "store_unavailable");
            None
        }
    }
}

/// The same for a WebSocket answer: an `ack`, or an `error` with code `store_unavailable`.
fn acked_or_unavailable(answer: &Value) -> Option<Value> {
    if answer["type"] == "ack" {
        return Some(answer["message"].clone());
    }
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "store_unavailable", "{answer}");
    None
}

/// Asserts `/readyz` answers 503 with `store` down.
async fn assert_not_ready(node: &TestApp, store: &str) {
    let ready = node.get("/readyz", None).await;
    ready.assert_status(503);
    assert_eq!(
        ready.body["dependencies"][store], "down",
        "the readiness answer names {store} down: {}",
        ready.text
    );
}

/// Awaits `request` and prints how long it took: "fail fast" is a goal, never asserted.
async fn timed(what: &str, request: impl Future<Output = ApiResponse>) -> ApiResponse {
    let started = Instant::now();
    let response = request.await;
    eprintln!(
        "while the store is down, {what} answered {} after {:?}",
        response.status,
        started.elapsed()
    );
    response
}

/// Polls `/readyz` until it answers 200.
async fn wait_until_ready(node: &TestApp) {
    let deadline = tokio::time::Instant::now() + RECOVERY;
    loop {
        let ready = node.get("/readyz", None).await;
        if ready.status == 200 {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not ready again within {RECOVERY:?}: {} {}",
            ready.status,
            ready.text
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Sends probes from `from` on `node` until one reaches `ws` live; returns every probe
/// acknowledged on the way. Events published while a node's bus subscription is reconnecting
/// are lost to it by design (clients catch up through history), hence more than one probe.
async fn probe_live_delivery(
    node: &TestApp,
    from: &TestUser,
    room: &str,
    ws: &mut WsClient,
    label: &str,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + RECOVERY;
    let mut acked = Vec::new();
    for n in 0.. {
        let key = format!("{label}-{n}");
        let probe = node
            .send_with_retries(from, room, &format!("probe {key}"), &key, RECOVERY)
            .await;
        let delivered = ws.wait_for_message(&probe["id"], PROBE_WAIT).await;
        acked.push(probe);
        if delivered.is_some() {
            eprintln!("live delivery ({label}) resumed at probe {}", n + 1);
            return acked;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "live delivery ({label}) did not resume within {RECOVERY:?}"
        );
    }
    unreachable!("the loop returns or panics")
}

#[tokio::test]
async fn a_redis_restart_loses_no_acknowledged_message_and_live_delivery_resumes_without_reconnecting(
) {
    let Some(mut redis) = OwnedServer::redis().await else {
        return;
    };
    let Some(stack) =
        Stack::start(StackConfig::full("redis restart").with_redis(&redis.url())).await
    else {
        return;
    };
    let node_a = stack.spawn_node("node A").await;
    let node_b = stack.spawn_follower("node B").await;
    let alice = node_a.register_and_login("alice").await;
    let bob = node_a.register_and_login("bob").await;
    let mut alice_ws = node_a.ws_connect(&alice.access_token).await;
    let mut bob_ws = node_b.ws_connect(&bob.access_token).await;
    alice_ws.ping_pong().await;
    bob_ws.ping_pong().await;
    let (room, first) = node_a
        .send_private(&alice, &bob, "before the restart")
        .await;
    let room = room["id"].as_str().expect("room id").to_owned();
    assert!(
        bob_ws
            .wait_for_message(&first["id"], EVENT_TIMEOUT)
            .await
            .is_some(),
        "live delivery across the nodes works before the fault"
    );
    let mut acked = vec![first];

    redis.kill();
    for node in [&node_a, &node_b] {
        node.note("Redis killed with SIGKILL");
    }

    // Down: every send on either node commits or fails with 503 store_unavailable.
    let sends = (0..6).map(|i| {
        let (node, from) = if i % 2 == 0 {
            (&node_a, &alice)
        } else {
            (&node_b, &bob)
        };
        let request = json!({
            "body": format!("while Redis is down {i}"),
            "client_msg_id": format!("down-{i}"),
        });
        let room = &room;
        async move {
            timed(
                "a send (Redis down)",
                node.try_send_to_room(from, room, &request),
            )
            .await
        }
    });
    for response in join_all(sends).await {
        acked.extend(acknowledged_or_unavailable(&response));
    }
    alice_ws
        .send_to_room("down-ws", &room, "while Redis is down, over the socket")
        .await;
    let answer = alice_ws.answer_to("down-ws", RECOVERY).await;
    acked.extend(acked_or_unavailable(&answer));
    assert_not_ready(&node_a, "redis").await;

    redis.start_again().await;
    for node in [&node_a, &node_b] {
        node.note("Redis restarted (empty) on the same port");
    }

    // Back: sends succeed again on the nodes that kept running...
    wait_until_ready(&node_a).await;
    wait_until_ready(&node_b).await;
    for (node, from) in [(&node_a, &alice), (&node_b, &bob)] {
        let key = format!("back-{}", from.username);
        acked.push(
            node.send_with_retries(from, &room, "after the restart", &key, RECOVERY)
                .await,
        );
    }
    // ...and both nodes' bus subscriptions are back: live delivery resumes on the same
    // connections, each way across the nodes.
    acked.extend(probe_live_delivery(&node_a, &alice, &room, &mut bob_ws, "a-to-b").await);
    acked.extend(probe_live_delivery(&node_b, &bob, &room, &mut alice_ws, "b-to-a").await);

    // Nothing acknowledged is lost, before, during or after the outage.
    let history = node_b.settled_history(&bob, &room, RECOVERY).await;
    assert_gapless(&history);
    assert_acknowledged_once(&history, &acked);
    assert_eq!(history, node_a.full_history(&alice, &room).await);
}

#[tokio::test]
async fn while_mongodb_is_down_sends_fail_with_store_unavailable_readiness_names_it_and_nothing_acknowledged_is_lost(
) {
    let Some(mut mongo) = OwnedServer::secantus().await else {
        return;
    };
    let Some(stack) =
        Stack::start(StackConfig::full("mongodb down").with_mongodb(&mongo.url())).await
    else {
        return;
    };
    let node = stack.spawn_node("node").await;
    let alice = node.register_and_login("alice").await;
    let bob = node.register_and_login("bob").await;
    let carol = node.register_and_login("carol").await;
    let (room, first) = node.send_private(&alice, &bob, "before the outage").await;
    let room = room["id"].as_str().expect("room id").to_owned();
    let mut acked = vec![first];
    acked.extend(join_all((0..9).map(|_| node.send_to_room(&bob, &room, "acknowledged"))).await);
    node.get("/readyz", None).await.assert_status(200);
    let mut alice_ws = node.ws_connect(&alice.access_token).await;
    alice_ws.ping_pong().await;

    mongo.kill();
    node.note("MongoDB killed with SIGKILL");

    assert_not_ready(&node, "mongodb").await;
    // Every way of sending fails with 503 store_unavailable: a plain send, a retry-safe one,
    // a first message that creates a room in SQL but cannot store its message, and a
    // WebSocket send. The time each took is printed, never asserted.
    let plain = json!({"body": "while MongoDB is down"});
    let keyed = json!({"body": "retry-safe while down", "client_msg_id": "down-1"});
    let to_carol = json!({"body": "hello carol"});
    let (plain, keyed, first_to_carol) = tokio::join!(
        timed("a send", node.try_send_to_room(&alice, &room, &plain)),
        timed(
            "a send with a client_msg_id",
            node.try_send_to_room(&bob, &room, &keyed)
        ),
        timed(
            "a first message",
            node.try_send_private(&alice, &carol.id, &to_carol)
        ),
    );
    for response in [&plain, &keyed, &first_to_carol] {
        assert_error(response, 503, "store_unavailable");
    }
    let started = Instant::now();
    alice_ws
        .send_to_room("down-ws", &room, "while MongoDB is down, over the socket")
        .await;
    let answer = alice_ws.answer_to("down-ws", RECOVERY).await;
    eprintln!(
        "while MongoDB is down, a WebSocket send was answered after {:?}",
        started.elapsed()
    );
    assert_eq!(answer["type"], "error", "{answer}");
    assert_eq!(answer["code"], "store_unavailable", "{answer}");
    // Reads need MongoDB too, and say so the same way.
    assert_error(
        &node.try_history(&bob, &room, "").await,
        503,
        "store_unavailable",
    );

    mongo.start_again().await;
    node.note("MongoDB restarted on the same port and data");
    wait_until_ready(&node).await;

    // The node did not restart: its client reconnects, sends succeed again, and the retry of
    // the send that failed is acknowledged (now or from an earlier attempt committed late).
    let back = node
        .send_with_retries(&alice, &room, "after the outage", "back-1", RECOVERY)
        .await;
    assert!(
        alice_ws
            .wait_for_message(&back["id"], EVENT_TIMEOUT)
            .await
            .is_some(),
        "the socket opened before the outage still gets messages live"
    );
    acked.push(back);
    acked.push(
        node.send_with_retries(&bob, &room, "retry-safe while down", "down-1", RECOVERY)
            .await,
    );
    let history = node.settled_history(&bob, &room, RECOVERY).await;
    assert_gapless(&history);
    assert_acknowledged_once(&history, &acked);
}

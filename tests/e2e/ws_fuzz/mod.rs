//! Fuzzing the WebSocket gateway of the real server with proptest.
//!
//! One server, three users. The **observer** holds one connection open for the whole run; the
//! **bystander** sends it a message over HTTP in every case; the **fuzzer** opens a fresh
//! connection per case and sends a random batch of junk (`junk`): random and truncated text,
//! binary frames, JSON nested thousands deep, fields of the wrong type, numbers out of range,
//! unknown types, receipts and typing for rooms it is not in, sends to nobody or with bodies
//! blank or far too long, bogus resume cursors, ping floods of both kinds, and any of it
//! fragmented. Then one valid `send` whose body is random Unicode. Each case checks that:
//! - every frame the server cannot take gets exactly one `error` (matched by `ref`, or counted
//!   when it has none), every `ping` a `pong`, every `resume` a `resumed` (or a refusal while
//!   one runs), and nothing else is acknowledged;
//! - the connection stays open and the valid send is acknowledged with its exact body.
//!
//! At the end the observer must have received every message meant for it, once each, in seq
//! order, with nothing else stored, and the server must still answer and never have printed
//! "panicked". `violations` covers what *must* close the connection (1009, 1007, 1002) and
//! the regressions of the bugs this fuzzing found.
//!
//! A coverage-guided target (cargo-fuzz, libFuzzer) would need a nightly toolchain, and only
//! stable Rust is installed here, so there is none; the in-process proptests of the frame
//! parser and the frame guard in `crates/http/src/ws` run thousands of cases instead. This
//! suite runs 128 cases (`PROPTEST_CASES` changes that), about 20 s on a loaded machine.

mod expectations;
mod junk;
mod violations;

use std::cell::RefCell;
use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Value};
use tokio::sync::oneshot;

use crate::support::{spawn_app, Frame, TestApp, TestUser, WsClient, EVENT_TIMEOUT, QUIET};
use expectations::Expectations;
use junk::{junk, Ids, Junk};

/// Cases per run unless `PROPTEST_CASES` says otherwise.
const CASES: u32 = 128;

struct Fixture {
    app: TestApp,
    fuzzer: TestUser,
    bystander: TestUser,
    ids: Ids,
    case: usize,
    /// Messages the observer must receive live, in order: per room, by id.
    expected: Vec<Value>,
}

#[test]
fn random_frames_get_errors_one_by_one_and_nobody_else_notices() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (fixture, observer) = runtime.block_on(setup());
    let (stop, stopped) = oneshot::channel();
    let drain = runtime.spawn(drain(observer, stopped));

    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(CASES);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 32,
        ..Config::default()
    });
    let fixture = RefCell::new(fixture);
    let strategy = (
        prop::collection::vec(junk(), 1..8),
        "\\PC{1,80}".prop_filter("not blank", |b| !b.trim().is_empty()),
    );
    let outcome = runner.run(&strategy, |(batch, body)| {
        let mut fixture = fixture.borrow_mut();
        runtime.block_on(fuzz_case(&mut fixture, &batch, &body));
        Ok(())
    });
    let fixture = fixture.into_inner();
    if let Err(failure) = outcome {
        panic!(
            "{failure}\n===== server output =====\n{}",
            fixture.app.logs()
        );
    }

    runtime.block_on(async move {
        let awaited = fixture.expected.iter().map(|m| m["id"].clone()).collect();
        let _ = stop.send(awaited);
        let (mut observer, events) = drain.await.expect("the observer task");
        check_observer(&fixture, &events).await;
        observer.ping_pong().await;
        assert_eq!(fixture.app.healthz().await.status, 200);
        assert!(
            !fixture.app.logs().contains("panicked"),
            "the server panicked:\n{}",
            fixture.app.logs()
        );
    });
}

async fn setup() -> (Fixture, WsClient) {
    let app = spawn_app().await;
    let fuzzer = app.register_and_login("fuzzer").await;
    let observer = app.register_and_login("observer").await;
    let bystander = app.register_and_login("bystander").await;
    let (own_room, _) = app.send_private(&fuzzer, &observer, "hello").await;
    let (foreign_room, _) = app.send_private(&bystander, &observer, "hi").await;
    let ids = Ids {
        me: fuzzer.id.clone(),
        own_room: own_room["id"].as_str().expect("room id").to_owned(),
        foreign_room: foreign_room["id"].as_str().expect("room id").to_owned(),
    };
    let mut ws = app.ws_connect(&observer.access_token).await;
    ws.ping_pong().await;
    let fixture = Fixture {
        app,
        fuzzer,
        bystander,
        ids,
        case: 0,
        expected: Vec::new(),
    };
    (fixture, ws)
}

/// One case: a bystander message, then the junk on a fresh connection, then a valid send.
async fn fuzz_case(fixture: &mut Fixture, batch: &[Junk], body: &str) {
    fixture.case += 1;
    let case = fixture.case;
    let live = fixture
        .app
        .send_to_room(
            &fixture.bystander,
            &fixture.ids.foreign_room,
            &format!("bystander {case}"),
        )
        .await;
    fixture.expected.push(live);

    let mut ws = fixture.app.ws_connect(&fixture.fuzzer.access_token).await;
    let mut expectations = Expectations::default();
    for (i, junk) in batch.iter().enumerate() {
        let (messages, answer) = junk.render(&format!("c{case}-{i}"), &fixture.ids);
        for message in messages {
            ws.send_message(message).await;
        }
        expectations.add(answer);
    }
    let probe = format!("probe-{case}");
    ws.send_json(&json!({
        "type": "send", "ref": probe, "room_id": fixture.ids.own_room,
        "body": body, "client_msg_id": probe,
    }))
    .await;
    let ack = expectations.settle(&mut ws, &probe).await;
    assert_eq!(ack["message"]["body"], body.trim(), "the body round-trips");
    fixture.expected.push(ack["message"].clone());
    // Gone without a close handshake, as a phone losing its network is: a clean close would
    // wait out the server's one-second TCP linger in every case.
    drop(ws);
}

/// Reads the observer's connection until told to stop, then until the messages named in the
/// stop have all arrived (delivery is asynchronous: the last ones may still be on their way),
/// then a little longer to catch a late duplicate. It must never close.
async fn drain(
    mut ws: WsClient,
    mut stop: oneshot::Receiver<Vec<Value>>,
) -> (WsClient, Vec<Value>) {
    let mut events = Vec::new();
    let awaited = loop {
        tokio::select! {
            awaited = &mut stop => break awaited.expect("the expected messages"),
            frame = ws.next_frame(Duration::from_secs(3600)) => match frame {
                Frame::Event(event) => events.push(event),
                Frame::Timeout => {}
                Frame::Closed(code) => panic!("the observer's connection closed ({code:?})"),
            },
        }
    };
    let arrived = |events: &[Value], id: &Value| {
        events
            .iter()
            .any(|e| e["type"] == "message" && e["message"]["id"] == *id)
    };
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    while !awaited.iter().all(|id| arrived(&events, id)) {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match ws.next_frame(left).await {
            Frame::Event(event) => events.push(event),
            Frame::Timeout => break, // the comparison below says what is missing
            Frame::Closed(code) => panic!("the observer's connection closed ({code:?})"),
        }
    }
    events.extend(ws.collect_for(QUIET).await);
    (ws, events)
}

/// The observer got exactly the expected messages, per room in order, once each, and the
/// fuzzer's room holds nothing but its valid sends.
async fn check_observer(fixture: &Fixture, events: &[Value]) {
    for room in [&fixture.ids.own_room, &fixture.ids.foreign_room] {
        let got: Vec<&Value> = events
            .iter()
            .filter(|e| e["type"] == "message" && e["message"]["room_id"] == **room)
            .map(|e| &e["message"])
            .collect();
        let want: Vec<&Value> = fixture
            .expected
            .iter()
            .filter(|m| m["room_id"] == **room)
            .collect();
        let ids = |ms: &[&Value]| ms.iter().map(|m| m["id"].clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(&got),
            ids(&want),
            "messages of room {room}, in order, once each"
        );
        for (got, want) in got.iter().zip(&want) {
            assert_eq!(got["body"], want["body"]);
            assert_eq!(got["seq"], want["seq"]);
        }
    }
    let stored = fixture
        .app
        .full_history(&fixture.fuzzer, &fixture.ids.own_room)
        .await;
    let probes = fixture
        .expected
        .iter()
        .filter(|m| m["room_id"] == fixture.ids.own_room.as_str());
    let mut want = vec![json!("hello")];
    want.extend(probes.map(|m| m["body"].clone()));
    let bodies: Vec<Value> = stored.iter().map(|m| m["body"].clone()).collect();
    assert_eq!(bodies, want, "nothing but the valid sends was stored");
}

//! Two nodes, one cluster: the full stack (PostgreSQL for metadata, MongoDB for messages, Redis
//! for the job queue and the event bus) shared by two `chat-server` processes with one JWT
//! secret. The first node migrates the fresh database; the second starts after it with
//! `CHAT_MIGRATE=false`.
//!
//! What a cluster promises, each checked from outside: a message sent on one node reaches the
//! WebSocket devices connected to the other, live and exactly once; racing first messages on
//! both nodes still make one private room with gapless seqs; both nodes serve the same history;
//! `kill -9` of a node loses nothing it acknowledged; and a block placed on one node stops the
//! sends the other node remembered as allowed.
//!
//! Every test skips (loudly) when one of the three services is missing, and fails instead under
//! `CHAT_REQUIRE_SERVICES=1`.

use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::support::{
    assert_acknowledged_once, assert_gapless, assert_private_room, assert_success, seqs, Stack,
    StackConfig, TestUser, WsClient, EVENT_TIMEOUT, QUIET,
};

/// The id of the room of a `room` object.
fn room_id(room: &Value) -> String {
    room["id"].as_str().expect("room id").to_owned()
}

#[tokio::test]
async fn a_sender_on_one_node_reaches_both_devices_of_the_recipient_on_the_other_live() {
    let Some(stack) = Stack::start(StackConfig::full("cluster live")).await else {
        return;
    };
    let node_a = stack.spawn_node("node A").await;
    let node_b = stack.spawn_follower("node B").await;
    let alice = node_a.register_and_login("alice").await;
    let carol = node_a.register_and_login("carol").await;
    let bob = node_a.register_and_login("bob").await;
    // Bob's phone logs in on node B: accounts and logins live in the shared database, and
    // tokens signed by node A verify on node B.
    let bob_phone = node_b.login_again(&bob).await;
    let mut bob_laptop_ws = node_b.ws_connect(&bob.access_token).await;
    let mut bob_phone_ws = node_b.ws_connect(&bob_phone.access_token).await;
    let mut alice_ws = node_a.ws_connect(&alice.access_token).await;
    for ws in [&mut bob_laptop_ws, &mut bob_phone_ws, &mut alice_ws] {
        ws.ping_pong().await; // registered with its node's gateway before anything is sent
    }

    // Over HTTP on node A: the first message creates the room and reaches node B's devices.
    let (room, message) = node_a.send_private(&alice, &bob, "hello from node A").await;
    for ws in [&mut bob_laptop_ws, &mut bob_phone_ws] {
        let joined = ws.expect_event("room_joined", EVENT_TIMEOUT).await;
        assert_private_room(&joined["room"], &alice, &bob);
        assert_eq!(joined["room"]["id"], room["id"]);
        let live = ws.expect_event("message", EVENT_TIMEOUT).await;
        assert_eq!(
            live["message"], message,
            "the live message is the stored one"
        );
    }
    // The sender's own device on node A sees it too.
    alice_ws.expect_event("room_joined", EVENT_TIMEOUT).await;
    let echo = alice_ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(echo["message"], message);

    // Over WebSocket on node A: carol's first message to bob, acknowledged on her connection.
    let mut carol_ws = node_a.ws_connect(&carol.access_token).await;
    carol_ws
        .send_to_user("first", &bob.id, "hello over the socket")
        .await;
    let ack = carol_ws.answer_to("first", EVENT_TIMEOUT).await;
    assert_eq!(ack["type"], "ack", "the send is acknowledged: {ack}");
    let carol_message = ack["message"].clone();
    let carol_room = carol_message["room_id"]
        .as_str()
        .expect("room id")
        .to_owned();
    for ws in [&mut bob_laptop_ws, &mut bob_phone_ws] {
        let joined = ws.expect_event("room_joined", EVENT_TIMEOUT).await;
        assert_private_room(&joined["room"], &carol, &bob);
        assert_eq!(joined["room"]["id"], carol_room.as_str());
        let live = ws.expect_event("message", EVENT_TIMEOUT).await;
        assert_eq!(live["message"], carol_message);
    }

    // Later messages in both rooms, both ways, over both transports: `message` only, once.
    let alice_room = room_id(&room);
    let second = node_a
        .send_to_room(&alice, &alice_room, "second, over HTTP")
        .await;
    carol_ws
        .send_to_room("second", &carol_room, "second, over the socket")
        .await;
    let carol_second = carol_ws.answer_to("second", EVENT_TIMEOUT).await;
    assert_eq!(carol_second["type"], "ack", "{carol_second}");
    let reply = node_b
        .send_to_room(&bob, &alice_room, "a reply from node B")
        .await;
    let mut bob_saw = Vec::new();
    for ws in [&mut bob_laptop_ws, &mut bob_phone_ws] {
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(ws.expect_event("message", EVENT_TIMEOUT).await["message"]["id"].clone());
        }
        ws.expect_no_event(QUIET).await; // no event is delivered twice
        bob_saw.push(ids);
    }
    for ids in &bob_saw {
        let got: HashSet<String> = ids.iter().map(Value::to_string).collect();
        let want: HashSet<String> = [&second["id"], &carol_second["message"]["id"], &reply["id"]]
            .into_iter()
            .map(Value::to_string)
            .collect();
        assert_eq!(
            got, want,
            "each of bob's devices sees each new message once"
        );
    }
    // Per room, the order of delivery is the order of seqs on every device.
    let alice_side = alice_ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(alice_side["message"], second);
    let alice_side = alice_ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(
        alice_side["message"], reply,
        "node B's reply reaches node A live"
    );
    alice_ws.expect_no_event(QUIET).await;

    // Both nodes serve the same history.
    for (user, room, count) in [(&alice, &alice_room, 3), (&carol, &carol_room, 2)] {
        let on_a = node_a.full_history(user, room).await;
        let on_b = node_b.full_history(&bob, room).await;
        assert_eq!(seqs(&on_a), (1..=count).collect::<Vec<u64>>());
        assert_eq!(on_a, on_b, "node A and node B serve the same history");
    }
}

#[tokio::test]
async fn fifty_concurrent_first_messages_split_across_two_nodes_make_one_room_with_seqs_one_to_fifty(
) {
    let Some(stack) = Stack::start(StackConfig::full("cluster race")).await else {
        return;
    };
    let node_a = stack.spawn_node("node A").await;
    let node_b = stack.spawn_follower("node B").await;
    let alice = node_a.register_and_login("alice").await;
    let bob = node_b.register_and_login("bob").await;

    // Both directions on both nodes: i % 2 picks the direction, (i / 2) % 2 the node.
    let sends = (0..50).map(|i| {
        let (from, to) = if i % 2 == 0 {
            (&alice, &bob)
        } else {
            (&bob, &alice)
        };
        let node = if (i / 2) % 2 == 0 { &node_a } else { &node_b };
        async move {
            node.try_send_private(from, &to.id, &json!({"body": format!("race {i}")}))
                .await
        }
    });
    let responses = join_all(sends).await;

    let mut room_ids = HashSet::new();
    let mut acked = Vec::new();
    for response in &responses {
        response.assert_status(201);
        room_ids.insert(room_id(response.field("room")));
        acked.push(response.field("message").clone());
    }
    assert_eq!(
        room_ids.len(),
        1,
        "every send landed in one room: {room_ids:?}"
    );
    let mut acked_seqs = seqs(&acked);
    acked_seqs.sort_unstable();
    assert_eq!(acked_seqs, (1..=50).collect::<Vec<u64>>());

    let room = room_ids.into_iter().next().expect("one room");
    for node in [&node_a, &node_b] {
        for user in [&alice, &bob] {
            let rooms = node.rooms(user).await;
            assert_eq!(rooms.len(), 1, "{}'s rooms: {rooms:?}", user.username);
            assert_eq!(rooms[0]["id"], room.as_str());
        }
    }
    let on_a = node_a.full_history(&alice, &room).await;
    let on_b = node_b.full_history(&bob, &room).await;
    assert_gapless(&on_a);
    assert_eq!(on_a.len(), 50);
    assert_acknowledged_once(&on_a, &acked);
    assert_eq!(on_a, on_b, "node A and node B serve the same history");
}

#[tokio::test]
async fn a_block_placed_on_one_node_stops_sends_remembered_by_the_other() {
    let Some(stack) = Stack::start(StackConfig::full("cluster block")).await else {
        return;
    };
    let node_a = stack.spawn_node("node A").await;
    let node_b = stack.spawn_follower("node B").await;
    let alice = node_a.register_and_login("alice").await;
    let bob = node_a.register_and_login("bob").await;
    let (room, _) = node_a.send_private(&alice, &bob, "first").await;
    let room = room_id(&room);
    // Alice writes by the room's id on node B, which now remembers that she may.
    node_b
        .try_send_to_room(&alice, &room, &json!({"body": "on node B"}))
        .await
        .assert_status(201);

    assert_success(
        &node_a.try_block(&bob, &alice.id).await,
        "blocking on node A",
    );

    // Node B hears of the block over the bus and refuses from then on, for good.
    let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
    let mut refusals = 0;
    let mut slipped_through = 0;
    while refusals < 5 {
        let response = node_b
            .try_send_to_room(&alice, &room, &json!({"body": "still?"}))
            .await;
        match response.status {
            403 => refusals += 1,
            201 if refusals == 0 => slipped_through += 1,
            other => panic!("after {refusals} refusals: HTTP {other}: {}", response.text),
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "node B still lets alice write after {EVENT_TIMEOUT:?}"
        );
    }
    let history = node_a.full_history(&bob, &room).await;
    assert_eq!(history.len(), 2 + slipped_through, "{history:?}");
}

/// Sends `count` WebSocket messages into `room` and returns the acknowledged messages.
async fn send_over_ws(ws: &mut WsClient, room: &str, count: usize) -> Vec<Value> {
    let references: Vec<String> = (0..count).map(|n| format!("ws-{n}")).collect();
    for reference in &references {
        ws.send_to_room(reference, room, &format!("sent as {reference}"))
            .await;
    }
    let references: Vec<&str> = references.iter().map(String::as_str).collect();
    let answers = ws.answers_to(&references, EVENT_TIMEOUT).await;
    answers
        .into_iter()
        .map(|answer| {
            assert_eq!(answer["type"], "ack", "{answer}");
            answer["message"].clone()
        })
        .collect()
}

#[tokio::test]
async fn messages_acknowledged_by_a_node_survive_its_kill_dash_nine() {
    let Some(stack) = Stack::start(StackConfig::full("cluster kill")).await else {
        return;
    };
    let mut node_a = stack.spawn_node("node A").await;
    let node_b = stack.spawn_follower("node B").await;
    let alice = node_a.register_and_login("alice").await;
    let bob = node_a.register_and_login("bob").await;
    let (room, first) = node_a.send_private(&alice, &bob, "first").await;
    let room = room_id(&room);
    let mut acked = vec![first];

    // Acknowledged by node A: 20 concurrent 201s and 10 WebSocket acks...
    let sends = (0..20).map(|i| {
        let from: &TestUser = if i % 2 == 0 { &alice } else { &bob };
        node_a.send_to_room(from, &room, "burst over HTTP")
    });
    acked.extend(join_all(sends).await);
    let mut ws = node_a.ws_connect(&alice.access_token).await;
    acked.extend(send_over_ws(&mut ws, &room, 10).await);

    // ...then node A dies at once, with no chance to flush anything.
    node_a.kill();
    node_a.note("node A killed with SIGKILL");

    let on_b = node_b
        .settled_history(&bob, &room, std::time::Duration::from_secs(20))
        .await;
    assert_gapless(&on_b);
    assert_eq!(on_b.len(), 31, "exactly the acknowledged messages");
    assert_acknowledged_once(&on_b, &acked);

    // The cluster goes on without node A, and node A comes back to the same history.
    let on_survivor = node_b.send_to_room(&bob, &room, "node B carries on").await;
    assert_eq!(on_survivor["seq"], 32);
    node_a.start_again().await;
    let again = node_a.send_to_room(&alice, &room, "node A is back").await;
    assert_eq!(again["seq"], 33);
    let on_a = node_a.full_history(&alice, &room).await;
    let on_b = node_b.full_history(&bob, &room).await;
    assert_eq!(on_a, on_b, "the restarted node serves the same history");
    assert_gapless(&on_a);
    assert_acknowledged_once(&on_a, &acked);
}

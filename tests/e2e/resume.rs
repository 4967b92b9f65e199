//! Catch-up after a reconnect: nothing lost, nothing doubled.
//!
//! A client that comes back sends `{"type":"resume","rooms":{"<room>": <last rev seen>}}` and
//! gets, per room in rev order, every message created, edited or deleted after that point as
//! `message`, `message_edited` or `message_deleted` (a message created and then changed comes
//! once, as `message` in its latest state; created and deleted, as `message_deleted`), then
//! `resumed` with the latest rev of each of its rooms and the named rooms it left. The tests
//! play a client that applies those events to what it had and compare the result with the
//! server's history, message by message.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::oneshot;

mod client;

use crate::support::{
    id_of, spawn_app, spawn_app_with, Frame, TestUser, EVENT_TIMEOUT, QUIET, UNKNOWN_ID,
};
use client::*;

#[tokio::test]
async fn a_client_back_after_500_messages_edits_and_deletes_ends_with_exactly_the_servers_state() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let alice_phone = other_device(&app, &alice).await;
    let mut rooms = Vec::new();
    for i in 0..5 {
        rooms.push(
            app.group_with(&bob, &format!("Room {i}"), &[&alice, &carol])
                .await,
        );
    }
    let left_room = app.group_with(&bob, "Left behind", &[&alice]).await;

    // Before Alice goes away: ten messages per room, which she has seen.
    let senders = [&bob, &carol, &alice];
    let mut old_sends = Vec::new();
    for (r, room) in rooms.iter().enumerate() {
        for i in 0..10 {
            old_sends.push((senders[(r + i) % 3], room.clone(), format!("old {r}.{i}")));
        }
    }
    let old = send_all(&app, &old_sends).await;
    app.send_to_room(&bob, &left_room, "in the room she will leave")
        .await;
    let ws = app.ws_connect(&alice.access_token).await;
    let mut before = HashMap::new();
    for room in rooms.iter().chain([&left_room]) {
        before.insert(room.clone(), Local::read(&app, &alice, room).await);
    }
    ws.close().await;

    // While she is away: 500 messages across the five rooms (some from her other device)...
    let all_senders = [&bob, &carol, &alice_phone];
    let new_sends: Vec<_> = (0..500)
        .map(|i| {
            let room = rooms[i % 5].clone();
            (all_senders[i % 3], room, format!("new {i}"))
        })
        .collect();
    let new = send_all(&app, &new_sends).await;
    // ...old messages edited (once, twice), deleted, and edited then deleted, by their authors
    // or by Bob, who owns every room; the same for messages sent while she was away...
    let author = |m: &Value| -> &TestUser {
        [&bob, &carol, &alice_phone]
            .into_iter()
            .find(|u| m["sender_id"] == u.id.as_str())
            .expect("a known sender")
    };
    for batch in [&old, &new] {
        for (k, message) in batch.iter().enumerate().filter(|(k, _)| k % 7 == 3) {
            let (room, id) = (message["room_id"].as_str().expect("room"), id_of(message));
            match k % 4 {
                0 => {
                    app.edit(author(message), room, &id, &format!("edited {k}"))
                        .await;
                }
                1 => {
                    app.edit(author(message), room, &id, "edited once").await;
                    app.edit(author(message), room, &id, &format!("edited twice {k}"))
                        .await;
                }
                2 => {
                    app.delete_message(&bob, room, &id).await;
                }
                _ => {
                    app.edit(author(message), room, &id, "edited, then gone")
                        .await;
                    app.delete_message(author(message), room, &id).await;
                }
            }
        }
    }
    // ...she is removed from one room, which goes on without her, and joins a new one.
    app.try_remove_member(&bob, &left_room, &alice.id)
        .await
        .assert_status(204);
    app.send_to_room(&bob, &left_room, "after she left").await;
    let joined_room = app
        .group_with(&carol, "Joined meanwhile", &[&alice_phone])
        .await;
    app.send_to_room(&carol, &joined_room, "welcome").await;

    // She comes back and resumes from what she had.
    let mut ws = app.ws_connect(&alice.access_token).await;
    let point: serde_json::Map<String, Value> = before
        .iter()
        .map(|(room, local)| (room.clone(), json!(local.rev)))
        .collect();
    ws.send_resume(&Value::Object(point)).await;
    let (changes, resumed) = read_replay(&mut ws).await;

    let mut after = HashMap::new();
    for room in &rooms {
        after.insert(room.clone(), Local::read(&app, &alice, room).await);
    }
    let resumable: HashMap<String, Local> = before
        .iter()
        .filter(|(room, _)| **room != left_room)
        .map(|(room, local)| (room.clone(), local.clone()))
        .collect();
    assert!(
        changes
            .iter()
            .all(|e| e["message"]["room_id"] != left_room.as_str()),
        "nothing of a room she left is replayed"
    );
    check_replay(&resumable, &after, &changes, Order::Revs);

    // `resumed`: the latest rev of every current room (the new one included), and the left one.
    let mut want_rooms = serde_json::Map::new();
    for (room, local) in &after {
        want_rooms.insert(room.clone(), json!(local.rev));
    }
    let joined_rev = Local::read(&app, &alice, &joined_room).await.rev;
    want_rooms.insert(joined_room.clone(), json!(joined_rev));
    assert_eq!(resumed["rooms"], Value::Object(want_rooms), "{resumed}");
    assert_eq!(resumed["left"], json!([left_room]), "{resumed}");
    // The connection carries on live afterwards.
    let live = app.send_to_room(&bob, &rooms[0], "welcome back").await;
    let event = ws
        .wait_for_matching("message", EVENT_TIMEOUT, |e| {
            e["message"]["id"] == live["id"]
        })
        .await;
    assert!(rev(&event["message"]) > after[&rooms[0]].rev, "{event}");
}

/// Three rooms with 100 missed messages each; the client resumes while Bob sends 60 more.
/// With `after_first_change`, Bob starts once the replay is under way (the server has taken
/// the resume, so every live change must be held and come in rev order); without, his sends
/// race the `resume` frame itself.
async fn live_sends_during_a_resume(after_first_change: bool) {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let mut rooms = Vec::new();
    for i in 0..3 {
        rooms.push(app.group_with(&bob, &format!("Busy {i}"), &[&alice]).await);
    }
    let mut before = HashMap::new();
    for room in &rooms {
        app.send_to_room(&bob, room, "seen").await;
        before.insert(room.clone(), Local::read(&app, &alice, room).await);
    }
    let missed: Vec<_> = (0..300)
        .map(|i| (&bob, rooms[i % 3].clone(), format!("missed {i}")))
        .collect();
    send_all(&app, &missed).await;

    let mut ws = app.ws_connect(&alice.access_token).await;
    let point: serde_json::Map<String, Value> = before
        .iter()
        .map(|(room, local)| (room.clone(), json!(local.rev)))
        .collect();
    ws.send_resume(&Value::Object(point)).await;
    let live: Vec<_> = (0..60)
        .map(|i| (&bob, rooms[i % 3].clone(), format!("live {i}")))
        .collect();
    let (started_tx, started_rx) = oneshot::channel();
    let ((mut changes, resumed), ()) =
        tokio::join!(read_replay_signalling(&mut ws, Some(started_tx)), async {
            if after_first_change {
                started_rx.await.expect("the replay started");
            }
            for chunk in live.chunks(5) {
                send_all(&app, chunk).await;
            }
        });
    assert!(resumed["rooms"].is_object(), "{resumed}");

    // Everything sent is in the history now; read on until the connection has all of it.
    let mut after = HashMap::new();
    for room in &rooms {
        after.insert(room.clone(), Local::read(&app, &alice, room).await);
    }
    let total: usize = after
        .iter()
        .map(|(room, new)| {
            new.messages
                .values()
                .filter(|m| rev(m) > before[room].rev)
                .count()
        })
        .sum();
    while changes.len() < total {
        let event = ws.next_event(EVENT_TIMEOUT).await;
        if event["type"] == "message" {
            changes.push(event);
        }
    }
    let order = if after_first_change {
        Order::Revs
    } else {
        Order::LiveMayPrecede
    };
    check_replay(&before, &after, &changes, order);
    // And nothing more comes: no change was sent twice.
    ws.expect_none("message", QUIET).await;
}

#[tokio::test]
async fn live_messages_during_a_replay_are_held_and_neither_lost_nor_doubled() {
    live_sends_during_a_resume(true).await;
}

#[tokio::test]
async fn live_messages_racing_the_resume_frame_are_neither_lost_nor_doubled() {
    live_sends_during_a_resume(false).await;
}

#[tokio::test]
async fn resuming_from_the_latest_revs_replays_nothing() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, message) = app.send_private(&bob, &alice, "seen it").await;
    let room = id_of(&room);
    app.edit(&bob, &room, &id_of(&message), "seen it, edited")
        .await;
    let latest = Local::read(&app, &alice, &room).await.rev;
    let mut ws = app.ws_connect(&alice.access_token).await;

    ws.send_resume(&json!({ room.clone(): latest })).await;
    let (changes, resumed) = read_replay(&mut ws).await;

    assert!(changes.is_empty(), "{changes:?}");
    assert_eq!(resumed["rooms"], json!({ room.clone(): latest }));
    assert_eq!(resumed["left"], json!([]));
}

/// A point beyond the room's latest rev (a client's bug, or a rev kept from another
/// deployment) replays nothing and does not mute the room's live changes.
#[tokio::test]
async fn resuming_from_beyond_the_latest_rev_still_gets_live_changes() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&bob, &alice, "before").await;
    let room = id_of(&room);
    let mut ws = app.ws_connect(&alice.access_token).await;

    ws.send_resume(&json!({ room.clone(): 1_000_000_000_u64 }))
        .await;
    let (changes, _) = read_replay(&mut ws).await;
    assert!(changes.is_empty(), "{changes:?}");
    app.send_to_room(&bob, &room, "after").await;

    let live = ws.expect_event("message", EVENT_TIMEOUT).await;
    assert_eq!(live["message"]["body"], "after");
}

#[tokio::test]
async fn a_resume_naming_a_room_that_is_not_yours_lists_it_as_left() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let (theirs, _) = app.send_private(&bob, &carol, "not for alice").await;
    let theirs = id_of(&theirs);
    let mut ws = app.ws_connect(&alice.access_token).await;

    ws.send_resume(&json!({ theirs.clone(): 0, UNKNOWN_ID: 0 }))
        .await;
    let (changes, resumed) = read_replay(&mut ws).await;

    assert!(
        changes.is_empty(),
        "nothing of someone else's room: {changes:?}"
    );
    assert_eq!(resumed["rooms"], json!({}));
    let mut left: Vec<&str> = resumed["left"]
        .as_array()
        .unwrap_or_else(|| panic!("`left` is an array: {resumed}"))
        .iter()
        .map(|v| v.as_str().expect("a room id"))
        .collect();
    left.sort_unstable();
    let mut want = vec![theirs.as_str(), UNKNOWN_ID];
    want.sort_unstable();
    assert_eq!(left, want);
}

#[tokio::test]
async fn a_replay_longer_than_the_connection_buffer_pages_instead_of_overflowing() {
    // A small outbound buffer makes a 300-change replay many times its size; a server that
    // pushed the whole replay at once would close this connection as a slow consumer (1013).
    let app = spawn_app_with(vec![("CHAT_WS_OUTBOUND_BUFFER".into(), "16".into())]).await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = app.group_with(&bob, "Firehose", &[&alice]).await;
    app.send_to_room(&bob, &room, "seen").await;
    let before = HashMap::from([(room.clone(), Local::read(&app, &alice, &room).await)]);
    let missed: Vec<_> = (0..300)
        .map(|i| (&bob, room.clone(), format!("missed {i}")))
        .collect();
    send_all(&app, &missed).await;
    let mut ws = app.ws_connect(&alice.access_token).await;

    ws.send_resume(&json!({ room.clone(): before[&room].rev }))
        .await;

    // Read like a phone on a slow network: a pause every 25 events.
    let mut changes = Vec::new();
    let resumed = loop {
        let event = match ws.next_frame(EVENT_TIMEOUT).await {
            Frame::Event(event) => event,
            Frame::Closed(code) => panic!(
                "closed (code {code:?}) after {} replayed changes: the replay overflowed",
                changes.len()
            ),
            Frame::Timeout => panic!("the replay stalled after {} changes", changes.len()),
        };
        match event["type"].as_str() {
            Some("message" | "message_edited" | "message_deleted") => changes.push(event),
            Some("resumed") => break event,
            _ => {}
        }
        if changes.len() % 25 == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };

    let after = HashMap::from([(room.clone(), Local::read(&app, &alice, &room).await)]);
    check_replay(&before, &after, &changes, Order::Revs);
    assert_eq!(changes.len(), 300);
    assert_eq!(resumed["rooms"][&room], json!(after[&room].rev));
    ws.ping_pong().await;
}

#[tokio::test]
async fn a_malformed_resume_is_an_error_and_the_connection_stays_open() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let mut ws = app.ws_connect(&alice.access_token).await;

    for frame in [
        json!({"type": "resume"}),
        json!({"type": "resume", "rooms": ["not", "a", "map"]}),
        json!({"type": "resume", "rooms": {"r": -1}}),
    ] {
        ws.send_json(&frame).await;
        let error = ws.wait_for("error", EVENT_TIMEOUT).await;
        assert_eq!(error["code"], "invalid_request", "{frame}: {error}");
    }
    ws.ping_pong().await;
}

#[tokio::test]
async fn a_replayed_reply_carries_the_preview_a_live_one_does() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let room = app.group_with(&alice, "Replies while away", &[&bob]).await;
    let question = app.send_to_room(&alice, &room, "lunch at noon?").await;
    let seen = question["rev"].as_u64().expect("a rev");

    // While Bob is away: a reply, a plain message, and the question edited.
    let reply = json!({"body": "yes, at noon", "reply_to": question["id"]});
    let answer = app.try_send_to_room(&alice, &room, &reply).await;
    answer.assert_status(201);
    let answer = answer.field("message").clone();
    app.send_to_room(&alice, &room, "see you").await;
    let question_id = id_of(&question);
    app.edit(&alice, &room, &question_id, "lunch at one?").await;

    let mut ws = app.ws_connect(&bob.access_token).await;
    ws.send_resume(&json!({ room.clone(): seen })).await;
    let mut replayed = Vec::new();
    loop {
        let event = match ws.next_frame(EVENT_TIMEOUT).await {
            Frame::Event(event) => event,
            other => panic!("the replay ended early: {other:?} after {replayed:?}"),
        };
        match event["type"].as_str() {
            Some("message" | "message_edited" | "message_deleted") => replayed.push(event),
            Some("resumed") => break,
            _ => {}
        }
    }

    let kinds: Vec<&str> = replayed.iter().filter_map(|e| e["type"].as_str()).collect();
    assert_eq!(
        kinds,
        ["message", "message", "message_edited"],
        "{replayed:?}"
    );
    let replayed_answer = &replayed[0]["message"];
    assert_eq!(replayed_answer["id"], answer["id"]);
    let preview = crate::support::reply_preview(replayed_answer);
    assert_eq!(preview["id"], question["id"], "{preview}");
    // The preview shows the answered message as it is now, as a history page would.
    assert_eq!(preview["body"], "lunch at one?", "{preview}");
    let stored = app.find_message(&bob, &room, &id_of(&answer)).await;
    assert_eq!(crate::support::reply_preview(&stored), preview);
    for plain in &replayed[1..] {
        assert!(plain["message"].get("reply_preview").is_none(), "{plain}");
    }
}

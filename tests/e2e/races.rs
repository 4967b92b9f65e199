//! Races: many tasks at once must still give one private room per pair, gapless distinct seqs
//! at most one stored message per `client_msg_id`, and one account per username.

use std::collections::HashSet;

use futures_util::future::join_all;
use serde_json::json;

use crate::support::{assert_error, seqs, spawn_app, unique_username, PASSWORD};

#[tokio::test]
async fn fifty_concurrent_first_messages_in_both_directions_make_exactly_one_room() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;

    let sends = (0..50).map(|i| {
        let (from, to) = if i % 2 == 0 {
            (&alice, &bob)
        } else {
            (&bob, &alice)
        };
        let app = &app;
        async move {
            app.try_send_private(from, &to.id, &json!({"body": format!("race {i}")}))
                .await
        }
    });
    let responses = join_all(sends).await;

    let mut room_ids = HashSet::new();
    let mut sent_seqs = Vec::new();
    for response in &responses {
        response.assert_status(201);
        room_ids.insert(
            response.field("room")["id"]
                .as_str()
                .expect("room id")
                .to_owned(),
        );
        sent_seqs.push(response.field("message")["seq"].as_u64().expect("seq"));
    }
    assert_eq!(
        room_ids.len(),
        1,
        "every send landed in one room: {room_ids:?}"
    );
    sent_seqs.sort_unstable();
    assert_eq!(sent_seqs, (1..=50).collect::<Vec<u64>>());

    let room_id = room_ids.into_iter().next().expect("one room");
    for user in [&alice, &bob] {
        let rooms = app.rooms(user).await;
        assert_eq!(rooms.len(), 1, "{}'s rooms: {rooms:?}", user.username);
        assert_eq!(rooms[0]["id"], room_id.as_str());
    }
    let history = app.full_history(&alice, &room_id).await;
    assert_eq!(seqs(&history), (1..=50).collect::<Vec<u64>>());
    let bodies: HashSet<_> = history.iter().map(|m| m["body"].to_string()).collect();
    assert_eq!(bodies.len(), 50, "every message stored once");
}

#[tokio::test]
async fn concurrent_sends_into_one_room_get_distinct_gapless_seqs() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "seq 1").await;
    let room_id = room["id"].as_str().expect("room id");

    let sends = (0..40).map(|i| {
        let from = if i % 2 == 0 { &alice } else { &bob };
        app.send_to_room(from, room_id, "concurrent")
    });
    let messages = join_all(sends).await;

    let mut got = seqs(&messages);
    got.sort_unstable();
    assert_eq!(got, (2..=41).collect::<Vec<u64>>());
    let history = app.full_history(&bob, room_id).await;
    assert_eq!(seqs(&history), (1..=41).collect::<Vec<u64>>());
}

#[tokio::test]
async fn ten_concurrent_retries_of_a_first_message_store_it_once() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let request = json!({"body": "only once", "client_msg_id": "same-key"});

    let responses =
        join_all((0..10).map(|_| app.try_send_private(&alice, &bob.id, &request))).await;

    let created = responses.iter().filter(|r| r.status == 201).count();
    let replayed = responses.iter().filter(|r| r.status == 200).count();
    assert_eq!(
        (created, replayed),
        (1, 9),
        "one creation and nine replays; statuses {:?}",
        responses
            .iter()
            .map(|r| (r.status, r.text.clone()))
            .collect::<Vec<_>>()
    );
    let ids: HashSet<_> = responses
        .iter()
        .map(|r| r.field("message")["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 1, "every retry returns the same message");
    let rooms = app.rooms(&bob).await;
    assert_eq!(rooms.len(), 1);
    let room_id = rooms[0]["id"].as_str().expect("room id");
    let (messages, has_more) = app.history(&bob, room_id, "").await;
    assert_eq!(messages.len(), 1, "stored: {messages:?}");
    assert!(!has_more);
    assert_eq!(messages[0]["body"], "only once");
}

#[tokio::test]
async fn ten_concurrent_registrations_of_one_name_create_one_account() {
    let app = spawn_app().await;
    let name = unique_username("popular");

    let responses = join_all((0..10).map(|i| {
        // Mixed case on purpose: the names collide after lowercasing.
        let candidate = if i % 2 == 0 {
            name.clone()
        } else {
            name.to_uppercase()
        };
        let app = &app;
        async move { app.try_register(&candidate, PASSWORD).await }
    }))
    .await;

    let created: Vec<_> = responses.iter().filter(|r| r.status == 201).collect();
    assert_eq!(created.len(), 1, "exactly one registration wins");
    for response in responses.iter().filter(|r| r.status != 201) {
        assert_error(response, 409, "username_taken");
    }
    let tokens = app.login(&name, PASSWORD).await;
    let me = app
        .get("/api/v1/users/me", Some(&tokens.access_token))
        .await;
    assert_eq!(me.body["user"]["id"], created[0].body["user"]["id"]);
}

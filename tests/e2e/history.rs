//! History cursors: `before`, `after` and `limit`, always oldest first, with `has_more` in the
//! direction paged, and the 400s for contradictory or out-of-range parameters.

use crate::support::{assert_error_status, seqs, spawn_app, TestApp, TestUser};

/// Alice, Bob and their private room holding 60 messages whose body is `m<seq>`.
async fn room_with_sixty_messages(app: &TestApp) -> (TestUser, TestUser, String) {
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "m1").await;
    let room_id = room["id"].as_str().expect("room id").to_owned();
    // Sequential on purpose, so `m<n>` is exactly the message with seq n.
    for n in 2..=60 {
        let sender = if n % 3 == 0 { &bob } else { &alice };
        app.send_to_room(sender, &room_id, &format!("m{n}")).await;
    }
    (alice, bob, room_id)
}

fn range(from: u64, to: u64) -> Vec<u64> {
    (from..=to).collect()
}

#[tokio::test]
async fn history_pages_with_before_after_and_limit() {
    let app = spawn_app().await;
    let (alice, bob, room) = room_with_sixty_messages(&app).await;
    let page = |query: &'static str| {
        let app = &app;
        let alice = &alice;
        let room = &room;
        async move {
            let (messages, has_more) = app.history(alice, room, query).await;
            (seqs(&messages), has_more)
        }
    };

    // Neither cursor: the newest `limit` (default 50), oldest first.
    assert_eq!(page("").await, (range(11, 60), true));
    assert_eq!(page("limit=10").await, (range(51, 60), true));
    assert_eq!(page("limit=100").await, (range(1, 60), false));
    assert_eq!(page("limit=60").await, (range(1, 60), false));
    assert_eq!(page("limit=59").await, (range(2, 60), true));

    // `before=S`: the last `limit` below S; `has_more` says whether older ones remain.
    assert_eq!(page("before=11&limit=5").await, (range(6, 10), true));
    assert_eq!(page("before=6&limit=5").await, (range(1, 5), false));
    assert_eq!(page("before=4&limit=10").await, (range(1, 3), false));
    assert_eq!(page("before=1").await, (vec![], false));
    assert_eq!(page("before=61").await, (range(11, 60), true));

    // `after=S`: the first `limit` above S; `has_more` says whether newer ones remain.
    assert_eq!(page("after=50&limit=5").await, (range(51, 55), true));
    assert_eq!(page("after=55&limit=5").await, (range(56, 60), false));
    assert_eq!(page("after=60").await, (vec![], false));
    assert_eq!(page("after=0&limit=100").await, (range(1, 60), false));
    assert_eq!(page("after=0").await, (range(1, 50), true));

    // The bodies prove the seqs name the right messages, and both members see the same.
    let (messages, _) = app.history(&bob, &room, "after=19&limit=3").await;
    let bodies: Vec<_> = messages.iter().map(|m| m["body"].clone()).collect();
    assert_eq!(bodies, vec!["m20", "m21", "m22"]);
}

#[tokio::test]
async fn paging_backwards_walks_the_whole_history_once() {
    let app = spawn_app().await;
    let (alice, _, room) = room_with_sixty_messages(&app).await;

    let mut collected = Vec::new();
    let mut query = "limit=7".to_owned();
    loop {
        let (mut messages, has_more) = app.history(&alice, &room, &query).await;
        let oldest = seqs(&messages)[0];
        messages.append(&mut collected);
        collected = messages;
        if !has_more {
            break;
        }
        query = format!("before={oldest}&limit=7");
    }

    assert_eq!(seqs(&collected), range(1, 60));
}

#[tokio::test]
async fn a_new_room_with_one_message_has_no_more_history() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, message) = app.send_private(&alice, &bob, "solo").await;

    let (messages, has_more) = app
        .history(&bob, room["id"].as_str().expect("room id"), "")
        .await;

    assert_eq!(messages, vec![message]);
    assert!(!has_more);
}

#[tokio::test]
async fn bad_history_parameters_are_400() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, _) = app.send_private(&alice, &bob, "hi").await;
    let room = room["id"].as_str().expect("room id");

    for query in [
        "limit=101",
        "limit=0",
        "limit=-1",
        "limit=abc",
        "before=5&after=1",
        "before=abc",
        "after=1.5",
    ] {
        let response = app.try_history(&alice, room, query).await;
        assert_error_status(&response, 400);
    }
    // The edges of the range are accepted.
    app.history(&alice, room, "limit=1").await;
    app.history(&alice, room, "limit=100").await;
}

//! The room list (`GET /api/v1/rooms`) and a single room (`GET /api/v1/rooms/{id}`).

use crate::support::{assert_private_room, spawn_app};

#[tokio::test]
async fn a_new_user_has_no_rooms() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;

    assert!(app.rooms(&alice).await.is_empty());
}

#[tokio::test]
async fn the_room_list_describes_private_rooms_with_last_message_and_unread_count() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    app.send_private(&alice, &bob, "one").await;
    let (room, last) = app.send_private(&alice, &bob, "two").await;

    let alices = app.rooms(&alice).await;
    let bobs = app.rooms(&bob).await;

    assert_eq!(alices.len(), 1);
    assert_eq!(bobs.len(), 1);
    for listed in [&alices[0], &bobs[0]] {
        assert_eq!(listed["id"], room["id"]);
        assert_private_room(listed, &alice, &bob);
        assert_eq!(listed["last_message"]["id"], last["id"]);
        assert_eq!(listed["last_message"]["body"], "two");
        assert_eq!(listed["last_message"]["seq"], 2);
    }
    // Alice sent both: nothing unread for her; Bob has two messages he did not send.
    assert_eq!(alices[0]["unread_count"], 0, "{}", alices[0]);
    assert_eq!(bobs[0]["unread_count"], 2, "{}", bobs[0]);
}

#[tokio::test]
async fn the_room_list_puts_the_most_recent_activity_first() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let carol = app.register_and_login("carol").await;
    let (with_bob, _) = app.send_private(&alice, &bob, "to bob").await;
    let (with_carol, _) = app.send_private(&alice, &carol, "to carol").await;

    let ids = |rooms: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        rooms.into_iter().map(|r| r["id"].clone()).collect()
    };
    assert_eq!(
        ids(app.rooms(&alice).await),
        vec![with_carol["id"].clone(), with_bob["id"].clone()]
    );

    // Bob answers: his room with Alice is now the most recent one.
    app.send_private(&bob, &alice, "back to you").await;
    assert_eq!(
        ids(app.rooms(&alice).await),
        vec![with_bob["id"].clone(), with_carol["id"].clone()]
    );
    // Each user only sees their own rooms.
    assert_eq!(ids(app.rooms(&carol).await), vec![with_carol["id"].clone()]);
}

#[tokio::test]
async fn get_room_returns_the_room_to_each_member() {
    let app = spawn_app().await;
    let alice = app.register_and_login("alice").await;
    let bob = app.register_and_login("bob").await;
    let (room, message) = app.send_private(&alice, &bob, "hello").await;
    let path = format!("/api/v1/rooms/{}", room["id"].as_str().expect("room id"));

    for user in [&alice, &bob] {
        let response = app.get(&path, Some(&user.access_token)).await;
        response.assert_status(200);
        let got = response.field("room");
        assert_eq!(got["id"], room["id"]);
        assert_private_room(got, &alice, &bob);
        assert_eq!(got["last_message"]["id"], message["id"]);
    }
}

//! The rooms-per-user limit on a first private message: no private room is opened by a sender
//! at the limit, nor with a recipient at it, each refused with its own error; one below it the
//! room is made; messages into rooms one has are never counted.

mod support;

use chat_app::messaging::{PendingSends, SendError, SendRequest, SendTarget};
use chat_app::AppConfig;
use chat_domain::PrivatePair;
use chat_ports::PrivateRoomOutcome;
use mockall::predicate::eq;
use support::*;

/// The limit of these tests.
const LIMIT: u32 = 3;

/// The test settings with a rooms-per-user limit of [`LIMIT`].
fn limited() -> AppConfig {
    AppConfig {
        max_rooms_per_user: LIMIT,
        ..config()
    }
}

/// `user` belongs to `rooms` rooms.
fn rooms_of(mocks: &mut MockPorts, user: u64, rooms: u32) {
    mocks
        .rooms
        .expect_count_rooms_of_user()
        .with(eq(user_id(user)))
        .returning(move |_| Ok(rooms));
}

/// Alice (user 1) writing to Bob (user 2).
fn alice_to_bob() -> SendRequest {
    request(user_id(1), SendTarget::User(user_id(2)), "hello bob")
}

/// Bob exists and has blocked nobody; Alice and Bob have no private room yet.
fn no_room_with_bob(mocks: &mut MockPorts) {
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(2)))
        .returning(|_| Ok(Some(user(2, "bob"))));
    mocks.blocks.expect_is_blocked().returning(|_, _| Ok(false));
    mocks
        .rooms
        .expect_find_private_room()
        .returning(|_| Ok(None));
}

#[tokio::test]
async fn a_sender_at_the_limit_opens_no_private_room() {
    let mut mocks = MockPorts::new();
    no_room_with_bob(&mut mocks);
    rooms_of(&mut mocks, 1, LIMIT);
    mocks.rooms.expect_create_private_room().never();
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();

    let result = messaging_with(mocks, &pending, limited())
        .send(alice_to_bob())
        .await;

    assert!(
        matches!(result, Err(SendError::RoomLimitReached { max: LIMIT })),
        "{result:?}"
    );
}

#[tokio::test]
async fn nobody_opens_a_private_room_with_a_recipient_at_the_limit() {
    let mut mocks = MockPorts::new();
    no_room_with_bob(&mut mocks);
    rooms_of(&mut mocks, 1, LIMIT - 1);
    rooms_of(&mut mocks, 2, LIMIT);
    mocks.rooms.expect_create_private_room().never();
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();

    let result = messaging_with(mocks, &pending, limited())
        .send(alice_to_bob())
        .await;

    assert!(
        matches!(
            result,
            Err(SendError::RecipientRoomLimitReached { max: LIMIT })
        ),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_sender_and_recipient_one_below_the_limit_open_their_private_room() {
    let mut mocks = MockPorts::new();
    no_room_with_bob(&mut mocks);
    rooms_of(&mut mocks, 1, LIMIT - 1);
    rooms_of(&mut mocks, 2, LIMIT - 1);
    let pair = PrivatePair::new(user_id(1), user_id(2)).expect("two users");
    mocks
        .rooms
        .expect_create_private_room()
        .withf(move |new| new.pair == pair)
        .times(1)
        .returning(|new| Ok(PrivateRoomOutcome::Created(new.room.clone())));
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .times(1)
        .returning(commit_in_background(&pending, 1));

    let outcome = messaging_with(mocks, &pending, limited())
        .send(alice_to_bob())
        .await
        .expect("one room left each is enough");

    assert!(outcome.created);
}

#[tokio::test]
async fn at_the_limit_messages_into_an_existing_private_room_are_not_counted() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_find_by_id()
        .returning(|_| Ok(Some(user(2, "bob"))));
    mocks.blocks.expect_is_blocked().returning(|_, _| Ok(false));
    mocks
        .rooms
        .expect_find_private_room()
        .returning(|_| Ok(Some(private_room(7))));
    mocks.rooms.expect_count_rooms_of_user().never();
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .times(1)
        .returning(commit_in_background(&pending, 5));

    let outcome = messaging_with(mocks, &pending, limited())
        .send(alice_to_bob())
        .await
        .expect("the room exists");

    assert_eq!(outcome.room, private_room(7));
}

#[tokio::test]
async fn at_the_limit_messages_into_a_group_are_not_counted() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_send_access()
        .with(eq(room_id(3)), eq(user_id(1)))
        .returning(|_, _| Ok(Some(access(group_room(3)))));
    mocks.rooms.expect_count_rooms_of_user().never();
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .times(1)
        .returning(commit_in_background(&pending, 5));

    let outcome = messaging_with(mocks, &pending, limited())
        .send(request(user_id(1), SendTarget::Room(room_id(3)), "hi"))
        .await
        .expect("a member writes into their group");

    assert_eq!(outcome.room, group_room(3));
}

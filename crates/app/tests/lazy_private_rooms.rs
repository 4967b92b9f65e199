//! Sending to a user: the first message between two users creates their private room, and
//! there is exactly one private room per pair.

mod support;

use std::sync::{Arc, Mutex, PoisonError};

use chat_app::messaging::{PendingSends, SendError, SendRequest, SendTarget};
use chat_app::AppConfig;
use chat_domain::{BodyError, PrivatePair, RoomId, RoomKind};
use chat_ports::{JobPayload, Priority, PrivateRoomOutcome};
use mockall::predicate::eq;
use support::*;

fn alice_and_bob() -> PrivatePair {
    PrivatePair::new(user_id(1), user_id(2)).expect("two different users")
}

/// Alice writing to Bob.
fn to_bob(body: &str) -> SendRequest {
    request(user_id(1), SendTarget::User(user_id(2)), body)
}

/// The recipient, Bob, exists and has blocked nobody.
fn bob_exists(mocks: &mut MockPorts) {
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(2)))
        .returning(|_| Ok(Some(user(2, "bob"))));
    mocks.blocks.expect_is_blocked().returning(|_, _| Ok(false));
}

/// Nothing may reach a store or the queue.
fn touch_nothing(mocks: &mut MockPorts) {
    mocks.users.expect_find_by_id().never();
    mocks.rooms.expect_find_private_room().never();
    mocks.rooms.expect_create_private_room().never();
    mocks.rooms.expect_find_membership().never();
    mocks.messages.expect_find_by_client_msg_id().never();
    mocks.queue.expect_enqueue().never();
}

#[tokio::test]
async fn first_message_between_two_users_creates_their_private_room() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    bob_exists(&mut mocks);
    mocks
        .rooms
        .expect_find_private_room()
        .with(eq(alice_and_bob()))
        .times(1)
        .returning(|_| Ok(None));
    mocks
        .rooms
        .expect_create_private_room()
        .withf(|new| {
            new.room.kind == RoomKind::Private
                && new.room.name.is_none()
                && new.room.created_at == NOW
                && new.pair == alice_and_bob()
        })
        .times(1)
        .returning(|new| Ok(PrivateRoomOutcome::Created(new.room.clone())));
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .returning(commit_in_background(&pending, 1));
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(to_bob("hello bob"))
        .await
        .expect("the first message is sent");

    assert_eq!(outcome.room.kind, RoomKind::Private);
    assert_eq!(outcome.room.name, None);
    assert!(outcome.created);
}

#[tokio::test]
async fn first_message_is_enqueued_at_interactive_priority_into_the_new_room() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    bob_exists(&mut mocks);
    mocks
        .rooms
        .expect_find_private_room()
        .returning(|_| Ok(None));
    let created: Arc<Mutex<Option<RoomId>>> = Arc::default();
    let created_by_store = Arc::clone(&created);
    mocks
        .rooms
        .expect_create_private_room()
        .times(1)
        .returning(move |new| {
            *created_by_store
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(new.room.id);
            Ok(PrivateRoomOutcome::Created(new.room.clone()))
        });
    let pending = PendingSends::new();
    let created_seen_by_queue = Arc::clone(&created);
    mocks
        .queue
        .expect_enqueue()
        .withf(move |job| {
            let room = *created_seen_by_queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            job.priority == Priority::Interactive
                && job.attempts == 0
                && job.delay.is_zero()
                && matches!(&job.payload, JobPayload::PersistMessage { message }
                    if Some(message.room_id) == room
                        && message.id == message_id(1000)
                        && message.sender_id == user_id(1)
                        && message.body.as_str() == "hello bob")
        })
        .times(1)
        .returning(commit_in_background(&pending, 1));
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(to_bob("  hello bob \n"))
        .await
        .expect("the first message is sent");

    assert_eq!(
        Some(outcome.room.id),
        *created.lock().unwrap_or_else(PoisonError::into_inner)
    );
    assert_eq!(outcome.message.room_id, outcome.room.id);
    assert_eq!(outcome.message.body.as_deref(), Some("hello bob"));
}

#[tokio::test]
async fn second_first_message_reuses_the_private_room() {
    let mut mocks = MockPorts::new();
    bob_exists(&mut mocks);
    mocks
        .rooms
        .expect_find_private_room()
        .with(eq(alice_and_bob()))
        .returning(|_| Ok(Some(private_room(7))));
    mocks.rooms.expect_create_private_room().never();
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .withf(|job| {
            matches!(&job.payload, JobPayload::PersistMessage { message } if message.room_id == room_id(7))
        })
        .times(1)
        .returning(commit_in_background(&pending, 2));
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(to_bob("again"))
        .await
        .expect("the message is sent");

    assert_eq!(outcome.room, private_room(7));
    assert_eq!(outcome.message.room_id, room_id(7));
}

#[tokio::test]
async fn a_racing_first_message_goes_to_the_room_the_other_side_created() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    bob_exists(&mut mocks);
    mocks
        .rooms
        .expect_find_private_room()
        .returning(|_| Ok(None));
    // Bob's first message to Alice won the race: the store hands back his room.
    mocks
        .rooms
        .expect_create_private_room()
        .times(1)
        .returning(|_| Ok(PrivateRoomOutcome::Existing(private_room(9))));
    let pending = PendingSends::new();
    mocks
        .queue
        .expect_enqueue()
        .withf(|job| {
            matches!(&job.payload, JobPayload::PersistMessage { message } if message.room_id == room_id(9))
        })
        .times(1)
        .returning(commit_in_background(&pending, 2));
    let service = messaging(mocks, &pending);

    let outcome = service
        .send(to_bob("hi"))
        .await
        .expect("the message is sent");

    assert_eq!(outcome.room, private_room(9));
    assert_eq!(outcome.message.room_id, room_id(9));
}

#[tokio::test]
async fn messaging_yourself_is_refused_without_touching_any_store_or_the_queue() {
    let mut mocks = MockPorts::new();
    touch_nothing(&mut mocks);
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service
        .send(request(
            user_id(1),
            SendTarget::User(user_id(1)),
            "note to self",
        ))
        .await;

    assert!(matches!(result, Err(SendError::SelfMessage)), "{result:?}");
}

#[tokio::test]
async fn a_message_to_an_unknown_user_is_refused_and_creates_no_room() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(2)))
        .times(1)
        .returning(|_| Ok(None));
    mocks.rooms.expect_create_private_room().never();
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service.send(to_bob("anyone there?")).await;

    assert!(matches!(result, Err(SendError::UserNotFound)), "{result:?}");
}

#[tokio::test]
async fn an_empty_or_too_long_body_is_refused_before_any_store_call() {
    let mut mocks = MockPorts::new();
    touch_nothing(&mut mocks);
    let pending = PendingSends::new();
    let service = messaging_with(
        mocks,
        &pending,
        AppConfig {
            max_body_chars: 5,
            ..config()
        },
    );

    let empty = service.send(to_bob(" \n\t ")).await;
    let too_long = service.send(to_bob("123456")).await;

    assert!(
        matches!(empty, Err(SendError::InvalidBody(BodyError::Empty))),
        "{empty:?}"
    );
    assert!(
        matches!(
            too_long,
            Err(SendError::InvalidBody(BodyError::TooLong { max: 5 }))
        ),
        "{too_long:?}"
    );
}

#[tokio::test]
async fn an_invalid_client_msg_id_is_refused_before_any_store_call() {
    let mut mocks = MockPorts::new();
    touch_nothing(&mut mocks);
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    for bad in [String::new(), "x".repeat(65), "line\nbreak".to_owned()] {
        let result = service
            .send(SendRequest {
                client_msg_id: Some(bad.clone()),
                ..to_bob("hi")
            })
            .await;
        assert!(
            matches!(result, Err(SendError::InvalidClientMsgId)),
            "{bad:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn a_room_store_failure_while_creating_the_room_enqueues_nothing() {
    let mut mocks = MockPorts::new();
    below_the_room_limit(&mut mocks);
    bob_exists(&mut mocks);
    mocks
        .rooms
        .expect_find_private_room()
        .returning(|_| Ok(None));
    mocks
        .rooms
        .expect_create_private_room()
        .returning(|_| Err(store_down()));
    mocks.queue.expect_enqueue().never();
    let pending = PendingSends::new();
    let service = messaging(mocks, &pending);

    let result = service.send(to_bob("hi")).await;

    assert!(
        matches!(result, Err(SendError::Unavailable(_))),
        "{result:?}"
    );
    assert!(
        pending.is_empty(),
        "no send may wait for a message that was never enqueued"
    );
}

//! Reply previews: the messages a page answers are fetched with one `find_many` per room and
//! shown short, or as deleted.

mod support;

use chat_app::messaging::{PendingSends, ReplyPreview, REPLY_PREVIEW_CHARS};
use chat_domain::{Message, MessageId};
use support::*;

/// Message `n` of `room` with seq `n`, answering `reply_to`.
fn reply(n: u64, room: u64, reply_to: u64) -> Message {
    Message {
        reply_to: Some(message_id(reply_to)),
        ..stored_at(n, room_id(room), user_id(2), n, NOW)
    }
}

#[tokio::test]
async fn the_answered_messages_of_each_room_are_fetched_in_one_call_per_room() {
    let mut mocks = MockPorts::new();
    let page = vec![
        reply(10, 3, 1),
        reply(11, 3, 2),
        reply(12, 3, 1),
        stored_at(13, room_id(3), user_id(2), 13, NOW),
        reply(14, 4, 7),
    ];
    mocks
        .messages
        .expect_find_many()
        .withf(|room, ids| *room == room_id(3) && ids == [message_id(1), message_id(2)])
        .times(1)
        .returning(|room, ids| {
            Ok(ids
                .iter()
                .map(|id| Message {
                    id: *id,
                    ..stored_at(1, room, user_id(1), 1, NOW)
                })
                .collect())
        });
    mocks
        .messages
        .expect_find_many()
        .withf(|room, ids| *room == room_id(4) && ids == [message_id(7)])
        .times(1)
        .returning(|room, _| Ok(vec![stored_at(7, room, user_id(1), 1, NOW)]));
    let pending = PendingSends::new();

    let previews = messaging(mocks, &pending)
        .reply_previews(&page)
        .await
        .expect("the previews load");

    let mut ids: Vec<MessageId> = previews.keys().copied().collect();
    ids.sort();
    assert_eq!(ids, vec![message_id(1), message_id(2), message_id(7)]);
}

#[tokio::test]
async fn a_preview_shows_the_first_hundred_characters_or_that_the_message_was_deleted() {
    let long = Message {
        body: Some("é".repeat(150)),
        ..stored_at(1, room_id(3), user_id(1), 1, NOW)
    };
    let deleted = Message {
        body: None,
        deleted: true,
        ..stored_at(2, room_id(3), user_id(1), 2, NOW)
    };

    let preview = ReplyPreview::of(&long);
    assert_eq!(
        preview.body.map(|b| b.chars().count()),
        Some(REPLY_PREVIEW_CHARS)
    );
    assert_eq!(preview.sender_id, user_id(1));
    assert_eq!(
        ReplyPreview::of(&deleted),
        ReplyPreview {
            id: message_id(2),
            sender_id: user_id(1),
            body: None,
            deleted: true,
        }
    );
}

#[tokio::test]
async fn a_page_without_replies_reads_nothing() {
    let mut mocks = MockPorts::new();
    mocks.messages.expect_find_many().never();
    let pending = PendingSends::new();

    let previews = messaging(mocks, &pending)
        .reply_previews(&[stored_at(1, room_id(3), user_id(1), 1, NOW)])
        .await
        .expect("nothing to load");

    assert!(previews.is_empty());
}

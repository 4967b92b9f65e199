//! The room list and single rooms as a member sees them.

mod support;

use std::collections::HashMap;

use chat_app::messaging::{PendingSends, RoomError, RoomListing};
use chat_domain::{Room, RoomId, Seq, Timestamp};
use chat_ports::{RoomView, UnreadCount, UserRoom, UserSummary};
use mockall::predicate::eq;
use support::*;

fn at(offset_millis: i64) -> Timestamp {
    NOW.plus_millis(offset_millis)
}

/// Alice's rooms: her private room with Bob (room 1, last message at +50 with seq 12, read up
/// to 9), group 2 (created at +100, no messages), group 3 (created at +5, last message at
/// +200 with seq 4, read up to 4; Alice, Bob and Carol are in it). The store counts 2 unread
/// messages in room 1, one of them naming `@alice`, and none elsewhere.
fn alices_rooms(mocks: &mut MockPorts) {
    let rooms = vec![
        UserRoom {
            room: private_room(1),
            membership: membership(room_id(1), user_id(1), 9),
        },
        UserRoom {
            room: Room {
                created_at: at(100),
                ..group_room(2)
            },
            membership: membership(room_id(2), user_id(1), 0),
        },
        UserRoom {
            room: Room {
                created_at: at(5),
                ..group_room(3)
            },
            membership: membership(room_id(3), user_id(1), 4),
        },
    ];
    mocks
        .rooms
        .expect_list_rooms_of_user()
        .with(eq(user_id(1)))
        .return_once(move |_| Ok(rooms));
    mocks.messages.expect_latest_in_rooms().returning(|rooms| {
        let latest = HashMap::from([
            (room_id(1), stored_at(1, room_id(1), user_id(2), 12, at(50))),
            (room_id(3), stored_at(3, room_id(3), user_id(3), 4, at(200))),
        ]);
        Ok(latest
            .into_iter()
            .filter(|(room, _)| rooms.contains(room))
            .collect())
    });
    mocks
        .rooms
        .expect_list_members()
        .with(eq(room_id(1)))
        .returning(|room| {
            Ok(vec![
                member(room, &user(1, "alice")),
                member(room, &user(2, "bob")),
            ])
        });
    mocks
        .rooms
        .expect_count_members()
        .returning(|room| Ok(if room == room_id(2) { 1 } else { 3 }));
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(1)))
        .returning(|_| Ok(Some(user(1, "alice"))));
    mocks.messages.expect_unread_counts().returning(|_, _, _| {
        Ok(HashMap::from([(
            room_id(1),
            UnreadCount {
                unread: 2,
                mentions: 1,
            },
        )]))
    });
}

async fn listings(mocks: MockPorts) -> Vec<RoomListing> {
    let pending = PendingSends::new();
    messaging(mocks, &pending)
        .list_rooms(user_id(1))
        .await
        .expect("the room list loads")
}

async fn list(mocks: MockPorts) -> Vec<RoomView> {
    listings(mocks).await.into_iter().map(|l| l.view).collect()
}

fn view_of(views: &[RoomView], room: RoomId) -> &RoomView {
    views
        .iter()
        .find(|v| v.room.id == room)
        .expect("the room is listed")
}

#[tokio::test]
async fn rooms_are_listed_most_recent_activity_first() {
    let mut mocks = MockPorts::new();
    alices_rooms(&mut mocks);

    let views = list(mocks).await;

    // Group 3's message (+200), group 2's creation (+100), the private room's message (+50).
    let order: Vec<RoomId> = views.iter().map(|v| v.room.id).collect();
    assert_eq!(order, vec![room_id(3), room_id(2), room_id(1)]);
}

#[tokio::test]
async fn unread_and_mention_counts_are_the_store_s_count_above_each_read_marker() {
    let mut mocks = MockPorts::new();
    alices_rooms(&mut mocks);
    mocks.messages.checkpoint();
    mocks
        .messages
        .expect_latest_in_rooms()
        .returning(|_| Ok(HashMap::new()));
    mocks
        .messages
        .expect_unread_counts()
        .withf(|reader, mention, markers| {
            let mut markers = markers.to_vec();
            markers.sort();
            *reader == user_id(1)
                && mention == "@alice"
                && markers
                    == [
                        (room_id(1), Seq(9)),
                        (room_id(2), Seq(0)),
                        (room_id(3), Seq(4)),
                    ]
        })
        .times(1)
        .returning(|_, _, _| {
            Ok(HashMap::from([(
                room_id(1),
                UnreadCount {
                    unread: 2,
                    mentions: 1,
                },
            )]))
        });

    let listed = listings(mocks).await;

    let counts = |room| {
        let listing = listed
            .iter()
            .find(|l| l.view.room.id == room)
            .expect("listed");
        (listing.view.unread_count, listing.mention_count)
    };
    assert_eq!(counts(room_id(1)), (2, 1));
    assert_eq!(counts(room_id(2)), (0, 0));
    assert_eq!(counts(room_id(3)), (0, 0));
}

#[tokio::test]
async fn each_room_shows_its_newest_message() {
    let mut mocks = MockPorts::new();
    alices_rooms(&mut mocks);

    let views = list(mocks).await;

    let last_seq = |room| {
        view_of(&views, room)
            .last_message
            .as_ref()
            .map(|m| m.seq.get())
    };
    assert_eq!(last_seq(room_id(1)), Some(12));
    assert_eq!(last_seq(room_id(2)), None);
    assert_eq!(last_seq(room_id(3)), Some(4));
}

#[tokio::test]
async fn a_private_room_lists_both_members_and_a_group_only_counts_them() {
    let mut mocks = MockPorts::new();
    alices_rooms(&mut mocks);

    let views = list(mocks).await;

    let private = view_of(&views, room_id(1));
    assert_eq!(
        private.members,
        vec![
            UserSummary {
                id: user_id(1),
                username: user(1, "alice").username
            },
            UserSummary {
                id: user_id(2),
                username: user(2, "bob").username
            },
        ]
    );
    assert_eq!(private.member_count, 2);
    let group = view_of(&views, room_id(3));
    assert!(group.members.is_empty());
    assert_eq!(group.member_count, 3);
}

#[tokio::test]
async fn the_newest_messages_of_all_rooms_are_read_in_one_call() {
    let mut mocks = MockPorts::new();
    let rooms = vec![
        UserRoom {
            room: private_room(1),
            membership: membership(room_id(1), user_id(1), 0),
        },
        UserRoom {
            room: group_room(2),
            membership: membership(room_id(2), user_id(1), 0),
        },
    ];
    mocks
        .rooms
        .expect_list_rooms_of_user()
        .return_once(move |_| Ok(rooms));
    mocks
        .rooms
        .expect_list_members()
        .returning(|_| Ok(Vec::new()));
    mocks.rooms.expect_count_members().returning(|_| Ok(0));
    mocks
        .messages
        .expect_latest_in_rooms()
        .withf(|rooms| {
            rooms.len() == 2 && rooms.contains(&room_id(1)) && rooms.contains(&room_id(2))
        })
        .times(1)
        .returning(|_| Ok(HashMap::new()));
    mocks
        .users
        .expect_find_by_id()
        .returning(|_| Ok(Some(user(1, "alice"))));
    mocks
        .messages
        .expect_unread_counts()
        .times(1)
        .returning(|_, _, _| Ok(HashMap::new()));

    assert_eq!(list(mocks).await.len(), 2);
}

#[tokio::test]
async fn a_room_of_a_non_member_is_room_not_found_and_is_not_read() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .with(eq(room_id(3)), eq(user_id(1)))
        .returning(|_, _| Ok(None));
    mocks.rooms.expect_find_room().never();
    mocks.messages.expect_latest_in_rooms().never();
    let pending = PendingSends::new();

    let result = messaging(mocks, &pending)
        .get_room(user_id(1), room_id(3))
        .await;

    assert!(matches!(result, Err(RoomError::RoomNotFound)), "{result:?}");
}

#[tokio::test]
async fn a_single_room_shows_the_member_s_unread_count_and_newest_message() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_find_membership()
        .with(eq(room_id(1)), eq(user_id(1)))
        .returning(|room, user| Ok(Some(membership(room, user, 9))));
    mocks
        .rooms
        .expect_find_room()
        .with(eq(room_id(1)))
        .returning(|_| Ok(Some(private_room(1))));
    mocks.rooms.expect_list_members().returning(|room| {
        Ok(vec![
            member(room, &user(1, "alice")),
            member(room, &user(2, "bob")),
        ])
    });
    mocks
        .messages
        .expect_latest_in_rooms()
        .withf(|rooms| rooms == [room_id(1)])
        .returning(|_| {
            Ok(HashMap::from([(
                room_id(1),
                stored_at(1, room_id(1), user_id(2), 12, at(50)),
            )]))
        });
    mocks
        .users
        .expect_find_by_id()
        .returning(|_| Ok(Some(user(1, "alice"))));
    mocks
        .messages
        .expect_unread_counts()
        .withf(|_, mention, markers| mention == "@alice" && markers == [(room_id(1), Seq(9))])
        .returning(|_, _, _| {
            Ok(HashMap::from([(
                room_id(1),
                UnreadCount {
                    unread: 3,
                    mentions: 0,
                },
            )]))
        });
    let pending = PendingSends::new();

    let listing = messaging(mocks, &pending)
        .get_room(user_id(1), room_id(1))
        .await
        .expect("a member sees it");
    let view = listing.view;

    assert_eq!(view.room, private_room(1));
    assert_eq!(view.unread_count, 3);
    assert_eq!(view.last_message.map(|m| m.seq.get()), Some(12));
    assert_eq!(view.members.len(), 2);
}

#[tokio::test]
async fn room_ids_are_every_room_of_the_user() {
    let mut mocks = MockPorts::new();
    let rooms = vec![
        UserRoom {
            room: private_room(1),
            membership: membership(room_id(1), user_id(1), 0),
        },
        UserRoom {
            room: group_room(2),
            membership: membership(room_id(2), user_id(1), 0),
        },
    ];
    mocks
        .rooms
        .expect_list_rooms_of_user()
        .with(eq(user_id(1)))
        .return_once(move |_| Ok(rooms));
    mocks.messages.expect_latest_in_rooms().never();
    let pending = PendingSends::new();

    let ids = messaging(mocks, &pending)
        .room_ids(user_id(1))
        .await
        .expect("the rooms load");

    assert_eq!(ids, vec![room_id(1), room_id(2)]);
}

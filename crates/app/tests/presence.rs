//! Presence: online on the first connection, offline after a grace period once the last one
//! closed (unless the user came back), and visible only to users who share a room.

mod support;

use std::time::Duration;

use chat_domain::Timestamp;
use chat_ports::{BusEvent, Presence, UserRoom};
use mockall::predicate::eq;
use support::*;

/// Alice (user 1) is in rooms 3 and 4.
fn alices_rooms(mocks: &mut MockPorts) {
    mocks
        .rooms
        .expect_list_rooms_of_user()
        .with(eq(user_id(1)))
        .returning(|user| {
            Ok([3, 4]
                .into_iter()
                .map(|n| UserRoom {
                    room: group_room(n),
                    membership: membership(room_id(n), user, 0),
                })
                .collect())
        });
}

fn alice(online: bool, last_seen: Option<Timestamp>) -> Presence {
    Presence {
        user_id: user_id(1),
        online,
        last_seen,
    }
}

/// Longer than the default grace period of 5 s.
const AFTER_GRACE: Duration = Duration::from_secs(6);

#[tokio::test]
async fn a_first_connection_announces_the_user_online_to_their_rooms() {
    let mut mocks = MockPorts::new();
    mocks
        .presence
        .expect_connected()
        .with(eq(user_id(1)), eq(NOW))
        .times(1)
        .returning(|_, _| Ok(true));
    alices_rooms(&mut mocks);
    let published = record_publishes(&mut mocks.bus);

    presence(mocks)
        .connected(user_id(1))
        .await
        .expect("recorded");

    assert_eq!(
        recorded(&published),
        vec![BusEvent::PresenceChanged {
            user_id: user_id(1),
            online: true,
            last_seen: None,
            rooms: vec![room_id(3), room_id(4)],
        }]
    );
}

#[tokio::test]
async fn a_further_connection_announces_nothing() {
    let mut mocks = MockPorts::new();
    mocks
        .presence
        .expect_connected()
        .returning(|_, _| Ok(false));
    mocks.bus.expect_publish().never();

    presence(mocks)
        .connected(user_id(1))
        .await
        .expect("recorded");
}

#[tokio::test(start_paused = true)]
async fn the_last_disconnect_announces_offline_with_last_seen_after_the_grace_period() {
    let mut mocks = MockPorts::new();
    mocks
        .presence
        .expect_disconnected()
        .with(eq(user_id(1)), eq(NOW))
        .returning(|_, _| Ok(true));
    mocks
        .presence
        .expect_presence()
        .withf(|users| users == [user_id(1)])
        .returning(|_| Ok(vec![alice(false, Some(NOW))]));
    alices_rooms(&mut mocks);
    let published = record_publishes(&mut mocks.bus);
    let service = presence(mocks);

    service.disconnected(user_id(1)).await.expect("recorded");
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        recorded(&published).is_empty(),
        "still within the grace period"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;

    assert_eq!(
        recorded(&published),
        vec![BusEvent::PresenceChanged {
            user_id: user_id(1),
            online: false,
            last_seen: Some(NOW),
            rooms: vec![room_id(3), room_id(4)],
        }]
    );
}

#[tokio::test(start_paused = true)]
async fn a_reconnect_within_the_grace_period_announces_nothing_at_all() {
    let mut mocks = MockPorts::new();
    mocks
        .presence
        .expect_disconnected()
        .returning(|_, _| Ok(true));
    mocks.presence.expect_connected().returning(|_, _| Ok(true));
    mocks.presence.expect_presence().never();
    mocks.bus.expect_publish().never();
    let service = presence(mocks);

    service.disconnected(user_id(1)).await.expect("recorded");
    tokio::time::sleep(Duration::from_secs(1)).await;
    service.connected(user_id(1)).await.expect("recorded");
    tokio::time::sleep(AFTER_GRACE).await;
}

#[tokio::test(start_paused = true)]
async fn a_user_back_online_on_another_node_is_not_announced_offline() {
    let mut mocks = MockPorts::new();
    mocks
        .presence
        .expect_disconnected()
        .returning(|_, _| Ok(true));
    mocks
        .presence
        .expect_presence()
        .times(1)
        .returning(|_| Ok(vec![alice(true, None)]));
    mocks.bus.expect_publish().never();
    let service = presence(mocks);

    service.disconnected(user_id(1)).await.expect("recorded");
    tokio::time::sleep(AFTER_GRACE).await;
}

#[tokio::test]
async fn presence_is_shown_only_for_users_sharing_a_room_with_the_caller() {
    let mut mocks = MockPorts::new();
    mocks
        .rooms
        .expect_share_a_room()
        .returning(|_, other| Ok(other == user_id(2)));
    mocks
        .presence
        .expect_presence()
        .withf(|users| users == [user_id(2), user_id(1)])
        .times(1)
        .returning(|users| {
            Ok(users
                .iter()
                .map(|u| Presence {
                    user_id: *u,
                    online: true,
                    last_seen: None,
                })
                .collect())
        });

    let shown = presence(mocks)
        .presence_of(
            user_id(1),
            &[user_id(2), user_id(3), user_id(1), user_id(2)],
        )
        .await
        .expect("presence loads");

    let users: Vec<_> = shown.iter().map(|p| p.user_id).collect();
    assert_eq!(users, vec![user_id(2), user_id(1)]);
}

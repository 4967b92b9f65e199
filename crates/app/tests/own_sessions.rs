//! A user's own logins: listing them, ending one (only their own), ending all.

mod support;

use chat_app::auth::{AuthService, SessionError};
use chat_ports::{BusEvent, Session};
use mockall::predicate::eq;
use support::*;

fn revoked(session: Session) -> Session {
    Session {
        revoked_at: Some(NOW),
        ..session
    }
}

#[tokio::test]
async fn listing_gives_the_active_sessions_of_the_caller() {
    let mut mocks = MockPorts::new();
    let mine = vec![session(2, user_id(1)), session(1, user_id(1))];
    let answer = mine.clone();
    mocks
        .sessions
        .expect_list_active()
        .with(eq(user_id(1)))
        .times(1)
        .return_once(move |_| Ok(answer));

    let listed = AuthService::new(mocks.build())
        .list_sessions(user_id(1))
        .await
        .expect("listed");

    assert_eq!(listed, mine);
}

#[tokio::test]
async fn revoking_an_own_session_revokes_it_and_closes_its_connections() {
    let mut mocks = MockPorts::new();
    mocks
        .sessions
        .expect_find()
        .with(eq(session_id(2)))
        .returning(|_| Ok(Some(session(2, user_id(1)))));
    mocks
        .sessions
        .expect_revoke()
        .with(eq(session_id(2)), eq(NOW))
        .times(1)
        .returning(|_, _| Ok(Some(revoked(session(2, user_id(1))))));
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::SessionRevoked {
            session_id: session_id(2),
        }))
        .times(1)
        .returning(|_| Ok(()));

    let result = AuthService::new(mocks.build())
        .revoke_session(user_id(1), session_id(2))
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn another_users_unknown_or_ended_session_is_not_found_and_nothing_is_revoked() {
    for found in [
        Some(session(2, user_id(9))),
        None,
        Some(revoked(session(2, user_id(1)))),
    ] {
        let mut mocks = MockPorts::new();
        let answer = found.clone();
        mocks
            .sessions
            .expect_find()
            .return_once(move |_| Ok(answer));
        mocks.sessions.expect_revoke().never();
        mocks.bus.expect_publish().never();

        let result = AuthService::new(mocks.build())
            .revoke_session(user_id(1), session_id(2))
            .await;

        assert!(
            matches!(result, Err(SessionError::NotFound)),
            "{found:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn logout_all_revokes_every_session_and_disconnects_the_user_everywhere() {
    let mut mocks = MockPorts::new();
    mocks
        .sessions
        .expect_revoke_all()
        .with(eq(user_id(1)), eq(NOW))
        .times(1)
        .returning(|_, _| {
            Ok(vec![
                revoked(session(1, user_id(1))),
                revoked(session(2, user_id(1))),
            ])
        });
    for n in [1, 2] {
        mocks
            .bus
            .expect_publish()
            .with(eq(BusEvent::SessionRevoked {
                session_id: session_id(n),
            }))
            .times(1)
            .returning(|_| Ok(()));
    }
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::UserDisconnected {
            user_id: user_id(1),
        }))
        .times(1)
        .returning(|_| Ok(()));

    let auth = AuthService::new(mocks.build());
    let ended = auth.logout_all(user_id(1)).await.expect("logged out");

    assert_eq!(ended, 2);
    assert!(auth.revoked().contains(session_id(1)) && auth.revoked().contains(session_id(2)));
}

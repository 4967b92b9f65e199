//! Refresh-token rotation, reuse detection, logout, and access-token checks.

mod support;

use chat_app::auth::{AuthError, AuthService, LogoutError, RefreshError};
use chat_ports::{AccessClaims, BusEvent, IssuedAccessToken, RotateOutcome, Session, TokenError};
use mockall::predicate::eq;
use support::*;

/// `old` is stored as `old-hash`; the next token is `new`, stored as `new-hash`.
fn refresh_tokens(mocks: &mut MockPorts) {
    mocks
        .tokens
        .expect_new_refresh_token()
        .returning(|| "new".to_owned());
    mocks
        .tokens
        .expect_hash_refresh_token()
        .returning(|token| format!("{token}-hash"));
}

fn revoked(session: Session) -> Session {
    Session {
        revoked_at: Some(NOW),
        ..session
    }
}

fn claims() -> AccessClaims {
    AccessClaims {
        user_id: user_id(1),
        session_id: session_id(1),
    }
}

/// `good-jwt` is a valid access token of Alice's session 1; anything else is not.
fn access_tokens(mocks: &mut MockPorts) {
    mocks.tokens.expect_verify_access().returning(|token| {
        if token == "good-jwt" {
            Ok(claims())
        } else {
            Err(TokenError::Invalid)
        }
    });
}

#[tokio::test]
async fn a_current_refresh_token_rotates_into_a_new_pair() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_rotate()
        .withf(|presented, next, now| presented == "old-hash" && next == "new-hash" && *now == NOW)
        .times(1)
        .returning(|_, _, _| Ok(RotateOutcome::Rotated(session(1, user_id(1)))));
    mocks
        .users
        .expect_find_locked_at()
        .with(eq(user_id(1)))
        .returning(|_| Ok(None));
    mocks
        .users
        .expect_find_by_id()
        .with(eq(user_id(1)))
        .returning(|_| Ok(Some(user(1, "alice"))));
    mocks
        .tokens
        .expect_issue_access()
        .with(eq(user_id(1)), eq(session_id(1)))
        .times(1)
        .returning(|_, _| {
            Ok(IssuedAccessToken {
                token: "access-2".to_owned(),
                expires_in: 900,
            })
        });
    mocks.bus.expect_publish().never();

    let pair = AuthService::new(mocks.build())
        .refresh("old")
        .await
        .expect("rotated");

    assert_eq!(pair.refresh_token, "new");
    assert_eq!(pair.access.token, "access-2");
    assert_eq!(pair.user, user(1, "alice"));
}

#[tokio::test]
async fn a_reused_refresh_token_is_refused_and_the_revocation_is_announced() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_rotate()
        .returning(|_, _, _| Ok(RotateOutcome::Reused(revoked(session(1, user_id(1))))));
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::SessionRevoked {
            session_id: session_id(1),
        }))
        .times(1)
        .returning(|_| Ok(()));
    mocks.tokens.expect_issue_access().never();

    let result = AuthService::new(mocks.build()).refresh("old").await;

    assert!(
        matches!(result, Err(RefreshError::InvalidToken)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_reused_refresh_token_is_refused_even_when_the_bus_is_down() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_rotate()
        .returning(|_, _, _| Ok(RotateOutcome::Reused(revoked(session(1, user_id(1))))));
    mocks
        .bus
        .expect_publish()
        .times(1)
        .returning(|_| Err(bus_down()));

    let result = AuthService::new(mocks.build()).refresh("old").await;

    assert!(
        matches!(result, Err(RefreshError::InvalidToken)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_refresh_token_is_refused_without_announcing_anything() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_rotate()
        .returning(|_, _, _| Ok(RotateOutcome::Unknown));
    mocks.bus.expect_publish().never();
    mocks.tokens.expect_issue_access().never();

    let result = AuthService::new(mocks.build()).refresh("forged").await;

    assert!(
        matches!(result, Err(RefreshError::InvalidToken)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_token_of_an_already_revoked_session_is_refused_without_announcing_again() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_rotate()
        .returning(|_, _, _| Ok(RotateOutcome::Revoked(revoked(session(1, user_id(1))))));
    mocks.bus.expect_publish().never();
    mocks.tokens.expect_issue_access().never();

    let result = AuthService::new(mocks.build()).refresh("old").await;

    assert!(
        matches!(result, Err(RefreshError::InvalidToken)),
        "{result:?}"
    );
}

#[tokio::test]
async fn logout_revokes_the_session_of_the_token_and_announces_it() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_revoke_by_token()
        .withf(|hash, now| hash == "current-hash" && *now == NOW)
        .times(1)
        .returning(|_, _| Ok(Some(revoked(session(1, user_id(1))))));
    mocks
        .bus
        .expect_publish()
        .with(eq(BusEvent::SessionRevoked {
            session_id: session_id(1),
        }))
        .times(1)
        .returning(|_| Ok(()));

    let result = AuthService::new(mocks.build()).logout("current").await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn after_logout_the_session_s_access_tokens_are_refused_at_once_without_a_lookup() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    access_tokens(&mut mocks);
    mocks
        .sessions
        .expect_revoke_by_token()
        .returning(|_, _| Ok(Some(revoked(session(1, user_id(1))))));
    mocks.bus.expect_publish().returning(|_| Ok(()));
    mocks.sessions.expect_find().never();
    let service = AuthService::new(mocks.build());
    assert!(service.authenticate("good-jwt").is_ok());

    service.logout("current").await.expect("logged out");

    assert!(matches!(
        service.authenticate("good-jwt"),
        Err(AuthError::Unauthenticated)
    ));
}

#[tokio::test]
async fn a_revocation_heard_from_another_node_or_read_from_the_store_is_refused() {
    let mut mocks = MockPorts::new();
    access_tokens(&mut mocks);
    mocks
        .sessions
        .expect_revoked_since()
        .returning(|_, _| Ok(vec![(session_id(1), NOW)]));
    let (heard, read) = (AuthService::new(mocks.build()), {
        let mut mocks = MockPorts::new();
        access_tokens(&mut mocks);
        mocks
            .sessions
            .expect_revoked_since()
            .returning(|_, _| Ok(vec![(session_id(1), NOW)]));
        AuthService::new(mocks.build())
    });

    heard.revoked().insert_now(session_id(1));
    assert_eq!(read.refresh_revoked().await.expect("read"), 1);

    for service in [heard, read] {
        assert!(matches!(
            service.authenticate("good-jwt"),
            Err(AuthError::Unauthenticated)
        ));
    }
}

#[tokio::test]
async fn logout_with_a_token_no_session_issued_is_invalid_and_announces_nothing() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_revoke_by_token()
        .returning(|_, _| Ok(None));
    mocks.bus.expect_publish().never();

    let result = AuthService::new(mocks.build()).logout("forged").await;

    assert!(
        matches!(result, Err(LogoutError::InvalidToken)),
        "{result:?}"
    );
}

#[tokio::test]
async fn logout_succeeds_once_the_revocation_is_stored_even_if_the_bus_is_down() {
    let mut mocks = MockPorts::new();
    refresh_tokens(&mut mocks);
    mocks
        .sessions
        .expect_revoke_by_token()
        .returning(|_, _| Ok(Some(revoked(session(1, user_id(1))))));
    mocks
        .bus
        .expect_publish()
        .times(1)
        .returning(|_| Err(bus_down()));

    let result = AuthService::new(mocks.build()).logout("current").await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn authenticate_checks_the_signature_and_no_store() {
    let mut mocks = MockPorts::new();
    access_tokens(&mut mocks);
    mocks.sessions.expect_find().never();
    let service = AuthService::new(mocks.build());

    assert_eq!(service.authenticate("good-jwt").ok(), Some(claims()));
    assert!(matches!(
        service.authenticate("forged-jwt"),
        Err(AuthError::Unauthenticated)
    ));
}

#[tokio::test]
async fn authenticate_live_accepts_a_token_of_an_active_session() {
    let mut mocks = MockPorts::new();
    access_tokens(&mut mocks);
    mocks
        .sessions
        .expect_find()
        .with(eq(session_id(1)))
        .times(1)
        .returning(|_| Ok(Some(session(1, user_id(1)))));
    mocks
        .users
        .expect_find_locked_at()
        .with(eq(user_id(1)))
        .times(1)
        .returning(|_| Ok(None));

    let result = AuthService::new(mocks.build())
        .authenticate_live("good-jwt")
        .await;

    assert_eq!(result.ok(), Some(claims()));
}

#[tokio::test]
async fn authenticate_live_refuses_a_token_of_a_revoked_session() {
    let mut mocks = MockPorts::new();
    access_tokens(&mut mocks);
    mocks
        .sessions
        .expect_find()
        .returning(|_| Ok(Some(revoked(session(1, user_id(1))))));

    let result = AuthService::new(mocks.build())
        .authenticate_live("good-jwt")
        .await;

    assert!(
        matches!(result, Err(AuthError::Unauthenticated)),
        "{result:?}"
    );
}

#[tokio::test]
async fn authenticate_live_refuses_a_session_that_is_gone_or_someone_else_s() {
    for found in [None, Some(session(1, user_id(2)))] {
        let mut mocks = MockPorts::new();
        access_tokens(&mut mocks);
        let answer = found.clone();
        mocks
            .sessions
            .expect_find()
            .return_once(move |_| Ok(answer));

        let result = AuthService::new(mocks.build())
            .authenticate_live("good-jwt")
            .await;

        assert!(
            matches!(result, Err(AuthError::Unauthenticated)),
            "{found:?}: {result:?}"
        );
    }
}

#[tokio::test]
async fn authenticate_live_refuses_a_bad_token_without_a_lookup() {
    let mut mocks = MockPorts::new();
    access_tokens(&mut mocks);
    mocks.sessions.expect_find().never();

    let result = AuthService::new(mocks.build())
        .authenticate_live("forged-jwt")
        .await;

    assert!(
        matches!(result, Err(AuthError::Unauthenticated)),
        "{result:?}"
    );
}

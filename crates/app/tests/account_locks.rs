//! Locked accounts: login says `AccountLocked` whatever the password (after the same bcrypt
//! work as any attempt), refresh and WebSocket checks refuse them; and a login keeps the
//! device it was given.

mod support;

use chat_app::auth::{AuthError, AuthService, LoginError, RefreshError};
use chat_domain::DeviceName;
use chat_ports::{
    AccessClaims, BusEvent, IssuedAccessToken, PasswordHash, RotateOutcome, UserCredentials,
};
use mockall::predicate::eq;
use support::*;

const PASSWORD: &str = "correct horse battery";

/// Alice exists; locked at [`NOW`] when `locked`.
fn alice_exists(mocks: &mut MockPorts, locked: bool) {
    mocks.users.expect_find_credentials().returning(move |_| {
        Ok(Some(UserCredentials {
            user: user(1, "alice"),
            password_hash: PasswordHash("$2b$04$alice".to_owned()),
            locked_at: locked.then_some(NOW),
        }))
    });
}

/// The password is checked exactly once, like for any other attempt.
fn hasher_checks_once(mocks: &mut MockPorts) {
    mocks
        .hasher
        .expect_verify()
        .times(1)
        .returning(|password, _| Ok(password.expose() == PASSWORD));
}

#[tokio::test]
async fn a_locked_account_cannot_log_in_with_the_right_password() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks, true);
    hasher_checks_once(&mut mocks);
    mocks.sessions.expect_create().never();
    mocks.tokens.expect_issue_access().never();

    let result = AuthService::new(mocks.build())
        .login("alice", PASSWORD.to_owned(), None)
        .await;

    assert!(
        matches!(result, Err(LoginError::AccountLocked)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_locked_account_gives_the_same_answer_for_a_wrong_password() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks, true);
    hasher_checks_once(&mut mocks);
    mocks.sessions.expect_create().never();

    let result = AuthService::new(mocks.build())
        .login("alice", "not the password".to_owned(), None)
        .await;

    assert!(
        matches!(result, Err(LoginError::AccountLocked)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_login_stores_the_device_it_was_given() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks, false);
    hasher_checks_once(&mut mocks);
    mocks
        .tokens
        .expect_new_refresh_token()
        .returning(|| "refresh".to_owned());
    mocks
        .tokens
        .expect_hash_refresh_token()
        .returning(|_| "refresh-hash".to_owned());
    mocks.tokens.expect_issue_access().returning(|_, _| {
        Ok(IssuedAccessToken {
            token: "jwt".to_owned(),
            expires_in: 900,
        })
    });
    mocks
        .sessions
        .expect_create()
        .withf(|session, _| session.device.as_ref().map(DeviceName::as_str) == Some("phone"))
        .times(1)
        .returning(|_, _| Ok(()));
    let device = DeviceName::parse("phone").expect("a device name");

    let result = AuthService::new(mocks.build())
        .login("alice", PASSWORD.to_owned(), Some(device))
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn refreshing_a_session_of_a_locked_account_revokes_it_and_issues_nothing() {
    let mut mocks = MockPorts::new();
    mocks
        .tokens
        .expect_new_refresh_token()
        .returning(|| "new".to_owned());
    mocks
        .tokens
        .expect_hash_refresh_token()
        .returning(|token| format!("{token}-hash"));
    mocks
        .sessions
        .expect_rotate()
        .returning(|_, _, _| Ok(RotateOutcome::Rotated(session(1, user_id(1)))));
    mocks
        .users
        .expect_find_locked_at()
        .with(eq(user_id(1)))
        .returning(|_| Ok(Some(NOW)));
    mocks
        .sessions
        .expect_revoke()
        .with(eq(session_id(1)), eq(NOW))
        .times(1)
        .returning(|_, _| Ok(Some(session(1, user_id(1)))));
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
        matches!(result, Err(RefreshError::AccountLocked)),
        "{result:?}"
    );
}

#[tokio::test]
async fn authenticate_live_refuses_a_locked_account() {
    let mut mocks = MockPorts::new();
    mocks.tokens.expect_verify_access().returning(|_| {
        Ok(AccessClaims {
            user_id: user_id(1),
            session_id: session_id(1),
        })
    });
    mocks
        .sessions
        .expect_find()
        .returning(|_| Ok(Some(session(1, user_id(1)))));
    mocks
        .users
        .expect_find_locked_at()
        .with(eq(user_id(1)))
        .returning(|_| Ok(Some(NOW)));

    let result = AuthService::new(mocks.build())
        .authenticate_live("jwt")
        .await;

    assert!(
        matches!(result, Err(AuthError::Unauthenticated)),
        "{result:?}"
    );
}

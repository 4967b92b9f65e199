//! Logging in: one error for an unknown user and a wrong password, at the same bcrypt cost, and
//! a session that keeps only the hash of its refresh token.

mod support;

use chat_app::auth::{AuthService, LoginError};
use chat_domain::SessionId;
use chat_ports::{IssuedAccessToken, PasswordHash, UserCredentials};
use mockall::predicate::eq;
use support::*;

const PASSWORD: &str = "correct horse battery";

fn alices_hash() -> PasswordHash {
    PasswordHash("$2b$04$alice".to_owned())
}

fn decoy_hash() -> PasswordHash {
    PasswordHash("$2b$04$decoy".to_owned())
}

/// Alice exists with [`alices_hash`].
fn alice_exists(mocks: &mut MockPorts) {
    mocks
        .users
        .expect_find_credentials()
        .withf(|name| name.as_str() == "alice")
        .returning(|_| {
            Ok(Some(UserCredentials {
                user: user(1, "alice"),
                password_hash: alices_hash(),
                locked_at: None,
            }))
        });
}

/// Nobody is called anything.
fn nobody_exists(mocks: &mut MockPorts) {
    mocks
        .users
        .expect_find_credentials()
        .returning(|_| Ok(None));
}

/// The hasher says whether the password is [`PASSWORD`] and `hash` is Alice's.
fn hasher_checks_alice(mocks: &mut MockPorts) {
    mocks
        .hasher
        .expect_verify()
        .withf(|_, hash| *hash == alices_hash())
        .times(1)
        .returning(|password, _| Ok(password.expose() == PASSWORD));
}

/// The signer makes `refresh-plain` (stored as `refresh-hashed`) and `access-jwt`.
fn tokens_issue(mocks: &mut MockPorts) {
    mocks
        .tokens
        .expect_new_refresh_token()
        .returning(|| "refresh-plain".to_owned());
    mocks
        .tokens
        .expect_hash_refresh_token()
        .withf(|token| token == "refresh-plain")
        .returning(|_| "refresh-hashed".to_owned());
    mocks.tokens.expect_issue_access().returning(|_, _| {
        Ok(IssuedAccessToken {
            token: "access-jwt".to_owned(),
            expires_in: 900,
        })
    });
}

/// No session is opened and no token issued.
fn no_session(mocks: &mut MockPorts) {
    mocks.sessions.expect_create().never();
    mocks.tokens.expect_issue_access().never();
}

#[tokio::test]
async fn login_with_the_right_password_returns_a_token_pair_for_the_user() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks);
    hasher_checks_alice(&mut mocks);
    tokens_issue(&mut mocks);
    mocks
        .sessions
        .expect_create()
        .times(1)
        .returning(|_, _| Ok(()));

    let pair = AuthService::new(mocks.build())
        .login("alice", PASSWORD.to_owned(), None)
        .await
        .expect("logged in");

    assert_eq!(pair.user, user(1, "alice"));
    assert_eq!(pair.access.token, "access-jwt");
    assert_eq!(pair.refresh_token, "refresh-plain");
}

#[tokio::test]
async fn login_stores_the_hash_of_the_refresh_token_never_the_token() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks);
    hasher_checks_alice(&mut mocks);
    tokens_issue(&mut mocks);
    mocks
        .sessions
        .expect_create()
        .withf(|_, token_hash| token_hash == "refresh-hashed")
        .times(1)
        .returning(|_, _| Ok(()));

    let pair = AuthService::new(mocks.build())
        .login("alice", PASSWORD.to_owned(), None)
        .await
        .expect("logged in");

    assert_eq!(
        pair.refresh_token, "refresh-plain",
        "the client gets the token itself"
    );
}

#[tokio::test]
async fn the_access_token_is_signed_for_the_new_session_of_the_user() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks);
    hasher_checks_alice(&mut mocks);
    mocks
        .tokens
        .expect_new_refresh_token()
        .returning(|| "refresh-plain".to_owned());
    mocks
        .tokens
        .expect_hash_refresh_token()
        .returning(|_| "refresh-hashed".to_owned());
    let session = SessionId::from_uuid(generated_id(1));
    mocks
        .sessions
        .expect_create()
        .withf(move |s, _| {
            s.id == session
                && s.user_id == user_id(1)
                && s.created_at == NOW
                && s.revoked_at.is_none()
        })
        .times(1)
        .returning(|_, _| Ok(()));
    mocks
        .tokens
        .expect_issue_access()
        .with(eq(user_id(1)), eq(session))
        .times(1)
        .returning(|_, _| {
            Ok(IssuedAccessToken {
                token: "access-jwt".to_owned(),
                expires_in: 900,
            })
        });

    let result = AuthService::new(mocks.build())
        .login("alice", PASSWORD.to_owned(), None)
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn login_looks_the_user_up_by_the_lowercased_username() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks);
    hasher_checks_alice(&mut mocks);
    tokens_issue(&mut mocks);
    mocks.sessions.expect_create().returning(|_, _| Ok(()));

    let pair = AuthService::new(mocks.build())
        .login("ALICE", PASSWORD.to_owned(), None)
        .await
        .expect("logged in");

    assert_eq!(pair.user.username.as_str(), "alice");
}

#[tokio::test]
async fn a_wrong_password_is_invalid_credentials_and_opens_no_session() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks);
    hasher_checks_alice(&mut mocks);
    mocks.hasher.expect_hash().never();
    no_session(&mut mocks);

    let result = AuthService::new(mocks.build())
        .login("alice", "wrong password".to_owned(), None)
        .await;

    assert!(
        matches!(result, Err(LoginError::InvalidCredentials)),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_unknown_user_still_costs_one_bcrypt_verification() {
    let mut mocks = MockPorts::new();
    nobody_exists(&mut mocks);
    mocks
        .hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(decoy_hash()));
    mocks
        .hasher
        .expect_verify()
        .withf(|password, hash| password.expose() == PASSWORD && *hash == decoy_hash())
        .times(1)
        // Whatever the decoy check says, an unknown user never logs in.
        .returning(|_, _| Ok(true));
    no_session(&mut mocks);

    let result = AuthService::new(mocks.build())
        .login("mallory", PASSWORD.to_owned(), None)
        .await;

    assert!(
        matches!(result, Err(LoginError::InvalidCredentials)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_decoy_hash_is_made_once_and_reused_for_every_unknown_user() {
    let mut mocks = MockPorts::new();
    nobody_exists(&mut mocks);
    mocks
        .hasher
        .expect_hash()
        .times(1)
        .returning(|_| Ok(decoy_hash()));
    mocks
        .hasher
        .expect_verify()
        .times(3)
        .returning(|_, _| Ok(false));
    no_session(&mut mocks);
    let service = AuthService::new(mocks.build());

    for name in ["mallory", "trudy", "eve"] {
        let result = service.login(name, PASSWORD.to_owned(), None).await;
        assert!(
            matches!(result, Err(LoginError::InvalidCredentials)),
            "{name}: {result:?}"
        );
    }
}

#[tokio::test]
async fn an_invalid_username_spends_a_verification_without_a_lookup() {
    let mut mocks = MockPorts::new();
    mocks.users.expect_find_credentials().never();
    mocks.hasher.expect_hash().returning(|_| Ok(decoy_hash()));
    mocks
        .hasher
        .expect_verify()
        .times(1)
        .returning(|_, _| Ok(false));
    no_session(&mut mocks);

    let result = AuthService::new(mocks.build())
        .login("no spaces allowed", PASSWORD.to_owned(), None)
        .await;

    assert!(
        matches!(result, Err(LoginError::InvalidCredentials)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_password_longer_than_bcrypt_reads_never_matches_the_real_hash() {
    let mut mocks = MockPorts::new();
    alice_exists(&mut mocks);
    mocks.hasher.expect_hash().returning(|_| Ok(decoy_hash()));
    // bcrypt would compare only the first 72 bytes: the real hash must not even be checked.
    mocks
        .hasher
        .expect_verify()
        .withf(|_, hash| *hash == alices_hash())
        .never();
    mocks
        .hasher
        .expect_verify()
        .withf(|_, hash| *hash == decoy_hash())
        .times(1)
        .returning(|_, _| Ok(false));
    no_session(&mut mocks);

    let longer = format!("{PASSWORD}{}", "x".repeat(72 - PASSWORD.len() + 1));
    let result = AuthService::new(mocks.build())
        .login("alice", longer, None)
        .await;

    assert!(
        matches!(result, Err(LoginError::InvalidCredentials)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_failing_user_store_is_unavailable_not_invalid_credentials() {
    let mut mocks = MockPorts::new();
    mocks
        .users
        .expect_find_credentials()
        .returning(|_| Err(store_down()));
    no_session(&mut mocks);

    let result = AuthService::new(mocks.build())
        .login("alice", PASSWORD.to_owned(), None)
        .await;

    assert!(
        matches!(result, Err(LoginError::Unavailable(_))),
        "{result:?}"
    );
}

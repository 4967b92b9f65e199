//! Registering an account.

mod support;

use chat_app::auth::{AuthService, RegisterError};
use chat_domain::{PasswordError, UserId, UsernameError};
use chat_ports::{PasswordHash, StoreError, TokenError};
use support::*;

const PASSWORD: &str = "correct horse battery";

fn hashed() -> PasswordHash {
    PasswordHash("$2b$04$hashed-correct-horse".to_owned())
}

/// The hasher hashes [`PASSWORD`] into [`hashed`].
fn hasher_hashes(mocks: &mut MockPorts) {
    mocks
        .hasher
        .expect_hash()
        .withf(|password| password.expose() == PASSWORD)
        .times(1)
        .returning(|_| Ok(hashed()));
}

#[tokio::test]
async fn registering_stores_the_username_lowercased() {
    let mut mocks = MockPorts::new();
    hasher_hashes(&mut mocks);
    mocks
        .users
        .expect_insert()
        .withf(|new| new.user.username.as_str() == "alice")
        .times(1)
        .returning(|_| Ok(()));

    let user = AuthService::new(mocks.build())
        .register("Alice", PASSWORD.to_owned())
        .await
        .expect("registered");

    assert_eq!(user.username.as_str(), "alice");
}

#[tokio::test]
async fn registering_stores_the_hash_of_the_password_never_the_password() {
    let mut mocks = MockPorts::new();
    hasher_hashes(&mut mocks);
    mocks
        .users
        .expect_insert()
        .withf(|new| new.password_hash == hashed() && !new.password_hash.0.contains(PASSWORD))
        .times(1)
        .returning(|_| Ok(()));

    let result = AuthService::new(mocks.build())
        .register("alice", PASSWORD.to_owned())
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_new_account_gets_a_fresh_id_and_the_current_time() {
    let mut mocks = MockPorts::new();
    mocks.hasher.expect_hash().returning(|_| Ok(hashed()));
    let expected_id = UserId::from_uuid(generated_id(1));
    mocks
        .users
        .expect_insert()
        .withf(move |new| new.user.id == expected_id && new.user.created_at == NOW)
        .times(1)
        .returning(|_| Ok(()));

    let user = AuthService::new(mocks.build())
        .register("alice", PASSWORD.to_owned())
        .await
        .expect("registered");

    assert_eq!(user.id, expected_id);
    assert_eq!(user.created_at, NOW);
}

#[tokio::test]
async fn a_taken_username_is_refused_as_username_taken() {
    let mut mocks = MockPorts::new();
    mocks.hasher.expect_hash().returning(|_| Ok(hashed()));
    mocks
        .users
        .expect_insert()
        .times(1)
        .returning(|_| Err(StoreError::Conflict("username".to_owned())));

    let result = AuthService::new(mocks.build())
        .register("Alice", PASSWORD.to_owned())
        .await;

    assert!(
        matches!(result, Err(RegisterError::UsernameTaken)),
        "{result:?}"
    );
}

#[tokio::test]
async fn a_failing_user_store_is_unavailable_not_username_taken() {
    let mut mocks = MockPorts::new();
    mocks.hasher.expect_hash().returning(|_| Ok(hashed()));
    mocks.users.expect_insert().returning(|_| Err(store_down()));

    let result = AuthService::new(mocks.build())
        .register("alice", PASSWORD.to_owned())
        .await;

    assert!(
        matches!(result, Err(RegisterError::Unavailable(_))),
        "{result:?}"
    );
}

#[tokio::test]
async fn an_invalid_username_is_refused_before_hashing_or_storing() {
    let mut mocks = MockPorts::new();
    mocks.hasher.expect_hash().never();
    mocks.users.expect_insert().never();
    let service = AuthService::new(mocks.build());

    let too_short = service.register("al", PASSWORD.to_owned()).await;
    let bad_characters = service.register("al ice", PASSWORD.to_owned()).await;

    assert!(
        matches!(
            too_short,
            Err(RegisterError::InvalidUsername(UsernameError::Length))
        ),
        "{too_short:?}"
    );
    assert!(
        matches!(
            bad_characters,
            Err(RegisterError::InvalidUsername(UsernameError::Characters))
        ),
        "{bad_characters:?}"
    );
}

#[tokio::test]
async fn a_password_outside_8_to_72_bytes_is_refused_before_hashing_or_storing() {
    let mut mocks = MockPorts::new();
    mocks.hasher.expect_hash().never();
    mocks.users.expect_insert().never();
    let service = AuthService::new(mocks.build());

    let too_short = service.register("alice", "1234567".to_owned()).await;
    // bcrypt reads 72 bytes: a longer password is refused, never silently cut.
    let too_long = service.register("alice", "x".repeat(73)).await;

    assert!(
        matches!(
            too_short,
            Err(RegisterError::InvalidPassword(PasswordError::TooShort))
        ),
        "{too_short:?}"
    );
    assert!(
        matches!(
            too_long,
            Err(RegisterError::InvalidPassword(PasswordError::TooLong))
        ),
        "{too_long:?}"
    );
}

#[tokio::test]
async fn a_failing_hasher_is_unavailable_and_stores_nothing() {
    let mut mocks = MockPorts::new();
    mocks
        .hasher
        .expect_hash()
        .returning(|_| Err(TokenError::Internal("no entropy".to_owned())));
    mocks.users.expect_insert().never();

    let result = AuthService::new(mocks.build())
        .register("alice", PASSWORD.to_owned())
        .await;

    assert!(
        matches!(result, Err(RegisterError::Unavailable(_))),
        "{result:?}"
    );
}

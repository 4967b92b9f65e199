//! The contract of the [`SessionStore`](chat_ports::SessionStore) port: rotating refresh tokens
//! are single-use, a replayed token revokes the whole login, and concurrent rotations of one
//! token rotate once; in [`revocation`], logout by token and pruning; in [`listing`], a user's
//! active sessions with their devices, revoking one by id and revoking all of a user's.
//!
//! An adapter's test runs it with a factory that yields a fresh, empty [`SessionStores`] (a
//! user store and the session store over one database):
//!
//! ```text
//! chat_contract::sessions::run_all(|| async { let db = fresh().await; SessionStores { users: db.users(), sessions: db.sessions() } }).await;
//! ```

use std::future::Future;
use std::sync::Arc;

use chat_domain::SessionId;
use chat_ports::{RotateOutcome, Session};

use crate::fixtures::{at, register_unique, session, token_hash, SessionStores};

pub mod listing;
pub mod revocation;

/// Concurrent rotations of one token in the race check.
const RACERS: usize = 8;

/// Runs every check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SessionStores>,
{
    a_created_session_is_found_and_active(make().await).await;
    rotating_the_current_token_spends_it_and_makes_the_next_one_current(make().await).await;
    a_replayed_token_revokes_the_session_and_then_every_token_is_revoked(make().await).await;
    a_token_no_session_issued_is_unknown(make().await).await;
    concurrent_rotations_of_one_token_rotate_exactly_once(make().await).await;
    revocation::run_all(&make).await;
    listing::run_all(&make).await;
}

/// Registers a user and creates a session for them whose current token is returned with it.
pub(crate) async fn log_in(stores: &SessionStores, offset_ms: i64) -> (Session, String) {
    let user = register_unique(stores.users.as_ref(), "s").await;
    let login = session(user.id, at(offset_ms));
    let token = token_hash();
    stores
        .sessions
        .create(&login, &token)
        .await
        .expect("create");
    (login, token)
}

/// A new session can be read back, and it is active.
pub async fn a_created_session_is_found_and_active(stores: SessionStores) {
    let (login, _) = log_in(&stores, 0).await;
    let found = stores.sessions.find(login.id).await.expect("find");
    assert_eq!(found, Some(login.clone()));
    assert!(login.is_active());
    assert_eq!(
        stores
            .sessions
            .find(SessionId::new_v7())
            .await
            .expect("find"),
        None
    );
}

/// Each rotation spends the presented token, bumps `last_used_at`, and the next token rotates.
pub async fn rotating_the_current_token_spends_it_and_makes_the_next_one_current(
    stores: SessionStores,
) {
    let (login, first) = log_in(&stores, 0).await;
    let second = token_hash();
    let third = token_hash();

    let outcome = stores
        .sessions
        .rotate(&first, &second, at(100))
        .await
        .expect("rotate");
    let expected = Session {
        last_used_at: at(100),
        ..login.clone()
    };
    assert_eq!(outcome, RotateOutcome::Rotated(expected.clone()));
    assert_eq!(
        stores.sessions.find(login.id).await.expect("find"),
        Some(expected)
    );

    let outcome = stores
        .sessions
        .rotate(&second, &third, at(200))
        .await
        .expect("rotate");
    assert_eq!(
        outcome,
        RotateOutcome::Rotated(Session {
            last_used_at: at(200),
            ..login
        })
    );
}

/// Presenting a spent token is a replay: `Reused`, the session is revoked, and from then on
/// even its newest token is `Revoked`; the token offered as "next" by the replay was never issued.
pub async fn a_replayed_token_revokes_the_session_and_then_every_token_is_revoked(
    stores: SessionStores,
) {
    let (login, first) = log_in(&stores, 0).await;
    let second = token_hash();
    let offered = token_hash();
    stores
        .sessions
        .rotate(&first, &second, at(100))
        .await
        .expect("rotate");

    let replay = stores
        .sessions
        .rotate(&first, &offered, at(300))
        .await
        .expect("rotate");
    let revoked = Session {
        last_used_at: at(100),
        revoked_at: Some(at(300)),
        ..login.clone()
    };
    assert_eq!(replay, RotateOutcome::Reused(revoked.clone()));
    assert_eq!(
        stores.sessions.find(login.id).await.expect("find"),
        Some(revoked.clone())
    );

    let newest = stores
        .sessions
        .rotate(&second, &token_hash(), at(400))
        .await
        .expect("rotate");
    assert_eq!(newest, RotateOutcome::Revoked(revoked.clone()));
    let again = stores
        .sessions
        .rotate(&first, &token_hash(), at(500))
        .await
        .expect("rotate");
    assert_eq!(again, RotateOutcome::Revoked(revoked));
    let never_issued = stores
        .sessions
        .rotate(&offered, &token_hash(), at(600))
        .await
        .expect("rotate");
    assert_eq!(never_issued, RotateOutcome::Unknown);
}

/// A hash no session issued is `Unknown`, and revoking by it finds nothing.
pub async fn a_token_no_session_issued_is_unknown(stores: SessionStores) {
    log_in(&stores, 0).await;
    let outcome = stores
        .sessions
        .rotate(&token_hash(), &token_hash(), at(100))
        .await
        .expect("rotate");
    assert_eq!(outcome, RotateOutcome::Unknown);
    assert_eq!(
        stores
            .sessions
            .revoke_by_token(&token_hash(), at(100))
            .await
            .expect("revoke"),
        None
    );
}

/// Many concurrent rotations of one current token: exactly one `Rotated`; the others are
/// replays (`Reused`, or `Revoked` once a replay revoked the session), and the session ends
/// revoked.
pub async fn concurrent_rotations_of_one_token_rotate_exactly_once(stores: SessionStores) {
    let (login, current) = log_in(&stores, 0).await;
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let sessions = Arc::clone(&stores.sessions);
            let current = current.clone();
            tokio::spawn(async move { sessions.rotate(&current, &token_hash(), at(100)).await })
        })
        .collect();
    let (mut rotated, mut reused) = (0, 0);
    for task in tasks {
        match task.await.expect("rotation task").expect("rotate") {
            RotateOutcome::Rotated(_) => rotated += 1,
            RotateOutcome::Reused(_) => reused += 1,
            RotateOutcome::Revoked(_) => {}
            RotateOutcome::Unknown => panic!("the token was issued, it cannot be unknown"),
        }
    }
    assert_eq!(rotated, 1, "exactly one concurrent rotation wins");
    assert!(reused >= 1, "the first loser detects the replay");
    let after = stores
        .sessions
        .find(login.id)
        .await
        .expect("find")
        .expect("session");
    assert!(!after.is_active(), "a replay revokes the session");
}

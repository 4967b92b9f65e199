//! The per-user half of the [`SessionStore`](chat_ports::SessionStore) contract: a user's
//! active sessions (with their devices), revoking one by id, and revoking all of a user's.

use std::future::Future;

use chat_domain::{DeviceName, SessionId};
use chat_ports::{RotateOutcome, Session};

use super::log_in;
use crate::fixtures::{at, session, token_hash, SessionStores};

/// Runs every listing check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SessionStores>,
{
    a_sessions_device_is_kept(make().await).await;
    list_active_gives_a_users_unrevoked_sessions_newest_first(make().await).await;
    revoke_by_id_revokes_that_session_only_and_keeps_the_first_time(make().await).await;
    revoke_all_revokes_every_active_session_of_the_user_only(make().await).await;
}

/// A second login of the user who owns `first`, `offset_ms` after the base time.
async fn log_in_again(
    stores: &SessionStores,
    first: &Session,
    offset_ms: i64,
) -> (Session, String) {
    let login = session(first.user_id, at(offset_ms));
    let token = token_hash();
    stores
        .sessions
        .create(&login, &token)
        .await
        .expect("create");
    (login, token)
}

/// The device a session was created with reads back unchanged, up to its longest length.
pub async fn a_sessions_device_is_kept(stores: SessionStores) {
    let (first, _) = log_in(&stores, 0).await;
    let long = "é".repeat(DeviceName::MAX_CHARS);
    for name in ["Alice's phone", long.as_str()] {
        let login = Session {
            id: SessionId::new_v7(),
            device: Some(DeviceName::parse(name).expect("a device name")),
            ..first.clone()
        };
        stores
            .sessions
            .create(&login, &token_hash())
            .await
            .expect("create");
        assert_eq!(
            stores.sessions.find(login.id).await.expect("find"),
            Some(login)
        );
    }
    assert_eq!(
        stores.sessions.find(first.id).await.expect("find"),
        Some(first),
        "no device stays no device"
    );
}

/// `list_active` gives the user's unrevoked sessions, newest first, and nobody else's.
pub async fn list_active_gives_a_users_unrevoked_sessions_newest_first(stores: SessionStores) {
    let (oldest, _) = log_in(&stores, 0).await;
    let (middle, middle_token) = log_in_again(&stores, &oldest, 100).await;
    let (newest, _) = log_in_again(&stores, &oldest, 200).await;
    let (stranger, _) = log_in(&stores, 300).await;
    stores
        .sessions
        .revoke_by_token(&middle_token, at(400))
        .await
        .expect("revoke");

    let listed = stores
        .sessions
        .list_active(oldest.user_id)
        .await
        .expect("list");
    assert_eq!(listed, vec![newest, oldest]);
    assert!(!listed.iter().any(|s| s.id == middle.id));
    assert_eq!(
        stores
            .sessions
            .list_active(stranger.user_id)
            .await
            .expect("list"),
        vec![stranger]
    );
}

/// `revoke` ends one session (its tokens then say `Revoked`), leaves the others, keeps the
/// first revocation time when repeated, and finds nothing for an unknown id.
pub async fn revoke_by_id_revokes_that_session_only_and_keeps_the_first_time(
    stores: SessionStores,
) {
    let (target, token) = log_in(&stores, 0).await;
    let (other, other_token) = log_in_again(&stores, &target, 10).await;

    let revoked = stores
        .sessions
        .revoke(target.id, at(100))
        .await
        .expect("revoke");
    let expected = Session {
        revoked_at: Some(at(100)),
        ..target.clone()
    };
    assert_eq!(revoked, Some(expected.clone()));
    let again = stores
        .sessions
        .revoke(target.id, at(200))
        .await
        .expect("revoke");
    assert_eq!(
        again,
        Some(expected.clone()),
        "the first revocation time stays"
    );
    assert_eq!(
        stores.sessions.find(target.id).await.expect("find"),
        Some(expected.clone())
    );
    let outcome = stores
        .sessions
        .rotate(&token, &token_hash(), at(300))
        .await
        .expect("rotate");
    assert_eq!(outcome, RotateOutcome::Revoked(expected));

    assert_eq!(
        stores.sessions.find(other.id).await.expect("find"),
        Some(other)
    );
    let outcome = stores
        .sessions
        .rotate(&other_token, &token_hash(), at(300))
        .await
        .expect("rotate");
    assert!(matches!(outcome, RotateOutcome::Rotated(_)), "{outcome:?}");
    assert_eq!(
        stores
            .sessions
            .revoke(SessionId::new_v7(), at(100))
            .await
            .expect("revoke"),
        None
    );
}

/// `revoke_all` revokes every active session of the user (and returns them, revoked), leaves
/// an already revoked one with its first time, and leaves other users' sessions alone.
pub async fn revoke_all_revokes_every_active_session_of_the_user_only(stores: SessionStores) {
    let (first, _) = log_in(&stores, 0).await;
    let (second, _) = log_in_again(&stores, &first, 10).await;
    let (earlier, _) = log_in_again(&stores, &first, 20).await;
    stores
        .sessions
        .revoke(earlier.id, at(50))
        .await
        .expect("revoke");
    let (stranger, _) = log_in(&stores, 0).await;

    let mut revoked = stores
        .sessions
        .revoke_all(first.user_id, at(100))
        .await
        .expect("revoke all");
    revoked.sort_by_key(|s| s.created_at);
    let expected: Vec<Session> = [first.clone(), second.clone()]
        .into_iter()
        .map(|s| Session {
            revoked_at: Some(at(100)),
            ..s
        })
        .collect();
    assert_eq!(revoked, expected);
    assert!(stores
        .sessions
        .list_active(first.user_id)
        .await
        .expect("list")
        .is_empty());
    let kept = stores
        .sessions
        .find(earlier.id)
        .await
        .expect("find")
        .expect("session");
    assert_eq!(
        kept.revoked_at,
        Some(at(50)),
        "the first revocation time stays"
    );
    assert_eq!(
        stores.sessions.find(stranger.id).await.expect("find"),
        Some(stranger)
    );
    assert!(stores
        .sessions
        .revoke_all(first.user_id, at(200))
        .await
        .expect("revoke all")
        .is_empty());
}

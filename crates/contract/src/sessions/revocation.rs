//! The revocation half of the [`SessionStore`](chat_ports::SessionStore) contract: revoking a
//! login by one of its tokens, listing recent revocations, and pruning what is old.

use std::future::Future;

use chat_ports::{RotateOutcome, Session};

use super::log_in;
use crate::fixtures::{at, token_hash, SessionStores};

/// Runs every revocation check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SessionStores>,
{
    revoke_by_token_revokes_the_issuing_session(make().await).await;
    revoked_since_lists_recent_revocations_oldest_first(make().await).await;
    prune_forgets_old_revoked_sessions_and_old_spent_tokens(make().await).await;
}

/// Revoking by any token of a session revokes the session; its tokens then say `Revoked`.
pub async fn revoke_by_token_revokes_the_issuing_session(stores: SessionStores) {
    let (login, current) = log_in(&stores, 0).await;
    let (other, other_token) = log_in(&stores, 0).await;

    let revoked = stores
        .sessions
        .revoke_by_token(&current, at(100))
        .await
        .expect("revoke");
    let expected = Session {
        revoked_at: Some(at(100)),
        ..login.clone()
    };
    assert_eq!(revoked, Some(expected.clone()));
    assert_eq!(
        stores.sessions.find(login.id).await.expect("find"),
        Some(expected.clone())
    );
    let outcome = stores
        .sessions
        .rotate(&current, &token_hash(), at(200))
        .await
        .expect("rotate");
    assert_eq!(outcome, RotateOutcome::Revoked(expected));

    assert_eq!(
        stores.sessions.find(other.id).await.expect("find"),
        Some(other),
        "other logins stay"
    );
    let outcome = stores
        .sessions
        .rotate(&other_token, &token_hash(), at(200))
        .await
        .expect("rotate");
    assert!(matches!(outcome, RotateOutcome::Rotated(_)), "{outcome:?}");
}

/// `revoked_since` lists the sessions revoked at or after a time however they were revoked,
/// oldest revocation first and up to a limit; never an active one.
pub async fn revoked_since_lists_recent_revocations_oldest_first(stores: SessionStores) {
    let (first, first_token) = log_in(&stores, 0).await;
    stores
        .sessions
        .revoke_by_token(&first_token, at(100))
        .await
        .expect("revoke");
    let (second, _) = log_in(&stores, 0).await;
    stores
        .sessions
        .revoke(second.id, at(200))
        .await
        .expect("revoke");
    let (third, _) = log_in(&stores, 0).await;
    stores
        .sessions
        .revoke_all(third.user_id, at(300))
        .await
        .expect("revoke all");
    let (active, _) = log_in(&stores, 0).await;

    let all = stores
        .sessions
        .revoked_since(at(0), 10)
        .await
        .expect("revoked since");
    assert_eq!(
        all,
        [
            (first.id, at(100)),
            (second.id, at(200)),
            (third.id, at(300))
        ]
    );
    assert!(all.iter().all(|(id, _)| *id != active.id));
    let recent = stores
        .sessions
        .revoked_since(at(200), 10)
        .await
        .expect("revoked since");
    assert_eq!(recent, [(second.id, at(200)), (third.id, at(300))]);
    let oldest = stores
        .sessions
        .revoked_since(at(0), 1)
        .await
        .expect("revoked since");
    assert_eq!(oldest, [(first.id, at(100))]);
    assert!(stores
        .sessions
        .revoked_since(at(301), 10)
        .await
        .expect("revoked since")
        .is_empty());
}

/// Pruning deletes sessions revoked before the cut-off and spent tokens issued before it,
/// and keeps everything newer and everything still in use.
pub async fn prune_forgets_old_revoked_sessions_and_old_spent_tokens(stores: SessionStores) {
    let (old_revoked, old_token) = log_in(&stores, 0).await;
    stores
        .sessions
        .revoke_by_token(&old_token, at(100))
        .await
        .expect("revoke");
    let (recent_revoked, recent_token) = log_in(&stores, 0).await;
    stores
        .sessions
        .revoke_by_token(&recent_token, at(5_000))
        .await
        .expect("revoke");
    let (active, spent) = log_in(&stores, 0).await;
    let current = token_hash();
    stores
        .sessions
        .rotate(&spent, &current, at(50))
        .await
        .expect("rotate");

    assert_eq!(
        stores.sessions.prune(at(-1)).await.expect("prune"),
        0,
        "nothing is that old"
    );
    let pruned = stores.sessions.prune(at(1_000)).await.expect("prune");
    assert!(
        pruned >= 2,
        "the old revoked session and the old spent token go, got {pruned}"
    );

    assert_eq!(
        stores.sessions.find(old_revoked.id).await.expect("find"),
        None
    );
    assert!(stores
        .sessions
        .find(recent_revoked.id)
        .await
        .expect("find")
        .is_some());
    assert!(stores
        .sessions
        .find(active.id)
        .await
        .expect("find")
        .is_some());
    let forgotten = stores
        .sessions
        .rotate(&spent, &token_hash(), at(2_000))
        .await
        .expect("rotate");
    assert_eq!(
        forgotten,
        RotateOutcome::Unknown,
        "a pruned token is forgotten"
    );
    let still_current = stores
        .sessions
        .rotate(&current, &token_hash(), at(2_000))
        .await
        .expect("rotate");
    assert!(
        matches!(still_current, RotateOutcome::Rotated(_)),
        "{still_current:?}"
    );
}

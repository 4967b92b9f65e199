//! The lock half of the [`UserStore`](chat_ports::UserStore) contract: locking and unlocking
//! an account, as login (`find_credentials`) and the live checks (`find_locked_at`) see it.

use std::future::Future;
use std::sync::Arc;

use chat_domain::UserId;
use chat_ports::UserStore;

use crate::fixtures::{at, register_unique};

/// Runs every lock check, each on a fresh store from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn UserStore>>,
{
    a_new_account_is_not_locked(make().await).await;
    a_lock_shows_in_credentials_keeps_its_first_time_and_unlocks(make().await).await;
    locking_an_unknown_account_finds_nothing(make().await).await;
}

/// A fresh account is unlocked.
pub async fn a_new_account_is_not_locked(store: Arc<dyn UserStore>) {
    let user = register_unique(store.as_ref(), "lock").await;
    assert_eq!(store.find_locked_at(user.id).await.expect("find"), None);
    let credentials = store
        .find_credentials(&user.username)
        .await
        .expect("find")
        .expect("the account");
    assert_eq!(credentials.locked_at, None);
}

/// Locking sets the time (a second lock keeps the first), touches only that account, and
/// unlocking clears it.
pub async fn a_lock_shows_in_credentials_keeps_its_first_time_and_unlocks(
    store: Arc<dyn UserStore>,
) {
    let user = register_unique(store.as_ref(), "lock").await;
    let other = register_unique(store.as_ref(), "lock").await;

    assert!(store
        .set_locked(user.id, Some(at(100)))
        .await
        .expect("lock"));
    assert!(store
        .set_locked(user.id, Some(at(200)))
        .await
        .expect("lock"));
    assert_eq!(
        store.find_locked_at(user.id).await.expect("find"),
        Some(at(100))
    );
    let credentials = store
        .find_credentials(&user.username)
        .await
        .expect("find")
        .expect("the account");
    assert_eq!(credentials.locked_at, Some(at(100)));
    assert_eq!(store.find_locked_at(other.id).await.expect("find"), None);

    assert!(store.set_locked(user.id, None).await.expect("unlock"));
    assert_eq!(store.find_locked_at(user.id).await.expect("find"), None);
    assert!(store.set_locked(user.id, None).await.expect("unlock again"));
}

/// An unknown id is `false` to lock or unlock, and never locked.
pub async fn locking_an_unknown_account_finds_nothing(store: Arc<dyn UserStore>) {
    let nobody = UserId::new_v7();
    assert!(!store.set_locked(nobody, Some(at(0))).await.expect("lock"));
    assert!(!store.set_locked(nobody, None).await.expect("unlock"));
    assert_eq!(store.find_locked_at(nobody).await.expect("find"), None);
}

//! The contract of the [`UserStore`] port: registration, the unique username rule (also under
//! racing registrations), lookups, and prefix search; in [`locks`], locking accounts.
//!
//! An adapter's test runs it with a factory that yields a fresh, empty store:
//!
//! ```text
//! chat_contract::users::run_all(|| async { Arc::new(MyUserStore::new()) as Arc<dyn UserStore> }).await;
//! ```

use std::future::Future;
use std::sync::Arc;

use chat_domain::{UserId, Username};
use chat_ports::{StoreError, UserStore};

use crate::fixtures::{new_user, register, unique_username};

pub mod locks;

/// Concurrent registrations of one name in the race check.
const RACERS: usize = 20;

/// Runs every check, each on a fresh store from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn UserStore>>,
{
    a_registered_user_is_found_by_id_and_by_username(make().await).await;
    a_taken_username_is_a_conflict_and_the_first_account_stays(make().await).await;
    racing_registrations_of_one_username_leave_exactly_one_account(make().await).await;
    search_by_prefix_returns_matches_in_username_order_up_to_the_limit(make().await).await;
    search_by_prefix_treats_like_wildcards_as_plain_characters(make().await).await;
    locks::run_all(&make).await;
}

/// An account can be read back by id and, with its password hash, by username.
pub async fn a_registered_user_is_found_by_id_and_by_username(store: Arc<dyn UserStore>) {
    let new = new_user(unique_username("alice"));
    store.insert(&new).await.expect("insert");

    let by_id = store.find_by_id(new.user.id).await.expect("find_by_id");
    assert_eq!(by_id, Some(new.user.clone()));
    let credentials = store
        .find_credentials(&new.user.username)
        .await
        .expect("find_credentials")
        .expect("the account is found by its username");
    assert_eq!(credentials.user, new.user);
    assert_eq!(credentials.password_hash, new.password_hash);

    assert_eq!(
        store
            .find_by_id(UserId::new_v7())
            .await
            .expect("find_by_id"),
        None
    );
    let stranger = unique_username("nobody");
    assert_eq!(
        store
            .find_credentials(&stranger)
            .await
            .expect("find_credentials"),
        None
    );
}

/// A second account with a taken username is refused as a conflict; the first is untouched.
pub async fn a_taken_username_is_a_conflict_and_the_first_account_stays(store: Arc<dyn UserStore>) {
    let first = new_user(unique_username("taken"));
    store.insert(&first).await.expect("insert");
    let second = new_user(first.user.username.clone());

    let refused = store.insert(&second).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );

    let found = store
        .find_credentials(&first.user.username)
        .await
        .expect("find_credentials");
    assert_eq!(found.map(|c| c.user.id), Some(first.user.id));
    assert_eq!(
        store.find_by_id(second.user.id).await.expect("find_by_id"),
        None
    );
}

/// When many registrations of one name race, exactly one succeeds and the rest are conflicts.
pub async fn racing_registrations_of_one_username_leave_exactly_one_account(
    store: Arc<dyn UserStore>,
) {
    let username = unique_username("racer");
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let store = Arc::clone(&store);
            let new = new_user(username.clone());
            tokio::spawn(async move { (new.user.id, store.insert(&new).await) })
        })
        .collect();
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.expect("registration task") {
            (id, Ok(())) => winners.push(id),
            (_, Err(StoreError::Conflict(_))) => {}
            (_, Err(other)) => {
                panic!("a racing registration failed with {other:?}, not a conflict")
            }
        }
    }
    assert_eq!(winners.len(), 1, "exactly one racing registration wins");
    let found = store
        .find_credentials(&username)
        .await
        .expect("find_credentials");
    assert_eq!(found.map(|c| c.user.id), Some(winners[0]));
}

/// Prefix search matches the start of the username only, sorts by username and honours `limit`.
pub async fn search_by_prefix_returns_matches_in_username_order_up_to_the_limit(
    store: Arc<dyn UserStore>,
) {
    for name in ["carol", "bob", "caroline", "carl", "oscar", "car"] {
        register(store.as_ref(), name).await;
    }
    let names = |users: Vec<chat_domain::User>| {
        users
            .into_iter()
            .map(|u| u.username.to_string())
            .collect::<Vec<_>>()
    };

    let all = store.search_by_prefix("car", 10).await.expect("search");
    assert_eq!(names(all), ["car", "carl", "carol", "caroline"]);
    let first_two = store.search_by_prefix("car", 2).await.expect("search");
    assert_eq!(names(first_two), ["car", "carl"]);
    let exact = store.search_by_prefix("carol", 10).await.expect("search");
    assert_eq!(names(exact), ["carol", "caroline"]);
    assert!(store
        .search_by_prefix("zed", 10)
        .await
        .expect("search")
        .is_empty());
    assert!(store
        .search_by_prefix("car", 0)
        .await
        .expect("search")
        .is_empty());
}

/// `_` and `%`, wildcards of SQL `LIKE`, match only themselves.
pub async fn search_by_prefix_treats_like_wildcards_as_plain_characters(store: Arc<dyn UserStore>) {
    for name in ["x_y", "xay", "x.z", "x-z"] {
        register(store.as_ref(), name).await;
    }
    let found = store.search_by_prefix("x_", 10).await.expect("search");
    let found: Vec<Username> = found.into_iter().map(|u| u.username).collect();
    assert_eq!(found, [Username::parse("x_y").expect("valid")]);
    assert!(store
        .search_by_prefix("%", 10)
        .await
        .expect("search")
        .is_empty());
    assert!(store
        .search_by_prefix("x%", 10)
        .await
        .expect("search")
        .is_empty());
    assert_eq!(
        store.search_by_prefix("x", 10).await.expect("search").len(),
        4
    );
}

//! Presence counted across nodes: the first connection on any node brings a user online, the
//! last one anywhere takes them offline with `last_seen`, and a node that dies stops counting.

mod support;

use chat_domain::{Timestamp, UserId};
use chat_ports::PresenceTracker;
use chat_redis::RedisPresence;
use deadpool_redis::redis;

#[tokio::test]
async fn a_user_is_online_while_any_node_holds_one_of_their_connections() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let prefix = chat_testkit::unique_prefix("presence_nodes");
    let node_a = RedisPresence::new(pool.clone(), &prefix, "node-a");
    let node_b = RedisPresence::new(pool.clone(), &prefix, "node-b");
    let user = UserId::new_v7();
    let at = Timestamp::from_unix_millis(1_767_323_045_678);

    assert!(
        node_a.connected(user, at).await.unwrap(),
        "the first connection brings them online"
    );
    let keys = support::keys_under(&pool, &prefix).await;
    assert_eq!(
        keys,
        vec!["node:node-a".to_owned(), format!("online:{user}")],
        "the documented layout"
    );
    assert!(
        !node_b.connected(user, at).await.unwrap(),
        "a second device on another node does not"
    );
    assert!(
        !node_a.disconnected(user, at).await.unwrap(),
        "one device is still connected"
    );
    assert!(node_b.presence(&[user]).await.unwrap()[0].online);
    assert!(
        node_b.disconnected(user, at).await.unwrap(),
        "the last connection takes them offline"
    );

    let seen = node_a.presence(&[user]).await.unwrap()[0];
    assert!(!seen.online);
    assert_eq!(seen.last_seen, Some(at));
    support::forget(&pool, &[prefix]).await;
}

#[tokio::test]
async fn the_connections_of_a_node_that_died_stop_counting() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let prefix = chat_testkit::unique_prefix("presence_dead_node");
    let doomed = RedisPresence::new(pool.clone(), &prefix, "doomed");
    let survivor = RedisPresence::new(pool.clone(), &prefix, "survivor");
    let user = UserId::new_v7();
    let at = Timestamp::from_unix_millis(1);
    assert!(doomed.connected(user, at).await.unwrap());

    // The node's liveness key expiring is what its death looks like from the others.
    let mut connection = pool.get().await.unwrap();
    let _: () = redis::cmd("DEL")
        .arg(format!("{prefix}:node:doomed"))
        .query_async(&mut connection)
        .await
        .unwrap();

    assert!(!survivor.presence(&[user]).await.unwrap()[0].online);
    assert!(
        survivor.connected(user, at).await.unwrap(),
        "coming back counts as coming online"
    );
}

#[tokio::test]
async fn a_user_never_seen_is_offline_without_last_seen() {
    let Some(pool) = support::shared_pool().await else {
        return;
    };
    let presence = RedisPresence::new(pool, &chat_testkit::unique_prefix("presence_unseen"), "n");
    let found = presence.presence(&[UserId::new_v7()]).await.unwrap()[0];
    assert!(!found.online);
    assert_eq!(found.last_seen, None);
}

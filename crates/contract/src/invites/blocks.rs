//! The [`BlockStore`](chat_ports::BlockStore) contract: a block goes one way, blocking twice is
//! one block (also when racing), and lifting it, or lifting none, is fine.

use std::future::Future;
use std::sync::Arc;

use super::InviteStores;
use crate::fixtures::{at, register_unique};

/// Concurrent blocks of one pair in the race check.
const RACERS: usize = 10;

/// Runs every block check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: &F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = InviteStores>,
{
    a_block_goes_one_way_and_is_lifted(make().await).await;
    racing_blocks_of_one_pair_are_one_block(make().await).await;
}

/// `a` blocks `b`: `b` is blocked by `a`, not the other way round, and no one else is; blocking
/// again is fine; unblocking lifts it, and unblocking again is fine.
pub async fn a_block_goes_one_way_and_is_lifted(stores: InviteStores) {
    let a = register_unique(stores.users.as_ref(), "blocker").await;
    let b = register_unique(stores.users.as_ref(), "blocked").await;
    let c = register_unique(stores.users.as_ref(), "third").await;
    let blocks = &stores.blocks;
    assert!(!blocks.is_blocked(a.id, b.id).await.expect("is_blocked"));

    blocks.block(a.id, b.id, at(10)).await.expect("block");
    blocks
        .block(a.id, b.id, at(20))
        .await
        .expect("blocking twice");
    assert!(blocks.is_blocked(a.id, b.id).await.expect("is_blocked"));
    assert!(!blocks.is_blocked(b.id, a.id).await.expect("is_blocked"));
    assert!(!blocks.is_blocked(a.id, c.id).await.expect("is_blocked"));

    blocks.unblock(a.id, b.id).await.expect("unblock");
    assert!(!blocks.is_blocked(a.id, b.id).await.expect("is_blocked"));
    blocks.unblock(a.id, b.id).await.expect("unblocking none");
    blocks.block(a.id, b.id, at(30)).await.expect("block again");
    assert!(blocks.is_blocked(a.id, b.id).await.expect("is_blocked"));
}

/// Concurrent blocks of the same pair all succeed and leave one block, which one unblock lifts.
pub async fn racing_blocks_of_one_pair_are_one_block(stores: InviteStores) {
    let a = register_unique(stores.users.as_ref(), "ra").await;
    let b = register_unique(stores.users.as_ref(), "rb").await;
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let blocks = Arc::clone(&stores.blocks);
            let when = at(i64::try_from(i).expect("a small index"));
            tokio::spawn(async move { blocks.block(a.id, b.id, when).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("block task").expect("block");
    }
    stores.blocks.unblock(a.id, b.id).await.expect("unblock");
    let lifted = stores.blocks.is_blocked(a.id, b.id).await;
    assert!(
        !lifted.expect("is_blocked"),
        "one block, lifted by one unblock"
    );
}

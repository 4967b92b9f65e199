use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;

/// Whether `task` is still waiting after a moment in which it could have run.
async fn still_waiting(task: &tokio::task::JoinHandle<()>) -> bool {
    tokio::time::sleep(Duration::from_millis(20)).await;
    !task.is_finished()
}

#[tokio::test]
async fn a_second_committer_waits_for_the_first_to_publish() {
    let order = Arc::new(PublishOrder::new());
    let first = order.turn().await;
    let waiting = {
        let order = Arc::clone(&order);
        tokio::spawn(async move {
            let _turn = order.turn().await;
        })
    };
    assert!(still_waiting(&waiting).await);
    drop(first);
    tokio::time::timeout(Duration::from_secs(1), waiting)
        .await
        .expect("the second committer gets its turn")
        .expect("the task ends");
}

#[tokio::test]
async fn the_next_commit_is_stored_while_the_previous_one_is_published() {
    let order = Arc::new(PublishOrder::new());
    let mut first = order.commit_turn().await;
    first.release_commit().await;
    // The first commit is being published: a second may commit now...
    let mut second = tokio::time::timeout(Duration::from_secs(1), order.commit_turn())
        .await
        .expect("the commit stage is free while the first commit publishes");
    // ...but not publish before the first is done,
    let early = tokio::time::timeout(Duration::from_millis(20), second.release_commit()).await;
    assert!(early.is_err(), "the second published before the first");
    // and a third cannot commit while the second still holds the commit stage.
    let third = {
        let order = Arc::clone(&order);
        tokio::spawn(async move {
            let mut turn = order.commit_turn().await;
            turn.publishing().await;
        })
    };
    assert!(still_waiting(&third).await);
    drop(first);
    tokio::time::timeout(Duration::from_secs(1), second.release_commit())
        .await
        .expect("the second publishes once the first is done");
    assert!(
        still_waiting(&third).await,
        "the third commits, then waits to publish"
    );
    drop(second);
    tokio::time::timeout(Duration::from_secs(1), third)
        .await
        .expect("the third follows")
        .expect("the task ends");
}

#[tokio::test]
async fn a_committer_that_keeps_its_commit_stage_holds_back_the_next_commit() {
    let order = Arc::new(PublishOrder::new());
    let mut first = order.commit_turn().await;
    first.publishing().await;
    let next = {
        let order = Arc::clone(&order);
        tokio::spawn(async move {
            let _turn = order.commit_turn().await;
        })
    };
    assert!(still_waiting(&next).await);
    drop(first);
    tokio::time::timeout(Duration::from_secs(1), next)
        .await
        .expect("the next commit goes once the turn is dropped")
        .expect("the task ends");
}

/// The guarantee the module promises, raced: whatever the interleaving, events are published
/// in the order their changes were committed, with commits and publications overlapping.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_racing_committers_publish_in_commit_order() {
    const COMMITTERS: usize = 64;
    const ROUNDS: usize = 20;
    let order = Arc::new(PublishOrder::new());
    // The "store" hands out revs; the "bus" records what was published.
    let store = Arc::new(Mutex::new(0_u64));
    let bus = Arc::new(Mutex::new(Vec::new()));
    let tasks: Vec<_> = (0..COMMITTERS)
        .map(|_| {
            let (order, store, bus) = (Arc::clone(&order), Arc::clone(&store), Arc::clone(&bus));
            tokio::spawn(async move {
                for round in 0..ROUNDS {
                    let mut turn = order.commit_turn().await;
                    let rev = {
                        let mut last = store.lock().unwrap();
                        *last += 1;
                        *last
                    };
                    tokio::task::yield_now().await;
                    turn.release_commit().await;
                    if round % 2 == 0 {
                        // A slow publication, while the next commit may be stored.
                        tokio::task::yield_now().await;
                    }
                    bus.lock().unwrap().push(rev);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a committer ends");
    }
    let published = bus.lock().unwrap().clone();
    let expected: Vec<u64> = (1..=(COMMITTERS * ROUNDS) as u64).collect();
    assert_eq!(published, expected);
}

//! The outbound queue keeps the promises of the channels it replaced.

use std::time::Duration;

use super::outbound::{CloseSignal, Outbound};
use super::queue::{channel, Next, TrySendError};

fn text(n: usize) -> Outbound {
    Outbound::Text(n.to_string())
}

fn number(next: Next) -> usize {
    match next {
        Next::Item(Outbound::Text(text)) => text.parse().expect("a number"),
        other => panic!("expected an item, got {other:?}"),
    }
}

#[tokio::test]
async fn items_come_out_in_the_order_they_went_in_whoever_sent_them() {
    let (sender, mut receiver) = channel(8);
    let other = sender.clone();
    sender.try_send(text(1)).expect("room");
    other.send(text(2)).await.expect("room");
    sender.try_send(text(3)).expect("room");
    for expected in 1..=3 {
        assert_eq!(number(receiver.next().await), expected);
    }
}

#[tokio::test]
async fn a_full_queue_refuses_try_send_and_makes_send_wait_for_room() {
    let (sender, mut receiver) = channel(2);
    sender.try_send(text(1)).expect("room");
    sender.try_send(text(2)).expect("room");
    assert_eq!(sender.try_send(text(3)), Err(TrySendError::Full));
    assert_eq!(sender.free_slots(), 0);
    let waiting = {
        let sender = sender.clone();
        tokio::spawn(async move { sender.send(text(3)).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(
        !waiting.is_finished(),
        "send must wait while the queue is full"
    );
    assert_eq!(number(receiver.next().await), 1);
    let sent = tokio::time::timeout(Duration::from_secs(5), waiting).await;
    assert!(matches!(sent, Ok(Ok(Ok(())))), "{sent:?}");
    assert_eq!(number(receiver.next().await), 2);
    assert_eq!(number(receiver.next().await), 3);
}

#[tokio::test]
async fn the_close_signal_overtakes_queued_items() {
    let (sender, mut receiver) = channel(8);
    sender.try_send(text(1)).expect("room");
    sender.close(CloseSignal::SlowConsumer);
    assert!(matches!(
        receiver.next().await,
        Next::Close(CloseSignal::SlowConsumer)
    ));
}

#[tokio::test]
async fn a_close_already_decided_is_kept_by_close_unless_closing_and_replaced_by_close() {
    let (sender, _receiver) = channel(8);
    assert!(sender.close_unless_closing(CloseSignal::TooBig));
    assert!(!sender.close_unless_closing(CloseSignal::GoingAway));
    assert_eq!(sender.close_signal(), Some(CloseSignal::TooBig));
    sender.close(CloseSignal::Revoked);
    assert_eq!(sender.close_signal(), Some(CloseSignal::Revoked));
}

#[tokio::test]
async fn closing_wakes_a_task_that_waits_for_it() {
    let (sender, _receiver) = channel(8);
    let waiter = {
        let sender = sender.clone();
        tokio::spawn(async move { sender.closing().await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(!waiter.is_finished());
    sender.close(CloseSignal::Revoked);
    let got = tokio::time::timeout(Duration::from_secs(5), waiter).await;
    assert!(matches!(got, Ok(Ok(CloseSignal::Revoked))), "{got:?}");
}

#[tokio::test]
async fn the_writer_sees_the_end_once_every_sender_is_gone_and_the_queue_is_drained() {
    let (sender, mut receiver) = channel(8);
    let other = sender.clone();
    sender.try_send(text(1)).expect("room");
    drop(sender);
    drop(other);
    assert_eq!(number(receiver.next().await), 1);
    assert!(matches!(receiver.next().await, Next::Ended));
}

#[tokio::test]
async fn senders_see_closed_once_the_writer_is_gone_even_while_waiting_for_room() {
    let (sender, receiver) = channel(1);
    sender.try_send(text(1)).expect("room");
    let waiting = {
        let sender = sender.clone();
        tokio::spawn(async move { sender.send(text(2)).await })
    };
    tokio::time::sleep(Duration::from_millis(20)).await;
    drop(receiver);
    let sent = tokio::time::timeout(Duration::from_secs(5), waiting).await;
    assert!(matches!(sent, Ok(Ok(Err(_)))), "{sent:?}");
    assert_eq!(sender.try_send(text(3)), Err(TrySendError::Closed));
    assert!(sender.is_closed());
}

#[tokio::test]
async fn a_waiting_writer_is_woken_by_an_item_and_holds_no_storage_while_idle() {
    let (sender, mut receiver) = channel(1024);
    let writer = tokio::spawn(async move {
        let first = receiver.next().await;
        (first, receiver)
    });
    tokio::time::sleep(Duration::from_millis(20)).await;
    sender.try_send(text(7)).expect("room");
    let (first, mut receiver) = tokio::time::timeout(Duration::from_secs(5), writer)
        .await
        .expect("woken")
        .expect("no panic");
    assert_eq!(number(first), 7);
    // Going back to sleep on the empty queue releases its storage.
    let idle = tokio::time::timeout(Duration::from_millis(20), receiver.next()).await;
    assert!(idle.is_err());
    assert_eq!(receiver.storage(), 0);
}

//! How a group commit is formed and pipelined: it takes in what became ready while it waited
//! for its turn, leaves the read markers to a store that moves them itself, and publishes in
//! commit order while the next batch is being written.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use chat_app::ordering::PublishOrder;
use chat_app::worker::JobWorkers;
use chat_domain::MessageId;

use super::*;

#[tokio::test]
async fn jobs_that_became_ready_while_a_batch_waited_for_its_turn_join_it() {
    let messages = group_messages(3);
    let mut mocks = MockPorts::new();
    // The worker reserved message 1; messages 2 and 3 and a prune job arrived meanwhile.
    let (late_2, late_3) = (
        persist_job(2, &messages[1], 1),
        persist_job(3, &messages[2], 1),
    );
    let prune = leased(
        9,
        JobPayload::PruneSessions { before: NOW },
        Priority::Background,
        1,
    );
    mocks
        .queue
        .expect_reserve()
        .withf(|max, wait| *max == config().worker_batch_size - 1 && wait.is_zero())
        .times(1)
        .return_once(move |_, _| Ok(vec![late_2, prune, late_3]));
    let expected = messages.clone();
    mocks
        .messages
        .expect_append_batch()
        .withf(move |batch| batch == expected.as_slice())
        .times(1)
        .returning(|batch| {
            Ok((2..)
                .zip(batch)
                .map(|(seq, m)| Appended::Created(stored(m, seq)))
                .collect())
        });
    mocks.sessions.expect_prune().times(1).returning(|_| Ok(0));
    // The three messages' jobs together, the prune job on its own.
    mocks
        .queue
        .expect_complete_all()
        .withf(|ids| ids.len() == 3)
        .times(1)
        .returning(|_| Ok(()));
    mocks.queue.expect_complete().times(1).returning(|_| Ok(()));
    mocks.rooms.expect_mark_read_many().returning(|_| Ok(()));
    let published = record_publishes(&mut mocks.bus);
    let pending = PendingSends::new();

    workers(mocks, &pending)
        .handle(vec![persist_job(1, &messages[0], 1)])
        .await;

    assert_eq!(created_seqs(&recorded(&published)), vec![2, 3, 4]);
}

#[tokio::test]
async fn a_store_that_moves_the_senders_markers_itself_is_not_asked_twice() {
    let messages = group_messages(2);
    let mut mocks = MockPorts::new();
    mocks
        .messages
        .expect_marks_senders_read()
        .return_const(true);
    store_commits_from(&mut mocks, 2);
    mocks.rooms.expect_mark_read_many().never();
    mocks.queue.expect_complete_all().returning(|_| Ok(()));
    mocks
        .queue
        .expect_reserve()
        .returning(|_, _| Ok(Vec::new()));
    let published = record_publishes(&mut mocks.bus);
    let pending = PendingSends::new();
    let workers = JobWorkers::new(
        mocks.build(),
        config(),
        Arc::clone(&pending),
        Arc::new(PublishOrder::new()),
    );

    workers.handle(jobs_for(&messages)).await;

    assert_eq!(created_seqs(&recorded(&published)), vec![2, 3]);
}

/// The ordering guarantee of the pipeline, raced: many workers commit batches of one room at
/// once, each publication slowed down at random so that the next batch is written while the
/// previous one publishes; every event still leaves in seq order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_workers_publish_every_batch_in_commit_order() {
    const WORKERS: u64 = 16;
    const BATCHES: u64 = 10;
    const PER_BATCH: u64 = 3;
    let mut mocks = MockPorts::new();
    // From seq 2: the first message of a room would announce it, which is not raced here.
    store_commits_from(&mut mocks, 2);
    mocks.queue.expect_complete_all().returning(|_| Ok(()));
    mocks.rooms.expect_mark_read_many().returning(|_| Ok(()));
    let published = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&published);
    let coin = AtomicU64::new(0);
    mocks.bus.expect_publish_all().returning(move |events| {
        // A publication that takes a while, on every third batch.
        if coin.fetch_add(1, Ordering::Relaxed).is_multiple_of(3) {
            std::thread::sleep(Duration::from_micros(200));
        }
        sink.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(events);
        Ok(())
    });
    let pending = PendingSends::new();
    let workers = workers(mocks, &pending);
    let next_id = Arc::new(AtomicU64::new(1));

    let tasks: Vec<_> = (0..WORKERS)
        .map(|_| {
            let (workers, next_id) = (Arc::clone(&workers), Arc::clone(&next_id));
            tokio::spawn(async move {
                for _ in 0..BATCHES {
                    let jobs: Vec<LeasedJob> = (0..PER_BATCH)
                        .map(|_| {
                            let n = next_id.fetch_add(1, Ordering::Relaxed);
                            persist_job(n, &new_message(n, room_id(3), user_id(1)), 1)
                        })
                        .collect();
                    workers.handle(jobs).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a worker ends");
    }

    let seqs = created_seqs(&recorded(&published));
    let expected: Vec<u64> = (2..=WORKERS * BATCHES * PER_BATCH + 1).collect();
    assert_eq!(seqs, expected);
}

/// The reservation lock, raced: while a commit is being written, jobs arrive one by one and
/// four idle workers race to reserve them. Only one of them may hold reserved jobs outside a
/// commit, so every job that arrived during the commit goes into the next one, together;
/// without the lock each idle worker would take one and queue behind the others with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn jobs_arriving_during_a_commit_all_go_into_the_next_one() {
    const LATE: u64 = 8;
    let messages = group_messages(LATE + 1);
    let queue: Arc<Mutex<VecDeque<LeasedJob>>> = Arc::default();
    queue
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push_back(persist_job(1, &messages[0], 1));
    let mut mocks = MockPorts::new();
    let ready = Arc::clone(&queue);
    mocks.queue.expect_reserve().returning(move |max, wait| {
        let mut ready = ready.lock().unwrap_or_else(PoisonError::into_inner);
        let taken: Vec<LeasedJob> = (0..max).map_while(|_| ready.pop_front()).collect();
        drop(ready);
        if taken.is_empty() && !wait.is_zero() {
            // An idle worker's blocking wait, shortened.
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(taken)
    });
    mocks.queue.expect_pending().returning(|| Ok(0));
    mocks.queue.expect_complete_all().returning(|_| Ok(()));
    mocks
        .messages
        .expect_marks_senders_read()
        .return_const(true);
    let batches: Arc<Mutex<Vec<Vec<MessageId>>>> = Arc::default();
    let (record, arriving, late) = (Arc::clone(&batches), Arc::clone(&queue), messages.clone());
    mocks
        .messages
        .expect_append_batch()
        .returning(move |batch| {
            let mut batches = record.lock().unwrap_or_else(PoisonError::into_inner);
            if batches.is_empty() {
                // The first commit is slow, and the late jobs arrive while it is written. The
                // runtime thread it blocks hands its other tasks on (`block_in_place`), so the
                // idle workers really are free to race for them.
                tokio::task::block_in_place(|| {
                    for (n, message) in (2..).zip(&late[1..]) {
                        std::thread::sleep(Duration::from_millis(5));
                        arriving
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push_back(persist_job(n, message, 1));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                });
            }
            let first = 2 + batches.iter().map(Vec::len).sum::<usize>() as u64;
            batches.push(batch.iter().map(|m| m.id).collect());
            Ok((first..)
                .zip(batch)
                .map(|(seq, m)| Appended::Created(stored(m, seq)))
                .collect())
        });
    mocks.bus.expect_publish_all().returning(|_| Ok(()));
    let pending = PendingSends::new();
    let workers = JobWorkers::new(
        mocks.build(),
        config(),
        Arc::clone(&pending),
        Arc::new(PublishOrder::new()),
    );
    let (stop, shutdown) = watch::channel(false);
    let handles = workers.spawn(4, shutdown);

    let all_committed = async {
        while recorded(&batches).iter().map(Vec::len).sum::<usize>() < messages.len() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), all_committed)
        .await
        .expect("every job is committed");
    stop.send(true).expect("the workers listen");
    for handle in handles {
        handle.await.expect("a worker stops");
    }

    let late: Vec<MessageId> = messages[1..].iter().map(|m| m.id).collect();
    assert_eq!(recorded(&batches), vec![vec![messages[0].id], late]);
}

//! MongoDB unreachable: sends fail fast with `Unavailable` instead of hanging, and no seq is
//! lost for good.
//!
//! Two moments matter. MongoDB already down when a batch starts: the lookup fails before the
//! batch takes any seq, so there is nothing to record. MongoDB lost between taking seqs and
//! writing them (made exact here by an allocator that cuts a proxy as it answers): the batch
//! records its seqs as gaps, and the next batch of any store fills them with tombstones.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use chat_contract::fixtures::{message, private_room};
use chat_domain::{Rev, RoomId, Seq};
use chat_mongo::MongoMessageStore;
use chat_ports::{Appended, HistoryCursor, MessageStore, SeqAllocator, SeqRange, StoreError};

use crate::provision::{announce, sqlite, Mongo};
use crate::proxy::Proxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_batch_while_mongodb_is_unreachable_fails_fast_and_takes_no_seq() {
    // Needs no MongoDB at all: a port nothing listens on.
    let sql = sqlite().await;
    let (room, a, _) = private_room(sql.users().as_ref(), sql.rooms().as_ref()).await;
    let closed = format!("mongodb://127.0.0.1:{}/chat", chat_testkit::free_port());
    let store = MongoMessageStore::connect(&closed, sql.sequences())
        .await
        .expect("connecting does not wait for the server");

    let started = Instant::now();
    let failed = store
        .append_batch(&[message(room.id, a.id, "hello?", Some("c-1"))])
        .await;
    announce(&format!(
        "a batch against a closed MongoDB port failed after {:?}",
        started.elapsed()
    ));
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    let last = sql
        .sequences()
        .last_allocated(room.id)
        .await
        .expect("last_allocated");
    assert_eq!(
        last,
        Seq::ZERO,
        "the lookup failed before any seq was taken"
    );
    assert!(sql
        .sequences()
        .list_gaps(10)
        .await
        .expect("list_gaps")
        .is_empty());

    let page = store.page(room.id, HistoryCursor::Latest, 10).await;
    assert!(matches!(page, Err(StoreError::Unavailable(_))), "{page:?}");
    let ping = store.ping().await;
    assert!(matches!(ping, Err(StoreError::Unavailable(_))), "{ping:?}");
}

/// Hands out seqs from `inner`, then cuts the proxy before answering: the batch that asked
/// has its seqs and no MongoDB to write them to.
struct CutAfterAllocating {
    inner: Arc<dyn SeqAllocator>,
    proxy: Proxy,
}

#[async_trait]
impl SeqAllocator for CutAfterAllocating {
    async fn allocate(&self, requests: &[(RoomId, u32)]) -> Result<Vec<SeqRange>, StoreError> {
        let ranges = self.inner.allocate(requests).await;
        self.proxy.cut().await;
        ranges
    }

    async fn allocate_rev(&self, room: RoomId) -> Result<Rev, StoreError> {
        self.inner.allocate_rev(room).await
    }

    async fn last_revs(&self, rooms: &[RoomId]) -> Result<Vec<(RoomId, Rev)>, StoreError> {
        self.inner.last_revs(rooms).await
    }

    async fn last_allocated(&self, room: RoomId) -> Result<Seq, StoreError> {
        self.inner.last_allocated(room).await
    }

    async fn record_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError> {
        self.inner.record_gaps(gaps).await
    }

    async fn list_gaps(&self, limit: u32) -> Result<Vec<(RoomId, Seq)>, StoreError> {
        self.inner.list_gaps(limit).await
    }

    async fn clear_gaps(&self, gaps: &[(RoomId, Seq)]) -> Result<(), StoreError> {
        self.inner.clear_gaps(gaps).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn seqs_taken_before_mongodb_went_away_become_tombstones_and_the_retry_takes_new_ones() {
    let Some(mongo) = Mongo::resolve().await else {
        return;
    };
    let Some(target) = mongo.address().await else {
        announce("SKIPPED: the lost-MongoDB check needs a single-host mongodb:// URI to proxy");
        return;
    };
    let sql = sqlite().await;
    let (room, a, _) = private_room(sql.users().as_ref(), sql.rooms().as_ref()).await;
    let database = mongo.new_database();
    let healthy = mongo
        .store_on(&mongo.uri_for(&database), sql.sequences())
        .await;
    let proxy = Proxy::start(target).await;
    let proxied = mongo.proxied_uri(proxy.port(), &database);
    let cutting = Arc::new(CutAfterAllocating {
        inner: sql.sequences(),
        proxy,
    });
    let flaky = mongo.store_on(&proxied, cutting).await;

    let batch: Vec<_> = (1..=3)
        .map(|i| {
            message(
                room.id,
                a.id,
                &format!("lost {i}"),
                Some(format!("k-{i}").as_str()),
            )
        })
        .collect();
    let started = Instant::now();
    let failed = flaky.append_batch(&batch).await;
    announce(&format!(
        "a batch that lost MongoDB after taking seqs failed after {:?}",
        started.elapsed()
    ));
    assert!(
        matches!(failed, Err(StoreError::Unavailable(_))),
        "{failed:?}"
    );
    let mut gaps = sql.sequences().list_gaps(10).await.expect("list_gaps");
    gaps.sort_unstable();
    assert_eq!(
        gaps,
        [(room.id, Seq(1)), (room.id, Seq(2)), (room.id, Seq(3))]
    );

    // Any store's next batch fills the gaps first: readers find tombstones, not holes. The
    // lost batch's revs 1 to 3 stay unused; each tombstone takes a fresh one (4 to 6).
    let next = message(room.id, a.id, "after the outage", None);
    let appended = healthy
        .append_batch(std::slice::from_ref(&next))
        .await
        .expect("append");
    assert_eq!(
        appended,
        [Appended::Created(next.clone().into_message(Seq(4), Rev(7)))]
    );
    assert!(sql
        .sequences()
        .list_gaps(10)
        .await
        .expect("list_gaps")
        .is_empty());
    let history = healthy
        .page(room.id, HistoryCursor::Latest, 10)
        .await
        .expect("page");
    let seqs: Vec<u64> = history.iter().map(|m| m.seq.get()).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    let mut tombstone_revs: Vec<u64> = history[..3].iter().map(|m| m.rev.get()).collect();
    tombstone_revs.sort_unstable();
    assert_eq!(tombstone_revs, [4, 5, 6]);
    for tombstone in &history[..3] {
        assert!(tombstone.deleted, "{tombstone:?}");
        assert_eq!(tombstone.created_rev, tombstone.rev);
        assert_eq!((&tombstone.body, &tombstone.client_msg_id), (&None, &None));
        assert!(batch.iter().all(|lost| lost.id != tombstone.id));
    }
    assert_eq!(history[3], next.into_message(Seq(4), Rev(7)));

    // The worker retries the failed job: nothing of it was stored, so it takes new seqs.
    let retried = healthy.append_batch(&batch).await.expect("retry");
    let seqs: Vec<_> = retried
        .iter()
        .map(|a| match a {
            Appended::Created(m) => (m.seq.get(), m.rev.get()),
            Appended::Duplicate(m) => panic!("nothing of the failed batch was stored: {m:?}"),
        })
        .collect();
    assert_eq!(seqs, [(5, 8), (6, 9), (7, 10)]);
    mongo.cleanup().await;
}

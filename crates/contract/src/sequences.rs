//! The contract of the [`SeqAllocator`] port: ranges start at 1 and follow each other without a
//! gap, also when many allocators race over the same rooms; one request may span rooms; an
//! unknown room is `NotFound` and takes nothing anywhere; revs follow seqs for new messages and
//! `allocate_rev` takes single revs in between; and the gap record keeps each gap once, lists
//! the oldest first and forgets what it is told to.
//!
//! An adapter's test runs it with a factory that yields fresh, empty stores over one database
//! (the rooms whose counters are raised are created through the room store):
//!
//! ```text
//! chat_contract::sequences::run_all(|| async { let db = fresh().await; SequenceStores { users: db.users(), rooms: db.rooms(), sequences: db.sequences() } }).await;
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chat_domain::{Rev, RoomId, Seq};
use chat_ports::{RoomStore, SeqAllocator, SeqRange, StoreError, UserStore};

use crate::fixtures::private_room;

/// Concurrent allocators in the race check.
const RACERS: usize = 20;

/// What the sequences suite's factory yields: users, rooms and the allocator over one database.
#[derive(Clone)]
pub struct SequenceStores {
    /// Accounts, to register room members.
    pub users: Arc<dyn UserStore>,
    /// Rooms, whose counters the allocator raises.
    pub rooms: Arc<dyn RoomStore>,
    /// The allocator under test.
    pub sequences: Arc<dyn SeqAllocator>,
}

// The ports are not `Debug`; the bundle prints as its name only.
impl fmt::Debug for SequenceStores {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SequenceStores").finish_non_exhaustive()
    }
}

/// Runs every check, each on fresh stores from `make()`.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = SequenceStores>,
{
    ranges_start_at_one_and_follow_each_other(make().await).await;
    racing_allocators_never_overlap_and_leave_no_gap(make().await).await;
    a_request_spanning_rooms_takes_a_range_in_each(make().await).await;
    an_unknown_room_is_not_found_and_the_request_takes_nothing(make().await).await;
    revs_count_every_change_of_a_room_once(make().await).await;
    racing_rev_allocations_take_distinct_consecutive_revs(make().await).await;
    gaps_are_kept_once_listed_oldest_first_and_cleared(make().await).await;
}

/// A fresh room with no messages.
async fn room(stores: &SequenceStores) -> RoomId {
    private_room(stores.users.as_ref(), stores.rooms.as_ref())
        .await
        .0
        .id
}

/// The ranges of one answer by room, so checks do not depend on the order of the answer.
fn by_room(ranges: Vec<SeqRange>) -> HashMap<RoomId, (u64, u32)> {
    ranges
        .into_iter()
        .map(|r| (r.room_id, (r.first.get(), r.count)))
        .collect()
}

/// The first range of a room is `1..=n`; the next starts right after it.
pub async fn ranges_start_at_one_and_follow_each_other(stores: SequenceStores) {
    let room = room(&stores).await;
    let last = stores.sequences.last_allocated(room).await;
    assert_eq!(last.expect("last_allocated"), Seq::ZERO);
    let first = stores.sequences.allocate(&[(room, 3)]).await;
    let expected = SeqRange {
        room_id: room,
        first: Seq(1),
        count: 3,
        first_rev: Rev(1),
    };
    assert_eq!(first.expect("allocate"), [expected]);
    let next = stores.sequences.allocate(&[(room, 2)]).await;
    assert_eq!(by_room(next.expect("allocate"))[&room], (4, 2));
    let last = stores.sequences.last_allocated(room).await;
    assert_eq!(last.expect("last_allocated"), Seq(5));
    let none = stores.sequences.allocate(&[]).await;
    assert!(none.expect("an empty request").is_empty());
}

/// Many concurrent requests, each spanning two of three rooms: the ranges of every room tile
/// `1..=n` exactly, and `last_allocated` is `n`.
pub async fn racing_allocators_never_overlap_and_leave_no_gap(stores: SequenceStores) {
    let mut rooms = Vec::new();
    for _ in 0..3 {
        rooms.push(room(&stores).await);
    }
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            // Rooms named in both orders, so an adapter that locks in request order deadlocks.
            let request = [(rooms[i % 3], 1 + (i % 4) as u32), (rooms[(i + 1) % 3], 2)];
            let sequences = Arc::clone(&stores.sequences);
            tokio::spawn(async move { sequences.allocate(&request).await })
        })
        .collect();
    let mut taken: BTreeMap<RoomId, Vec<(u64, u32)>> = BTreeMap::new();
    for task in tasks {
        let ranges = task.await.expect("allocator task").expect("allocate");
        assert_eq!(ranges.len(), 2, "one range per room of the request");
        for range in ranges {
            let run = (range.first.get(), range.count);
            taken.entry(range.room_id).or_default().push(run);
        }
    }
    for room in rooms {
        let mut runs = taken.remove(&room).unwrap_or_default();
        runs.sort_unstable();
        let mut next = 1;
        for (first, count) in runs {
            assert_eq!(first, next, "room {room}: ranges neither overlap nor gap");
            next = first + u64::from(count);
        }
        let last = stores.sequences.last_allocated(room).await;
        assert_eq!(last.expect("last_allocated"), Seq(next - 1));
    }
}

/// One request takes a range in each room it names, each continuing that room's own count.
pub async fn a_request_spanning_rooms_takes_a_range_in_each(stores: SequenceStores) {
    let busy = room(&stores).await;
    let fresh = room(&stores).await;
    let warm_up = stores.sequences.allocate(&[(busy, 2)]).await;
    warm_up.expect("allocate");
    let both = stores.sequences.allocate(&[(fresh, 3), (busy, 1)]).await;
    let both = by_room(both.expect("allocate"));
    assert_eq!(both, HashMap::from([(fresh, (1, 3)), (busy, (3, 1))]));
    let last = stores.sequences.last_allocated(fresh).await;
    assert_eq!(last.expect("last_allocated"), Seq(3));
}

/// A request naming a room that does not exist fails whole: the known room of the same
/// request keeps its count, and asking for the unknown room's last seq is `NotFound` too.
pub async fn an_unknown_room_is_not_found_and_the_request_takes_nothing(stores: SequenceStores) {
    let known = room(&stores).await;
    let unknown = RoomId::new_v7();
    let refused = stores.sequences.allocate(&[(known, 2), (unknown, 1)]).await;
    assert!(matches!(refused, Err(StoreError::NotFound)), "{refused:?}");
    let last = stores.sequences.last_allocated(known).await;
    assert_eq!(last.expect("last_allocated"), Seq::ZERO);
    let missing = stores.sequences.last_allocated(unknown).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    let after = stores.sequences.allocate(&[(known, 1)]).await;
    assert_eq!(by_room(after.expect("allocate"))[&known], (1, 1));
}

/// Ranges take revs as they take seqs; `allocate_rev` takes one rev and no seq; the next range
/// continues after it; `last_revs` reads the counters of the rooms that exist.
pub async fn revs_count_every_change_of_a_room_once(stores: SequenceStores) {
    let (room, quiet) = (room(&stores).await, room(&stores).await);
    let first = stores.sequences.allocate(&[(room, 2)]).await;
    assert_eq!(first.expect("allocate")[0].first_rev, Rev(1));
    let edit = stores.sequences.allocate_rev(room).await;
    assert_eq!(edit.expect("allocate_rev"), Rev(3));
    let next = stores.sequences.allocate(&[(room, 2), (quiet, 1)]).await;
    let next = next.expect("allocate");
    let by_room: HashMap<RoomId, (Seq, Rev)> = next
        .iter()
        .map(|r| (r.room_id, (r.first, r.first_rev)))
        .collect();
    assert_eq!(by_room[&room], (Seq(3), Rev(4)), "a rev is no seq");
    assert_eq!(by_room[&quiet], (Seq(1), Rev(1)));
    let last = stores.sequences.last_allocated(room).await;
    assert_eq!(last.expect("last_allocated"), Seq(4));
    let unknown = RoomId::new_v7();
    let mut revs = stores
        .sequences
        .last_revs(&[room, quiet, unknown])
        .await
        .expect("last_revs");
    revs.sort_unstable();
    let mut expected = vec![(room, Rev(5)), (quiet, Rev(1))];
    expected.sort_unstable();
    assert_eq!(revs, expected, "rooms that do not exist are left out");
    let missing = stores.sequences.allocate_rev(unknown).await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

/// Many concurrent `allocate_rev` calls for one room: each gets its own rev, and together they
/// are exactly the revs after the room's last one.
pub async fn racing_rev_allocations_take_distinct_consecutive_revs(stores: SequenceStores) {
    let room = room(&stores).await;
    let taken = stores.sequences.allocate(&[(room, 1)]).await;
    taken.expect("allocate");
    let tasks: Vec<_> = (0..RACERS)
        .map(|_| {
            let sequences = Arc::clone(&stores.sequences);
            tokio::spawn(async move { sequences.allocate_rev(room).await })
        })
        .collect();
    let mut revs = Vec::with_capacity(RACERS);
    for task in tasks {
        revs.push(task.await.expect("rev task").expect("allocate_rev").get());
    }
    revs.sort_unstable();
    let expected: Vec<u64> = (2..2 + RACERS as u64).collect();
    assert_eq!(revs, expected);
    let last = stores.sequences.last_revs(&[room]).await;
    assert_eq!(last.expect("last_revs"), [(room, Rev(1 + RACERS as u64))]);
}

/// Recording a gap twice keeps it once (with its first time); the oldest come first; clearing
/// forgets exactly the gaps named, known or not.
pub async fn gaps_are_kept_once_listed_oldest_first_and_cleared(stores: SequenceStores) {
    let (a, b) = (room(&stores).await, room(&stores).await);
    let gaps = &stores.sequences;
    assert!(gaps.list_gaps(10).await.expect("list_gaps").is_empty());
    gaps.record_gaps(&[]).await.expect("nothing to record");
    gaps.record_gaps(&[(b, Seq(7))]).await.expect("record_gaps");
    // Stores may keep times to the millisecond: the later gaps must be recorded later.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let later = [(a, Seq(2)), (a, Seq(1)), (b, Seq(7)), (a, Seq(2))];
    gaps.record_gaps(&later)
        .await
        .expect("duplicates are ignored");

    let listed = gaps.list_gaps(10).await.expect("list_gaps");
    assert_eq!(listed.len(), 3, "each gap once: {listed:?}");
    assert_eq!(listed[0], (b, Seq(7)), "the oldest gap first");
    let mut rest = listed[1..].to_vec();
    rest.sort_unstable();
    let mut expected = vec![(a, Seq(1)), (a, Seq(2))];
    expected.sort_unstable();
    assert_eq!(rest, expected);
    let first_two = gaps.list_gaps(2).await.expect("list_gaps");
    assert_eq!(first_two.len(), 2);
    assert_eq!(first_two[0], (b, Seq(7)));

    let not_recorded = (b, Seq(99));
    let cleared = [(b, Seq(7)), (a, Seq(1)), not_recorded];
    gaps.clear_gaps(&cleared).await.expect("clear_gaps");
    gaps.clear_gaps(&[]).await.expect("nothing to clear");
    let left = gaps.list_gaps(10).await.expect("list_gaps");
    assert_eq!(left, [(a, Seq(2))]);
}

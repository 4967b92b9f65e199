//! The writer's ordering: each change exactly once and in rev order per room, with changes
//! that skip ahead held for the reorder window and a change later than the window written
//! late into its hole. Tested on its state alone, with explicit instants, so no test waits
//! on a wall clock.

use std::sync::Arc;
use std::time::Duration;

use chat_domain::{Message, MessageId, Rev, RoomId, Seq, Timestamp, UserId};
use proptest::prelude::*;
use tokio::time::Instant;

use super::{reorder_due, Frames, Sent, REORDER_WINDOW};
use crate::dto::MessageDto;
use crate::ws::outbound::{ChangeEvent, Outbound, ReplayEvent};

fn change_with_id(room: RoomId, rev: u64, id: MessageId) -> Outbound {
    let message = Message {
        id,
        room_id: room,
        seq: Seq(rev),
        rev: Rev(rev),
        created_rev: Rev(rev),
        sender_id: UserId::new_v7(),
        body: Some(format!("m{rev}")),
        client_msg_id: None,
        reply_to: None,
        created_at: Timestamp::from_unix_millis(1),
        edited_at: None,
        deleted: false,
    };
    Outbound::Change(Arc::new(ChangeEvent {
        id,
        room_id: room,
        rev: Rev(rev),
        dto: MessageDto::from(&message),
        json: format!("{room}:{rev}").into(),
    }))
}

fn change(room: RoomId, rev: u64) -> Outbound {
    change_with_id(room, rev, MessageId::new_v7())
}

fn replay(room: RoomId, rev: u64) -> Outbound {
    Outbound::Replay(Arc::new(ReplayEvent {
        room_id: room,
        rev: Rev(rev),
        json: format!("{room}:{rev}").into(),
    }))
}

/// The frames `item` becomes at `now`.
fn feed(sent: &mut Sent, item: Outbound, now: Instant) -> Vec<String> {
    let mut frames = Frames::default();
    sent.frames(item, &|| now, &mut frames);
    frames.in_order().map(|f| f.to_string()).collect()
}

fn expire(sent: &mut Sent, now: Instant) -> Vec<String> {
    let mut frames = Frames::default();
    sent.expire(now, &mut frames);
    frames.in_order().map(|f| f.to_string()).collect()
}

fn revs(room: RoomId, revs: impl IntoIterator<Item = u64>) -> Vec<String> {
    revs.into_iter()
        .map(|rev| format!("{room}:{rev}"))
        .collect()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn in_order_rooms_hold_nothing_and_allocate_no_window() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    for rev in 1..=100 {
        assert_eq!(feed(&mut sent, change(room, rev), t0), revs(room, [rev]));
        assert!(sent.reorder.is_none(), "rev {rev}");
    }
    assert_eq!(sent.deadline(), None);
}

#[test]
fn the_first_change_of_a_room_is_written_whatever_its_rev() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    assert_eq!(feed(&mut sent, change(room, 7), t0), revs(room, [7]));
    assert!(sent.reorder.is_none());
}

#[test]
fn changes_out_of_order_within_the_window_are_written_in_order_once_each() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    let other = RoomId::new_v7();
    assert_eq!(feed(&mut sent, change(room, 1), t0), revs(room, [1]));
    assert_eq!(feed(&mut sent, change(other, 1), t0), revs(other, [1]));
    assert!(feed(&mut sent, change(room, 4), t0).is_empty());
    assert!(feed(&mut sent, change(room, 3), t0 + ms(5)).is_empty());
    assert_eq!(sent.deadline(), Some(t0 + REORDER_WINDOW));
    // Another room is not held up by this one's hole.
    assert_eq!(
        feed(&mut sent, change(other, 2), t0 + ms(6)),
        revs(other, [2])
    );
    assert_eq!(
        feed(&mut sent, change(room, 2), t0 + ms(10)),
        revs(room, [2, 3, 4])
    );
    assert!(sent.reorder.is_none(), "the window's state is freed");
    assert_eq!(sent.deadline(), None);
    assert!(expire(&mut sent, t0 + ms(1000)).is_empty());
    assert_eq!(
        feed(&mut sent, change(room, 5), t0 + ms(11)),
        revs(room, [5])
    );
}

#[test]
fn a_hole_that_never_fills_is_released_after_the_window_and_later_revs_flow() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    feed(&mut sent, change(room, 1), t0);
    assert!(feed(&mut sent, change(room, 4), t0).is_empty());
    assert!(feed(&mut sent, change(room, 3), t0 + ms(10)).is_empty());
    assert!(expire(&mut sent, t0 + REORDER_WINDOW - ms(1)).is_empty());
    assert_eq!(expire(&mut sent, t0 + REORDER_WINDOW), revs(room, [3, 4]));
    assert!(sent.reorder.is_none());
    assert_eq!(
        feed(&mut sent, change(room, 5), t0 + ms(61)),
        revs(room, [5])
    );
    assert_eq!(
        feed(&mut sent, change(room, 6), t0 + ms(62)),
        revs(room, [6])
    );
}

/// Found on three nodes over the MongoDB stand-in: a rev whose insert landed after the
/// window (and after the client's `resume` had counted it) was dropped as old, and the
/// client, seeing no hole, never asked for it again.
#[test]
fn a_change_later_than_the_window_is_written_late_into_its_hole_once() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    feed(&mut sent, change(room, 1), t0);
    assert!(feed(&mut sent, change(room, 3), t0).is_empty());
    assert_eq!(expire(&mut sent, t0 + REORDER_WINDOW), revs(room, [3]));
    assert_eq!(
        feed(&mut sent, change(room, 4), t0 + ms(60)),
        revs(room, [4])
    );
    assert_eq!(
        feed(&mut sent, change(room, 2), t0 + ms(400)),
        revs(room, [2])
    );
    // Once written, never again; and the room flows on in order.
    assert!(feed(&mut sent, change(room, 2), t0 + ms(401)).is_empty());
    assert_eq!(
        feed(&mut sent, change(room, 5), t0 + ms(402)),
        revs(room, [5])
    );
    assert!(sent.reorder.is_none());
}

#[test]
fn the_ack_goes_before_the_echo_of_a_late_change() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    let id = MessageId::new_v7();
    feed(&mut sent, change(room, 1), t0);
    feed(&mut sent, change(room, 3), t0);
    expire(&mut sent, t0 + REORDER_WINDOW);
    let expect = Outbound::Expect {
        id,
        reference: Some("r1".to_owned()),
    };
    assert!(feed(&mut sent, expect, t0 + ms(60)).is_empty());
    let out = feed(&mut sent, change_with_id(room, 2, id), t0 + ms(300));
    assert_eq!(out.len(), 2, "{out:?}");
    assert!(out[0].contains(r#""type":"ack""#) && out[0].contains(r#""ref":"r1""#));
    assert_eq!(out[1], format!("{room}:2"));
}

/// The bench's failure: a `resume` from rev 1 whose replay cannot see rev 2 (still being
/// stored by another node) but writes rev 3; `resumed` then counts 2 as done, so the live
/// rev 2 must still reach the client when it comes.
#[test]
fn a_rev_the_replay_passed_while_it_was_being_stored_is_written_when_it_comes() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    let begin = Outbound::BeginReplay {
        rooms: vec![(room, Rev(1))],
    };
    assert!(feed(&mut sent, begin, t0).is_empty());
    assert_eq!(feed(&mut sent, replay(room, 3), t0), revs(room, [3]));
    let end = Outbound::EndReplay {
        json: "resumed".to_owned(),
    };
    assert_eq!(feed(&mut sent, end, t0), ["resumed"]);
    assert_eq!(
        feed(&mut sent, change(room, 2), t0 + ms(300)),
        revs(room, [2])
    );
    assert!(feed(&mut sent, change(room, 3), t0 + ms(301)).is_empty());
}

/// The first change a connection writes in a room is its starting point only when nothing
/// says where the client is; after a `resume`, the named rev is.
#[test]
fn after_a_resume_the_named_rev_is_where_the_room_starts_not_the_first_change() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    let begin = Outbound::BeginReplay {
        rooms: vec![(room, Rev(4))],
    };
    feed(&mut sent, begin, t0);
    let end = Outbound::EndReplay {
        json: "resumed".to_owned(),
    };
    assert_eq!(feed(&mut sent, end, t0), ["resumed"]);
    // 6 skips 5, which the client does not have: held, not taken as the start.
    assert!(feed(&mut sent, change(room, 6), t0 + ms(1)).is_empty());
    assert_eq!(
        expire(&mut sent, t0 + ms(1) + REORDER_WINDOW),
        revs(room, [6])
    );
    assert_eq!(
        feed(&mut sent, change(room, 5), t0 + ms(200)),
        revs(room, [5])
    );
    // What the client said it has is not written again.
    assert!(feed(&mut sent, change(room, 4), t0 + ms(201)).is_empty());
    assert!(feed(&mut sent, change(room, 3), t0 + ms(202)).is_empty());
}

#[test]
fn without_a_resume_revs_below_the_first_change_written_stay_unwritten() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    assert_eq!(feed(&mut sent, change(room, 7), t0), revs(room, [7]));
    // Nothing says the client lacks 6: it may have it from history. A jump it does see is
    // its cue to resume, and the resume point then opens the hole.
    assert!(feed(&mut sent, change(room, 6), t0 + ms(1)).is_empty());
}

#[test]
fn each_held_change_waits_at_most_the_window_from_its_own_arrival() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    feed(&mut sent, change(room, 1), t0);
    assert!(feed(&mut sent, change(room, 3), t0).is_empty()); // 2 missing
    assert!(feed(&mut sent, change(room, 5), t0 + ms(40)).is_empty()); // 4 missing
    assert_eq!(expire(&mut sent, t0 + ms(50)), revs(room, [3]));
    assert_eq!(sent.deadline(), Some(t0 + ms(90)));
    // 4 arrives within 5's window: no second gap.
    assert_eq!(
        feed(&mut sent, change(room, 4), t0 + ms(60)),
        revs(room, [4, 5])
    );
    assert_eq!(sent.deadline(), None);
}

#[test]
fn duplicates_are_dropped_and_a_written_rev_is_never_written_again() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    feed(&mut sent, change(room, 1), t0);
    feed(&mut sent, change(room, 2), t0);
    assert!(feed(&mut sent, change(room, 2), t0).is_empty());
    assert!(feed(&mut sent, change(room, 1), t0).is_empty());
    // A held rev heard twice is written once.
    assert!(feed(&mut sent, change(room, 4), t0).is_empty());
    assert!(feed(&mut sent, change(room, 4), t0 + ms(1)).is_empty());
    assert_eq!(
        feed(&mut sent, change(room, 3), t0 + ms(2)),
        revs(room, [3, 4])
    );
    assert!(feed(&mut sent, change(room, 4), t0 + ms(3)).is_empty());
    assert!(feed(&mut sent, change(room, 3), t0 + ms(3)).is_empty());
}

#[test]
fn the_ack_goes_before_the_echo_of_a_held_change() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    let id = MessageId::new_v7();
    feed(&mut sent, change(room, 1), t0);
    let expect = Outbound::Expect {
        id,
        reference: Some("r1".to_owned()),
    };
    assert!(feed(&mut sent, expect, t0).is_empty());
    assert!(feed(&mut sent, change_with_id(room, 3, id), t0).is_empty());
    let out = feed(&mut sent, change(room, 2), t0 + ms(1));
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(out[0], format!("{room}:2"));
    assert!(out[1].contains(r#""type":"ack""#) && out[1].contains(r#""ref":"r1""#));
    assert_eq!(out[2], format!("{room}:3"));
}

#[test]
fn an_ack_settled_while_its_echo_is_held_goes_out_at_once_and_only_once() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    let id = MessageId::new_v7();
    let echo = change_with_id(room, 3, id);
    let Outbound::Change(event) = &echo else {
        unreachable!()
    };
    let settled = Outbound::Settled {
        id,
        result: Ok(Arc::new(event.dto.clone())),
    };
    feed(&mut sent, change(room, 1), t0);
    feed(
        &mut sent,
        Outbound::Expect {
            id,
            reference: None,
        },
        t0,
    );
    assert!(feed(&mut sent, echo, t0).is_empty());
    let ack = feed(&mut sent, settled, t0 + ms(1));
    assert!(
        ack.len() == 1 && ack[0].contains(r#""type":"ack""#),
        "{ack:?}"
    );
    assert_eq!(expire(&mut sent, t0 + REORDER_WINDOW), revs(room, [3]));
}

#[test]
fn a_replay_takes_over_held_changes_and_writes_each_rev_once_in_order() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    feed(&mut sent, change(room, 1), t0);
    assert!(feed(&mut sent, change(room, 4), t0).is_empty());
    assert!(feed(&mut sent, change(room, 3), t0).is_empty());
    let begin = Outbound::BeginReplay {
        rooms: vec![(room, Rev(1))],
    };
    assert!(feed(&mut sent, begin, t0 + ms(1)).is_empty());
    // The replay waits for the store, not for the window.
    assert_eq!(sent.deadline(), None);
    assert!(expire(&mut sent, t0 + ms(500)).is_empty());
    assert!(feed(&mut sent, change(room, 6), t0 + ms(501)).is_empty());
    let mut out = Vec::new();
    for rev in 2..=5 {
        out.extend(feed(&mut sent, replay(room, rev), t0 + ms(502)));
    }
    let end = Outbound::EndReplay {
        json: "resumed".to_owned(),
    };
    out.extend(feed(&mut sent, end, t0 + ms(503)));
    let mut expected = revs(room, 2..=6);
    expected.push("resumed".to_owned());
    assert_eq!(out, expected);
    assert!(sent.reorder.is_none());
}

/// Found under load: a replay reaching back further than the last 1,024 revs written (a
/// client seconds behind in a busy room) repeated the older ones.
#[test]
fn a_replay_reaching_far_back_repeats_nothing_the_connection_wrote() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    for rev in (1..=3_000).filter(|rev| *rev != 1_500) {
        feed(&mut sent, change(room, rev), t0);
        // 1,501 waits for 1,500, which never comes: released when its window ends.
        if rev == 1_501 {
            assert_eq!(expire(&mut sent, t0 + REORDER_WINDOW), revs(room, [1_501]));
        }
    }
    let begin = Outbound::BeginReplay {
        rooms: vec![(room, Rev(0))],
    };
    assert!(feed(&mut sent, begin, t0 + ms(100)).is_empty());
    let mut out = Vec::new();
    for rev in 1..=3_005 {
        out.extend(feed(&mut sent, replay(room, rev), t0 + ms(101)));
    }
    let mut expected = revs(room, [1_500]);
    expected.extend(revs(room, 3_001..=3_005));
    assert_eq!(out, expected);
}

#[test]
fn held_changes_past_a_short_replay_go_back_into_the_window() {
    let (mut sent, room, t0) = (Sent::default(), RoomId::new_v7(), Instant::now());
    feed(&mut sent, change(room, 1), t0);
    assert!(feed(&mut sent, change(room, 5), t0).is_empty());
    let begin = Outbound::BeginReplay {
        rooms: vec![(room, Rev(1))],
    };
    feed(&mut sent, begin, t0);
    assert_eq!(feed(&mut sent, replay(room, 2), t0), revs(room, [2]));
    let end = Outbound::EndReplay {
        json: "resumed".to_owned(),
    };
    // 3 and 4 are still missing: 5 waits again, from the end of the replay.
    assert_eq!(feed(&mut sent, end, t0 + ms(100)), ["resumed"]);
    assert_eq!(sent.deadline(), Some(t0 + ms(100) + REORDER_WINDOW));
    assert_eq!(
        feed(&mut sent, change(room, 3), t0 + ms(110)),
        revs(room, [3])
    );
    assert_eq!(
        feed(&mut sent, change(room, 4), t0 + ms(120)),
        revs(room, [4, 5])
    );
}

#[tokio::test(start_paused = true)]
async fn the_timer_exists_only_while_holding_and_fires_at_the_end_of_the_window() {
    let room = RoomId::new_v7();
    let mut sent = Some(Box::<Sent>::default());
    let state = sent.as_mut().expect("made");
    feed(state, change(room, 1), Instant::now());
    state.arm();
    assert!(state.reorder.is_none(), "no timer for in-order revs");
    let held_at = Instant::now();
    assert!(feed(state, change(room, 3), held_at).is_empty());
    state.arm();
    assert!(state.reorder.as_ref().is_some_and(|r| r.timer.is_some()));
    reorder_due(&mut sent).await;
    assert_eq!(held_at.elapsed(), REORDER_WINDOW);
    let state = sent.as_mut().expect("made");
    assert_eq!(expire(state, Instant::now()), revs(room, [3]));
    state.arm();
    assert!(
        state.reorder.is_none(),
        "the timer goes with the last held change"
    );
    let never = tokio::time::timeout(Duration::from_secs(3600), reorder_due(&mut sent));
    assert!(never.await.is_err());
}

/// Deliveries of revs 1..=n of a few rooms: each room's rev 1 first (the point the connection
/// starts from), then the rest shuffled across rooms, some twice.
fn deliveries() -> impl Strategy<Value = (Vec<u64>, Vec<(usize, u64)>)> {
    prop::collection::vec(1u64..40, 1..4).prop_flat_map(|lengths| {
        let mut rest = Vec::new();
        for (room, &n) in lengths.iter().enumerate() {
            rest.extend((2..=n).map(|rev| (room, rev)));
        }
        let duplicates = prop::sample::subsequence(rest.clone(), 0..=rest.len());
        (Just(lengths), Just(rest), duplicates).prop_flat_map(|(lengths, rest, duplicates)| {
            let all: Vec<(usize, u64)> = rest.into_iter().chain(duplicates).collect();
            (Just(lengths), Just(all).prop_shuffle())
        })
    })
}

proptest! {
    #[test]
    fn shuffled_deliveries_within_the_window_come_out_exactly_in_order(
        (lengths, shuffled) in deliveries()
    ) {
        let rooms: Vec<RoomId> = lengths.iter().map(|_| RoomId::new_v7()).collect();
        let (mut sent, t0) = (Sent::default(), Instant::now());
        let mut out = Vec::new();
        for room in &rooms {
            out.extend(feed(&mut sent, change(*room, 1), t0));
        }
        for (step, (room, rev)) in shuffled.into_iter().enumerate() {
            let now = t0 + ms(u64::try_from(step).unwrap_or(0) % 10);
            out.extend(feed(&mut sent, change(rooms[room], rev), now));
            out.extend(expire(&mut sent, now));
        }
        prop_assert!(sent.reorder.is_none());
        for (room, n) in rooms.iter().zip(lengths) {
            let prefix = format!("{room}:");
            let got: Vec<String> = out.iter().filter(|f| f.starts_with(&prefix)).cloned().collect();
            prop_assert_eq!(got, revs(*room, 1..=n));
        }
    }
}

proptest! {
    /// Whatever the delays, each rev heard is written exactly once: in order when the window
    /// suffices, late into its hole when it does not.
    #[test]
    fn whatever_the_delays_each_rev_heard_is_written_exactly_once(
        (lengths, shuffled) in deliveries(),
        delays in prop::collection::vec(0u64..120, 1..50),
    ) {
        let rooms: Vec<RoomId> = lengths.iter().map(|_| RoomId::new_v7()).collect();
        let (mut sent, mut now) = (Sent::default(), Instant::now());
        let mut out = Vec::new();
        for room in &rooms {
            out.extend(feed(&mut sent, change(*room, 1), now));
        }
        for (step, (room, rev)) in shuffled.into_iter().enumerate() {
            now += ms(delays[step % delays.len()]);
            out.extend(expire(&mut sent, now));
            out.extend(feed(&mut sent, change(rooms[room], rev), now));
        }
        out.extend(expire(&mut sent, now + REORDER_WINDOW));
        prop_assert!(sent.reorder.is_none());
        for (room, n) in rooms.iter().zip(lengths) {
            let prefix = format!("{room}:");
            let mut got: Vec<String> =
                out.iter().filter(|f| f.starts_with(&prefix)).cloned().collect();
            got.sort_by_key(|f| f[prefix.len()..].parse::<u64>().unwrap_or(0));
            prop_assert_eq!(got, revs(*room, 1..=n));
        }
    }
}

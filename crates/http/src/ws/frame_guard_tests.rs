//! Fuzzing the [`FrameGuard`] in process: random frame sequences, cut into random chunks,
//! against a whole-frame model of the size rules, thousands of cases a run.
//!
//! A coverage-guided target (cargo-fuzz, libFuzzer) would need a nightly toolchain, and only
//! stable Rust is installed here, so this is property-based fuzzing with proptest.

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use proptest::prelude::*;

use super::frame_guard::{FrameGuard, FrameSizeTracker, TooBig};

const LIMIT: usize = 300;

/// One frame to encode.
#[derive(Debug, Clone)]
struct Spec {
    opcode: u8,
    fin: bool,
    masked: bool,
    len: u64,
    /// 0: shortest length encoding, 1: 16-bit form, 2: 64-bit form (all valid on the wire
    /// as far as the guard is concerned).
    form: u8,
}

fn header(spec: &Spec) -> Vec<u8> {
    let mut out = vec![(u8::from(spec.fin) << 7) | spec.opcode];
    let mask_bit = u8::from(spec.masked) << 7;
    let form = match spec.form {
        0 if spec.len < 126 => 0,
        0 | 1 if spec.len <= u64::from(u16::MAX) => 1,
        _ => 2,
    };
    match form {
        0 => out.push(mask_bit | u8::try_from(spec.len).unwrap()),
        1 => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&u16::try_from(spec.len).unwrap().to_be_bytes());
        }
        _ => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&spec.len.to_be_bytes());
        }
    }
    if spec.masked {
        out.extend_from_slice(&[1, 2, 3, 4]);
    }
    out
}

/// The bytes of `specs`, and where the guard must cut: just after the header of the first
/// frame that breaks a rule, checked frame by frame on whole frames.
fn encode(specs: &[Spec]) -> (Vec<u8>, Option<usize>) {
    let limit = LIMIT as u64;
    let mut bytes = Vec::new();
    let mut fragmented: Option<u64> = None;
    for spec in specs {
        bytes.extend(header(spec));
        let too_big =
            spec.len > limit || (spec.opcode == 0 && fragmented.unwrap_or(0) + spec.len > limit);
        if too_big {
            let cut = bytes.len();
            // Some of the payload follows, which the guard must not hand on.
            bytes.extend(std::iter::repeat_n(0x5A, 40));
            return (bytes, Some(cut));
        }
        match spec.opcode {
            0 => fragmented = (!spec.fin).then(|| fragmented.unwrap_or(0) + spec.len),
            1 | 2 => fragmented = (!spec.fin).then_some(spec.len),
            _ => {}
        }
        let payload = usize::try_from(spec.len).unwrap();
        bytes.extend(std::iter::repeat_n(0xA5, payload));
    }
    (bytes, None)
}

fn spec() -> impl Strategy<Value = Spec> {
    let len = prop_oneof![
        6 => 0..=(LIMIT as u64 / 3),
        2 => (LIMIT as u64 - 2)..=(LIMIT as u64 + 2),
        1 => (LIMIT as u64 + 1)..=2_000,
    ];
    (
        prop_oneof![
            Just(0u8),
            Just(1),
            Just(2),
            Just(8),
            Just(9),
            Just(10),
            0u8..16
        ],
        any::<bool>(),
        any::<bool>(),
        len,
        0u8..3,
    )
        .prop_map(|(opcode, fin, masked, len, form)| Spec {
            opcode,
            fin,
            masked,
            len,
            form,
        })
}

/// Cuts `bytes` at the given fractions of its length.
fn chunks(bytes: &[u8], cuts: &[u16]) -> Vec<Bytes> {
    let mut points: Vec<usize> = cuts
        .iter()
        .map(|c| usize::from(*c) * bytes.len() / usize::from(u16::MAX))
        .collect();
    points.push(0);
    points.push(bytes.len());
    points.sort_unstable();
    points.dedup();
    points
        .windows(2)
        .map(|w| Bytes::copy_from_slice(&bytes[w[0]..w[1]]))
        .collect()
}

/// Everything the guard lets through, and whether it then failed with `Overflow`.
fn run_guard(chunks: Vec<Bytes>) -> (Vec<u8>, bool) {
    let inner = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, PayloadError>));
    let mut guard = FrameGuard::new(inner, LIMIT);
    let mut context = Context::from_waker(Waker::noop());
    let mut passed = Vec::new();
    let mut pendings = 0;
    loop {
        match Pin::new(&mut guard).poll_next(&mut context) {
            Poll::Ready(Some(Ok(bytes))) => passed.extend_from_slice(&bytes),
            Poll::Ready(Some(Err(PayloadError::Overflow))) => {
                assert!(matches!(
                    Pin::new(&mut guard).poll_next(&mut context),
                    Poll::Ready(None)
                ));
                return (passed, true);
            }
            Poll::Ready(Some(Err(other))) => panic!("unexpected error {other:?}"),
            Poll::Ready(None) => return (passed, false),
            Poll::Pending => {
                pendings += 1;
                assert!(
                    pendings == 1,
                    "the guard is pending only once, before failing"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2048,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_guard_cuts_exactly_after_the_first_oversized_header_whatever_the_chunking(
        specs in prop::collection::vec(spec(), 0..12),
        cuts in prop::collection::vec(any::<u16>(), 0..8),
    ) {
        let (bytes, cut) = encode(&specs);
        let (passed, failed) = run_guard(chunks(&bytes, &cuts));
        match cut {
            None => {
                prop_assert!(!failed);
                prop_assert_eq!(passed, bytes);
            }
            Some(at) => {
                prop_assert!(failed);
                // Whatever the chunks, the bytes handed on end at the offending header.
                prop_assert_eq!(&passed[..], &bytes[..at]);
            }
        }
    }

    #[test]
    fn the_tracker_never_panics_on_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        cuts in prop::collection::vec(any::<u16>(), 0..8),
    ) {
        let mut tracker = FrameSizeTracker::new(LIMIT);
        for chunk in chunks(&bytes, &cuts) {
            if let Err((at, TooBig)) = tracker.feed(&chunk) {
                prop_assert!(at >= 1 && at <= chunk.len());
                break;
            }
        }
    }
}

#[test]
fn a_header_announcing_a_gigabyte_fails_before_any_payload() {
    let spec = Spec {
        opcode: 1,
        fin: true,
        masked: true,
        len: 1 << 30,
        form: 2,
    };
    let header = header(&spec);
    let mut tracker = FrameSizeTracker::new(LIMIT);
    assert_eq!(tracker.feed(&header), Err((header.len(), TooBig)));
}

#[test]
fn a_frame_of_exactly_the_limit_passes_and_one_byte_more_does_not() {
    let at_limit = Spec {
        opcode: 1,
        fin: true,
        masked: true,
        len: LIMIT as u64,
        form: 0,
    };
    let (bytes, cut) = encode(std::slice::from_ref(&at_limit));
    assert_eq!(cut, None);
    assert_eq!(run_guard(vec![Bytes::from(bytes.clone())]), (bytes, false));

    let over = Spec {
        len: LIMIT as u64 + 1,
        ..at_limit
    };
    let (bytes, cut) = encode(&[over]);
    let cut = cut.expect("over the limit");
    assert_eq!(
        run_guard(vec![Bytes::from(bytes.clone())]),
        (bytes[..cut].to_vec(), true)
    );
}

#[test]
fn fragments_count_together_and_control_frames_between_them_do_not() {
    let part = |opcode, fin, len| Spec {
        opcode,
        fin,
        masked: true,
        len,
        form: 0,
    };
    let third = LIMIT as u64 / 3;
    // text (1/3) + ping (100) + continuation (1/3) + final continuation (1/3): exactly the limit.
    let fits = [
        part(1, false, third),
        part(9, true, 100),
        part(0, false, third),
        part(0, true, LIMIT as u64 - 2 * third),
    ];
    let (bytes, cut) = encode(&fits);
    assert_eq!(cut, None);
    assert_eq!(run_guard(vec![Bytes::from(bytes.clone())]), (bytes, false));

    // One byte more in the last fragment: cut at its header.
    let mut over = fits.clone();
    over[3].len += 1;
    let (bytes, cut) = encode(&over);
    assert!(cut.is_some());
    let (passed, failed) = run_guard(vec![Bytes::from(bytes.clone())]);
    assert!(failed);
    assert_eq!(passed.len(), cut.unwrap());
}

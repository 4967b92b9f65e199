//! Latency percentiles without keeping every sample.
//!
//! A run records hundreds of thousands of latencies from many tasks at once, so samples go
//! into a fixed log-linear histogram (HdrHistogram's layout in miniature): values below 128
//! get a bucket each, every power of two above gets 64, so a reported value is within 1/64
//! (1.6 %) of the true one. Recording is one relaxed atomic add; no allocation, no lock. The
//! exact maximum is kept beside the buckets.

use std::sync::atomic::{AtomicU64, Ordering};

/// Sub-buckets per power of two (the precision: 1/64).
const HALF: usize = 64;
/// Buckets for values up to 2^40 µs (about 12 days), far beyond any bounded run.
const BUCKETS: usize = 40 * HALF;

/// The bucket of `value`.
fn index_of(value: u64) -> usize {
    if value < 2 * HALF as u64 {
        return value as usize;
    }
    let exponent = 63 - value.leading_zeros() as usize - 6;
    let index = exponent * HALF + (value >> exponent) as usize;
    index.min(BUCKETS - 1)
}

/// The largest value that falls into bucket `index` (what a percentile reports: never
/// better than the truth).
fn upper_bound(index: usize) -> u64 {
    if index < 2 * HALF {
        return index as u64;
    }
    let exponent = index / HALF - 1;
    let mantissa = (index - exponent * HALF) as u64;
    ((mantissa + 1) << exponent) - 1
}

/// A histogram shared by every task of a run.
#[derive(Debug)]
pub struct AtomicHistogram {
    buckets: Box<[AtomicU64]>,
    max: AtomicU64,
}

impl Default for AtomicHistogram {
    fn default() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max: AtomicU64::new(0),
        }
    }
}

impl AtomicHistogram {
    /// Records one value (in µs).
    pub fn record(&self, value: u64) {
        self.buckets[index_of(value)].fetch_add(1, Ordering::Relaxed);
        self.max.fetch_max(value, Ordering::Relaxed);
    }

    /// A copy of the counts, leaving the shared histogram empty (one per step of a run).
    pub fn take(&self) -> Histogram {
        let mut snapshot = Histogram::default();
        for (into, from) in snapshot.buckets.iter_mut().zip(self.buckets.iter()) {
            *into = from.swap(0, Ordering::Relaxed);
            snapshot.count += *into;
        }
        snapshot.max = self.max.swap(0, Ordering::Relaxed);
        snapshot
    }
}

/// A histogram owned by one task (history reads) or taken from an [`AtomicHistogram`].
#[derive(Debug, Clone)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: vec![0; BUCKETS],
            count: 0,
            max: 0,
        }
    }
}

impl Histogram {
    /// Records one value (in µs).
    pub fn record(&mut self, value: u64) {
        self.buckets[index_of(value)] += 1;
        self.count += 1;
        self.max = self.max.max(value);
    }

    /// Adds the values of `other`.
    pub fn merge(&mut self, other: &Histogram) {
        for (into, from) in self.buckets.iter_mut().zip(&other.buckets) {
            *into += from;
        }
        self.count += other.count;
        self.max = self.max.max(other.max);
    }

    /// How many values were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The largest value recorded, exactly.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The value at quantile `q` (0.5 for the median, 0.99 for p99): the smallest bucket
    /// bound below which at least `q` of the values lie, capped by the exact maximum. `0`
    /// for an empty histogram.
    pub fn quantile(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (index, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return upper_bound(index).min(self.max);
            }
        }
        self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::default();
        for v in 1..=100 {
            h.record(v);
        }
        assert_eq!(h.quantile(0.5), 50);
        assert_eq!(h.quantile(0.99), 99);
        assert_eq!(h.quantile(1.0), 100);
        assert_eq!(h.max(), 100);
        assert_eq!(h.count(), 100);
    }

    #[test]
    fn large_values_are_within_the_precision_and_never_below_the_truth() {
        let mut h = Histogram::default();
        for v in 1..=10_000u64 {
            h.record(v * 37);
        }
        for (q, truth) in [
            (0.5, 5_000u64 * 37),
            (0.99, 9_900 * 37),
            (0.999, 9_990 * 37),
        ] {
            let got = h.quantile(q);
            assert!(got >= truth, "q {q}: {got} below {truth}");
            assert!(
                (got - truth) as f64 <= truth as f64 / 64.0,
                "q {q}: {got} too far from {truth}"
            );
        }
        assert_eq!(h.quantile(1.0), 370_000);
    }

    #[test]
    fn every_bucket_bound_maps_back_to_its_bucket() {
        for index in 0..BUCKETS - 1 {
            assert_eq!(index_of(upper_bound(index)), index, "bucket {index}");
            assert_eq!(index_of(upper_bound(index) + 1), index + 1, "after {index}");
        }
    }

    #[test]
    fn an_empty_histogram_reports_zero() {
        assert_eq!(Histogram::default().quantile(0.99), 0);
    }

    #[test]
    fn taking_a_shared_histogram_empties_it() {
        let shared = AtomicHistogram::default();
        shared.record(10);
        shared.record(5_000);
        let first = shared.take();
        assert_eq!(first.count(), 2);
        assert_eq!(first.max(), 5_000);
        assert_eq!(first.quantile(0.5), 10);
        let second = shared.take();
        assert_eq!(second.count(), 0);
        assert_eq!(second.max(), 0);
    }
}

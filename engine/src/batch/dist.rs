//! The distribution of a measure over a batch's runs: nearest-rank percentiles and a histogram
//! of "nice" bucket widths.

use serde::{Deserialize, Serialize};

/// Histogram buckets aimed at (the width is rounded to 1, 2 or 5 × a power of ten).
pub const BUCKETS: usize = 20;

/// One histogram bucket: values in `from..to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub from: f64,
    pub to: f64,
    pub count: usize,
}

/// The distribution of a measure's values. Percentiles are nearest-rank over all runs, a
/// missing run ranking above every value (so `p50` is `None` when over half are missing);
/// `min`, `max`, `mean` and the histogram cover the values found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Runs with a value.
    pub count: usize,
    /// Runs without one (by the time limit).
    pub missing: usize,
    pub min: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub histogram: Vec<Bucket>,
}

/// The distribution of one measure over runs (`None`: the run had no value).
pub fn distribution(values: &[Option<f64>]) -> Distribution {
    let mut v: Vec<f64> = values.iter().flatten().copied().collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    // Missing runs rank above every value: their result would have come after the limit.
    let total = values.len();
    let rank = |p: f64| -> Option<f64> {
        let i = ((p / 100.0 * total as f64).ceil() as usize).clamp(1, total.max(1)) - 1;
        v.get(i).copied()
    };
    Distribution {
        count: n,
        missing: total - n,
        min: v.first().copied(),
        p50: rank(50.0),
        p90: rank(90.0),
        p99: rank(99.0),
        max: v.last().copied(),
        mean: (n > 0).then(|| v.iter().sum::<f64>() / n as f64),
        histogram: histogram(&v),
    }
}

/// Equal-width buckets of a "nice" width (1, 2 or 5 × 10^k) from a multiple of it at or
/// below the minimum, so that at most [`BUCKETS`] cover the values; `sorted` is ascending.
fn histogram(sorted: &[f64]) -> Vec<Bucket> {
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else {
        return Vec::new();
    };
    let mut width = 0.001;
    let start = loop {
        let start = (lo / width).floor() * width;
        if ((hi - start) / width).floor() < BUCKETS as f64 || width >= 1e12 {
            break start;
        }
        let digits = width / 10f64.powf(width.log10().floor());
        width *= if !(1.5..4.5).contains(&digits) {
            2.0
        } else {
            2.5
        };
    };
    let count = ((hi - start) / width).floor() as usize + 1;
    let mut buckets: Vec<Bucket> = (0..count)
        .map(|i| Bucket {
            from: round(start + i as f64 * width),
            to: round(start + (i + 1) as f64 * width),
            count: 0,
        })
        .collect();
    for &x in sorted {
        let i = (((x - start) / width).floor() as usize).min(count - 1);
        buckets[i].count += 1;
    }
    buckets
}

/// Rounds to a thousandth (a microsecond for values in ms), hiding float noise in bounds.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(v: Option<f64>) -> Option<f64> {
        v
    }

    #[test]
    fn percentiles_are_nearest_rank_and_buckets_cover_every_value() {
        let mut rs: Vec<Option<f64>> = (1..=100).map(|i| r(Some(i as f64))).collect();
        rs.push(r(None));
        let d = distribution(&rs[..100]);
        assert_eq!((d.count, d.missing), (100, 0));
        assert_eq!(
            (d.min, d.p50, d.p90, d.p99, d.max),
            (Some(1.0), Some(50.0), Some(90.0), Some(99.0), Some(100.0))
        );
        let d = distribution(&rs);
        assert_eq!((d.count, d.missing), (100, 1));
        assert_eq!(
            (d.p50, d.p99, d.max),
            (Some(51.0), Some(100.0), Some(100.0))
        );
        assert_eq!(d.mean, Some(50.5));
        assert!(d.histogram.len() <= BUCKETS);
        assert_eq!(d.histogram.iter().map(|b| b.count).sum::<usize>(), 100);
        assert_eq!(d.histogram[0].from, 0.0);
        assert_eq!(d.histogram[0].to - d.histogram[0].from, 10.0);
        let one = distribution(&[r(Some(163.25))]);
        assert_eq!(one.histogram.len(), 1);
        assert_eq!(one.histogram[0].count, 1);
        let half: Vec<Option<f64>> = (0..4).map(|i| r((i < 2).then_some(5.0))).collect();
        assert_eq!(distribution(&half).p50, Some(5.0));
        let most: Vec<Option<f64>> = (0..4).map(|i| r((i < 1).then_some(5.0))).collect();
        assert_eq!(distribution(&most).p50, None, "over half missing");
        let none = distribution(&[r(None)]);
        assert_eq!((none.count, none.p50, none.histogram.len()), (0, None, 0));
    }
}

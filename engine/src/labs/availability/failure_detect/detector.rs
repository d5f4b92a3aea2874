//! The two failure detectors, as pure state machines over the monitor's local clock (µs).
//!
//! - [`Fixed`]: suspect once `k` heartbeat periods `T` have passed since the last heartbeat
//!   (the notes' "固定心跳检测策略").
//! - [`Phi`]: φ-accrual as in Akka's `PhiAccrualFailureDetector`: a window of the last
//!   `window` inter-arrival times, their mean μ and standard deviation σ (at least
//!   `min_std`); at a time `t` since the last heartbeat,
//!   φ(t) = −log10(1 − F((t − (μ + pause)) / σ)) with F the standard normal CDF, and the node is
//!   suspected when φ ≥ `threshold` (Akka: available while φ < threshold). The first
//!   heartbeat estimate is the period (history seeded with T ± T/4, as Akka does), and the
//!   detector starts as if a heartbeat arrived when the monitor boots (Akka's cluster
//!   "expected first heartbeat"), so a node that never speaks is suspected too. An interval
//!   that ends while the node is suspected is not added to the window (Akka: a long pause
//!   would skew the statistics).
//!
//! F is Akka's logistic approximation of the normal CDF (Bowling et al., 2009):
//! F(y) ≈ 1 / (1 + e^(−y (1.5976 + 0.070566 y²))), within 1.4·10⁻⁴ of the real one. Then
//! 1 − F = 1 / (1 + e^z) with z = y (1.5976 + 0.070566 y²), so φ = log10(1 + e^z), computed
//! here without overflow (φ grows like z / ln 10 when the node is silent).

use std::collections::VecDeque;

use crate::{Time, MS};

/// Akka's logistic approximation's coefficients.
pub const A1: f64 = 1.5976;
pub const A3: f64 = 0.070566;

/// The logistic approximation of the standard normal CDF Akka uses.
pub fn normal_cdf(y: f64) -> f64 {
    1.0 / (1.0 + (-y * (A1 + A3 * y * y)).exp())
}

/// φ at `diff` ms since the last heartbeat, for an expected interval `mean` ms (the window's
/// mean plus the acceptable pause) and a standard deviation `std` ms (> 0).
pub fn phi(diff: f64, mean: f64, std: f64) -> f64 {
    let y = (diff - mean) / std.max(f64::MIN_POSITIVE);
    let z = y * (A1 + A3 * y * y);
    // log10(1 + e^z), stable for both signs of z.
    let nat = if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    };
    nat / std::f64::consts::LN_10
}

/// A y past which φ(y) ≥ `threshold` for sure: φ ≥ z / ln 10 ≥ 1.5976 y / ln 10 for y ≥ 0.
/// The checker's bound for completeness (independent of [`phi`]'s code).
pub fn y_bound(threshold: f64) -> f64 {
    threshold.max(0.0) * std::f64::consts::LN_10 / A1
}

/// Mean and (population) standard deviation, in ms, of intervals in µs.
pub fn mean_std(intervals: &VecDeque<Time>) -> (f64, f64) {
    let n = intervals.len().max(1) as f64;
    let sum: f64 = intervals.iter().map(|&d| d as f64 / MS as f64).sum();
    let mean = sum / n;
    let var: f64 = intervals
        .iter()
        .map(|&d| {
            let x = d as f64 / MS as f64 - mean;
            x * x
        })
        .sum::<f64>()
        / n;
    (mean, var.max(0.0).sqrt())
}

/// The fixed-timeout detector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fixed {
    /// Local time of the last heartbeat (or of the monitor's boot).
    pub last: Time,
    /// Whole periods since then (the counter plotted against k).
    pub missed: u64,
    pub suspected: bool,
}

impl Fixed {
    pub fn new(now: Time) -> Fixed {
        Fixed {
            last: now,
            ..Fixed::default()
        }
    }

    /// Re-evaluates at `now`: suspected once `k` whole periods passed.
    pub fn evaluate(&mut self, now: Time, period: Time, k: u64) {
        self.missed = now.saturating_sub(self.last) / period.max(1);
        self.suspected = self.missed >= k;
    }
}

/// The φ-accrual detector's parameters (times in µs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhiParams {
    pub threshold: f64,
    pub window: usize,
    pub min_std: Time,
    pub pause: Time,
}

/// The φ-accrual detector.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Phi {
    pub last: Time,
    /// The last `window` accepted inter-arrival times (µs), oldest first.
    pub intervals: VecDeque<Time>,
    /// φ at the last evaluation.
    pub phi: f64,
    pub suspected: bool,
}

impl Phi {
    /// A detector at the monitor's boot, seeded with the first-heartbeat estimate `period`.
    pub fn new(now: Time, period: Time) -> Phi {
        let sd = period / 4;
        Phi {
            last: now,
            intervals: VecDeque::from([period - sd, period + sd]),
            phi: 0.0,
            suspected: false,
        }
    }

    /// (μ + pause, max(σ, min_std)) in ms: the expected interval and its spread.
    pub fn estimate(&self, p: &PhiParams) -> (f64, f64) {
        let (mean, std) = mean_std(&self.intervals);
        let ms = |t: Time| t as f64 / MS as f64;
        (mean + ms(p.pause), std.max(ms(p.min_std)).max(1e-3))
    }

    /// φ at local time `now`.
    pub fn phi_at(&self, now: Time, p: &PhiParams) -> f64 {
        let (mean, std) = self.estimate(p);
        phi(now.saturating_sub(self.last) as f64 / MS as f64, mean, std)
    }

    /// Re-evaluates at `now`.
    pub fn evaluate(&mut self, now: Time, p: &PhiParams) {
        self.phi = self.phi_at(now, p);
        self.suspected = self.phi >= p.threshold;
    }

    /// A heartbeat at `now`: its interval joins the window if the node was not suspected.
    pub fn heartbeat(&mut self, now: Time, p: &PhiParams) {
        if self.phi_at(now, p) < p.threshold {
            self.intervals.push_back(now.saturating_sub(self.last));
            while self.intervals.len() > p.window.max(2) {
                self.intervals.pop_front();
            }
        }
        self.last = now;
        self.evaluate(now, p);
    }
}

//! Batch experiments: one Raft measurement repeated over a range of seeds, summarised as a
//! distribution (the runner's `distlab batch`). With it a teacher can redo the Raft paper's
//! figure 16: the time from a leader crash to a new leader, for different election-timeout
//! ranges.
//!
//! Each seed is an ordinary run (the lab's parameters, an optional scenario preset, that seed)
//! with one measured user action:
//!
//! - **election-time**: once the first leader has led for [`SETTLE`] plus a jitter (below),
//!   the current leader is crashed; the value is the time from the crash until a leader of a
//!   later term takes office.
//! - **commit-latency**: at the same moment one client write is submitted on the current
//!   leader; the value is the time until that entry is committed (by anyone).
//!
//! The jitter is uniform in `0..heartbeat` and drawn from a generator seeded by the run's seed
//! alone, so the crash falls anywhere between two heartbeats (as it would in a real cluster)
//! while the whole batch stays deterministic. A run that has no result by the time limit
//! counts as `missing`. Everything here is pure: no clock, no I/O.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::input::Params;
use crate::labs::coordination::raft::{self, Raft};
use crate::labs::{NetLab, NetSession};
use crate::scenario::{self, ScenarioInfo};
use crate::sim::Action;
use crate::{Time, MS};

/// The lab `batch` measures.
pub const LAB: &str = Raft::ID;

/// How long the first leader leads before the measured action.
pub const SETTLE: Time = 1_000 * MS;

/// Histogram buckets aimed at (the width is rounded to 1, 2 or 5 × a power of ten).
pub const BUCKETS: usize = 20;

/// What each run measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    ElectionTime,
    CommitLatency,
}

impl Measure {
    pub const ALL: [Measure; 2] = [Measure::ElectionTime, Measure::CommitLatency];

    pub fn id(self) -> &'static str {
        match self {
            Measure::ElectionTime => "election-time",
            Measure::CommitLatency => "commit-latency",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.id() == s)
    }
}

/// One batch: the same lab parameters and scenario, seeds `from..=to`.
#[derive(Clone, Debug)]
pub struct BatchSpec {
    pub params: Params,
    pub scenario: Option<&'static ScenarioInfo>,
    pub from: u64,
    pub to: u64,
    pub measure: Measure,
    /// Each run stops here at the latest (virtual time from the run's start).
    pub until: Time,
}

/// One seed's run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedResult {
    pub seed: u64,
    /// The measured time in ms (`None`: no result before the time limit).
    pub value_ms: Option<f64>,
    /// When the measured action happened (crash or write), ms.
    pub start_ms: Option<f64>,
    /// Elections started between the action and the result (split votes show as more than 1).
    pub elections: u64,
    /// Safety violations the checker saw in the run.
    pub violations: usize,
}

/// One histogram bucket: values in `from_ms..to_ms`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Bucket {
    pub from_ms: f64,
    pub to_ms: f64,
    pub count: usize,
}

/// The distribution of the measured values (ms). Percentiles are nearest-rank over all runs,
/// a missing run ranking above every value (so `p50` is `None` when over half are missing);
/// `min`, `max`, `mean` and the histogram cover the values found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Distribution {
    /// Runs with a value.
    pub count: usize,
    /// Runs without one by the time limit (including `unstarted`).
    pub missing: usize,
    /// Runs that never had a leader to crash or write to (no first leader by the limit).
    pub unstarted: usize,
    pub min: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub histogram: Vec<Bucket>,
}

/// Runs every seed of the batch, in order.
pub fn run(spec: &BatchSpec) -> Vec<SeedResult> {
    (spec.from..=spec.to)
        .map(|seed| run_seed(spec, seed))
        .collect()
}

/// One seed's run and measurement.
pub fn run_seed(spec: &BatchSpec, seed: u64) -> SeedResult {
    let mut s: NetSession<Raft> = raft::session(&spec.params, seed);
    s.session.sim.keep_trace = false;
    if let Some(info) = spec.scenario {
        // The presets' schedules are checked by the tests; a bad one would only be skipped.
        let _ = scenario::apply(info, &mut s.session);
    }
    let mut result = SeedResult {
        seed,
        value_ms: None,
        start_ms: None,
        elections: 0,
        violations: 0,
    };
    let ms = |t: Time| t as f64 / MS as f64;
    // The first leader.
    let Some(first) = step_until(&mut s, spec.until, |s| s.session.sim.monitor().first_leader)
    else {
        result.violations = s.session.sim.violations().len();
        return result;
    };
    let heartbeat = spec.params.get_u64("heartbeat").max(1) * MS;
    let jitter = ChaCha8Rng::seed_from_u64(seed ^ 0xBA7C_4E5E).gen_range(0..heartbeat);
    let at = first + SETTLE + jitter;
    if at > spec.until {
        return result;
    }
    s.session.run_until(at);
    let Some(leader) = Raft::leader(&s.session.sim) else {
        result.violations = s.session.sim.violations().len();
        return result;
    };
    result.start_ms = Some(ms(at));
    let elections = s.session.sim.monitor().elections;
    let end = match spec.measure {
        Measure::ElectionTime => {
            let term = s.session.sim.node(leader).current_term;
            let _ = s.session.act(Action::Crash { node: leader });
            step_until(&mut s, spec.until, |s| {
                let m = s.session.sim.monitor();
                m.leaders
                    .range(term + 1..)
                    .map(|(_, &(_, t))| t)
                    .find(|&t| t >= at)
            })
        }
        Measure::CommitLatency => {
            let _ = s.session.act(Action::command(leader, "write"));
            let index = s.session.sim.node(leader).log.last_index();
            step_until(&mut s, spec.until, |s| {
                let m = s.session.sim.monitor();
                (m.committed() >= index).then(|| m.last_commit.unwrap_or(at))
            })
        }
    };
    result.value_ms = end.map(|t| ms(t - at));
    result.elections = s.session.sim.monitor().elections - elections;
    result.violations = s.session.sim.violations().len();
    result
}

/// Steps the run until `found` gives a time, or the next event is past `until`.
fn step_until(
    s: &mut NetSession<Raft>,
    until: Time,
    found: impl Fn(&NetSession<Raft>) -> Option<Time>,
) -> Option<Time> {
    loop {
        if let Some(t) = found(s) {
            return Some(t);
        }
        if s.session.sim.next_event_time().is_none_or(|t| t > until) {
            return None;
        }
        s.session.step();
    }
}

/// The distribution of the results' values.
pub fn distribution(results: &[SeedResult]) -> Distribution {
    let mut v: Vec<f64> = results.iter().filter_map(|r| r.value_ms).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    // Missing runs rank above every value: their result would have come after the limit.
    let total = results.len();
    let rank = |p: f64| -> Option<f64> {
        let i = ((p / 100.0 * total as f64).ceil() as usize).clamp(1, total.max(1)) - 1;
        v.get(i).copied()
    };
    Distribution {
        count: n,
        missing: results.len() - n,
        unstarted: results.iter().filter(|r| r.start_ms.is_none()).count(),
        min: v.first().copied(),
        p50: rank(50.0),
        p90: rank(90.0),
        p99: rank(99.0),
        max: v.last().copied(),
        mean: (n > 0).then(|| v.iter().sum::<f64>() / n as f64),
        histogram: histogram(&v),
    }
}

/// Equal-width buckets of a "nice" width (1, 2 or 5 × 10^k ms) from a multiple of it at or
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
            from_ms: round(start + i as f64 * width),
            to_ms: round(start + (i + 1) as f64 * width),
            count: 0,
        })
        .collect();
    for &x in sorted {
        let i = (((x - start) / width).floor() as usize).min(count - 1);
        buckets[i].count += 1;
    }
    buckets
}

/// Rounds to the microsecond (the clock's unit), hiding float noise in bucket bounds.
fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// The batch's JSON: what was run, then the distribution's fields at the top level.
pub fn to_json(spec: &BatchSpec, results: &[SeedResult]) -> serde_json::Value {
    let d = distribution(results);
    let params: serde_json::Map<String, serde_json::Value> = spec
        .params
        .specs
        .iter()
        .zip(&spec.params.values)
        .map(|(s, v)| (s.key.to_string(), serde_json::json!(v)))
        .collect();
    let mut v = serde_json::json!({
        "lab": LAB,
        "measure": spec.measure.id(),
        "unit": "ms",
        "scenario": spec.scenario.map(|s| s.id),
        "seeds": { "from": spec.from, "to": spec.to },
        "runs": results.len(),
        "params": params,
        "until_ms": spec.until as f64 / MS as f64,
        "settle_ms": SETTLE as f64 / MS as f64,
        "violations": results.iter().map(|r| r.violations).sum::<usize>(),
    });
    if let (Some(obj), serde_json::Value::Object(dist)) = (v.as_object_mut(), serde_json::json!(d))
    {
        obj.extend(dist);
    }
    v
}

/// CSV header of [`to_csv_row`].
pub const CSV_HEADER: &str = "seed,value_ms,start_ms,elections,violations";

/// One seed as a CSV row (an empty value: no result before the time limit).
pub fn to_csv_row(r: &SeedResult) -> String {
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    format!(
        "{},{},{},{},{}",
        r.seed,
        opt(r.value_ms),
        opt(r.start_ms),
        r.elections,
        r.violations
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(v: Option<f64>) -> SeedResult {
        SeedResult {
            seed: 0,
            value_ms: v,
            start_ms: v.map(|_| 0.0),
            elections: 0,
            violations: 0,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank_and_buckets_cover_every_value() {
        let mut rs: Vec<SeedResult> = (1..=100).map(|i| r(Some(i as f64))).collect();
        rs.push(r(None));
        let d = distribution(&rs[..100]);
        assert_eq!((d.count, d.missing), (100, 0));
        assert_eq!(
            (d.min, d.p50, d.p90, d.p99, d.max),
            (Some(1.0), Some(50.0), Some(90.0), Some(99.0), Some(100.0))
        );
        let d = distribution(&rs);
        assert_eq!((d.count, d.missing, d.unstarted), (100, 1, 1));
        assert_eq!(
            (d.p50, d.p99, d.max),
            (Some(51.0), Some(100.0), Some(100.0))
        );
        assert_eq!(d.mean, Some(50.5));
        assert!(d.histogram.len() <= BUCKETS);
        assert_eq!(d.histogram.iter().map(|b| b.count).sum::<usize>(), 100);
        assert_eq!(d.histogram[0].from_ms, 0.0);
        assert_eq!(d.histogram[0].to_ms - d.histogram[0].from_ms, 10.0);
        let one = distribution(&[r(Some(163.25))]);
        assert_eq!(one.histogram.len(), 1);
        assert_eq!(one.histogram[0].count, 1);
        let half: Vec<SeedResult> = (0..4).map(|i| r((i < 2).then_some(5.0))).collect();
        assert_eq!(distribution(&half).p50, Some(5.0));
        let most: Vec<SeedResult> = (0..4).map(|i| r((i < 1).then_some(5.0))).collect();
        assert_eq!(distribution(&most).p50, None, "over half missing");
        let none = distribution(&[r(None)]);
        assert_eq!((none.count, none.p50, none.histogram.len()), (0, None, 0));
    }
}

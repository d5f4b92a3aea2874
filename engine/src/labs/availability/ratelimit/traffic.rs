//! Arrival patterns for the rate limiters: their spec strings and a seeded generator.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{err, split_spec, Rate, SpecError, SECOND};
use crate::Time;

/// Arrival patterns.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum TrafficSpec {
    /// Evenly spaced at `rate`, the first at 0.
    Steady { rate: Rate },
    /// A steady `base` stream plus `size` requests at once every `every` (from `every` on).
    Bursts { base: Rate, size: u32, every: Time },
    /// The rate goes linearly from `from` to `to` over `over`, then stays at `to`.
    Ramp { from: Rate, to: Rate, over: Time },
    /// Steady at `rate` for `on`, silent for `off`, repeating.
    OnOff { rate: Rate, on: Time, off: Time },
    /// Gaps drawn uniformly from `0 ..= 2/rate` with the seeded generator (mean `rate`).
    Jitter { rate: Rate },
}

fn traffic_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "steady" | "jitter" => &["rate"],
        "bursts" => &["base", "size", "every"],
        "ramp" => &["from", "to", "over"],
        "onoff" => &["rate", "on", "off"],
        _ => &[],
    }
}

impl TrafficSpec {
    /// Parses `steady:rate=20`, `bursts:base=5,size=30,every=2s`,
    /// `ramp:from=0,to=50,over=10s`, `onoff:rate=40,on=1s,off=2s`, `jitter:rate=20`.
    /// `default_over` is the ramp's length when `over` is not given.
    pub fn parse(spec: &str, default_over: Time) -> Result<TrafficSpec, SpecError> {
        let p = split_spec(spec, "traffic", &traffic_keys)?;
        Ok(match p.kind {
            "steady" => TrafficSpec::Steady {
                rate: p.rate("rate", None, 0.001)?,
            },
            "jitter" => TrafficSpec::Jitter {
                rate: p.rate("rate", None, 0.001)?,
            },
            "bursts" => TrafficSpec::Bursts {
                base: p.rate("base", Some(0.0), 0.0)?,
                size: p.whole("size", None, 1, 1_000_000)?,
                every: p.time("every", Some(SECOND), 1)?,
            },
            "ramp" => {
                let (from, to) = (p.rate("from", Some(0.0), 0.0)?, p.rate("to", None, 0.0)?);
                if from.milli == 0 && to.milli == 0 {
                    return err(format!("`{spec}`: from and to are both 0"));
                }
                TrafficSpec::Ramp {
                    from,
                    to,
                    over: p.time("over", Some(default_over.max(1)), 1)?,
                }
            }
            _ => TrafficSpec::OnOff {
                rate: p.rate("rate", None, 0.001)?,
                on: p.time("on", Some(SECOND), 1)?,
                off: p.time("off", Some(SECOND), 0)?,
            },
        })
    }
}

/// Generates arrival times (non-decreasing) for a [`TrafficSpec`].
#[derive(Clone, Debug)]
pub struct Traffic {
    spec: TrafficSpec,
    rng: ChaCha8Rng,
    /// Arrivals of the steady part so far.
    k: u64,
    /// Bursts: next burst number (from 1) and requests left in it. On/off: the cycle.
    j: u64,
    left: u32,
    /// The last arrival, from `origin`.
    last: Time,
    /// When the pattern starts (0, or the time a user changed the traffic).
    origin: Time,
}

impl Traffic {
    pub fn new(spec: &TrafficSpec, seed: u64) -> Traffic {
        Traffic::starting_at(spec, seed, 0)
    }

    /// The pattern shifted to start at `origin` (its first steady arrival, its first burst
    /// `every` later, a ramp's start).
    pub fn starting_at(spec: &TrafficSpec, seed: u64, origin: Time) -> Traffic {
        Traffic {
            origin,
            left: match spec {
                TrafficSpec::Bursts { size, .. } => *size,
                _ => 0,
            },
            spec: spec.clone(),
            rng: ChaCha8Rng::seed_from_u64(seed),
            k: 0,
            j: 1,
            last: 0,
        }
    }

    /// The next arrival, or `None` when the pattern has no more.
    pub fn next_arrival(&mut self) -> Option<Time> {
        let t = match self.spec.clone() {
            TrafficSpec::Steady { rate } => {
                self.k += 1;
                rate.time_for(self.k - 1)
            }
            TrafficSpec::Jitter { rate } => {
                let gap = self.rng.gen_range(0..=2 * rate.interval());
                self.last.checked_add(gap)?
            }
            TrafficSpec::Bursts { base, size, every } => {
                let burst = every.checked_mul(self.j)?;
                let steady = base.time_for(self.k);
                if burst <= steady {
                    self.left -= 1;
                    if self.left == 0 {
                        (self.j, self.left) = (self.j + 1, size);
                    }
                    burst
                } else {
                    self.k += 1;
                    steady
                }
            }
            TrafficSpec::Ramp { from, to, over } => {
                self.k += 1;
                ramp_time(self.k - 1, from, to, over)?
            }
            TrafficSpec::OnOff { rate, on, off } => loop {
                let within = rate.time_for(self.k);
                if within < on {
                    self.k += 1;
                    break (self.j - 1).checked_mul(on + off)?.checked_add(within)?;
                }
                (self.j, self.k) = (self.j + 1, 0);
            },
        };
        if t == Time::MAX {
            return None;
        }
        self.last = t.max(self.last);
        self.origin.checked_add(self.last)
    }
}

/// When the `k`-th arrival of a linear ramp happens: `N(t) = r0·t + (r1−r0)·t²/(2·over)`
/// solved for `N = k` (stable form), then steady at `r1`.
fn ramp_time(k: u64, from: Rate, to: Rate, over: Time) -> Option<Time> {
    if k == 0 {
        return Some(0);
    }
    let (r0, r1) = (from.milli as f64 / 1e9, to.milli as f64 / 1e9);
    let d = over as f64;
    let at_end = (r0 + r1) / 2.0 * d;
    let k = k as f64;
    let t = if k <= at_end {
        let a = (r1 - r0) / d;
        2.0 * k / (r0 + (r0 * r0 + 2.0 * a * k).max(0.0).sqrt())
    } else if r1 > 0.0 {
        d + (k - at_end) / r1
    } else {
        return None;
    };
    (t.is_finite() && t < 1e18).then_some(t as Time)
}

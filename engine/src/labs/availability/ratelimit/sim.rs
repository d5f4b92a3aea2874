//! A limiter fed by a traffic generator, advanced in virtual time: every request's outcome
//! and the plotted series.

use super::traffic::Traffic;
use super::{Decision, Limiter, LimiterSpec, SpecError, TrafficSpec};
use crate::{Time, MS};

/// The most requests one simulation generates; beyond this it stops and says `truncated`.
pub const MAX_REQUESTS: u64 = 2_000_000;

/// One request's fate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Outcome {
    pub arrival: Time,
    pub decision: Decision,
}

/// One point of the plotted series: the gauge at `t` and what happened since the last point.
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize)]
pub struct Sample {
    pub t: Time,
    pub gauge: f64,
    pub offered: u64,
    /// Admitted (now or after a wait) since the last sample.
    pub admitted: u64,
    pub queued: u64,
    pub rejected: u64,
    /// Mean wait of those admitted since the last sample, in ms.
    pub mean_delay_ms: f64,
}

/// Totals over a run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Totals {
    pub offered: u64,
    /// Admitted now or after a wait.
    pub admitted: u64,
    /// Of the admitted, those that waited.
    pub queued: u64,
    pub rejected: u64,
    pub mean_delay_ms: f64,
    pub p50_delay_ms: f64,
    pub p95_delay_ms: f64,
    pub p99_delay_ms: f64,
    pub max_delay_ms: f64,
}

/// A limiter fed by a traffic generator, advanced in virtual time.
#[derive(Clone, Debug)]
pub struct RateSim {
    limiter: Limiter,
    traffic: Traffic,
    service: Time,
    sample_every: Time,
    now: Time,
    next_arrival: Option<Time>,
    next_sample: Time,
    outcomes: Vec<Outcome>,
    series: Vec<Sample>,
    pending: Sample,
    pending_delay: u128,
    truncated: bool,
    /// Whether the limiter is in use (limiter B can be switched off and on mid-run; while
    /// off, nothing is offered and the samples are zeros).
    on: bool,
    /// Requests a user sent all at once at `injected_at`, not yet offered.
    injected: u32,
    injected_at: Time,
}

/// A [`RateSim`] as a checkpoint keeps it: everything but the records, which only grow, and
/// their lengths.
#[derive(Clone, Debug)]
pub struct RateMark {
    sim: RateSim,
    outcomes: usize,
    series: usize,
}

impl RateMark {
    /// The memory its limiter's state takes beyond its own size (a sliding window's log).
    pub fn heap_bytes(&self) -> usize {
        self.sim.limiter.heap_bytes()
    }
}

impl RateSim {
    /// `service`: how long an admitted request is in service (the thread limit's hold time).
    /// `sample_every`: the series' step (at least 1 µs).
    pub fn new(
        limiter: &LimiterSpec,
        traffic: &TrafficSpec,
        seed: u64,
        service: Time,
        sample_every: Time,
    ) -> Result<RateSim, SpecError> {
        let mut traffic = Traffic::new(traffic, seed);
        Ok(RateSim {
            limiter: Limiter::new(limiter)?,
            next_arrival: traffic.next_arrival(),
            traffic,
            service,
            sample_every: sample_every.max(1),
            now: 0,
            next_sample: 0,
            outcomes: Vec::new(),
            series: Vec::new(),
            pending: Sample::default(),
            pending_delay: 0,
            truncated: false,
            on: true,
            injected: 0,
            injected_at: 0,
        })
    }

    /// The simulation without its records, and their lengths.
    pub fn mark(&self) -> RateMark {
        RateMark {
            sim: RateSim {
                limiter: self.limiter.clone(),
                traffic: self.traffic.clone(),
                outcomes: Vec::new(),
                series: Vec::new(),
                ..*self
            },
            outcomes: self.outcomes.len(),
            series: self.series.len(),
        }
    }

    /// Goes back to a mark taken earlier in this run: the records are cut back to it.
    pub fn restore(&mut self, mark: &RateMark) {
        let mut outcomes = std::mem::take(&mut self.outcomes);
        let mut series = std::mem::take(&mut self.series);
        outcomes.truncate(mark.outcomes);
        series.truncate(mark.series);
        *self = RateSim {
            limiter: mark.sim.limiter.clone(),
            traffic: mark.sim.traffic.clone(),
            outcomes,
            series,
            ..mark.sim
        };
    }

    /// Changes the limiter at `now` (see [`Limiter::reconfigure`]).
    pub fn set_limiter(&mut self, spec: &LimiterSpec, now: Time) -> Result<(), SpecError> {
        self.limiter.reconfigure(spec, now)
    }

    /// Switches the limiter off: from now on it is offered nothing.
    pub fn switch_off(&mut self) {
        (self.on, self.next_arrival, self.injected) = (false, None, 0);
    }

    /// Switches the limiter on again as a fresh `spec`, offered the same requests as `other`
    /// from now on.
    pub fn switch_on(&mut self, spec: &LimiterSpec, other: &RateSim) -> Result<(), SpecError> {
        self.limiter = Limiter::new(spec)?;
        self.traffic = other.traffic.clone();
        (self.next_arrival, self.injected, self.injected_at) =
            (other.next_arrival, other.injected, other.injected_at);
        self.on = true;
        Ok(())
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    /// The arrivals from now on follow `traffic` instead.
    pub fn set_traffic(&mut self, traffic: Traffic) {
        self.traffic = traffic;
        if self.on && !self.truncated {
            self.next_arrival = self.traffic.next_arrival();
        }
    }

    /// How long an admitted request is in service, from now on.
    pub fn set_service(&mut self, service: Time) {
        self.service = service;
    }

    /// `k` more requests arrive at `now`, before anything later.
    pub fn inject(&mut self, now: Time, k: u32) {
        if self.on && !self.truncated {
            self.injected = self.injected.saturating_add(k);
            self.injected_at = now;
        }
    }

    /// Processes every arrival and sample before `t` (so `run_until(10 s)` covers
    /// `[0, 10 s)` and a later call picks up at `t`). At equal times arrivals come first, so
    /// a sample shows the state after them.
    pub fn run_until(&mut self, t: Time) {
        loop {
            let injected = (self.injected > 0).then_some(self.injected_at);
            let arrival = injected.or(self.next_arrival).filter(|&a| a < t);
            match arrival {
                Some(a) if a <= self.next_sample => self.arrive(a, injected.is_some()),
                _ if self.next_sample < t => self.sample(),
                _ => break,
            }
        }
        self.now = self.now.max(t);
    }

    fn arrive(&mut self, a: Time, injected: bool) {
        let d = self.limiter.offer(a, self.service);
        self.outcomes.push(Outcome {
            arrival: a,
            decision: d,
        });
        let s = &mut self.pending;
        s.offered += 1;
        match d {
            Decision::Rejected => s.rejected += 1,
            Decision::Admitted => s.admitted += 1,
            Decision::Queued { delay } => {
                s.admitted += 1;
                s.queued += 1;
                self.pending_delay += delay as u128;
            }
        }
        self.now = a;
        if self.outcomes.len() as u64 >= MAX_REQUESTS {
            (self.truncated, self.next_arrival, self.injected) = (true, None, 0);
        } else if injected {
            self.injected -= 1;
        } else {
            self.next_arrival = self.traffic.next_arrival();
        }
    }

    fn sample(&mut self) {
        let t = self.next_sample;
        let mut s = self.pending;
        s.t = t;
        s.gauge = if self.on { self.limiter.gauge(t) } else { 0.0 };
        s.mean_delay_ms = if s.admitted > 0 {
            self.pending_delay as f64 / s.admitted as f64 / MS as f64
        } else {
            0.0
        };
        self.series.push(s);
        self.pending = Sample {
            t,
            ..Default::default()
        };
        self.pending_delay = 0;
        self.now = t;
        self.next_sample = t.saturating_add(self.sample_every);
    }

    pub fn now(&self) -> Time {
        self.now
    }

    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Every request so far, in arrival order.
    pub fn outcomes(&self) -> &[Outcome] {
        &self.outcomes
    }

    /// The plotted series so far.
    pub fn series(&self) -> &[Sample] {
        &self.series
    }

    /// Whether the run stopped generating at [`MAX_REQUESTS`].
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// Totals over every request so far.
    pub fn totals(&self) -> Totals {
        let mut delays: Vec<Time> = Vec::new();
        let mut t = Totals {
            offered: self.outcomes.len() as u64,
            ..Totals::default()
        };
        for o in &self.outcomes {
            match o.decision {
                Decision::Rejected => t.rejected += 1,
                d => {
                    t.admitted += 1;
                    t.queued += matches!(d, Decision::Queued { .. }) as u64;
                    delays.push(d.delay());
                }
            }
        }
        delays.sort_unstable();
        let ms = |d: Time| d as f64 / MS as f64;
        let pct = |p: usize| delays.get((delays.len() * p).div_ceil(100).saturating_sub(1));
        if !delays.is_empty() {
            t.mean_delay_ms = ms(delays.iter().sum::<Time>()) / delays.len() as f64;
            t.p50_delay_ms = pct(50).map_or(0.0, |&d| ms(d));
            t.p95_delay_ms = pct(95).map_or(0.0, |&d| ms(d));
            t.p99_delay_ms = pct(99).map_or(0.0, |&d| ms(d));
            t.max_delay_ms = ms(*delays.last().unwrap_or(&0));
        }
        t
    }
}

/// Runs a limiter over given arrival times (for tests and worked examples).
pub fn decide_all(
    spec: &LimiterSpec,
    arrivals: &[Time],
    service: Time,
) -> Result<Vec<Decision>, SpecError> {
    let mut l = Limiter::new(spec)?;
    Ok(arrivals.iter().map(|&a| l.offer(a, service)).collect())
}

//! Rate limiters as deterministic models driven by virtual time (microseconds).
//!
//! A [`Limiter`] answers each arriving request with a [`Decision`]: admitted now, queued
//! (admitted after a delay), or rejected. The kinds:
//!
//! - leaky bucket: a queue of `capacity` requests drained at a fixed rate;
//! - token bucket: `burst` tokens refilled at `rate`; a request takes one or is rejected (or,
//!   with `wait`, reserves a future token if it comes within that wait, as Guava does);
//! - fixed window and sliding window (an exact log) counters;
//! - Sentinel's flow-control modes: concurrent-thread limit, QPS direct reject (a 1 s leap
//!   array of two 500 ms buckets), warm-up (Guava's smooth warming-up as Sentinel adapts it:
//!   cold factor, warm-up period) and uniform queueing (interval `T`, maximum wait).
//!
//! A [`Traffic`] generator (steady, bursts, ramp, on/off, jittered; `traffic.rs`) feeds a
//! [`RateSim`] (`sim.rs`), which records every outcome and a [`Sample`] series (the limiter's
//! gauge, admitted, rejected, delay) for plotting. Token arithmetic is in exact integers, so the
//! token bucket's bound `admitted ≤ burst + rate·t` holds exactly, not just approximately.
//!
//! The lab runs two limiters on the same traffic as a [`RateModel`] (`model.rs`) on the
//! time-only model session: a user's changes mid-run are logged actions, so the run can be
//! scrubbed back and forth and shared.

mod model;
mod sim;
mod traffic;

pub use model::{session, RateAction, RateModel, RateSnapshot, MAX_BURST, STEP};
pub use sim::{decide_all, Outcome, RateSim, Sample, Totals, MAX_REQUESTS};
pub use traffic::{Traffic, TrafficSpec};

use crate::labs::plot_params::{RATELIMIT_PARAMS, RATELIMIT_TEXTS};
use crate::labs::{Group, LabDef, ModelView, TimedModel};
use crate::scenario::ScenarioInfo;
use crate::sim::model::read_log;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fmt;

use crate::{Time, MS};

/// One second of virtual time.
pub const SECOND: Time = 1000 * MS;
/// The highest rate accepted, per second.
pub const MAX_RATE: f64 = 1_000_000.0;

/// A rate per second, held in thousandths so that token arithmetic is exact. Serialises as
/// the plain per-second number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(into = "f64")]
pub struct Rate {
    pub milli: u64,
}

impl Rate {
    /// A rate of `per_second`, `0 ..= MAX_RATE`, to a thousandth.
    pub fn per_second(per_second: f64) -> Option<Rate> {
        (per_second.is_finite() && (0.0..=MAX_RATE).contains(&per_second)).then(|| Rate {
            milli: (per_second * 1000.0).round() as u64,
        })
    }

    pub fn per_second_f64(self) -> f64 {
        self.milli as f64 / 1000.0
    }

    /// When the `n`-th event of a steady stream at this rate happens (the 0th at 0).
    pub fn time_for(self, n: u64) -> Time {
        if self.milli == 0 {
            return Time::MAX;
        }
        (n as u128 * 1_000_000_000 / self.milli as u128).min(Time::MAX as u128) as Time
    }

    /// Time between two events (at least 1 µs).
    pub fn interval(self) -> Time {
        self.time_for(1).max(1)
    }
}

impl From<Rate> for f64 {
    fn from(r: Rate) -> f64 {
        r.per_second_f64()
    }
}

/// What a limiter did with one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Decision {
    Admitted,
    /// Admitted after waiting `delay` µs.
    Queued {
        delay: Time,
    },
    Rejected,
}

impl Decision {
    pub fn passes(self) -> bool {
        !matches!(self, Decision::Rejected)
    }

    pub fn delay(self) -> Time {
        match self {
            Decision::Queued { delay } => delay,
            _ => 0,
        }
    }
}

/// A limiter's parameters (times in µs, rates per second).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum LimiterSpec {
    /// A queue of at most `capacity` waiting requests, drained one per `1/rate`.
    Leaky { capacity: u32, rate: Rate },
    /// `burst` tokens, refilled at `rate`; a request may wait up to `max_wait` for a token.
    Token {
        rate: Rate,
        burst: u32,
        max_wait: Time,
    },
    /// At most `limit` admissions per aligned window.
    Fixed { limit: u32, window: Time },
    /// At most `limit` admissions in any trailing `window` (exact log).
    Sliding { limit: u32, window: Time },
    /// Sentinel's thread-count mode: at most `max` requests in service at once.
    Threads { max: u32 },
    /// Sentinel's QPS direct reject: passes in the last second (two 500 ms buckets) < count.
    Qps { count: f64 },
    /// Sentinel's QPS warm-up: starts cold at `count / cold_factor` and warms to `count`
    /// over about `period_s` seconds of steady traffic.
    Warmup {
        count: f64,
        cold_factor: u32,
        period_s: u32,
    },
    /// Sentinel's uniform queueing: one pass per `interval`; a request that would wait
    /// longer than `max_wait` is rejected.
    Uniform { interval: Time, max_wait: Time },
}

/// A bad limiter or traffic spec. `Display` is one English line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

fn err<T>(msg: impl Into<String>) -> Result<T, SpecError> {
    Err(SpecError(msg.into()))
}

pub use crate::parse_duration;

/// A spec's kind and `key=value` pairs, with typed getters.
struct Pairs<'a> {
    spec: &'a str,
    kind: &'a str,
    pairs: Vec<(&'a str, &'a str)>,
}

/// `kind:k=v,k=v` → kind and pairs, checking keys against `allowed`.
fn split_spec<'a>(
    spec: &'a str,
    what: &str,
    allowed: &dyn Fn(&str) -> &'static [&'static str],
) -> Result<Pairs<'a>, SpecError> {
    let (kind, rest) = spec.trim().split_once(':').unwrap_or((spec.trim(), ""));
    let keys = allowed(kind);
    if keys.is_empty() {
        return err(format!("unknown {what} kind `{kind}`"));
    }
    let mut pairs = Vec::new();
    for part in rest.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((k, v)) = part.split_once('=') else {
            return err(format!("`{part}` in {what} `{spec}` is not key=value"));
        };
        let k = k.trim();
        if !keys.contains(&k) {
            return err(format!(
                "`{k}` is not a parameter of {what} `{kind}` (use {})",
                keys.join(", ")
            ));
        }
        pairs.push((k, v.trim()));
    }
    Ok(Pairs { spec, kind, pairs })
}

impl Pairs<'_> {
    fn raw(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|p| p.1)
    }

    fn number(
        &self,
        key: &str,
        default: Option<f64>,
        min: f64,
        max: f64,
    ) -> Result<f64, SpecError> {
        let Some(v) = self.raw(key) else {
            return default.map_or_else(|| err(format!("`{}` needs {key}=…", self.spec)), Ok);
        };
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && (min..=max).contains(&x) => Ok(x),
            _ => err(format!(
                "{key}={v} in `{}` is not a number in {min}..{max}",
                self.spec
            )),
        }
    }

    fn whole(&self, key: &str, default: Option<u32>, min: u32, max: u32) -> Result<u32, SpecError> {
        let x = self.number(key, default.map(f64::from), min as f64, max as f64)?;
        if x.fract() != 0.0 {
            return err(format!(
                "{key}={x} in `{}` is not a whole number",
                self.spec
            ));
        }
        Ok(x as u32)
    }

    fn rate(&self, key: &str, default: Option<f64>, min: f64) -> Result<Rate, SpecError> {
        let r = self.number(key, default, min, MAX_RATE)?;
        Rate::per_second(r)
            .filter(|r| r.milli > 0 || min == 0.0)
            .map_or_else(|| err(format!("{key} in `{}` is too small", self.spec)), Ok)
    }

    fn time(&self, key: &str, default: Option<Time>, min: Time) -> Result<Time, SpecError> {
        let Some(v) = self.raw(key) else {
            return default.map_or_else(|| err(format!("`{}` needs {key}=…", self.spec)), Ok);
        };
        match parse_duration(v) {
            Some(t) if t >= min => Ok(t),
            _ => err(format!(
                "{key}={v} in `{}` is not a time like 500ms or 2s{}",
                self.spec,
                if min > 0 { " (and above 0)" } else { "" }
            )),
        }
    }
}

fn limiter_keys(kind: &str) -> &'static [&'static str] {
    match kind {
        "leaky" => &["capacity", "rate"],
        "token" => &["rate", "burst", "wait"],
        "fixed" | "sliding" => &["limit", "window"],
        "threads" => &["max"],
        "qps" => &["count"],
        "warmup" => &["count", "cold", "period"],
        "uniform" => &["interval", "rate", "wait"],
        _ => &[],
    }
}

impl LimiterSpec {
    /// Parses `leaky:capacity=10,rate=5`, `token:rate=10,burst=5[,wait=0ms]`,
    /// `fixed:limit=10,window=1s`, `sliding:limit=10,window=1s`, `threads:max=5`,
    /// `qps:count=10`, `warmup:count=10,cold=3,period=10s`,
    /// `uniform:interval=100ms,wait=600ms` (or `uniform:rate=10,wait=600ms`).
    pub fn parse(spec: &str) -> Result<LimiterSpec, SpecError> {
        let p = split_spec(spec, "limiter", &limiter_keys)?;
        let kind = p.kind;
        Ok(match kind {
            "leaky" => LimiterSpec::Leaky {
                capacity: p.whole("capacity", Some(10), 0, 1_000_000)?,
                rate: p.rate("rate", None, 0.001)?,
            },
            "token" => LimiterSpec::Token {
                rate: p.rate("rate", None, 0.001)?,
                burst: p.whole("burst", Some(1), 1, 1_000_000)?,
                max_wait: p.time("wait", Some(0), 0)?,
            },
            "fixed" | "sliding" => {
                let limit = p.whole("limit", None, 0, 1_000_000)?;
                let window = p.time("window", Some(SECOND), 1)?;
                if kind == "fixed" {
                    LimiterSpec::Fixed { limit, window }
                } else {
                    LimiterSpec::Sliding { limit, window }
                }
            }
            "threads" => LimiterSpec::Threads {
                max: p.whole("max", None, 0, 1_000_000)?,
            },
            "qps" => LimiterSpec::Qps {
                count: p.number("count", None, 0.0, MAX_RATE)?,
            },
            "warmup" => {
                let period = p.time("period", Some(10 * SECOND), SECOND)?;
                if period % SECOND != 0 {
                    return err(format!("period in `{spec}` must be whole seconds"));
                }
                LimiterSpec::Warmup {
                    count: p.number("count", None, 1.0, MAX_RATE)?,
                    cold_factor: p.whole("cold", Some(3), 2, 100)?,
                    period_s: (period / SECOND).min(86_400) as u32,
                }
            }
            _ => {
                let interval = match (p.raw("interval"), p.raw("rate")) {
                    (Some(_), Some(_)) => {
                        return err(format!("`{spec}`: give interval or rate, not both"))
                    }
                    (None, Some(_)) => p.rate("rate", None, 0.001)?.interval(),
                    _ => p.time("interval", None, 1)?,
                };
                LimiterSpec::Uniform {
                    interval,
                    max_wait: p.time("wait", Some(0), 0)?,
                }
            }
        })
    }

    /// What the limiter's gauge measures.
    pub fn gauge_name(&self) -> &'static str {
        match self {
            LimiterSpec::Leaky { .. } | LimiterSpec::Uniform { .. } => "queued",
            LimiterSpec::Token { .. } => "tokens",
            LimiterSpec::Fixed { .. } | LimiterSpec::Sliding { .. } => "window_count",
            LimiterSpec::Threads { .. } => "threads",
            LimiterSpec::Qps { .. } => "pass_qps",
            LimiterSpec::Warmup { .. } => "allowed_qps",
        }
    }
}

/// Sentinel's leap array for one second: two 500 ms buckets of pass counts.
#[derive(Clone, Debug, Default, PartialEq)]
struct LeapArray {
    /// (bucket start, passes) for the two slots.
    slots: [(Time, u64); 2],
}

impl LeapArray {
    const BUCKET: Time = 500 * MS;

    fn sum(&self, now: Time) -> u64 {
        let start = now - now % Self::BUCKET;
        self.slots
            .iter()
            .filter(|(s, _)| *s <= start && start - *s < SECOND)
            .map(|s| s.1)
            .sum()
    }

    fn add(&mut self, now: Time) {
        let start = now - now % Self::BUCKET;
        let slot = &mut self.slots[((now / Self::BUCKET) % 2) as usize];
        if slot.0 != start {
            *slot = (start, 0);
        }
        slot.1 += 1;
    }
}

/// Passes per whole second, for warm-up's "previous second's QPS".
#[derive(Clone, Debug, Default, PartialEq)]
struct SecondCounter {
    second: u64,
    current: u64,
    previous: u64,
}

impl SecondCounter {
    fn roll(&mut self, now: Time) {
        let s = now / SECOND;
        if s != self.second {
            self.previous = if s == self.second + 1 {
                self.current
            } else {
                0
            };
            self.current = 0;
            self.second = s;
        }
    }

    fn previous(&mut self, now: Time) -> u64 {
        self.roll(now);
        self.previous
    }

    fn add(&mut self, now: Time) {
        self.roll(now);
        self.current += 1;
    }
}

/// Sentinel's warm-up controller state (`WarmUpController`).
#[derive(Clone, Debug, PartialEq)]
struct WarmState {
    count: f64,
    cold_factor: f64,
    warning: i64,
    max: i64,
    slope: f64,
    stored: i64,
    last_filled: Time,
    leap: LeapArray,
    seconds: SecondCounter,
}

impl WarmState {
    fn new(count: f64, cold_factor: u32, period_s: u32) -> Result<WarmState, SpecError> {
        let warning = (period_s as f64 * count) as i64 / (cold_factor as i64 - 1);
        let max = warning + (2.0 * period_s as f64 * count / (1.0 + cold_factor as f64)) as i64;
        if max <= warning {
            return err("warm-up: count × period is too small for this cold factor");
        }
        let slope = (cold_factor as f64 - 1.0) / count / (max - warning) as f64;
        Ok(WarmState {
            count,
            cold_factor: cold_factor as f64,
            warning,
            max,
            slope,
            // Starts cold, as after a long quiet spell.
            stored: max,
            last_filled: 0,
            leap: LeapArray::default(),
            seconds: SecondCounter::default(),
        })
    }

    /// Refills stored tokens once per second (`syncToken` / `coolDownTokens`).
    fn sync(&mut self, now: Time, previous_qps: u64) {
        let current = now - now % SECOND;
        if current <= self.last_filled {
            return;
        }
        let old = self.stored;
        let refill = || {
            (old as f64 + (current - self.last_filled) as f64 / MS as f64 * self.count / 1000.0)
                as i64
        };
        let mut new = old;
        if old < self.warning
            || (old > self.warning && (previous_qps as f64) < self.count / self.cold_factor)
        {
            new = refill();
        }
        self.stored = (new.min(self.max) - previous_qps as i64).max(0);
        self.last_filled = current;
    }

    /// The QPS allowed with the stored tokens as they are.
    fn allowed(&self) -> f64 {
        if self.stored >= self.warning {
            let above = (self.stored - self.warning) as f64;
            next_up(1.0 / (above * self.slope + 1.0 / self.count))
        } else {
            self.count
        }
    }

    fn offer(&mut self, now: Time) -> bool {
        let passed = self.leap.sum(now) as f64;
        let previous = self.seconds.previous(now);
        self.sync(now, previous);
        let ok = passed + 1.0 <= self.allowed();
        if ok {
            self.leap.add(now);
            self.seconds.add(now);
        }
        ok
    }
}

fn next_up(x: f64) -> f64 {
    if x.is_finite() && x >= 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        x
    }
}

/// Units of one token: the token bucket counts in 10⁻⁹ tokens, so `rate.milli` units
/// accrue per microsecond exactly.
const TOKEN: i128 = 1_000_000_000;

#[derive(Clone, Debug)]
enum State {
    /// Scheduled departure of the last request let in.
    Leaky {
        last: Option<Time>,
    },
    Token {
        units: i128,
        at: Time,
    },
    Fixed {
        start: Time,
        count: u32,
    },
    Sliding {
        log: VecDeque<Time>,
    },
    Threads {
        busy: BinaryHeap<Reverse<Time>>,
    },
    Qps {
        leap: LeapArray,
    },
    Warmup(Box<WarmState>),
    /// Sentinel's `latestPassedTime`.
    Uniform {
        latest: Option<Time>,
    },
}

/// A limiter with its state. `Clone`, so a simulation can checkpoint it.
#[derive(Clone, Debug)]
pub struct Limiter {
    spec: LimiterSpec,
    state: State,
}

impl Limiter {
    pub fn new(spec: &LimiterSpec) -> Result<Limiter, SpecError> {
        let state = match *spec {
            LimiterSpec::Leaky { .. } => State::Leaky { last: None },
            LimiterSpec::Token { burst, .. } => State::Token {
                units: burst as i128 * TOKEN,
                at: 0,
            },
            LimiterSpec::Fixed { .. } => State::Fixed { start: 0, count: 0 },
            LimiterSpec::Sliding { .. } => State::Sliding {
                log: VecDeque::new(),
            },
            LimiterSpec::Threads { .. } => State::Threads {
                busy: BinaryHeap::new(),
            },
            LimiterSpec::Qps { .. } => State::Qps {
                leap: LeapArray::default(),
            },
            LimiterSpec::Warmup {
                count,
                cold_factor,
                period_s,
            } => State::Warmup(Box::new(WarmState::new(count, cold_factor, period_s)?)),
            LimiterSpec::Uniform { .. } => State::Uniform { latest: None },
        };
        Ok(Limiter {
            spec: spec.clone(),
            state,
        })
    }

    pub fn spec(&self) -> &LimiterSpec {
        &self.spec
    }

    /// The memory its state takes beyond its own size: a sliding window's log of admissions,
    /// the thread limit's release times, warm-up's boxed state.
    pub fn heap_bytes(&self) -> usize {
        match &self.state {
            State::Sliding { log } => log.len() * std::mem::size_of::<Time>(),
            State::Threads { busy } => busy.len() * std::mem::size_of::<Time>(),
            State::Warmup(_) => std::mem::size_of::<WarmState>(),
            _ => 0,
        }
    }

    /// Changes the limiter to `spec` at `now` (a user's change mid-run). Of the same kind, its
    /// state carries over (the queue, the window's count, the tokens, of which a token bucket
    /// keeps at most its new burst); of another kind, and for warm-up, it starts fresh, as
    /// Sentinel's controllers do when their rules are reloaded. A refused spec changes
    /// nothing.
    pub fn reconfigure(&mut self, spec: &LimiterSpec, now: Time) -> Result<(), SpecError> {
        let mut fresh = Limiter::new(spec)?;
        let same_kind = std::mem::discriminant(&self.spec) == std::mem::discriminant(spec);
        match (&self.spec, &self.state, spec) {
            (
                &LimiterSpec::Token { rate, burst, .. },
                &State::Token { units, at },
                &LimiterSpec::Token { burst: new, .. },
            ) => {
                let now = now.max(at);
                let units = token_level(units, at, now, rate, burst).min(new as i128 * TOKEN);
                fresh.state = State::Token { units, at: now };
            }
            (LimiterSpec::Warmup { .. }, _, _) => {}
            (_, state, _) if same_kind => fresh.state = state.clone(),
            _ => {}
        }
        *self = fresh;
        Ok(())
    }

    /// Decides on a request arriving at `now` that, once admitted, is in service for
    /// `service` (only the thread limit cares). Calls must come in time order.
    pub fn offer(&mut self, now: Time, service: Time) -> Decision {
        let queued = |pass: Time| match pass.saturating_sub(now) {
            0 => Decision::Admitted,
            delay => Decision::Queued { delay },
        };
        match (&self.spec, &mut self.state) {
            (LimiterSpec::Leaky { capacity, rate }, State::Leaky { last }) => {
                let pass = last.map_or(now, |l| now.max(l + rate.interval()));
                if pass > now && leaky_waiting(*last, now, rate.interval()) >= *capacity as u64 {
                    return Decision::Rejected;
                }
                *last = Some(pass);
                queued(pass)
            }
            (
                &LimiterSpec::Token {
                    rate,
                    burst,
                    max_wait,
                },
                State::Token { units, at },
            ) => {
                *units = token_level(*units, *at, now, rate, burst);
                *at = now;
                if *units >= TOKEN {
                    *units -= TOKEN;
                    return Decision::Admitted;
                }
                let wait = (TOKEN - *units).div_euclid(rate.milli as i128)
                    + ((TOKEN - *units) % rate.milli as i128 != 0) as i128;
                if max_wait == 0 || wait > max_wait as i128 {
                    return Decision::Rejected;
                }
                // The bucket is empty exactly when the request passes: the fraction of a
                // microsecond's tokens that rounding the wait up would add is dropped, so
                // the bound burst + rate·t holds for pass times too.
                *units = -wait * rate.milli as i128;
                Decision::Queued {
                    delay: wait as Time,
                }
            }
            (&LimiterSpec::Fixed { limit, window }, State::Fixed { start, count }) => {
                let s = now - now % window;
                if s != *start {
                    (*start, *count) = (s, 0);
                }
                if *count >= limit {
                    return Decision::Rejected;
                }
                *count += 1;
                Decision::Admitted
            }
            (&LimiterSpec::Sliding { limit, window }, State::Sliding { log }) => {
                while log.front().is_some_and(|&t| t + window <= now) {
                    log.pop_front();
                }
                if log.len() >= limit as usize {
                    return Decision::Rejected;
                }
                log.push_back(now);
                Decision::Admitted
            }
            (&LimiterSpec::Threads { max }, State::Threads { busy }) => {
                while busy.peek().is_some_and(|Reverse(t)| *t <= now) {
                    busy.pop();
                }
                if busy.len() >= max as usize {
                    return Decision::Rejected;
                }
                busy.push(Reverse(now.saturating_add(service)));
                Decision::Admitted
            }
            (&LimiterSpec::Qps { count }, State::Qps { leap }) => {
                if leap.sum(now) as f64 + 1.0 > count {
                    return Decision::Rejected;
                }
                leap.add(now);
                Decision::Admitted
            }
            (LimiterSpec::Warmup { .. }, State::Warmup(w)) => {
                if w.offer(now) {
                    Decision::Admitted
                } else {
                    Decision::Rejected
                }
            }
            (&LimiterSpec::Uniform { interval, max_wait }, State::Uniform { latest }) => {
                let expected = latest.map_or(now, |l| l + interval);
                if expected <= now {
                    *latest = Some(now);
                    return Decision::Admitted;
                }
                if expected - now > max_wait {
                    return Decision::Rejected;
                }
                *latest = Some(expected);
                queued(expected)
            }
            _ => unreachable!("a limiter's state always matches its spec"),
        }
    }

    /// The limiter's gauge at `now` (see [`LimiterSpec::gauge_name`]), without changing it.
    pub fn gauge(&self, now: Time) -> f64 {
        match (&self.spec, &self.state) {
            (LimiterSpec::Leaky { rate, .. }, State::Leaky { last }) => {
                leaky_waiting(*last, now, rate.interval()) as f64
            }
            (&LimiterSpec::Token { rate, burst, .. }, State::Token { units, at }) => {
                token_level(*units, *at, now.max(*at), rate, burst) as f64 / TOKEN as f64
            }
            (&LimiterSpec::Fixed { window, .. }, State::Fixed { start, count })
                if now - now % window == *start =>
            {
                *count as f64
            }
            (&LimiterSpec::Sliding { window, .. }, State::Sliding { log }) => {
                log.iter().filter(|&&t| t + window > now).count() as f64
            }
            (_, State::Threads { busy }) => {
                busy.iter().filter(|Reverse(t)| *t > now).count() as f64
            }
            (_, State::Qps { leap }) => leap.sum(now) as f64,
            (_, State::Warmup(w)) => w.allowed(),
            (&LimiterSpec::Uniform { interval, .. }, State::Uniform { latest }) => {
                leaky_waiting(*latest, now, interval) as f64
            }
            _ => 0.0,
        }
    }
}

/// Requests still waiting when the last one departs at `last` and they leave `interval`
/// apart: those with departures after `now`.
fn leaky_waiting(last: Option<Time>, now: Time, interval: Time) -> u64 {
    match last {
        Some(l) if l > now => (l - now).div_ceil(interval),
        _ => 0,
    }
}

/// Token units at `now`, refilled from `at` and capped at `burst` tokens.
fn token_level(units: i128, at: Time, now: Time, rate: Rate, burst: u32) -> i128 {
    let refill = (now - at) as i128 * rate.milli as i128;
    (units + refill).min(burst as i128 * TOKEN)
}

/// The rate-limiting lab's row in the lab registry: a model on the time-only model session.
pub const LAB: LabDef = LabDef::model(
    "ratelimit",
    Group::Availability,
    &RATELIMIT_PARAMS,
    &RATELIMIT_TEXTS,
    |_, _| {},
    |p| {
        format!(
            "ratelimit --limiter {} --traffic {} --service {}ms --seed 1",
            p.text("limiter"),
            p.text("traffic"),
            p.get("service")
        )
    },
    ModelView::RateLimit,
)
.timed(
    TimedModel {
        create: |p, seed| Ok(Box::new(model::session(p, seed)?)),
        read_log: read_log::<RateModel>,
        examples: &[
            "burst=20",
            "burst=1",
            "limiter=leaky:capacity=3,rate=5",
            "limiter=token:rate=20,burst=10",
            "limiter=token:rate=5,burst=2,wait=300ms",
            "limiter=fixed:limit=12,window=1s",
            "limiter=threads:max=3",
            "limiter=qps:count=15",
            "limiter=warmup:count=20,cold=3,period=5s",
            "limiter=uniform:interval=50ms,wait=300ms",
            "limiter2=none",
            "limiter2=sliding:limit=8,window=1s",
            "limiter2=leaky:capacity=4,rate=12",
            "traffic=steady:rate=25",
            "traffic=jitter:rate=30",
            "traffic=onoff:rate=40,on=1s,off=2s",
            "traffic=ramp:from=0,to=50,over=5s",
            "service=300",
        ],
        controls: &[],
        horizon: 600 * SECOND,
        scale: None,
        step: STEP,
    },
    &SCENARIOS,
);

/// Presets: schedules of the lab's own actions.
const SCENARIOS: [ScenarioInfo; 1] = [ScenarioInfo {
    id: "traffic-surge",
    seed: 1,
    params: &[],
    steps: &[
        (0, "traffic=steady:rate=8"),
        (10_000, "traffic=steady:rate=25"),
        (20_000, "limiter=token:rate=30,burst=5"),
        (30_000, "burst=40"),
    ],
    duration_ms: 40_000,
}];

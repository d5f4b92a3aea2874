//! `distlab calc phi-curve`: the failure detectors' trade-off curve, from the failure-detect
//! lab's own simulation run headless (its [`Fd`] protocol and [`Monitor`] on the seeded
//! network): for each φ threshold and each fixed k, the detection time after a crash and the
//! false suspicions per hour of the monitored node's up time (course notes, seed 001, "故障检测":
//! φ "可以通过设置阈值来自由调控误判的可能性" — the threshold trades accuracy for speed).
//!
//! One run measures both detectors on the same arrivals (the detectors draw no randomness and
//! send nothing, so the heartbeats' delays and losses depend on the seed alone): run i sets
//! the i-th threshold and the i-th k (the shorter list repeats its last value). Over `--hours`
//! of simulated time the monitored node crashes once per slot of 120 s of up time, at a seeded
//! random moment in its second minute, and restarts after a downtime long enough for both
//! detectors (20 s at least); a detector that had not suspected it by then counts as
//! undetected.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use super::phi::{float, format, ms, spec, Format};
use super::Opts;
use crate::labs::availability::failure_detect::{Config, Fd, Monitor, PhiParams, SENDER_NODE};
use crate::sim::{Action, NetConfig, Sim};
use crate::{Time, MS};

/// One second and one hour of virtual time.
const SECOND: Time = 1_000 * MS;
const HOUR: Time = 3_600 * SECOND;
/// The most simulated hours, and the most thresholds or ks, one command takes.
pub const MAX_HOURS: f64 = 24.0;
pub const MAX_POINTS: usize = 32;
/// The network's base latency (ms); `--jitter` spreads it up to base + jitter.
const BASE_LATENCY_MS: u64 = 10;
/// The latest latency the lab's network takes (ms).
const MAX_LATENCY_MS: u64 = 10_000;
/// Up time per crash slot: the crash falls in its second minute.
const SLOT_UP: Time = 120 * SECOND;
const CRASH_FROM: Time = 60 * SECOND;
/// Derives the crash schedule's generator from the run's seed.
const CRASH_SEED: u64 = 0xFD_C2A5_0001;

/// The parsed command.
struct Input {
    thresholds: Vec<f64>,
    ks: Vec<u64>,
    seed: u64,
    hours: f64,
    jitter: u64,
    loss: f64,
    cfg: Config,
}

fn input(o: &Opts) -> Result<Input, String> {
    let th = spec("threshold");
    let thresholds = match o.get("thresholds") {
        None => vec![1.0, 2.0, 4.0, 8.0, 12.0, 16.0],
        Some(v) => super::numbers("thresholds", v)?,
    };
    if let Some(t) = thresholds.iter().find(|t| !(th.min..=th.max).contains(*t)) {
        return Err(format!(
            "`--thresholds`: {t} is outside {}..{}",
            th.min, th.max
        ));
    }
    let k = spec("k");
    let ks = match o.get("ks") {
        None => vec![2, 3, 5, 8],
        Some(v) => v
            .split(',')
            .map(|x| match x.trim().parse::<u64>() {
                Ok(n) if (k.min as u64..=k.max as u64).contains(&n) => Ok(n),
                _ => Err(format!(
                    "`--ks`: `{}` is not a whole number in {}..{}",
                    x.trim(),
                    k.min,
                    k.max
                )),
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    for (name, n) in [("thresholds", thresholds.len()), ("ks", ks.len())] {
        if n > MAX_POINTS {
            return Err(format!(
                "`--{name}` has {n} values; at most {MAX_POINTS} are accepted"
            ));
        }
    }
    let (period, window, min_std, pause, tick, loss) = (
        spec("period"),
        spec("window"),
        spec("min_std"),
        spec("pause"),
        spec("tick"),
        spec("loss"),
    );
    let whole = |name: &str, s: &crate::params::ParamSpec| {
        o.whole(name, s.default as u64, s.min as u64, s.max as u64)
    };
    let cfg = Config {
        period: whole("period", &period)? * MS,
        k: ks[0],
        phi: PhiParams {
            threshold: thresholds[0],
            window: whole("window", &window)? as usize,
            min_std: whole("min-std", &min_std)? * MS,
            pause: whole("pause", &pause)? * MS,
        },
        tick: tick.default as Time * MS,
        ..Config::default()
    };
    Ok(Input {
        seed: o.whole("seed", 1, 0, u64::MAX)?,
        hours: float(o, "hours", 1.0, 0.01, MAX_HOURS)?,
        jitter: o.whole("jitter", 100, 0, MAX_LATENCY_MS - BASE_LATENCY_MS)?,
        loss: float(o, "loss", 2.0, loss.min, loss.max)?,
        thresholds,
        ks,
        cfg,
    })
}

/// What one run measured for one detector.
#[derive(Clone, Debug, Default)]
struct Measure {
    /// Detection time of each detected crash (µs).
    detect: Vec<Time>,
    undetected: u64,
    false_n: u64,
    false_per_hour: Option<f64>,
}

/// One run's figures: per detector (fixed, φ), and its crashes and up time.
struct RunResult {
    m: [Measure; 2],
    crashes: u64,
    up: Time,
}

/// The downtime after each crash: long enough for either detector to notice.
fn downtime(inp: &Input) -> Time {
    let slowest_k = inp.ks.iter().copied().max().unwrap_or(1);
    (20 * SECOND)
        .max(25 * (inp.cfg.period + inp.jitter * MS))
        .max(2 * slowest_k * inp.cfg.period)
        .max(2 * inp.cfg.phi.pause + 10 * SECOND)
}

/// Runs the lab's model for `hours` with one threshold and one k.
fn run_once(inp: &Input, threshold: f64, k: u64, down: Time) -> RunResult {
    let mut cfg = inp.cfg.clone();
    cfg.k = k;
    cfg.phi.threshold = threshold;
    let net = NetConfig {
        latency_min: BASE_LATENCY_MS * MS,
        latency_max: (BASE_LATENCY_MS + inp.jitter) * MS,
        loss_ppm: (inp.loss * 10_000.0).round() as u32,
        dup_ppm: 0,
        fifo: false,
    };
    let mut sim: Sim<Fd> = Sim::new(2, &cfg, net, inp.seed);
    sim.keep_trace = false;
    let mut rng = ChaCha8Rng::seed_from_u64(inp.seed ^ CRASH_SEED);
    let end = (inp.hours * HOUR as f64).round() as Time;
    let mut m: [Measure; 2] = Default::default();
    let mut crashes = 0;
    let mut slot = 0;
    loop {
        let crash_at = slot + CRASH_FROM + rng.gen_range(0..SLOT_UP - CRASH_FROM);
        if crash_at + down > end {
            break;
        }
        sim.run_until(crash_at);
        let before = sim.monitor().detect_n;
        // The actions are valid by construction (node 0 exists and is up, then down).
        let _ = sim.apply(&Action::Crash { node: SENDER_NODE });
        sim.run_until(crash_at + down);
        let mon: &Monitor = sim.monitor();
        for (d, measure) in m.iter_mut().enumerate() {
            match mon.detect_last[d] {
                Some(t) if mon.detect_n[d] > before[d] => measure.detect.push(t),
                _ => measure.undetected += 1,
            }
        }
        crashes += 1;
        let _ = sim.apply(&Action::Restart { node: SENDER_NODE });
        slot = crash_at + down;
    }
    sim.run_until(end);
    let mon = sim.monitor();
    for (d, measure) in m.iter_mut().enumerate() {
        measure.false_n = mon.false_n[d];
        measure.false_per_hour = mon.false_per_hour(d, end);
    }
    RunResult {
        m,
        crashes,
        up: mon.alive(end),
    }
}

/// A detector's row fields.
fn measure_json(m: &Measure) -> Value {
    let mut d = m.detect.clone();
    d.sort_unstable();
    let detect = (!d.is_empty()).then(|| {
        let mean = d.iter().sum::<Time>() as f64 / d.len() as f64;
        json!({
            "mean": mean / MS as f64,
            "min": ms(d[0]),
            "p50": ms(d[(d.len() - 1) / 2]),
            "max": ms(d[d.len() - 1]),
        })
    });
    json!({
        "detections": d.len(),
        "undetected": m.undetected,
        "detect_ms": detect,
        "false_suspicions": m.false_n,
        "false_per_hour": m.false_per_hour,
    })
}

/// `calc phi-curve`: both detectors' rows.
pub(super) fn cmd(args: &[String]) -> Result<(Value, Format), String> {
    let o = Opts::parse(
        args,
        &[
            "thresholds",
            "ks",
            "seed",
            "hours",
            "jitter",
            "loss",
            "period",
            "window",
            "min-std",
            "pause",
            "format",
        ],
        &[],
    )?;
    let fmt = format(&o)?;
    let inp = input(&o)?;
    let down = downtime(&inp);
    let (nt, nk) = (inp.thresholds.len(), inp.ks.len());
    let runs: Vec<RunResult> = (0..nt.max(nk))
        .map(|i| {
            run_once(
                &inp,
                inp.thresholds[i.min(nt - 1)],
                inp.ks[i.min(nk - 1)],
                down,
            )
        })
        .collect();
    let phi: Vec<Value> = (0..nt)
        .map(|i| {
            let mut r = measure_json(&runs[i].m[1]);
            r["threshold"] = json!(inp.thresholds[i]);
            r
        })
        .collect();
    let fixed: Vec<Value> = (0..nk)
        .map(|i| {
            let mut r = measure_json(&runs[i].m[0]);
            r["k"] = json!(inp.ks[i]);
            r["timeout_ms"] = json!(ms(inp.cfg.period * inp.ks[i]));
            r
        })
        .collect();
    let first = &runs[0];
    let v = json!({
        "seed": inp.seed,
        "hours": inp.hours,
        "period_ms": ms(inp.cfg.period),
        "jitter_ms": inp.jitter,
        "latency_ms": [BASE_LATENCY_MS, BASE_LATENCY_MS + inp.jitter],
        "loss": inp.loss,
        "window": inp.cfg.phi.window,
        "min_std_ms": ms(inp.cfg.phi.min_std),
        "pause_ms": ms(inp.cfg.phi.pause),
        "tick_ms": ms(inp.cfg.tick),
        "runs": runs.len(),
        "crashes": first.crashes,
        "down_ms": ms(down),
        "up_hours": first.up as f64 / HOUR as f64,
        "phi": phi,
        "fixed": fixed,
    });
    Ok((v, fmt))
}

fn opt(v: &Value, decimals: usize) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_string(), |x| format!("{x:.decimals$}"))
}

fn detect_cols(r: &Value) -> String {
    let d = &r["detect_ms"];
    format!(
        "{:>9}  {:>9}  {:>9}  {:>10}  {:>8}  {:>10}",
        opt(&d["mean"], 1),
        opt(&d["p50"], 1),
        opt(&d["max"], 1),
        r["undetected"].to_string(),
        r["false_suspicions"].to_string(),
        opt(&r["false_per_hour"], 2),
    )
}

/// A number as Rust prints it (1 rather than 1.0).
fn n(v: &Value) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_string(), |x| x.to_string())
}

/// The text table of `calc phi-curve`'s JSON.
pub fn text(v: &Value) -> String {
    let mut s = format!(
        "failure-detect, seed {}, {} h simulated: a heartbeat every {} ms, latency {}–{} ms, \
         loss {}%; {} crashes (down {} s each), {:.3} h up\n",
        v["seed"],
        n(&v["hours"]),
        n(&v["period_ms"]),
        v["latency_ms"][0],
        v["latency_ms"][1],
        n(&v["loss"]),
        v["crashes"],
        v["down_ms"].as_f64().unwrap_or(0.0) / 1000.0,
        v["up_hours"].as_f64().unwrap_or(0.0),
    );
    let head = format!(
        "{:>9}  {:>9}  {:>9}  {:>10}  {:>8}  {:>10}",
        "detect ms", "p50", "max", "undetected", "false", "false / h"
    );
    s.push_str(&format!(
        "\nφ-accrual (window {}, min-std {} ms, pause {} ms)\n{:>9}  {head}\n",
        v["window"],
        n(&v["min_std_ms"]),
        n(&v["pause_ms"]),
        "threshold"
    ));
    for r in v["phi"].as_array().into_iter().flatten() {
        s.push_str(&format!("{:>9}  {}\n", n(&r["threshold"]), detect_cols(r)));
    }
    s.push_str(&format!(
        "\nfixed timeout (T = {} ms)\n{:>3}  {:>10}  {head}\n",
        n(&v["period_ms"]),
        "k",
        "timeout ms"
    ));
    for r in v["fixed"].as_array().into_iter().flatten() {
        s.push_str(&format!(
            "{:>3}  {:>10}  {}\n",
            r["k"].to_string(),
            n(&r["timeout_ms"]),
            detect_cols(r)
        ));
    }
    s.truncate(s.trim_end().len());
    s
}

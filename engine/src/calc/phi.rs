//! `distlab calc phi`: a heartbeat series (arrival times in ms) fed to the failure-detect lab's
//! own detectors — [`Phi`], φ-accrual as in Akka's `PhiAccrualFailureDetector` (Hayashibara et
//! al., "The φ Accrual Failure Detector", 2004), and [`Fixed`], the fixed timeout k × T —
//! printing, for each arrival and each asked time, the window's mean and standard deviation,
//! φ and whether each detector suspects the node (course notes, seed 001, "分布式高可用 - 故障恢复
//! · 2. 故障检测": "(1) 固定心跳检测策略 (2) φ值故障检测 …… 统计以往的到达的间隔, 计算出样本的平均值 u,
//! 和方差").
//!
//! The detector starts at the first heartbeat, its window seeded with Akka's first-heartbeat
//! estimate T ± T/4 (T = `--period`, by default the series' median interval). A heartbeat's
//! row shows φ **at its arrival**, against the window before it (the highest φ of the silence
//! it ends); its interval joins the window unless the node was suspected then (Akka). An asked
//! time at the same instant as a heartbeat comes after it.

use serde_json::{json, Value};

use super::Opts;
use crate::labs::availability::failure_detect::{mean_std, y_bound, Fixed, Phi, PhiParams, PARAMS};
use crate::params::ParamSpec;
use crate::{Time, MS};

/// The most heartbeats and asked times one command takes.
pub const MAX_HEARTBEATS: usize = 100_000;
pub const MAX_ASKS: usize = 10_000;
/// The latest time accepted, in ms (about 31 years).
const MAX_MS: f64 = 1e12;
/// The longest period accepted, in ms (a day).
const MAX_PERIOD_MS: f64 = 86_400_000.0;
/// The period when the series has a single heartbeat and none is given (Akka's default
/// heartbeat interval).
const DEFAULT_PERIOD: Time = 1_000 * MS;

/// JSON or the text table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    Text,
}

/// `--format json|text`.
pub(super) fn format(o: &Opts) -> Result<Format, String> {
    match o.get("format").map(str::trim) {
        None | Some("json") => Ok(Format::Json),
        Some("text") => Ok(Format::Text),
        Some(f) => Err(format!("`--format {f}`: use json or text")),
    }
}

/// The failure-detect lab's parameter `key` (its default and range).
pub(super) fn spec(key: &str) -> ParamSpec {
    PARAMS
        .iter()
        .find(|s| s.key == key)
        .copied()
        .unwrap_or(ParamSpec::float("", 0.0, 0.0, 0.0))
}

/// A number option within `min..=max` (ms or a plain number).
pub(super) fn float(o: &Opts, name: &str, default: f64, min: f64, max: f64) -> Result<f64, String> {
    let Some(v) = o.get(name) else {
        return Ok(default);
    };
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (min..=max).contains(&x) => Ok(x),
        Ok(x) if x.is_finite() => Err(format!("`--{name} {v}` is outside {min}..{max}")),
        _ => Err(format!("`--{name} {v}` is not a number")),
    }
}

/// µs → ms.
pub(super) fn ms(t: Time) -> f64 {
    t as f64 / MS as f64
}

/// A comma-separated list of times in ms (each finite, ≥ 0, at most [`MAX_MS`]) → µs.
fn times(name: &str, v: &str, max_count: usize) -> Result<Vec<Time>, String> {
    if v.trim().is_empty() {
        return Err(format!(
            "`--{name}` is empty: give times in ms like 0,1000,2010"
        ));
    }
    let count = v.split(',').count();
    if count > max_count {
        return Err(format!(
            "`--{name}` has {count} times; at most {max_count} are accepted"
        ));
    }
    v.split(',')
        .map(|x| {
            let x = x.trim();
            match x.parse::<f64>() {
                Ok(t) if t.is_finite() && t < 0.0 => {
                    Err(format!("`--{name}`: `{x}` is negative (times are ms ≥ 0)"))
                }
                Ok(t) if t.is_finite() && t <= MAX_MS => Ok((t * MS as f64).round() as Time),
                Ok(t) if t.is_finite() => {
                    Err(format!("`--{name}`: `{x}` is later than {MAX_MS} ms"))
                }
                _ => Err(format!("`--{name}`: `{x}` is not a time in ms")),
            }
        })
        .collect()
}

/// The median of the series' intervals (the lower middle one), or `None` for one heartbeat.
fn median_interval(beats: &[Time]) -> Option<Time> {
    let mut d: Vec<Time> = beats.windows(2).map(|w| w[1] - w[0]).collect();
    d.sort_unstable();
    d.get(d.len().saturating_sub(1) / 2).copied()
}

/// The parsed command.
struct Input {
    beats: Vec<Time>,
    asks: Vec<Time>,
    p: PhiParams,
    k: u64,
    period: Time,
    period_from: &'static str,
}

fn input(o: &Opts) -> Result<Input, String> {
    let beats = times("heartbeats", o.required("heartbeats")?, MAX_HEARTBEATS)?;
    if let Some(w) = beats.windows(2).find(|w| w[1] <= w[0]) {
        return Err(format!(
            "`--heartbeats`: {} ms does not come after {} ms (arrival times must increase)",
            ms(w[1]),
            ms(w[0])
        ));
    }
    let first = beats[0];
    let at: Vec<&str> = o
        .values
        .iter()
        .filter(|(n, _)| n == "at")
        .map(|(_, v)| v.as_str())
        .collect();
    let mut asks = if at.is_empty() {
        Vec::new()
    } else {
        times("at", &at.join(","), MAX_ASKS)?
    };
    if let Some(&t) = asks.iter().find(|&&t| t < first) {
        return Err(format!(
            "`--at {}`: before the first heartbeat ({} ms), the detector has not started",
            ms(t),
            ms(first)
        ));
    }
    asks.sort_unstable();
    let (th, win, sd, pause, k) = (
        spec("threshold"),
        spec("window"),
        spec("min_std"),
        spec("pause"),
        spec("k"),
    );
    let p = PhiParams {
        threshold: float(o, "threshold", th.default, th.min, th.max)?,
        window: o.whole("window", win.default as u64, win.min as u64, win.max as u64)? as usize,
        min_std: (float(o, "min-std", sd.default, sd.min, sd.max)? * MS as f64).round() as Time,
        pause: (float(o, "pause", pause.default, pause.min, pause.max)? * MS as f64).round()
            as Time,
    };
    let k = o.whole("k", k.default as u64, k.min as u64, k.max as u64)?;
    let (period, period_from) = match o.get("period") {
        Some(_) => {
            let t = float(o, "period", 0.0, 0.001, MAX_PERIOD_MS)?;
            (((t * MS as f64).round() as Time).max(1), "given")
        }
        None => match median_interval(&beats) {
            Some(d) => (d, "median"),
            None => (DEFAULT_PERIOD, "default"),
        },
    };
    Ok(Input {
        beats,
        asks,
        p,
        k,
        period,
        period_from,
    })
}

/// One evaluation at `t` against the detectors' present state (the fixed one re-evaluated).
fn row(kind: &str, t: Time, d: &Phi, f: &mut Fixed, inp: &Input) -> Value {
    let (mean, std) = mean_std(&d.intervals);
    let (expected, sigma) = d.estimate(&inp.p);
    let since = ms(t.saturating_sub(d.last));
    let phi = d.phi_at(t, &inp.p);
    f.evaluate(t, inp.period, inp.k);
    json!({
        "kind": kind,
        "t_ms": ms(t),
        "since_last_ms": since,
        "window": d.intervals.len(),
        "mean_ms": mean,
        "std_ms": std,
        "expected_ms": expected,
        "sigma_ms": sigma,
        "y": (since - expected) / sigma,
        "phi": phi,
        "suspected": phi >= inp.p.threshold,
        "missed": f.missed,
        "fixed_suspected": f.suspected,
        "accepted": Value::Null,
    })
}

/// The shortest silence (µs) after which φ reaches the threshold, by bisection (φ grows with
/// the silence; at no silence it is below any threshold ≥ 0.5, at most log10 2).
fn phi_deadline(d: &Phi, p: &PhiParams) -> Time {
    let (expected, sigma) = d.estimate(p);
    let bound = expected + y_bound(p.threshold) * sigma;
    let (mut lo, mut hi) = (0u64, ((bound.max(0.0) + 1.0) * MS as f64).ceil() as Time);
    while lo + 1 < hi {
        let mid = lo + (hi - lo) / 2;
        if d.phi_at(d.last + mid, p) >= p.threshold {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

/// `calc phi`: the rows, the parameters and where the detectors stand after the series.
pub(super) fn cmd(args: &[String]) -> Result<(Value, Format), String> {
    let o = Opts::parse(
        args,
        &[
            "heartbeats",
            "at",
            "threshold",
            "window",
            "min-std",
            "pause",
            "k",
            "period",
            "format",
        ],
        &[],
    )?;
    let fmt = format(&o)?;
    let inp = input(&o)?;
    let first = inp.beats[0];
    let mut d = Phi::new(first, inp.period);
    let mut f = Fixed::new(first);
    let mut rows = Vec::with_capacity(inp.beats.len() + inp.asks.len());
    let mut asks = inp.asks.iter().copied().peekable();
    rows.push(row("first", first, &d, &mut f, &inp));
    for &t in &inp.beats[1..] {
        while let Some(a) = asks.next_if(|&a| a < t) {
            rows.push(row("at", a, &d, &mut f, &inp));
        }
        let mut r = row("heartbeat", t, &d, &mut f, &inp);
        // The lab's monitor: the interval joins the window unless φ already suspected.
        let accepted = d.phi_at(t, &inp.p) < inp.p.threshold;
        d.heartbeat(t, &inp.p);
        f.last = t;
        r["accepted"] = json!(accepted);
        rows.push(r);
    }
    for a in asks {
        rows.push(row("at", a, &d, &mut f, &inp));
    }
    let (mean, std) = mean_std(&d.intervals);
    let (expected, sigma) = d.estimate(&inp.p);
    let sd = inp.period / 4;
    let v = json!({
        "threshold": inp.p.threshold,
        "window": inp.p.window,
        "min_std_ms": ms(inp.p.min_std),
        "pause_ms": ms(inp.p.pause),
        "period_ms": ms(inp.period),
        "period_from": inp.period_from,
        "first_estimate_ms": [ms(inp.period - sd), ms(inp.period + sd)],
        "k": inp.k,
        "timeout_ms": ms(inp.period.saturating_mul(inp.k)),
        "heartbeats": inp.beats.len(),
        "rows": rows,
        "final": {
            "last_heartbeat_ms": ms(d.last),
            "window": d.intervals.len(),
            "mean_ms": mean,
            "std_ms": std,
            "expected_ms": expected,
            "sigma_ms": sigma,
            "phi_suspects_after_ms": ms(phi_deadline(&d, &inp.p)),
            "fixed_suspects_after_ms": ms(inp.period.saturating_mul(inp.k)),
        },
    });
    Ok((v, fmt))
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn yes(v: &Value) -> &'static str {
    if v.as_bool() == Some(true) {
        "yes"
    } else {
        "no"
    }
}

/// φ for a table: fixed decimals, or exponent form when huge.
pub(super) fn phi_text(x: f64) -> String {
    if x.abs() >= 1e6 {
        format!("{x:.3e}")
    } else {
        format!("{x:.3}")
    }
}

/// The text table of `calc phi`'s JSON.
pub fn text(v: &Value) -> String {
    let f = &v["final"];
    let mut s = format!(
        "φ-accrual: threshold {}, window {}, min-std {} ms, pause {} ms; first estimate T ± T/4: \
         {} and {} ms\nfixed timeout: k {} × T {} ms ({}) = {} ms\n\n",
        num(&v["threshold"]),
        v["window"],
        num(&v["min_std_ms"]),
        num(&v["pause_ms"]),
        num(&v["first_estimate_ms"][0]),
        num(&v["first_estimate_ms"][1]),
        v["k"],
        num(&v["period_ms"]),
        v["period_from"].as_str().unwrap_or(""),
        num(&v["timeout_ms"]),
    );
    s.push_str(&format!(
        "{:>12}  {:<9}  {:>10}  {:>6}  {:>9}  {:>8}  {:>8}  {:>10}  {:<10}  {:>6}  {:<5}  {}\n",
        "t ms",
        "event",
        "since ms",
        "window",
        "mean ms",
        "std ms",
        "y",
        "φ",
        "φ suspects",
        "missed",
        "fixed",
        "joins window"
    ));
    for r in v["rows"].as_array().into_iter().flatten() {
        let joins = match r["accepted"].as_bool() {
            Some(true) => "yes",
            Some(false) => "no (suspected)",
            None => "",
        };
        let line = format!(
            "{:>12.3}  {:<9}  {:>10.3}  {:>6}  {:>9.3}  {:>8.3}  {:>8.3}  {:>10}  {:<10}  {:>6}  {:<5}  {}\n",
            num(&r["t_ms"]),
            r["kind"].as_str().unwrap_or(""),
            num(&r["since_last_ms"]),
            r["window"].to_string(),
            num(&r["mean_ms"]),
            num(&r["std_ms"]),
            num(&r["y"]),
            phi_text(num(&r["phi"])),
            yes(&r["suspected"]),
            r["missed"].to_string(),
            yes(&r["fixed_suspected"]),
            joins,
        );
        s.push_str(line.trim_end());
        s.push('\n');
    }
    s.push_str(&format!(
        "\nafter the last heartbeat ({} ms; window {} intervals, mean {:.3} ms, std {:.3} ms): \
         φ reaches {} after {:.3} ms of silence, the fixed timeout after {} ms",
        num(&f["last_heartbeat_ms"]),
        f["window"],
        num(&f["mean_ms"]),
        num(&f["std_ms"]),
        num(&v["threshold"]),
        num(&f["phi_suspects_after_ms"]),
        num(&f["fixed_suspects_after_ms"]),
    ));
    s
}

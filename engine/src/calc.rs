//! `distlab calc`: the plotted labs' algorithms as one-shot calculations that print one JSON
//! object each — placement statistics and moved keys, max-min and DRF allocations with their
//! steps, a rate limiter's admitted, rejected and delays on a traffic pattern, and the failure
//! detectors on a heartbeat series (`phi`) and their trade-off curve (`phi-curve`), in the
//! submodules `phi` and `phi_curve`.
//!
//! [`run`] does the work and returns the JSON or a one-line error; [`render`] prints it, or
//! with `--format text` the table of `phi` and `phi-curve` (the runner exits 2 on an error).
//! The placement benchmark needs a clock: [`run`] takes the caller's timer, so the engine
//! itself never reads one; the runner passes the native monotonic clock.

mod phi;
mod phi_curve;

pub use phi::Format;

use serde_json::{json, Value};

use crate::labs::availability::ratelimit::{self, LimiterSpec, RateSim, TrafficSpec, SECOND};
use crate::labs::coordination::chain_pow;
use crate::labs::scene;
use crate::labs::scheduling::fair;
use crate::labs::scheduling::redis_cluster::slots;
use crate::labs::storage::placement::{self, Change, HashFn, Placement, PlacementConfig, Strategy};
use crate::MS;

/// The most plotted samples `calc ratelimit --series` computes.
const MAX_SAMPLES: u64 = 100_000;

/// Help for `distlab calc --help`.
pub const HELP: &str = "\
distlab calc — compute one algorithm and print one JSON object

USAGE:
  distlab calc placement [--strategy ring|mod|bounded|vnodes|rendezvous|jump] [--nodes N]
                         [--keys M] [--vnodes V] [--c 1.25] [--weights 1,2,3]
                         [--hash xxh3|crc32|fnv] [--change C[,C...]] [--seed S]
                         [--ring] [--bench [--runs R]]
      keys per node, max/mean and standard deviation over all keys, and load per weight
      (keys / (weight/Σweight × keys): max_ratio, ratio_stddev); with --change, the statistics
      after it and the keys moved. C is add[:w], remove[:i] (planned: leaves the membership),
      fail:<i> (down but still a member: its keys fall back to the next live node) or
      recover:<i> (a failed node returns and takes its keys back); several, comma-separated,
      apply in order and add moved_since_start (node ids are 0-based; plain `remove` takes the
      newest live node). --ring adds ring points and ownership arcs.
      --bench times re-placing every key after each of R changes (default 5: a node joins,
      the same node leaves, ...) and prints each run's, the best and the median wall ms;
      with --bench the defaults are 64 nodes, 1000000 keys and 200 vnodes.
      Defaults: ring, 4 nodes, 10000 keys, 100 vnodes, c 1.25, xxh3, seed 0 (keys key-<i>).
  distlab calc mmf --capacity C --demands a,b,c [--weights w1,w2,w3]
      max-min fair shares by progressive filling, with each round.
  distlab calc drf --capacity 18,36 --demands 2,8/6,2 [--weights 1,1]
      DRF tasks per user (per-task demand vectors separated by `/`), dominant shares and each
      step; asset fairness and per-resource max-min on the same inputs.
  distlab calc ratelimit --limiter SPEC --traffic SPEC [--until 10s] [--service 100ms]
                         [--sample 100ms] [--seed S] [--series] [--outcomes]
      offered, admitted, queued, rejected and delays; --series adds the plotted samples
      (gauge, admitted, rejected, mean delay per step), --outcomes every request.
      limiters: leaky:capacity=10,rate=5  token:rate=10,burst=5[,wait=0ms]
                fixed:limit=10,window=1s  sliding:limit=10,window=1s  threads:max=5
                qps:count=10  warmup:count=10,cold=3,period=10s
                uniform:interval=100ms,wait=600ms (or uniform:rate=10,wait=600ms)
      traffic:  steady:rate=20  bursts:base=5,size=30,every=2s  ramp:from=0,to=50[,over=10s]
                onoff:rate=40,on=1s,off=2s  jitter:rate=20 (seeded)
  distlab calc pow [--q 0.1,0.3] [--z 10] [--risk 0.001]
      proof of work: the chance that an attacker with share q of the hash power ever
      overtakes a payment z blocks deep (Nakamoto's whitepaper, section 11), for z = 0..Z,
      and the least depth that brings it below the risk (null when q >= 0.5: no depth is
      safe). Defaults: q = 0.1,0.15,...,0.45, Z = 10, risk 0.001.
  distlab calc redis-slot KEY... [--masters N]
      Redis Cluster's hash slot of each key, CRC16 (XMODEM) of the key or of its {hash tag}
      mod 16384, and the master that serves it in the initial table (3 masters: the notes'
      0-5500, 5501-11000, 11001-16383; otherwise equal ranges). Default 3 masters.
  distlab calc phi --heartbeats 0,1000,2010,2990 [--at T[,T...]] [--threshold 8] [--window 100]
                   [--min-std 10] [--pause 0] [--k 3] [--period MS] [--format json|text]
      the failure-detect lab's detectors fed heartbeat arrival times (ms, increasing): for each
      arrival (φ at the arrival, against the window before it) and each --at time, the
      window's size, mean and standard deviation, y, φ and whether φ >= threshold, the
      missed periods and whether the fixed timeout k x T suspects; then the silence after the
      last heartbeat at which each detector suspects. The window starts with Akka's first
      estimate T ± T/4; T is --period, by default the series' median interval.
  distlab calc phi-curve [--thresholds 1,2,4,8,12,16] [--ks 2,3,5,8] [--seed 1] [--hours 1]
                         [--jitter 100] [--loss 2] [--period 100] [--window 100]
                         [--min-std 10] [--pause 0] [--format json|text]
      the failure-detect lab's simulation run headless for --hours (at most 24): latency
      10..10+jitter ms, loss in %, the monitored node crashing once every ~2 minutes of up
      time and restarting after 20 s or more; per φ threshold and per k, the detection time
      after each crash (mean, p50, max; undetected before the restart) and the false
      suspicions per hour of up time. Same seed, same heartbeats for every row.
";

/// The end of the help, after the scene labs' lines.
const HELP_END: &str = "
EXIT STATUS: 0 ok, 2 bad arguments.
";

/// Help for `distlab calc --help`: the calculators, then every scene lab of the registry
/// (`calc <lab>` runs its model to a time and prints its counters).
pub fn help() -> String {
    let labs = scene::calc_help(crate::labs::LABS);
    let scenes = if labs.is_empty() {
        String::new()
    } else {
        format!(
            "\nModel labs (run from their parameters, a preset and a seed to --until; print the \
             lab's counters,\nand with --series its curves):\n{labs}"
        )
    };
    format!("{HELP}{scenes}{HELP_END}")
}

/// A timer: runs the closure and returns the wall seconds it took.
pub type Timer<'a> = dyn FnMut(&mut dyn FnMut()) -> f64 + 'a;

/// Computes one `calc` command and renders it: JSON, or with `--format text` the table of the
/// commands that have one (`phi`, `phi-curve`); `Err` is a one-line message.
pub fn render(args: &[String], timer: &mut Timer) -> Result<String, String> {
    let (v, fmt, text): (Value, Format, fn(&Value) -> String) =
        match args.first().map(String::as_str) {
            Some("phi") => {
                let (v, f) = phi::cmd(&args[1..])?;
                (v, f, phi::text)
            }
            Some("phi-curve") => {
                let (v, f) = phi_curve::cmd(&args[1..])?;
                (v, f, phi_curve::text)
            }
            _ => return run(args, timer).map(|v| v.to_string()),
        };
    Ok(match fmt {
        Format::Json => v.to_string(),
        Format::Text => text(&v),
    })
}

/// Computes one `calc` command; `Err` is a one-line message.
pub fn run(args: &[String], timer: &mut Timer) -> Result<Value, String> {
    let (sub, rest) = args
        .split_first()
        .ok_or("`calc` needs placement, mmf, drf, ratelimit, pow, redis-slot, phi or phi-curve")?;
    match sub.as_str() {
        "placement" => placement_cmd(rest, timer),
        "mmf" => mmf_cmd(rest),
        "drf" => drf_cmd(rest),
        "ratelimit" => ratelimit_cmd(rest),
        "pow" => pow_cmd(rest),
        "redis-slot" => redis_slot_cmd(rest),
        "phi" => phi::cmd(rest).map(|(v, _)| v),
        "phi-curve" => phi_curve::cmd(rest).map(|(v, _)| v),
        other => match crate::labs::find(other).filter(|d| scene::is_scene_lab(d)) {
            Some(def) => scene::calc(def, rest),
            None => Err(format!(
                "unknown calc command `{other}` (use placement, mmf, drf, ratelimit, pow, \
                 redis-slot, phi, phi-curve or a scheduler lab: see `distlab calc --help`)"
            )),
        },
    }
}

/// `--key value` / `--key=value` options and `--flag`s, checked against what a command takes.
struct Opts {
    values: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Opts {
    fn parse(args: &[String], valued: &[&str], flags: &[&str]) -> Result<Opts, String> {
        let mut o = Opts {
            values: Vec::new(),
            flags: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let Some(name) = a.strip_prefix("--") else {
                return Err(format!("unexpected argument `{a}`"));
            };
            let (name, inline) = match name.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (name, None),
            };
            if flags.contains(&name) && inline.is_none() {
                o.flags.push(name.to_string());
            } else if valued.contains(&name) {
                let v = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or_else(|| format!("`--{name}` needs a value"))?,
                };
                o.values.push((name.to_string(), v));
            } else {
                return Err(format!("unknown option `--{name}`"));
            }
        }
        Ok(o)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    fn required(&self, name: &str) -> Result<&str, String> {
        self.get(name)
            .ok_or_else(|| format!("`--{name}` is required"))
    }

    fn whole(&self, name: &str, default: u64, min: u64, max: u64) -> Result<u64, String> {
        let Some(v) = self.get(name) else {
            return Ok(default);
        };
        match v.trim().parse::<u64>() {
            Ok(x) if (min..=max).contains(&x) => Ok(x),
            Ok(_) => Err(format!("`--{name} {v}` is outside {min}..{max}")),
            Err(_) => Err(format!("`--{name} {v}` is not a whole number")),
        }
    }

    fn time(&self, name: &str, default: u64) -> Result<u64, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => ratelimit::parse_duration(v)
                .ok_or_else(|| format!("`--{name} {v}` is not a time like 500ms, 10s, 2m or 1h")),
        }
    }
}

/// `1,2,3` → numbers, each finite.
fn numbers(name: &str, v: &str) -> Result<Vec<f64>, String> {
    v.split(',')
        .map(|x| match x.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(format!("`--{name}`: `{}` is not a number", x.trim())),
        })
        .collect()
}

fn placement_cmd(args: &[String], timer: &mut Timer) -> Result<Value, String> {
    let o = Opts::parse(
        args,
        &[
            "strategy", "nodes", "keys", "vnodes", "c", "weights", "hash", "change", "seed", "runs",
        ],
        &["ring", "bench"],
    )?;
    let strategy = match o.get("strategy") {
        None => Strategy::Ring,
        Some(s) => Strategy::parse(s).ok_or_else(|| {
            format!("unknown strategy `{s}` (use ring, mod, bounded, vnodes, rendezvous or jump)")
        })?,
    };
    let hash = match o.get("hash") {
        None => HashFn::Xxh3,
        Some(h) => HashFn::parse(h)
            .ok_or_else(|| format!("unknown hash `{h}` (use xxh3, crc32 or fnv)"))?,
    };
    let c = match o.get("c") {
        None => 1.25,
        Some(v) => match v.trim().parse::<f64>() {
            Ok(c) if (1.0..=3.0).contains(&c) => c,
            _ => return Err(format!("`--c {v}` is not a load factor in 1.0..3.0")),
        },
    };
    let weights = match o.get("weights") {
        None => Vec::new(),
        Some(v) => v
            .split(',')
            .map(|w| {
                w.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|w| (1..=placement::MAX_WEIGHT).contains(w))
                    .ok_or_else(|| {
                        format!(
                            "`--weights`: `{}` is not a whole number in 1..{}",
                            w.trim(),
                            placement::MAX_WEIGHT
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
    };
    let bench = o.flag("bench");
    let (nodes, keys, vnodes) = if bench {
        (64, 1_000_000, 200)
    } else {
        (4, 10_000, 100)
    };
    let cfg = PlacementConfig {
        strategy,
        hash,
        nodes: o.whole("nodes", nodes, 1, placement::MAX_NODES as u64)? as u32,
        keys: o.whole("keys", keys, 0, placement::MAX_KEYS as u64)? as u32,
        vnodes: o.whole("vnodes", vnodes, 1, placement::MAX_VNODES as u64)? as u32,
        c_milli: (c * 1000.0).round() as u32,
        weights,
        seed: o.whole("seed", 0, 0, u64::MAX)?,
    };
    let mut out = json!({
        "strategy": strategy,
        "hash": hash,
        "keys": cfg.keys,
        "vnodes": cfg.vnodes,
        "c": cfg.c_milli as f64 / 1000.0,
        "seed": cfg.seed,
    });
    if bench {
        let runs = o.whole("runs", 5, 1, 100)? as u32;
        let b = placement::bench_reassign(&cfg, runs, timer).map_err(|e| e.to_string())?;
        out["bench"] = json!(b);
        return Ok(out);
    }
    let mut p = Placement::new(&cfg).map_err(|e| e.to_string())?;
    out["before"] = json!(p.stats());
    if strategy == Strategy::Bounded {
        out["caps_before"] = json!(p.caps());
    }
    if let Some(list) = o.get("change") {
        // One change or several, comma-separated, applied in order (`fail:1,recover:1`).
        let original = p.owners().to_vec();
        let mut applied = Vec::new();
        for ch in list.split(',') {
            let spec = Change::parse(ch).ok_or_else(|| {
                format!(
                    "`--change {}` is not add, add:<weight>, remove, remove:<i>, fail:<i> or recover:<i>",
                    ch.trim()
                )
            })?;
            let change = p.resolve(spec).map_err(|e| e.to_string())?;
            p.apply(change).map_err(|e| e.to_string())?;
            applied.push(change.to_string());
        }
        let r = p.last_change().ok_or("`--change` names no change")?;
        out["change"] = json!(r.change);
        out["after"] = json!(r.after);
        out["moved"] = json!(r.moved);
        out["moved_fraction"] = json!(r.moved_fraction);
        out["moved_from"] = json!(r.moved_from);
        out["moved_to"] = json!(r.moved_to);
        if applied.len() > 1 {
            // What all the changes together moved, against the placement before the first.
            let since = original
                .iter()
                .zip(p.owners())
                .filter(|(a, b)| a != b)
                .count();
            out["changes"] = json!(applied);
            out["moved_since_start"] = json!(since);
            out["moved_fraction_since_start"] = json!(since as f64 / original.len().max(1) as f64);
        }
        if strategy == Strategy::Bounded {
            out["caps_after"] = json!(p.caps());
        }
    }
    out["nodes"] = json!(p.nodes());
    if strategy.has_ring() {
        let view = p.ring_view();
        out["ring_points"] = json!(view.points.len());
        out["ownership"] = json!(view.ownership);
        if o.flag("ring") {
            out["ring"] = json!(view);
        }
    }
    Ok(out)
}

fn mmf_cmd(args: &[String]) -> Result<Value, String> {
    let o = Opts::parse(args, &["capacity", "demands", "weights"], &[])?;
    let cap = o.required("capacity")?;
    let capacity = match cap.trim().parse::<f64>() {
        Ok(c) if c.is_finite() && c >= 0.0 => c,
        _ => return Err(format!("`--capacity {cap}` is not a number ≥ 0")),
    };
    let demands = numbers("demands", o.required("demands")?)?;
    let weights = o
        .get("weights")
        .map_or(Ok(Vec::new()), |w| numbers("weights", w))?;
    let r = fair::max_min_fair(capacity, &demands, &weights).map_err(|e| e.to_string())?;
    let mut out = json!(r);
    out["users"] = json!((0..demands.len()).map(fair::user_name).collect::<Vec<_>>());
    Ok(out)
}

fn drf_cmd(args: &[String]) -> Result<Value, String> {
    let o = Opts::parse(args, &["capacity", "demands", "weights"], &[])?;
    let capacity = numbers("capacity", o.required("capacity")?)?;
    let demands: Vec<Vec<f64>> = o
        .required("demands")?
        .split('/')
        .map(|d| numbers("demands", d))
        .collect::<Result<_, _>>()?;
    let weights = o
        .get("weights")
        .map_or(Ok(Vec::new()), |w| numbers("weights", w))?;
    let e = |e: fair::FairError| e.to_string();
    Ok(json!({
        "drf": fair::drf(&capacity, &demands, &weights).map_err(e)?,
        "asset": fair::asset_fair(&capacity, &demands, &weights).map_err(e)?,
        "per_resource": fair::per_resource_max_min(&capacity, &demands, &weights).map_err(e)?,
    }))
}

fn ratelimit_cmd(args: &[String]) -> Result<Value, String> {
    let o = Opts::parse(
        args,
        &["limiter", "traffic", "until", "service", "sample", "seed"],
        &["series", "outcomes"],
    )?;
    let until = o.time("until", 10 * SECOND)?;
    if until > 24 * 3600 * SECOND {
        return Err(format!("`--until` {} s is more than a day", until / SECOND));
    }
    let limiter = LimiterSpec::parse(o.required("limiter")?).map_err(|e| e.to_string())?;
    let traffic = TrafficSpec::parse(o.required("traffic")?, until).map_err(|e| e.to_string())?;
    let service = o.time("service", 100 * MS)?;
    let sample = o.time("sample", (until / 100).max(MS))?;
    if sample == 0 || until / sample > MAX_SAMPLES {
        return Err(format!(
            "`--sample` must be above 0 and give at most {MAX_SAMPLES} samples up to `--until`"
        ));
    }
    let seed = o.whole("seed", 1, 0, u64::MAX)?;
    let mut sim =
        RateSim::new(&limiter, &traffic, seed, service, sample).map_err(|e| e.to_string())?;
    sim.run_until(until);
    let t = sim.totals();
    let mut out = json!({
        "limiter": limiter,
        "gauge": limiter.gauge_name(),
        "traffic": traffic,
        "until_ms": until as f64 / MS as f64,
        "service_ms": service as f64 / MS as f64,
        "seed": seed,
        "offered": t.offered,
        "admitted": t.admitted,
        "queued": t.queued,
        "rejected": t.rejected,
        "delay_ms": {
            "mean": t.mean_delay_ms,
            "p50": t.p50_delay_ms,
            "p95": t.p95_delay_ms,
            "p99": t.p99_delay_ms,
            "max": t.max_delay_ms,
        },
        "truncated": sim.truncated(),
    });
    if o.flag("series") {
        out["series"] = json!(sim.series());
    }
    if o.flag("outcomes") {
        out["outcomes"] = json!(sim.outcomes());
    }
    Ok(out)
}

/// `calc pow`: Nakamoto's attacker success probability by depth, and the safe depth.
fn pow_cmd(args: &[String]) -> Result<Value, String> {
    let o = Opts::parse(args, &["q", "z", "risk"], &[])?;
    let qs = match o.get("q") {
        None => (2..=9).map(|i| i as f64 * 0.05).collect(),
        Some(v) => numbers("q", v)?,
    };
    if let Some(q) = qs.iter().find(|q| !(0.0..=1.0).contains(*q)) {
        return Err(format!("`--q`: {q} is not a share from 0 to 1"));
    }
    let max_z = o.whole("z", 10, 0, 1_000)?;
    let risk = match o.get("risk") {
        None => 0.001,
        Some(v) => match v.trim().parse::<f64>() {
            Ok(r) if r > 0.0 && r < 1.0 => r,
            _ => return Err(format!("`--risk {v}` is not a probability between 0 and 1")),
        },
    };
    let rows: Vec<Value> = qs
        .iter()
        .map(|&q| {
            json!({
                "q": q,
                "success": (0..=max_z).map(|z| chain_pow::attacker_success(q, z)).collect::<Vec<_>>(),
                "safe_depth": chain_pow::safe_depth(q, risk, 10_000),
            })
        })
        .collect();
    Ok(json!({ "risk": risk, "z_max": max_z, "attackers": rows }))
}

fn redis_slot_cmd(args: &[String]) -> Result<Value, String> {
    let mut keys = Vec::new();
    let mut masters = 3usize;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let value = match a.strip_prefix("--masters") {
            Some("") => it.next().cloned(),
            Some(v) if v.starts_with('=') => Some(v[1..].to_string()),
            Some(_) => return Err(format!("unknown option `{a}` (redis-slot takes --masters)")),
            None if a.starts_with("--") => {
                return Err(format!("unknown option `{a}` (redis-slot takes --masters)"))
            }
            None => {
                keys.push(a.clone());
                continue;
            }
        };
        masters = match value.as_deref().map(|v| v.trim().parse::<usize>()) {
            Some(Ok(m)) if (1..=1_000).contains(&m) => m,
            _ => return Err("`--masters` takes a count from 1 to 1000".to_string()),
        };
    }
    if keys.is_empty() {
        return Err("redis-slot needs at least one key".to_string());
    }
    let table = slots::SlotMap::initial(masters);
    let rows: Vec<Value> = keys
        .iter()
        .map(|k| {
            let hashed = slots::hash_tag(k).unwrap_or(k);
            let crc = slots::crc16(hashed.as_bytes());
            let slot = slots::key_slot(k);
            let range = table.get(slot);
            json!({
                "key": k,
                "hashed": hashed,
                "crc16": crc,
                "slot": slot,
                "master": range.map(|r| format!("M{}", r.owner + 1)),
                "range": range.map(|r| [r.start, r.end]),
            })
        })
        .collect();
    Ok(json!({ "slots": slots::SLOTS, "masters": masters, "keys": rows }))
}

//! `distlab`: runs any lab headless with a seed and prints JSON.
//!
//! ```text
//! distlab run <lab> [--seed N] [--until <time>] [--param k=v]... [--faults <spec>]
//!                   [--actions <log>] [--trace]
//! distlab bench [--seconds S] [--writes W] [--json]
//! distlab batch raft --seeds A..B [--scenario ID] [--param k=v]... [--measure M]
//!                    [--format json|csv] [--until <time>]
//! distlab labs
//! distlab calc <placement|mmf|drf|ratelimit> [options]
//! ```

use std::process::ExitCode;

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::input::RunConfig;
use distlab_engine::labs::{self, LabDef, LabKind, LABS};
use distlab_engine::sim::LoggedAction;
use distlab_engine::sim::When;
use distlab_engine::{Time, MS};
use serde_json::json;

const HELP_HEAD: &str = "\
distlab — run DistLab labs headless and print JSON

USAGE:
  distlab run <lab> [options]   run one network lab and print one JSON object (plotted
                                labs are computed by `distlab calc`)
  distlab bench [--seconds S] [--writes W] [--json]
                                measure engine speed: every networked lab at 5 and 51
                                nodes (its size parameter), Raft election only (5 and 51 nodes),
                                then 5 nodes with W client writes per simulated second
                                (default 100; 0 skips it), with commits per wall second,
                                measured alternately with election-only runs (the slowdown);
                                --json prints one JSON object per line
  distlab batch raft --seeds A..B [options]
                                repeat one Raft measurement over seeds A..B (inclusive) and
                                print its distribution (see BATCH below)
  distlab labs                  list every lab as JSON: id, group, kind (network, model,
                                coming), parameters with ranges, scenarios, properties,
                                node kinds and their commands, and the runner command
  distlab calc <placement|mmf|drf|ratelimit> [options]
                                compute one algorithm and print one JSON object (placement
                                statistics and moved keys, MMF/DRF allocations with steps,
                                a rate limiter on a traffic pattern); `calc placement --bench`
                                times re-placing every key (default 1,000,000 on 64 nodes)
                                after a node joins or leaves; see `distlab calc --help`
  distlab --help                this text

RUN OPTIONS:
  --seed N            seed of the run (default 1); same seed, same trace
  --until TIME        simulated time to stop at: 500ms, 10s, 2m, or plain milliseconds
                      (default 10s)
  --param k=v         a lab parameter, as in the URL (repeatable), e.g. --param nodes=7
  --faults SPEC       random faults, rates per simulated second, e.g.
                      crash=0.2,restart=1,partition=0.1,heal=0.5,drop=2,pause=0.1
  --actions LOG       a share link's action log to replay (the `actions=` value)
  --scenario ID       one of the lab's scenario presets (its parameters, seed and schedule)
  --trace             include every trace record in the output

OUTPUT (run):
  {lab, seed, params, until_ms, events, trace_hash, violations, summary, actions,
   actions_log}   (actions: how many user/fault actions; actions_log: them, for --actions)
  raft's summary: first_leader_ms, leaders_by_term, elections_started, current_leader

BATCH OPTIONS (distlab batch raft ...):
  --seeds A..B        the seeds to run, inclusive (1..500 is 500 runs), or one seed N
  --scenario ID       one of the lab's scenario presets (see LABS below) under every seed
  --param k=v         a lab parameter (repeatable), e.g. --param timeout_min=150
                      --param timeout_max=151
  --measure M         election-time (default): the current leader is crashed 1 s after the
                      first leader took office (plus a per-seed jitter within one heartbeat);
                      the value is the time until a leader of a later term takes office.
                      commit-latency: one client write on the leader at that moment; the
                      value is the time until it is committed.
  --format F          json (default): one object with lab, measure, unit (ms), scenario,
                      seeds {from,to}, runs, params, until_ms, settle_ms, violations,
                      count (runs with a value), missing (none by --until), unstarted (no
                      first leader at all), min, p50, p90, p99, max, mean and histogram
                      [{from_ms,to_ms,count}] of the values. Percentiles are nearest-rank
                      over all runs, a missing run counting as slower than any value (null
                      when the rank falls among the missing).
                      csv: a header, then one row per seed:
                      seed,value_ms,start_ms,elections,violations (value empty if missing)
  --until TIME        each run's time limit (default 60s)
  Figure 16 of the Raft paper, one line per timeout range:
    distlab batch raft --seeds 1..500 --param timeout_min=150 --param timeout_max=151

EXIT STATUS: 0 ok, 1 invariant violated (a property the lab only shows breaking, a
             lesson, does not count), 2 bad arguments.
";

/// The help text: the fixed part, then every lab that runs, from the lab registry.
fn help() -> String {
    let mut out = HELP_HEAD.to_string();
    out.push_str("\nLABS (distlab run <lab>; `distlab labs` for the parameters):\n");
    for lab in LABS.iter().filter(|l| l.is_network()) {
        let params: Vec<&str> = lab.params.iter().map(|p| p.key).collect();
        out.push_str(&format!("  {:<20} params: {}\n", lab.id, params.join(", ")));
        if !lab.scenarios.is_empty() {
            let ids: Vec<&str> = lab.scenarios.iter().map(|s| s.id).collect();
            out.push_str(&format!("  {:<20} scenarios: {}\n", "", ids.join(", ")));
        }
    }
    out.push_str("MODELS (distlab calc <command>):\n");
    for lab in LABS {
        if let LabKind::Model { calc, .. } = lab.kind {
            out.push_str(&format!(
                "  {:<20} calc {}\n",
                lab.id,
                calc(&lab.defaults())
            ));
        }
    }
    out
}

/// One lab as `distlab labs` lists it.
fn describe_lab(l: &LabDef) -> serde_json::Value {
    let kind = match l.kind {
        LabKind::Network { .. } => "network",
        LabKind::Model { .. } => "model",
        LabKind::Coming => "coming",
    };
    let params: Vec<_> = l
        .params
        .iter()
        .map(|p| json!({"key": p.key, "default": p.default, "min": p.min, "max": p.max, "integer": p.integer}))
        .chain(l.text_params.iter().map(|t| json!({"key": t.key, "default": t.default})))
        .collect();
    let properties: Vec<_> = l
        .properties
        .iter()
        .map(|p| {
            let when = if p.when == When::Always {
                "always"
            } else {
                "eventually"
            };
            json!({"id": p.id, "when": when, "lesson": p.lesson})
        })
        .collect();
    let kinds: Vec<_> = l
        .kinds
        .iter()
        .map(|k| json!({"id": k.id, "commands": k.commands.iter().map(|c| c.name).collect::<Vec<_>>()}))
        .collect();
    let runner = match l.kind {
        LabKind::Network { .. } => Some(format!("run {}", l.id)),
        LabKind::Model { calc, .. } => Some(format!("calc {}", calc(&l.defaults()))),
        LabKind::Coming => None,
    };
    json!({
        "id": l.id,
        "group": l.group.id(),
        "bundle": labs::catalog_entry(l.id).map(|e| e.bundle),
        "default": l.id == labs::DEFAULT_LAB,
        "kind": kind,
        "ready": l.implemented(),
        "params": params,
        "scenarios": l.scenarios.iter().map(|s| s.id).collect::<Vec<_>>(),
        "properties": properties,
        "node_kinds": kinds,
        "runner": runner,
    })
}

/// Prints a line to stdout; a closed pipe (`distlab ... | head`) is not an error.
fn emit(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}

fn usage_error(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("distlab: {msg}\nTry `distlab --help`.");
    ExitCode::from(2)
}

/// Parses `500ms`, `10s`, `2m` or plain milliseconds.
fn parse_time(s: &str) -> Option<Time> {
    let s = s.trim();
    let (num, unit) = if let Some(v) = s.strip_suffix("ms") {
        (v, MS)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 1000 * MS)
    } else if let Some(v) = s.strip_suffix('m') {
        (v, 60_000 * MS)
    } else {
        (s, MS)
    };
    let v: f64 = num.trim().parse().ok()?;
    (v.is_finite() && (0.0..=1e7).contains(&v)).then_some((v * unit as f64) as Time)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("-h" | "--help" | "help") => {
            emit(help().trim_end());
            ExitCode::SUCCESS
        }
        Some("labs") => {
            let list: Vec<_> = LABS.iter().map(describe_lab).collect();
            emit(&serde_json::Value::Array(list).to_string());
            ExitCode::SUCCESS
        }
        Some("run") => run(&args[1..]),
        Some("bench") => bench(&args[1..]),
        Some("batch") => batch(&args[1..]),
        Some("calc") => calc(&args[1..]),
        Some(other) => usage_error(format!("unknown command `{other}`")),
    }
}

fn run(args: &[String]) -> ExitCode {
    let Some(lab) = args.first().filter(|a| !a.starts_with('-')) else {
        return usage_error("`run` needs a lab id, e.g. `distlab run raft`");
    };
    match labs::find(lab) {
        None => return usage_error(format!("unknown lab `{lab}` (see `distlab labs`)")),
        Some(l) if !l.implemented() => {
            return usage_error(format!("lab `{lab}` is not available yet"))
        }
        Some(_) => {}
    }
    if let Some(calc) = calc_for(lab) {
        return usage_error(format!(
            "lab `{lab}` is computed, not simulated on a network: use `distlab calc {calc}` \
             (see `distlab calc --help`)"
        ));
    }
    let mut pairs = vec![("lab".to_string(), lab.clone())];
    let mut until = 10_000 * MS;
    let mut faults = None;
    let mut with_trace = false;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("`{name}` needs a value"))
        };
        let r: Result<(), String> = (|| {
            match a.as_str() {
                "--seed" => {
                    let v = value("--seed")?;
                    v.parse::<u64>()
                        .map_err(|_| format!("`--seed {v}` is not a whole number"))?;
                    pairs.push(("seed".into(), v));
                }
                "--until" => {
                    let v = value("--until")?;
                    until = parse_time(&v)
                        .ok_or(format!("`--until {v}` is not a time like 500ms, 10s or 2m"))?;
                }
                "--param" => {
                    let v = value("--param")?;
                    let (k, val) = v
                        .split_once('=')
                        .ok_or(format!("`--param {v}` is not key=value"))?;
                    pairs.push((k.to_string(), val.to_string()));
                }
                "--faults" => {
                    let v = value("--faults")?;
                    faults = Some(FaultSpec::parse(&v).map_err(|e| e.to_string())?);
                }
                "--actions" => pairs.push(("actions".into(), value("--actions")?)),
                "--scenario" => {
                    let v = value("--scenario")?;
                    distlab_engine::scenario::find(lab, v.trim()).ok_or(format!(
                        "lab `{lab}` has no scenario `{v}` (see `distlab labs`)"
                    ))?;
                    pairs.push(("scenario".into(), v));
                }
                "--trace" => with_trace = true,
                other => return Err(format!("unknown option `{other}`")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            return usage_error(e);
        }
    }
    if !pairs.iter().any(|(k, _)| k == "v") {
        // An action log given on the command line is this engine's (the runner prints it);
        // only a `--param v=N` from a share link says otherwise.
        pairs.push(("v".into(), distlab_engine::ENGINE_VERSION.to_string()));
    }
    let (cfg, errors) = RunConfig::parse(&pairs);
    if let Some(e) = first_error(&errors) {
        return usage_error(e);
    }
    let (mut session, err) = labs::create(&cfg);
    if let Some(e) = err {
        return usage_error(e);
    }
    session.set_keep_trace(with_trace);
    match faults {
        Some(spec) => FaultDriver::new(spec, cfg.seed).run(session.as_mut(), until),
        None => session.run_until(until),
    }
    session.check_eventually();
    let params: serde_json::Map<String, serde_json::Value> = cfg
        .params
        .specs
        .iter()
        .zip(&cfg.params.values)
        .map(|(s, v)| (s.key.to_string(), json!(v)))
        .collect();
    let mut out = json!({
        "lab": cfg.lab,
        "seed": cfg.seed,
        "params": params,
        "until_ms": until as f64 / MS as f64,
        "events": session.events(),
        "trace_hash": session.trace_hash(),
        "violations": session.violations(),
        "summary": session.summary(),
        "actions": session.actions().len(),
        "actions_log": LoggedAction::encode_log(session.actions()),
    });
    if with_trace {
        out["trace"] = json!(session.trace());
    }
    emit(&out.to_string());
    // A violation of a property the lab shows breaking (a lesson: two coordinators under a
    // partition) is the expected outcome, not a failure.
    let lessons: Vec<&str> = session
        .properties()
        .iter()
        .filter(|p| session.is_lesson(p))
        .map(|p| p.id)
        .collect();
    if session
        .violations()
        .iter()
        .all(|v| lessons.contains(&v.invariant))
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn bench(args: &[String]) -> ExitCode {
    let mut seconds = 60u64;
    let mut writes = 100u64;
    let mut as_json = false;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--json" => as_json = true,
            "--seconds" => match it.next().and_then(|v| v.parse::<u64>().ok()) {
                Some(s) if (1..=3600).contains(&s) => seconds = s,
                _ => return usage_error("`--seconds` needs a whole number of seconds, 1..3600"),
            },
            "--writes" => match it.next().and_then(|v| v.parse::<u64>().ok()) {
                Some(w) if w <= 1000 => writes = w,
                _ => return usage_error("`--writes` needs writes per second, 0..1000"),
            },
            other => {
                return usage_error(format!(
                    "unknown bench option `{other}` (use --seconds S, --writes W and --json)"
                ))
            }
        }
    }
    let clock = |f: &mut dyn FnMut()| {
        let t = std::time::Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    // One 60 s run of 5 nodes takes a few milliseconds: too short to time once on a busy
    // machine. Each figure is the median of several runs: as many as fit in about a second of
    // wall time (one trial run tells), at least 3 and at most 25.
    let runs_in_a_second = |one_run: f64| distlab_engine::bench::runs_within(1.0, one_run);
    for n in [5u32, 51] {
        let runs =
            runs_in_a_second(distlab_engine::bench::raft_election(n, seconds, clock).wall_seconds);
        let r = distlab_engine::bench::repeat(runs, || {
            distlab_engine::bench::raft_election(n, seconds, clock)
        });
        if as_json {
            let mut v = json!(r);
            v["runs"] = json!(runs);
            emit(&v.to_string());
        } else {
            emit(&format!(
                "raft nodes={n:<3} simulated={seconds}s wall={:.4}s  {:.0}x real time  {:.0} events/s  (median of {runs} runs)",
                r.wall_seconds, r.sim_per_wall, r.events_per_second
            ));
        }
    }
    // Every networked lab of the registry at its defaults, scaled by its size parameter.
    for f in distlab_engine::bench::every_lab(&[5, 51], seconds, 1.0, clock) {
        let (r, runs) = (&f.result, f.runs);
        if as_json {
            let mut v = json!(r);
            v["lab"] = json!(f.lab);
            v["runs"] = json!(runs);
            emit(&v.to_string());
        } else {
            emit(&format!(
                "{:<20} nodes={:<3} simulated={seconds}s wall={:.4}s  {:.0}x real time  {:.0} events/s  (median of {runs} runs)",
                f.lab, r.nodes, r.wall_seconds, r.sim_per_wall, r.events_per_second
            ));
        }
    }
    if writes > 0 {
        // Against an election-only run measured alternately with it (the issue's figure); a
        // trial pair tells how many pairs fit in about a second.
        let (trial_quiet, trial_busy, _) =
            distlab_engine::bench::writes_vs_election(5, seconds, writes, 1, clock);
        let pairs = runs_in_a_second(trial_quiet.wall_seconds + trial_busy.wall_seconds);
        let (quiet, r, slowdown) =
            distlab_engine::bench::writes_vs_election(5, seconds, writes, pairs, clock);
        if as_json {
            let mut v = json!(r);
            v["runs"] = json!(pairs);
            v["election_only_sim_per_wall"] = json!(quiet.sim_per_wall);
            v["slowdown_vs_election"] = json!(slowdown);
            emit(&v.to_string());
        } else {
            emit(&format!(
                "raft nodes=5   writes={writes}/s simulated={seconds}s wall={:.4}s  {:.0}x real time  {:.0} events/s  {} commits, {:.0} commits/s wall  (median of {pairs} runs)",
                r.wall_seconds, r.sim_per_wall, r.events_per_second, r.commits, r.commits_per_second
            ));
            emit(&format!(
                "  writes vs election-only, measured alternately: {:.0}x vs {:.0}x real time = {slowdown:.2}x slower",
                r.sim_per_wall, quiet.sim_per_wall
            ));
        }
    }
    ExitCode::SUCCESS
}

/// Parses `A..B` (inclusive) or a single seed.
fn parse_seeds(s: &str) -> Option<(u64, u64)> {
    let (a, b) = match s.split_once("..") {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let n = s.trim().parse().ok()?;
            (n, n)
        }
    };
    (a <= b && b - a < 1_000_000).then_some((a, b))
}

/// `distlab batch raft ...`: one measurement over many seeds, as a distribution or CSV rows.
fn batch(args: &[String]) -> ExitCode {
    use distlab_engine::batch::{self, BatchSpec, Measure};
    let raft = batch::LAB;
    match args.first().map(String::as_str) {
        Some(lab) if lab == raft => {}
        Some(lab) if !lab.starts_with('-') => {
            return usage_error(format!("`batch` runs {raft} only, not `{lab}`"))
        }
        _ => return usage_error("`batch` needs a lab, e.g. `distlab batch raft --seeds 1..100`"),
    }
    let mut pairs = vec![("lab".to_string(), raft.to_string())];
    let mut seeds = None;
    let mut measure = Measure::ElectionTime;
    let mut csv = false;
    let mut until = 60_000 * MS;
    let mut it = args[1..].iter();
    while let Some(a) = it.next() {
        let r: Result<(), String> = (|| {
            let v = it.next().ok_or_else(|| format!("`{a}` needs a value"))?;
            match a.as_str() {
                "--seeds" => {
                    seeds = Some(parse_seeds(v).ok_or(format!(
                        "`--seeds {v}` is not a range like 1..500 (at most 1,000,000 seeds)"
                    ))?)
                }
                "--scenario" => {
                    distlab_engine::scenario::find(raft, v.trim())
                        .ok_or(format!("{raft} has no scenario `{v}`"))?;
                    pairs.push(("scenario".into(), v.clone()));
                }
                "--param" => {
                    let (k, val) = v
                        .split_once('=')
                        .ok_or(format!("`--param {v}` is not key=value"))?;
                    pairs.push((k.to_string(), val.to_string()));
                }
                "--measure" => {
                    measure = Measure::parse(v).ok_or(format!(
                        "`--measure {v}` is not election-time or commit-latency"
                    ))?
                }
                "--format" => {
                    csv = match v.as_str() {
                        "json" => false,
                        "csv" => true,
                        _ => return Err(format!("`--format {v}` is not json or csv")),
                    }
                }
                "--until" => {
                    until = parse_time(v)
                        .filter(|&t| t > 0)
                        .ok_or(format!("`--until {v}` is not a time like 500ms, 10s or 2m"))?
                }
                other => return Err(format!("unknown batch option `{other}`")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            return usage_error(e);
        }
    }
    let Some((from, to)) = seeds else {
        return usage_error("`batch` needs --seeds, e.g. --seeds 1..500");
    };
    let (cfg, errors) = RunConfig::parse(&pairs);
    if let Some(e) = first_error(&errors) {
        return usage_error(e);
    }
    let spec = BatchSpec {
        params: cfg.params,
        scenario: cfg
            .scenario
            .and_then(|id| distlab_engine::scenario::find(raft, id)),
        from,
        to,
        measure,
        until,
    };
    let mut violations = 0;
    if csv {
        emit(batch::CSV_HEADER);
        for seed in from..=to {
            let r = batch::run_seed(&spec, seed);
            violations += r.violations;
            emit(&batch::to_csv_row(&r));
        }
    } else {
        let results = batch::run(&spec);
        violations = results.iter().map(|r| r.violations).sum();
        emit(&batch::to_json(&spec, &results).to_string());
    }
    if violations == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The first input error that stops the runner; warnings (a link from another engine
/// version) go to standard error and the run goes on.
fn first_error(
    errors: &[distlab_engine::input::InputError],
) -> Option<&distlab_engine::input::InputError> {
    for w in errors.iter().filter(|e| e.is_warning()) {
        eprintln!("distlab: note: {w}");
    }
    errors.iter().find(|e| !e.is_warning())
}

/// The `calc` command that computes a model lab (None for a network lab).
fn calc_for(lab: &str) -> Option<String> {
    match labs::find(lab)?.kind {
        LabKind::Model { calc, .. } => Some(calc(&labs::params_for(lab))),
        _ => None,
    }
}

/// `distlab calc ...`: computes one result and prints it as JSON.
fn calc(args: &[String]) -> ExitCode {
    if args.is_empty() || matches!(args[0].as_str(), "-h" | "--help" | "help") {
        emit(distlab_engine::calc::HELP.trim_end());
        return ExitCode::SUCCESS;
    }
    // The runner owns the wall clock; the engine only receives a timer (for `--bench`).
    let mut timer = |f: &mut dyn FnMut()| {
        let t = std::time::Instant::now();
        f();
        t.elapsed().as_secs_f64()
    };
    match distlab_engine::calc::run(args, &mut timer) {
        Ok(v) => {
            emit(&v.to_string());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("distlab calc: {e} (see `distlab calc --help`)");
            ExitCode::from(2)
        }
    }
}

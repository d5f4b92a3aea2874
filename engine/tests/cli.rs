//! The `distlab` command-line runner: exit codes, messages and the JSON it prints.

mod common;

use common::{assert_refused, distlab, run_json};
use distlab_engine::GOLDEN_RAFT_SEED42_5S;
use serde_json::Value;

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["frobnicate"], "unrecognized subcommand"),
        (&["run"], "required arguments were not provided"),
        (&["run", "--seed", "1"], "<LAB>"),
        (&["run", "nope"], "unknown lab"),
        (&["run", "compute-actor"], "not available yet"),
        (&["run", "raft", "--seed"], "a value is required"),
        (&["run", "raft", "--seed", "-3"], "not a whole number"),
        (&["run", "raft", "--seed", "abc"], "not a whole number"),
        (&["run", "raft", "--until", "soon"], "not a time"),
        (&["run", "raft", "--until", "-5s"], "not a time"),
        (&["run", "raft", "--until", "NaNs"], "not a time"),
        (&["run", "raft", "--param", "nodes"], "not key=value"),
        (&["run", "raft", "--param", "nodes=abc"], "not a number"),
        (&["run", "raft", "--param", "nodes=99"], "outside"),
        (
            &["run", "raft", "--param", "colour=blue"],
            "unknown parameter",
        ),
        (&["run", "raft", "--faults", "crash"], "not key=rate"),
        (&["run", "raft", "--faults", "crash=-1"], "not a rate"),
        (&["run", "raft", "--faults", "crash=lots"], "not a rate"),
        (&["run", "raft", "--faults", "meteor=1"], "unknown fault"),
        (&["run", "raft", "--faults"], "a value is required"),
        (&["run", "raft", "--actions", "zz"], "cannot read action"),
        (&["run", "raft", "--actions", "10.0.c9"], "no node n10"),
        (&["run", "raft", "--bogus"], "unexpected argument '--bogus'"),
        // A plotted lab is computed, not simulated: the runner points to `calc` (it used to
        // build a Raft from the plotted lab's parameters and never finish).
        (
            &["run", "placement-ring", "--seed", "1"],
            "use `distlab calc placement --strategy ring --nodes 4",
        ),
        (
            &["run", "placement-hash"],
            "calc placement --strategy mod --nodes",
        ),
        (
            &["run", "fair-mmf"],
            "use `distlab calc mmf --capacity 100 --demands 35,10,25,45`",
        ),
        (
            &["run", "fair-drf"],
            "use `distlab calc drf --capacity 18,36 --demands 2,8/6,2`",
        ),
        (
            &["run", "ratelimit"],
            "use `distlab calc ratelimit --limiter",
        ),
        (&["bench", "--seconds", "0"], "--seconds"),
        (&["bench", "--seconds"], "--seconds"),
        (&["bench", "--fast"], "unexpected argument"),
        (&["batch"], "required arguments were not provided"),
        (
            &["batch", "compute-actor", "--seeds", "1..3"],
            "not available yet",
        ),
        (
            &[
                "batch",
                "ratelimit",
                "--seeds",
                "1..3",
                "--faults",
                "crash=1",
            ],
            "not simulated",
        ),
        (&["batch", "raft"], "--seeds"),
        (&["batch", "raft", "--seeds"], "a value is required"),
        (&["batch", "raft", "--seeds", "5..1"], "not a range"),
        (&["batch", "raft", "--seeds", "a..b"], "not a range"),
        (
            &["batch", "raft", "--seeds", "1..3", "--measure", "speed"],
            "--measure",
        ),
        (
            &["batch", "raft", "--seeds", "1..3", "--format", "xml"],
            "--format",
        ),
        (
            &["batch", "raft", "--seeds", "1..3", "--until", "never"],
            "not a time",
        ),
        (
            &["batch", "raft", "--seeds", "1..3", "--scenario", "nope"],
            "no scenario",
        ),
        (
            &["batch", "raft", "--seeds", "1..3", "--param", "nodes=99"],
            "outside",
        ),
        (
            &["batch", "raft", "--seeds", "1..3", "--param", "x"],
            "not key=value",
        ),
        (
            &["batch", "raft", "--seeds", "1..3", "--fast", "1"],
            "unexpected argument",
        ),
        (
            &["batch", "tx-2pc", "--seeds", "1..3", "--at", "c1"],
            "not ACTION@TIMES",
        ),
        (
            &["batch", "tx-2pc", "--seeds", "1..3", "--at", "zz@1s"],
            "--at zz@1s",
        ),
        (
            &["batch", "tx-2pc", "--seeds", "1..3", "--at", "c1@soon"],
            "not a time",
        ),
        (
            &["batch", "tx-2pc", "--seeds", "1..3", "--at", "c99@1s"],
            "--at c99",
        ),
        (
            &["batch", "raft", "--seeds", "1..3", "--at", "c1@1s"],
            "--measure stats",
        ),
        (
            &["batch", "fair-mmf", "--seeds", "1..3", "--at", "c1@1s"],
            "no --faults",
        ),
    ];
    for (args, expect) in cases {
        assert_refused(&distlab(args), args, "error: ", expect);
    }
}

#[test]
fn help_and_labs() {
    for args in [&[][..], &["--help"], &["help"], &["-h"]] {
        let o = distlab(args);
        assert_eq!(o.code, Some(0));
        assert!(o.out.contains("Usage: distlab"), "{}", o.out);
    }
    let labs = run_json(&["labs"]);
    let list = labs.as_array().expect("a JSON array");
    assert!(list.len() > 50);
    let raft = list
        .iter()
        .find(|l| l["id"] == "raft")
        .expect("raft listed");
    assert_eq!(raft["ready"], Value::Bool(true));
    assert_eq!(raft["group"], "coordination");
}

#[test]
fn a_good_run_prints_the_documented_json() {
    let v = run_json(&["run", "raft", "--seed", "42", "--until", "5s"]);
    for key in [
        "lab",
        "seed",
        "params",
        "events",
        "trace_hash",
        "violations",
        "summary",
        "until_ms",
        "actions",
    ] {
        assert!(v.get(key).is_some(), "missing `{key}` in {v}");
    }
    assert_eq!(v["lab"], "raft");
    assert_eq!(v["seed"], 42);
    assert_eq!(v["params"]["nodes"], 5.0);
    assert_eq!(v["until_ms"], 5000.0);
    assert!(v["events"].as_u64().unwrap() > 500);
    assert_eq!(
        v["trace_hash"], GOLDEN_RAFT_SEED42_5S,
        "the runner agrees with the library"
    );
    assert_eq!(v["violations"], Value::Array(vec![]));
    assert!(v["summary"]["first_leader_ms"].as_f64().unwrap() > 0.0);
    assert!(v["summary"]["current_leader"].as_u64().is_some());
    assert!(v.get("trace").is_none(), "no trace unless asked");

    // Parameters and --trace.
    let v = run_json(&[
        "run", "raft", "--seed", "3", "--until", "800ms", "--param", "nodes=7", "--param",
        "loss=5", "--trace",
    ]);
    assert_eq!(v["params"]["nodes"], 7.0);
    assert_eq!(v["params"]["loss"], 5.0);
    let trace = v["trace"].as_array().expect("trace records");
    assert!(!trace.is_empty());
    assert!(trace.iter().all(|r| r["time"].as_u64().unwrap() <= 800_000));
    assert_eq!(trace[0]["id"], 0);
    assert!(trace.iter().any(|r| r["type"] == "send"));
}

#[test]
fn runs_with_random_faults_are_deterministic_and_replayable() {
    let args = [
        "run",
        "raft",
        "--seed",
        "11",
        "--until",
        "20s",
        "--param",
        "nodes=5",
        "--faults",
        "crash=0.3,restart=1,partition=0.3,heal=0.5,drop=3,pause=0.2",
    ];
    let a = run_json(&args);
    let b = run_json(&args);
    assert_eq!(a, b, "same command, same output");
    assert!(
        a["actions"].as_u64().unwrap() > 10,
        "faults were applied: {a}"
    );
    assert_eq!(a["violations"], Value::Array(vec![]));
    // The faults are an ordinary action log: replaying it without --faults gives the same run.
    let log = a["actions_log"]
        .as_str()
        .expect("the action log is printed");
    let replay = run_json(&[
        "run",
        "raft",
        "--seed",
        "11",
        "--until",
        "20s",
        "--param",
        "nodes=5",
        "--actions",
        log,
    ]);
    assert_eq!(replay["trace_hash"], a["trace_hash"]);
    assert_eq!(replay["actions"], a["actions"]);
    // A different fault seed (the run's seed) gives a different run.
    let c = run_json(&[
        "run",
        "raft",
        "--seed",
        "12",
        "--until",
        "20s",
        "--faults",
        "crash=0.3,restart=1",
    ]);
    assert_ne!(c["trace_hash"], a["trace_hash"]);
    // An empty fault spec is no faults.
    let d = run_json(&[
        "run", "raft", "--seed", "42", "--until", "5s", "--faults", "",
    ]);
    assert_eq!(d["trace_hash"], GOLDEN_RAFT_SEED42_5S);
    assert_eq!(d["actions"], 0);
}

#[test]
fn bench_prints_text_or_json_lines() {
    let o = distlab(&["bench", "--seconds", "1"]);
    assert_eq!(o.code, Some(0), "{}", o.err);
    let text = o.out;
    assert!(
        text.contains("raft nodes=5")
            && text.contains("x real time")
            && text.contains("SHA-256 headers/s")
            && text.contains("machines=10000 tasks=100000")
            && text.contains("writes vs election-only"),
        "{text}"
    );

    let o = distlab(&["bench", "--seconds", "1", "--json"]);
    assert_eq!(o.code, Some(0), "{}", o.err);
    let lines: Vec<Value> = o
        .out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // Raft at 5 and 51 nodes, every networked lab at its two sizes, then Raft with writes.
    let networked = distlab_engine::labs::LABS
        .iter()
        .filter(|l| l.is_network())
        .count();
    // … and each scheduler lab at scale.
    let scaled = distlab_engine::labs::LABS
        .iter()
        .filter(|l| l.timed.is_some_and(|t| t.scale.is_some()))
        .count();
    assert!(scaled >= 3, "{scaled}");
    assert_eq!(lines.len(), 4 + 2 * networked + scaled);
    let at_scale: Vec<&Value> = lines.iter().filter(|l| l["machines"] == 10_000).collect();
    assert_eq!(at_scale.len(), scaled);
    for l in at_scale {
        assert_eq!(l["tasks"], 100_000, "{l}");
        assert!(l["placed"].as_u64().is_some_and(|p| p > 90_000), "{l}");
    }
    assert_eq!(lines[0]["nodes"], 5);
    assert_eq!(lines[1]["nodes"], 51);
    for l in &lines[2..2 + 2 * networked] {
        assert!(l["lab"].as_str().is_some(), "{l}");
    }
    // chain-pow's hashing rate, then Raft with writes.
    let pow = &lines[2 + 2 * networked]["pow_hashes_per_second"];
    assert!(pow.as_f64().is_some_and(|h| h > 1_000.0), "{pow}");
    // The last line: 5 nodes with 100 client writes per simulated second.
    let w = &lines[lines.len() - 1];
    assert_eq!(
        (w["nodes"].clone(), w["writes"].clone()),
        (5.into(), 100.into())
    );
    assert!(w["commits"].as_u64().unwrap() > 50);
    // Against an election-only run measured alternately with it: a ratio, not a verdict.
    let slowdown = w["slowdown_vs_election"].as_f64().unwrap();
    let quiet = w["election_only_sim_per_wall"].as_f64().unwrap();
    assert!(slowdown > 0.0 && quiet > 0.0);
    assert!((quiet / w["sim_per_wall"].as_f64().unwrap() - slowdown).abs() < 1e-6);
    for l in lines
        .iter()
        .filter(|l| l.get("pow_hashes_per_second").is_none() && l.get("machines").is_none())
    {
        assert_eq!(l["simulated_seconds"], 1);
        // A quiet lab (requests at 0.5/s) may have nothing to do in one simulated second.
        if l["lab"].is_string() {
            assert!(l["events"].as_u64().is_some(), "{l}");
            continue;
        }
        assert!(l["events"].as_u64().unwrap() > 0);
        assert!(l["sim_per_wall"].as_f64().unwrap() > 0.0);
        assert!(l["events_per_second"].as_f64().unwrap() > 0.0);
    }
}

/// `distlab batch raft ...` as JSON: the distribution's fields.
fn batch_json(extra: &[&str]) -> Value {
    let mut args = vec!["batch", "raft"];
    args.extend_from_slice(extra);
    run_json(&args)
}

#[test]
fn batch_prints_a_distribution_or_one_csv_row_per_seed() {
    let args = ["--seeds", "1..40", "--param", "nodes=5"];
    let v = batch_json(&args);
    for key in [
        "lab",
        "measure",
        "unit",
        "scenario",
        "seeds",
        "runs",
        "params",
        "until_ms",
        "violations",
        "count",
        "missing",
        "unstarted",
        "min",
        "p50",
        "p90",
        "p99",
        "max",
        "mean",
        "histogram",
    ] {
        assert!(v.get(key).is_some(), "missing `{key}` in {v}");
    }
    assert_eq!(v["measure"], "election-time");
    assert_eq!(
        (v["runs"].clone(), v["count"].clone()),
        (40.into(), 40.into())
    );
    assert_eq!(v["violations"], 0);
    let (min, p50, max) = (
        v["min"].as_f64().unwrap(),
        v["p50"].as_f64().unwrap(),
        v["max"].as_f64().unwrap(),
    );
    assert!(
        50.0 < min && min <= p50 && p50 <= max && max < 5_000.0,
        "{v}"
    );
    let hist = v["histogram"].as_array().unwrap();
    let total: u64 = hist.iter().map(|b| b["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 40);
    assert!(hist[0]["from"].as_f64().unwrap() <= min);
    // Same arguments, same output.
    assert_eq!(batch_json(&args), v);

    let o = distlab(&[
        "batch",
        "raft",
        "--seeds",
        "7..31",
        "--format",
        "csv",
        "--measure",
        "commit-latency",
    ]);
    assert_eq!(o.code, Some(0), "{}", o.err);
    let out = o.out;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "seed,value_ms,start_ms,elections,violations");
    assert_eq!(lines.len(), 1 + 25, "a header and one row per seed");
    for (i, row) in lines[1..].iter().enumerate() {
        let cols: Vec<&str> = row.split(',').collect();
        assert_eq!(cols.len(), 5, "{row}");
        assert_eq!(cols[0], (7 + i).to_string());
        // One round trip (latency 10..30 ms each way).
        let ms: f64 = cols[1].parse().unwrap();
        assert!((20.0..=60.0).contains(&ms), "{row}");
    }
    // A scenario runs under every seed.
    let v = batch_json(&[
        "--seeds",
        "1..3",
        "--scenario",
        "leader-crash",
        "--until",
        "20s",
    ]);
    assert_eq!(v["scenario"], "leader-crash");
    assert_eq!(v["runs"], 3);
}

/// The Raft paper's figure 16: a little randomness in the election timeout avoids most split
/// votes; with 150–151 ms elections drag on.
#[test]
fn batch_wider_timeout_ranges_elect_faster_than_150_151() {
    let median = |max: &str| {
        let v = batch_json(&[
            "--seeds",
            "1..200",
            "--until",
            "5s",
            "--param",
            "timeout_min=150",
            "--param",
            &format!("timeout_max={max}"),
        ]);
        assert_eq!(v["violations"], 0);
        // Null (over half the runs without a leader by the limit) is slower than any value.
        v["p50"].as_f64().unwrap_or(f64::INFINITY)
    };
    let narrow = median("151");
    for max in ["175", "200", "300"] {
        let wide = median(max);
        assert!(
            wide < narrow,
            "150-{max}: median {wide} ms vs 150-151: {narrow} ms"
        );
        assert!(wide < 1_000.0, "150-{max}: median {wide} ms");
    }
}

/// A share link's `v` (engine version) on the command line: another version's log still runs,
/// with a note on standard error; the runner's own action logs need no `v`.
#[test]
fn action_logs_from_another_engine_version_run_with_a_note() {
    let r = distlab(&["run", "raft", "--until", "1s", "--actions", "500.0.c2"]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.err.is_empty(), "{}", r.err);
    let r = distlab(&[
        "run",
        "raft",
        "--until",
        "1s",
        "--param",
        "v=1",
        "--actions",
        "500.0.c2",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    assert!(r.err.contains("engine version 1"), "{}", r.err);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["actions"], 1);
}

/// `--scenario` plays a preset; a violation of a property the lab only shows breaking (a
/// lesson) is reported but is not a failure, while an unknown preset is bad usage.
#[test]
fn run_plays_a_scenario_and_lessons_do_not_fail_it() {
    let r = common::distlab(&[
        "run",
        "election-bully",
        "--scenario",
        "bully-partition",
        "--until",
        "4s",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    let out: serde_json::Value = serde_json::from_str(&r.out).expect("JSON");
    assert!(
        out["violations"]
            .as_array()
            .is_some_and(|v| v.iter().any(|v| v["invariant"] == "one-coordinator")),
        "{out}"
    );
    let r = common::distlab(&["run", "raft", "--scenario", "nope"]);
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("no scenario"), "{}", r.err);
}

/// `--at` plans an action at a grid of times, like a preset's step: 2PC's time in doubt against
/// the coordinator's crash time (restarted at 3 s). Crashed before its CanCommit went out, no
/// one waits; crashed after the votes, before any decision, every cohort is in doubt until
/// the restart; crashed after the decision went out, no one waits either.
#[test]
fn batch_at_sweeps_the_time_of_an_action() {
    let v = run_json(&[
        "batch",
        "tx-2pc",
        "--seeds",
        "1..20",
        "--param",
        "rate=0",
        "--param",
        "abort=0",
        "--param",
        "latency_min=10",
        "--param",
        "latency_max=30",
        "--at",
        "k0-begin_tx:1@100ms",
        "--at",
        "c1@100ms,150ms,400ms",
        "--at",
        "r1@3s",
        "--until",
        "5s",
    ]);
    assert_eq!(
        v["grid"]["at c1"],
        serde_json::json!(["100ms", "150ms", "400ms"])
    );
    let p50 = |i: usize, key: &str| {
        v["points"][i]["measures"][key]["p50"]
            .as_f64()
            .unwrap_or_else(|| panic!("{key} at point {i}: {v}"))
    };
    for key in ["tx-2pc.doubt.R3", "tx-2pc.doubt.R4", "tx-2pc.doubt.R5"] {
        assert!(p50(0, key) < 200.0, "{key}: crash before CanCommit");
        assert!(p50(1, key) > 2_500.0, "{key}: crash after the votes");
        assert!(p50(2, key) < 200.0, "{key}: crash after the decision");
    }
    assert_eq!(p50(1, "tx-2pc.aborted"), 1.0, "presumed abort on recovery");
    assert_eq!(p50(2, "tx-2pc.committed"), 1.0);
}

/// A grid × seeds batch of any networked lab: the lab's stats as distributions per point, the
/// same output on one core as on all of them, and shards merged into exactly what one run
/// prints.
#[test]
fn batch_sweeps_a_grid_on_every_core_and_shards_merge_into_the_same_output() {
    let base = [
        "batch",
        "paxos",
        "--seeds",
        "1..12",
        "--param",
        "proposers=1,2",
        "--param",
        "backoff=0,1",
        "--until",
        "5s",
    ];
    let one = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        let r = distlab(&args);
        assert_eq!(r.code, Some(0), "{args:?}: {}", r.err);
        r.out
    };
    let json = one(&["--jobs", "1"]);
    assert_eq!(one(&["--jobs", "2"]), json, "same output on 1 and 2 cores");
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["runs"], 48);
    assert_eq!(v["grid"]["proposers"], serde_json::json!(["1", "2"]));
    let points = v["points"].as_array().unwrap();
    assert_eq!(points.len(), 4);
    assert_eq!(
        points[1]["grid"],
        serde_json::json!({"proposers": "1", "backoff": "1"})
    );
    for p in points {
        assert_eq!(p["runs"], 12);
        let rounds = &p["measures"]["paxos.rounds"];
        assert_eq!(rounds["count"], 12, "{p}");
    }
    // Three shards, merged (in any order) into the same summary and the same CSV.
    let dir = std::env::temp_dir().join(format!("distlab-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for i in 1..=3 {
        let out = one(&["--shard", &format!("{i}/3"), "--format", "jsonl"]);
        let f = dir.join(format!("part{i}.jsonl"));
        std::fs::write(&f, out).unwrap();
        files.push(f.to_string_lossy().into_owned());
    }
    files.reverse();
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    assert_eq!(run_json(&args), v);
    args.extend(["--format", "csv"]);
    assert_eq!(distlab(&args).out, one(&["--format", "csv"]));
    // A missing shard is an error, not a smaller distribution.
    let r = distlab(&["merge", &files[0], &files[1]]);
    assert_eq!(r.code, Some(2));
    assert!(r.err.contains("missing"), "{}", r.err);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `distlab check` on a correct lab finds nothing (exit 0) and says how fast it searched.
#[test]
fn check_finds_nothing_in_a_correct_lab() {
    let r = distlab(&[
        "check",
        "mutex-central",
        "--seeds",
        "1..6",
        "--until",
        "3s",
        "--quiet",
        "5s",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.err);
    let v: Value = serde_json::from_str(&r.out).unwrap();
    assert_eq!(v["found"], false);
    assert_eq!(v["searched"], 6);
    assert!(v["schedules_per_second"].as_f64().unwrap() > 0.0);
}

/// Shell completions and per-subcommand help come from the one definition; the run help
/// lists the registry's labs with their parameters' ranges.
#[test]
fn completions_and_generated_help() {
    let r = distlab(&["completions", "bash"]);
    assert_eq!(r.code, Some(0));
    assert!(
        r.out.contains("distlab") && r.out.contains("batch"),
        "{}",
        r.out
    );
    let r = distlab(&["run", "--help"]);
    assert_eq!(r.code, Some(0));
    assert!(r.out.contains("timeout_min=150 [10..10000]"), "{}", r.out);
    assert!(r.out.contains("tx-2pc"), "{}", r.out);
    let r = distlab(&["batch", "--help"]);
    assert!(r.out.contains("--shard"), "{}", r.out);
}

/// A model lab sweeps through its `calc` command: the result's numbers as measures, the seed
/// passed where the model takes one; the lab's command in `distlab labs` runs as printed.
#[test]
fn batch_sweeps_a_model_lab_through_calc() {
    let v = run_json(&[
        "batch",
        "placement-vnodes",
        "--seeds",
        "1..5",
        "--param",
        "vnodes=1,10,1000",
    ]);
    let points = v["points"].as_array().expect("a grid");
    let spread: Vec<f64> = points
        .iter()
        .map(|p| p["measures"]["before.max_ratio"]["mean"].as_f64().unwrap())
        .collect();
    // More virtual nodes, more even load per weight (the notes' point about virtual nodes).
    assert!(
        spread[0] > spread[1] && spread[0] > spread[2] && spread[2] < 1.2,
        "{spread:?}"
    );
    let mmf = run_json(&[
        "batch",
        "fair-mmf",
        "--seeds",
        "1",
        "--param",
        "capacity=100,200",
    ]);
    // The notes' 100 over 35/10/25/45: the first user gets 32.5; with 200 all are met.
    let first = |i: usize| mmf["points"][i]["measures"]["allocation.0"]["max"].clone();
    assert_eq!((first(0), first(1)), (32.5.into(), 35.0.into()), "{mmf}");
    let labs = run_json(&["labs"]);
    for l in labs.as_array().unwrap() {
        if l["kind"] == "model" {
            let cmd = l["runner"].as_str().unwrap();
            let args: Vec<&str> = cmd.split_whitespace().collect();
            run_json(&args);
        }
    }
}

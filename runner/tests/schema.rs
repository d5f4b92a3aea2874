//! The JSON schemas in `runner/schemas/` describe the runner's real output: each command's
//! output is validated against its schema (and a damaged copy is refused, so the check can
//! fail).

use serde_json::Value;

/// `distlab args…` in-process: (exit status, stdout).
fn distlab(args: &[&str]) -> (u8, String) {
    let (code, out, _) = distlab_runner::run_captured(args);
    (code, out)
}

fn schema(name: &str) -> jsonschema::Validator {
    let path = format!("{}/schemas/{name}.schema.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    jsonschema::validator_for(&v).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assert_valid(name: &str, doc: &Value) {
    let errors: Vec<String> = schema(name)
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:?}\n{doc}");
}

fn json_of(args: &[&str]) -> Value {
    let (code, out) = distlab(args);
    assert!(code <= 1, "{args:?}: exit {code}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
}

#[test]
fn run_output_matches_its_schema() {
    let v = json_of(&[
        "run",
        "raft",
        "--until",
        "2s",
        "--faults",
        "crash=1,restart=1",
    ]);
    assert_valid("run", &v);
    assert_valid(
        "run",
        &json_of(&[
            "run",
            "election-bully",
            "--scenario",
            "bully-partition",
            "--until",
            "1s",
            "--trace",
        ]),
    );
    let mut broken = v.clone();
    broken.as_object_mut().unwrap().remove("trace_hash");
    assert!(
        !schema("run").is_valid(&broken),
        "a run without trace_hash is refused"
    );
}

#[test]
fn batch_outputs_match_their_schemas() {
    assert_valid(
        "batch",
        &json_of(&["batch", "raft", "--seeds", "1..5", "--until", "5s"]),
    );
    assert_valid(
        "batch",
        &json_of(&[
            "batch",
            "raft",
            "--seeds",
            "1..3",
            "--param",
            "timeout_max=200,300",
            "--until",
            "5s",
        ]),
    );
    let stats = json_of(&[
        "batch",
        "mutex-central",
        "--seeds",
        "1..4",
        "--until",
        "3s",
        "--faults",
        "crash=0.5,restart=1",
    ]);
    assert_valid("batch", &stats);
    let mut broken = stats.clone();
    broken["measures"] = Value::from(3);
    assert!(
        !schema("batch").is_valid(&broken),
        "measures must be distributions"
    );
    let (_, lines) = distlab(&[
        "batch", "tx-2pc", "--seeds", "1..3", "--until", "3s", "--format", "jsonl", "--shard",
        "1/2",
    ]);
    for l in lines.lines() {
        assert_valid("batch-line", &serde_json::from_str(l).expect("a JSON line"));
    }
}

#[test]
fn check_output_matches_its_schema() {
    assert_valid(
        "check",
        &json_of(&[
            "check",
            "idempotency",
            "--seeds",
            "1..4",
            "--until",
            "3s",
            "--quiet",
            "5s",
        ]),
    );
    // The correct labs give no counterexample (the broken variants are test-only, out of the
    // command line's reach): a found one, built here, checks the `found: true` branch.
    let mut found = json_of(&[
        "check", "raft", "--seeds", "1..2", "--until", "2s", "--quiet", "2s",
    ]);
    let hit = serde_json::json!({
        "seed": 3, "invariant": "x", "at_ms": 1.0, "text": "t", "faults": 2, "until_ms": 10.0,
        "quiet_ms": 5.0, "size": {"nodes": 5.0}, "params": {}, "actions_log": "", "link": "?lab=raft&seed=3"
    });
    found["found"] = Value::Bool(true);
    found["first"] = hit.clone();
    found["shrunk"] = hit;
    assert!(
        !schema("check").is_valid(&found),
        "a shrunk hit must say how many replays"
    );
    found["shrunk"]["replays"] = Value::from(7);
    assert_valid("check", &found);
    // A lesson is searched for on request, found and shrunk to a preset's schedule.
    let lesson = json_of(&[
        "check",
        "chain-dpos",
        "--lesson",
        "chain-dpos.final-agreement",
        "--seeds",
        "19..19",
        "--max-shrink",
        "200",
    ]);
    assert_valid("check", &lesson);
    assert_eq!(lesson["lesson"], "chain-dpos.final-agreement");
    assert_eq!(lesson["shrunk"]["invariant"], "chain-dpos.final-agreement");
    let (code, _) = distlab(&["check", "raft", "--lesson", "no-such-property"]);
    assert_eq!(code, 2, "an unknown property is bad usage");
}

#[test]
fn calc_and_labs_outputs_match_their_schemas() {
    for args in [
        &["calc", "placement"][..],
        &[
            "calc",
            "mmf",
            "--capacity",
            "100",
            "--demands",
            "35,10,25,45",
        ],
        &["calc", "drf", "--capacity", "9,18", "--demands", "1,4/3,1"],
        &[
            "calc",
            "ratelimit",
            "--limiter",
            "token:rate=10,burst=5",
            "--traffic",
            "steady:rate=20",
        ],
        &["calc", "pow", "--q", "0.1,0.6"],
        &["calc", "redis-slot", "foo", "{user1000}.following"],
    ] {
        assert_valid("calc", &json_of(args));
    }
    assert_valid("labs", &json_of(&["labs"]));
}

#[test]
fn calc_phi_outputs_match_the_calc_schema() {
    let phi = json_of(&[
        "calc",
        "phi",
        "--heartbeats",
        "0,1000,2010,2990",
        "--at",
        "4000",
    ]);
    assert_valid("calc", &phi);
    let mut broken = phi.clone();
    broken["rows"][1]["phi"] = Value::from("high");
    assert!(!schema("calc").is_valid(&broken), "φ must be a number");
    let curve = json_of(&[
        "calc",
        "phi-curve",
        "--hours",
        "0.05",
        "--thresholds",
        "4,8",
        "--ks",
        "3",
    ]);
    assert_valid("calc", &curve);
    let mut broken = curve.clone();
    broken["fixed"][0]
        .as_object_mut()
        .unwrap()
        .remove("false_per_hour");
    assert!(
        !schema("calc").is_valid(&broken),
        "a curve row must say its false suspicions per hour"
    );
}

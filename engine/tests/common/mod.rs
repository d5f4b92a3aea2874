//! Helpers shared by the engine's integration tests: running the `distlab` command line and checking
//! its exit codes and messages, and building and inspecting Raft sessions.
//!
//! Each test file uses only some of these, so unused ones are not warned about.
#![allow(dead_code)]

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs::coordination::raft::{self, Raft, RaftLog, Role};
use distlab_engine::labs::{LabSession, NetSession};
use distlab_engine::sim::{Action, NodeStatus, Sim, TraceKind, TraceRecord};
use distlab_engine::{NodeId, Time, MS};
use serde_json::Value;

/// What one run of the `distlab` binary gave: its exit code, standard output and errors.
pub struct Run {
    pub code: Option<i32>,
    pub out: String,
    pub err: String,
}

/// Runs the `distlab` command line with `args`, in-process (the runner crate's `main_with`).
pub fn distlab(args: &[&str]) -> Run {
    let (code, out, err) = distlab_runner::run_captured(args);
    Run {
        code: Some(i32::from(code)),
        out,
        err,
    }
}

/// Runs `distlab calc` with `args`.
pub fn calc(args: &[&str]) -> Run {
    let mut all = vec!["calc"];
    all.extend_from_slice(args);
    distlab(&all)
}

/// Runs `distlab` and expects exit 0 and one line holding one JSON object.
pub fn run_json(args: &[&str]) -> Value {
    let r = distlab(args);
    assert_eq!(r.code, Some(0), "{args:?}: {}", r.err);
    assert_eq!(r.out.lines().count(), 1, "one line of JSON: {}", r.out);
    serde_json::from_str(&r.out).unwrap_or_else(|e| panic!("{args:?}: {e}: {}", r.out))
}

/// Runs `distlab calc` and expects exit 0 and one line holding one JSON object.
pub fn calc_json(args: &[&str]) -> Value {
    let mut all = vec!["calc"];
    all.extend_from_slice(args);
    run_json(&all)
}

/// Expects a refusal: exit 2, a message starting with `prefix` and containing `expect`, no
/// panic, and nothing printed to stdout.
pub fn assert_refused(r: &Run, args: &[&str], prefix: &str, expect: &str) {
    assert_eq!(r.code, Some(2), "{args:?} should exit 2: {}", r.out);
    assert!(r.err.starts_with(prefix), "{args:?}: {}", r.err);
    assert!(
        r.err.contains(expect),
        "{args:?}: expected {expect:?} in {:?}",
        r.err
    );
    assert!(!r.err.contains("panicked"), "{args:?}: {}", r.err);
    assert!(r.out.is_empty(), "{args:?} printed to stdout");
}

/// Expects `distlab calc` to refuse `args` with exit 2 and a one-line message containing `msg`.
pub fn assert_calc_refuses(args: &[&str], msg: &str) {
    let r = calc(args);
    assert_refused(&r, args, "error: ", msg);
    assert_eq!(r.err.lines().count(), 1, "{}", r.err);
}

/// Parses a lab query, which must have no errors.
pub fn config(q: &str) -> RunConfig {
    let (cfg, errors) = RunConfig::parse(&split_query(q));
    assert!(errors.is_empty(), "{q}: {errors:?}");
    cfg
}

/// A Raft session for a lab query.
pub fn raft_session(q: &str) -> NetSession<Raft> {
    let cfg = config(q);
    raft::session(&cfg.params, cfg.seed)
}

/// A Raft session for a lab query, with its configuration changed by `set`.
pub fn raft_session_with(q: &str, set: impl Fn(&mut raft::Config)) -> NetSession<Raft> {
    let cfg = config(q);
    let mut rc = raft::Config::from_params(&cfg.params);
    set(&mut rc);
    raft::session_with(&cfg.params, &rc, cfg.seed)
}

/// Whether two logs agree on every index up to `until` that both still hold (entries, or a
/// snapshot's last included term); what one has compacted is left to the checker.
pub fn agree(a: &RaftLog, b: &RaftLog, until: u64) -> bool {
    let from = a.snapshot().index.max(b.snapshot().index);
    let until = until.min(a.last_index()).min(b.last_index());
    (from..=until).all(|i| a.term(i) == b.term(i) && (i == from || a.get(i) == b.get(i)))
}

pub fn sim(s: &NetSession<Raft>) -> &Sim<Raft> {
    &s.session.sim
}

/// Fails with the violations found, if any (`what` names the run: a seed, a scenario).
pub fn assert_no_violations(s: &NetSession<Raft>, what: &str) {
    let v = sim(s).violations();
    assert!(v.is_empty(), "{what}: {v:?}");
}

/// The one up leader.
pub fn leader(s: &NetSession<Raft>) -> NodeId {
    let l: Vec<NodeId> = (0..sim(s).n())
        .filter(|&i| sim(s).status(i) == NodeStatus::Up && sim(s).node(i).role == Role::Leader)
        .collect();
    assert_eq!(l.len(), 1, "leaders {l:?}");
    l[0]
}

/// How many notes with `key` the trace holds.
pub fn notes(s: &NetSession<Raft>, key: &str) -> usize {
    sim(s)
        .trace()
        .iter()
        .filter(|r| matches!(&r.kind, TraceKind::Note { key: k, .. } if *k == key))
        .count()
}

/// Gives `node` the command `name`.
pub fn command(s: &mut NetSession<Raft>, node: NodeId, name: &str) {
    s.act(Action::command(node, name)).unwrap();
}

/// Random fault rates at intensity `k`: crashes, partitions and pauses at the given base rates
/// and drops at 3 per second, all scaled by `k`; restarts at 1 and heals at 0.6 per second.
pub fn fault_rates(k: f64, crash: f64, partition: f64, pause: f64) -> FaultSpec {
    FaultSpec {
        crash: crash * k,
        restart: 1.0,
        partition: partition * k,
        heal: 0.6,
        drop: 3.0 * k,
        pause: pause * k,
    }
}

/// The fault seed of random schedule `i`.
pub fn fault_seed(i: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A lab's counter from its stats panel.
pub fn stat(s: &dyn LabSession, key: &str) -> f64 {
    s.stats()
        .iter()
        .find(|st| st.key == key)
        .map(|st| st.value)
        .unwrap_or_else(|| panic!("no stat {key}"))
}

/// (time, sender, receiver) of every message of `kind` sent in `trace`.
pub fn sends_of<'a>(
    trace: &'a [TraceRecord],
    kind: &'a str,
) -> impl Iterator<Item = (Time, NodeId, NodeId)> + 'a {
    trace.iter().filter_map(move |r| match &r.kind {
        TraceKind::Send {
            from, to, kind: k, ..
        } if *k == kind => Some((r.time, *from, *to)),
        _ => None,
    })
}

/// Heals everything and brings every node back: a majority is connected and up.
pub fn calm(s: &mut dyn LabSession) {
    distlab_engine::faults::calm(s);
}

/// Entries committed so far, from the Raft summary.
pub fn committed(s: &dyn LabSession) -> u64 {
    s.summary()["committed"].as_u64().unwrap_or(0)
}

/// Runs a Raft session through two rounds of 5 s of random faults (`spec`, `fault_seed`)
/// followed by 2.5 s of calm. Returns the violations' invariants and whether each quiet
/// window committed something.
pub fn faults_then_quiet(
    s: &mut dyn LabSession,
    spec: FaultSpec,
    fault_seed: u64,
) -> (Vec<&'static str>, bool) {
    const FAULTY: Time = 5_000 * MS;
    const QUIET: Time = 2_500 * MS;
    let mut driver = FaultDriver::new(spec, fault_seed);
    let mut progress = true;
    let mut t = 0;
    for _ in 0..2 {
        t += FAULTY;
        driver.run(s, t);
        calm(s);
        let before = committed(s);
        t += QUIET;
        s.run_until(t);
        progress &= committed(s) > before;
    }
    (
        s.violations().iter().map(|v| v.invariant).collect(),
        progress,
    )
}
pub mod paxos;

/// The trace hash of `s` run for 3 s under the fixed fault mix the labs' determinism tests use.
#[allow(dead_code)]
pub fn faulted_hash(mut s: impl LabSession) -> String {
    FaultDriver::new(fault_rates(1.0, 0.3, 0.3, 0.2), 5).run(&mut s, 3_000 * MS);
    s.trace_hash()
}

/// A model lab's run is deterministic and replays from its share link: `run(seed)` twice gives
/// the same state and log, another seed another state, and the lab built from a link carrying
/// the log reaches the same state at `end`.
pub fn assert_replays_from_share_link<M: distlab_engine::sim::TimeModel>(
    lab: &str,
    run: impl Fn(u64) -> distlab_engine::sim::ModelSession<M>,
    end: Time,
) {
    let (a, b) = (run(5), run(5));
    assert_eq!(a.state_hash(), b.state_hash());
    assert_eq!(a.encode_log(), b.encode_log());
    assert_ne!(
        run(6).state_hash(),
        a.state_hash(),
        "another seed, another run"
    );
    let (cfg, errors) = RunConfig::parse(&split_query(&format!(
        "lab={lab}&seed=5&actions={}&v={}",
        a.encode_log(),
        distlab_engine::ENGINE_VERSION
    )));
    assert!(errors.is_empty(), "{errors:?}");
    let mut replay = distlab_engine::labs::create_model(&cfg)
        .expect("timed")
        .expect("builds");
    replay.run_until(end);
    assert_eq!(replay.state_hash(), a.state_hash());
}

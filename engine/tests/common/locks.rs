//! Helpers shared by the lock labs' test crates (`lock_db`, `lock_redis`, `lock_redlock`,
//! `lock_zk`): reading a session's notes, sends and violations, planning a preset, the random
//! fault schedule every lab's fault sweep runs (faults, a clock jump on one node, calm), the
//! sweep itself with its census of faults, counting the runs a broken variant is caught in,
//! and the checks of bad parameters, determinism and the runner that every lock lab repeats.
//!
//! A lab's test crate includes it beside `common` (`#[path = "../common/locks.rs"] mod
//! locks;`); each crate uses only some of these, so unused ones are not warned about.
#![allow(dead_code)]

use crate::common::{calm, fault_rates, fault_seed, faulted_hash, run_json, sends_of};

use distlab_engine::faults::FaultDriver;
use distlab_engine::input::{split_query, RunConfig};
use distlab_engine::labs::coordination::lock_storage::Storage;
use distlab_engine::labs::{self, LabSession, NetLab, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

/// Random fault schedules each lab's sweep runs, and how long the faults last.
pub const SCHEDULES: u64 = 2_000;
pub const FAULTY: Time = 3_000 * MS;

/// The node `id` of a lab's session.
pub fn node<P: NetLab>(s: &NetSession<P>, id: NodeId) -> &P {
    s.session.sim.node(id)
}

/// (time, node, value) of every note `key`.
pub fn noted(s: &dyn LabSession, key: &str) -> Vec<(Time, NodeId, u64)> {
    notes(s.trace(), key).collect()
}

/// Messages of `kind` sent so far.
pub fn count(s: &dyn LabSession, kind: &str) -> usize {
    sends_of(s.trace(), kind).count()
}

pub fn invariants(s: &dyn LabSession) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

/// The properties that are lessons (expected to break) in the session's configuration.
pub fn lessons(s: &dyn LabSession) -> Vec<&'static str> {
    s.properties()
        .iter()
        .filter(|p| s.is_lesson(p))
        .map(|p| p.id)
        .collect()
}

/// The storage's accepted writes (or reads) in order: (client, step).
pub fn accepted(storage: &Storage) -> Vec<(NodeId, u32)> {
    storage
        .recent
        .iter()
        .filter(|w| w.accepted)
        .map(|w| (w.client, w.step))
        .collect()
}

/// Lab `lab`'s preset `id`: its session (from `session`), the schedule planned, not yet run.
pub fn preset<S: LabSession>(lab: &str, id: &str, session: impl Fn(&str) -> S) -> S {
    let mut s = session(&format!("lab={lab}&scenario={id}"));
    let info = labs::find(lab)
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

/// Lab `lab`'s preset `id` played to its end (2 s if it has no duration).
pub fn played<S: LabSession>(lab: &str, id: &str, session: impl Fn(&str) -> S) -> S {
    let mut s = preset(lab, id, session);
    let until = labs::find(lab)
        .and_then(|l| l.scenario(id))
        .map_or(2_000, |i| i.duration_ms);
    s.run_until(until * MS);
    s
}

/// `node`'s clock made to jump ahead 100 or 300 ms and run normally, fast or slow, chosen by
/// `j` (`j / 3 % 3` the drift, `j / 9 % 2` the jump).
pub fn clock_jump(node: NodeId, j: u64) -> Action {
    Action::Clock {
        node,
        drift_ppm: [0, 200_000, -100_000][(j / 3 % 3) as usize],
        offset: [100_000, 300_000][(j / 9 % 2) as usize],
    }
}

/// Random faults for schedule `i` (crash rate `crash`), with `clock` acted halfway in a third
/// of the runs, then calm for half a second.
pub fn random_faults(s: &mut dyn LabSession, i: u64, crash: f64, clock: Action) {
    let k = 0.5 + (i % 4) as f64 * 0.5;
    let mut driver = FaultDriver::new(fault_rates(k, crash, 0.3, 0.5), fault_seed(i));
    driver.run(s, FAULTY / 2);
    if i.is_multiple_of(3) {
        s.act(clock).unwrap();
    }
    driver.run(s, FAULTY);
    calm(s);
    s.run_until(FAULTY + 500 * MS);
}

/// What a sweep of random fault schedules did: the faults acted, and the runs that broke an
/// invariant (query and violations).
#[derive(Debug, Default)]
pub struct Sweep {
    pub crashes: usize,
    pub pauses: usize,
    pub partitions: usize,
    pub drops: usize,
    pub failures: Vec<String>,
}

impl Sweep {
    /// "… crashes, … pauses, … partitions, … drops".
    pub fn faults(&self) -> String {
        let (crashes, pauses, partitions, drops) =
            (self.crashes, self.pauses, self.partitions, self.drops);
        format!("{crashes} crashes, {pauses} pauses, {partitions} partitions, {drops} drops")
    }

    /// No run broke an invariant, and every kind of fault happened often.
    pub fn assert_clean(&self) {
        let failures = &self.failures;
        assert!(
            failures.is_empty(),
            "{} runs failed: {:?}",
            failures.len(),
            &failures[..failures.len().min(3)]
        );
        let (crashes, pauses, partitions, drops) =
            (self.crashes, self.pauses, self.partitions, self.drops);
        assert!(
            crashes > 1_000 && pauses > 1_000 && partitions > 300 && drops > 1_000,
            "faults: {crashes} crashes, {pauses} pauses, {partitions} partitions, {drops} drops"
        );
    }
}

/// Runs [`SCHEDULES`] sessions: schedule `i`'s query `query(i)`, its session without a trace,
/// `faults` on it; counts the faults acted and the failed runs, and hands each run to `each`
/// (for the lab's own counters).
pub fn sweep<S: LabSession>(
    query: impl Fn(u64) -> String,
    session: impl Fn(&str) -> S,
    faults: impl Fn(&mut S, u64),
    mut each: impl FnMut(&str, &S),
) -> Sweep {
    let mut sw = Sweep::default();
    for i in 0..SCHEDULES {
        let q = query(i);
        let mut s = session(&q);
        s.set_keep_trace(false);
        faults(&mut s, i);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => sw.crashes += 1,
                Action::Pause { .. } => sw.pauses += 1,
                Action::Partition { .. } => sw.partitions += 1,
                Action::Drop { .. } => sw.drops += 1,
                _ => {}
            }
        }
        each(&q, &s);
        if !s.violations().is_empty() {
            sw.failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    sw
}

/// Of `runs` sessions (run `i` made by `session`, without a trace, then `faults`), how many
/// the checker caught (any violation).
pub fn caught<S: LabSession>(
    runs: u64,
    session: impl Fn(u64) -> S,
    faults: impl Fn(&mut S, u64),
) -> usize {
    let mut caught = 0;
    for i in 0..runs {
        let mut s = session(i);
        s.set_keep_trace(false);
        faults(&mut s, i);
        caught += usize::from(!s.violations().is_empty());
    }
    caught
}

/// Each of `bad` (`key=value`) refused by lab `lab`'s parameters with a message.
pub fn assert_params_refused(lab: &str, bad: &[&str]) {
    for bad in bad {
        let (_, errors) = RunConfig::parse(&split_query(&format!("lab={lab}&{bad}")));
        assert!(!errors.is_empty(), "{bad} accepted");
    }
}

/// Under the fixed fault mix, lab `lab` with parameters `rest` gives the same trace for seed 4
/// twice and another for seed 5.
pub fn assert_seed_decides_trace<S: LabSession>(
    lab: &str,
    rest: &str,
    session: impl Fn(&str) -> S,
) {
    let hash = |seed: u64| faulted_hash(session(&format!("lab={lab}&seed={seed}{rest}")));
    let a = hash(4);
    assert_eq!(a, hash(4));
    assert_ne!(a, hash(5));
}

/// The runner runs lab `lab` for 10 s (seed 3) without violations, with stat `grants` at least
/// 10 and each of `keys` present.
pub fn assert_runner_runs(lab: &str, grants: &str, keys: &[&str]) {
    let out = run_json(&["run", lab, "--seed", "3", "--until", "10s"]);
    assert_eq!(out["lab"], lab);
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert!(stats[grants].as_f64().unwrap_or(0.0) >= 10.0);
    for key in keys {
        assert!(stats[key].as_f64().is_some(), "{key}");
    }
}

/// The runner runs lab `lab`'s preset `scenario`: its summary's `field` is `value`, and no
/// violation.
pub fn assert_runner_runs_preset(lab: &str, scenario: &str, field: &str, value: u64) {
    let out = run_json(&["run", lab, "--scenario", scenario]);
    assert_eq!(out["summary"][field], value);
    assert_eq!(out["summary"]["violations"], 0);
}

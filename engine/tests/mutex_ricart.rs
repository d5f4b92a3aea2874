//! Ricart–Agrawala (`mutex-ricart`): the notes' 2(n−1) messages per entry, the worked
//! two-requester example, the signalling storm, mutual exclusion under thousands of random
//! fault schedules, deliberately broken variants the checker must catch, the silent-node
//! stall and its two fixes, and each preset's lesson.

mod common;

use common::{config, fault_seed, run_json};

use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::labs::coordination::mutex_ricart::{self, Config, Ricart, State};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{Action, TraceKind};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Ricart> {
    let cfg = config(&format!("lab=mutex-ricart&{q}"));
    labs::new_session::<Ricart>(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Ricart> {
    let cfg = config(&format!("lab=mutex-ricart&{q}"));
    let mut rc = Config::from_params(&cfg.params);
    set(&mut rc);
    mutex_ricart::session_with(&cfg.params, &rc, cfg.seed)
}

/// A preset's session, its schedule planned.
fn preset(id: &str) -> NetSession<Ricart> {
    let cfg = config(&format!("lab=mutex-ricart&scenario={id}"));
    let mut s = labs::new_session::<Ricart>(&cfg.params, cfg.seed);
    let info = labs::find("mutex-ricart")
        .and_then(|l| l.scenario(id))
        .expect("preset exists");
    s.schedule(info).expect("schedule applies");
    s
}

/// Notes of `key` in the trace: (time, node, value).
fn notes(s: &NetSession<Ricart>, key: &str) -> Vec<(Time, NodeId, u64)> {
    s.session.sim.notes(key).collect()
}

/// Messages sent, by kind.
fn sent(s: &NetSession<Ricart>, kind: &str) -> usize {
    s.session
        .sim
        .trace()
        .iter()
        .filter(|r| matches!(&r.kind, TraceKind::Send { kind: k, .. } if *k == kind))
        .count()
}

fn violations(s: &NetSession<Ricart>, id: &str) -> usize {
    s.violations().iter().filter(|v| v.invariant == id).count()
}

#[test]
fn the_worked_example_two_requests_with_equal_timestamps() {
    let mut s = preset("ricart-two-requests");
    s.run_until(600 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let requests = notes(&s, "ricart.request");
    assert_eq!(requests.len(), 2);
    // Both requests carry Lamport timestamp 1: the id breaks the tie.
    assert!(requests.iter().all(|&(t, _, ts)| t == 100 * MS && ts == 1));
    // n1 defers its OK to n3 (value = node number); nobody else defers.
    assert_eq!(
        notes(&s, "ricart.defer")
            .iter()
            .map(|&(_, n, v)| (n, v))
            .collect::<Vec<_>>(),
        vec![(0, 3)]
    );
    // n1 enters first, n3 only after n1 has left.
    let enters = notes(&s, "ricart.enter");
    let leaves = notes(&s, "ricart.leave");
    assert_eq!(
        enters.iter().map(|&(_, n, _)| n).collect::<Vec<_>>(),
        vec![0, 2]
    );
    assert!(leaves[0].1 == 0 && leaves[0].0 <= enters[1].0);
    // 2 entries × 2(n−1) = 8 messages: 4 Requests, 4 OKs.
    assert_eq!((sent(&s, "Request"), sent(&s, "OK")), (4, 4));
    let m = s.session.sim.monitor();
    assert_eq!(m.entries, 2);
    assert_eq!(m.messages_per_entry(), 4.0);
}

#[test]
fn exactly_2_n_minus_1_messages_per_entry_without_faults() {
    for n in 2..=12u64 {
        for seed in 1..=3 {
            let mut s = session(&format!("nodes={n}&rate=1&cs=20&seed={seed}"));
            s.run_until(4_000 * MS);
            let m = s.session.sim.monitor();
            assert!(m.entries >= n, "n={n}: only {} entries", m.entries);
            assert_eq!(
                m.messages_per_entry(),
                (2 * (n - 1)) as f64,
                "n={n} seed={seed}"
            );
            assert!(s.violations().is_empty(), "n={n}: {:?}", s.violations());
            // Every request made long enough ago was granted.
            assert_eq!(s.check_eventually(), 0, "n={n}: {:?}", s.violations());
        }
        // With only commands the run goes quiet and the totals are exact too.
        let mut s = session(&format!("nodes={n}&rate=0"));
        for node in 0..n as usize {
            s.act(Action::command(node, "request")).unwrap();
        }
        s.run_until(5_000 * MS);
        let total = sent(&s, "Request") + sent(&s, "OK");
        assert_eq!(total as u64, n * 2 * (n - 1), "n={n}");
        assert_eq!(s.session.sim.monitor().entries, n);
    }
}

#[test]
fn the_signalling_storm_grows_with_the_number_of_requesters() {
    // Each process wishes 0.5 times per second, briefly; traffic per second is then about
    // n × 0.5 × 2(n−1): quadratic in n, and each process receives (n−1) × 0.5 requests a
    // second, linear in n.
    let mut last = 0.0;
    println!("n  messages/s  expected  requests received per process per s");
    for n in [2u64, 3, 4, 6, 8, 10, 12] {
        let mut s = session(&format!("nodes={n}&rate=0.5&cs=5&seed=7"));
        let secs = 20.0;
        s.run_until(20_000 * MS);
        let m = s.session.sim.monitor();
        let per_s = m.messages() as f64 / secs;
        let expected = n as f64 * 0.5 * 2.0 * (n - 1) as f64;
        let received = m.requests as f64 / secs / n as f64;
        println!("{n:2}  {per_s:9.1}  {expected:8.1}  {received:.2}");
        assert!(per_s > last, "n={n}: {per_s} after {last}");
        assert!(
            (per_s - expected).abs() < 0.35 * expected,
            "n={n}: {per_s} vs {expected}"
        );
        last = per_s;
    }
}

/// A random setting and fault schedule.
fn schedule(i: u64, spec: &str) -> (String, FaultSpec, u64) {
    let n = 2 + i % 6;
    let rate = [0.5, 2.0, 5.0][(i / 6 % 3) as usize];
    let cs = [10, 50, 150][(i / 18 % 3) as usize];
    let dup = [0, 0, 10][(i / 54 % 3) as usize];
    let q = format!("nodes={n}&rate={rate}&cs={cs}&dup={dup}&seed={}", i + 1);
    (q, FaultSpec::parse(spec).expect("spec"), fault_seed(i))
}

const FAULTS: &str = "crash=0.1,restart=2,pause=0.3,partition=0.05,heal=2,drop=0.3";
const RUN: Time = 3_000 * MS;

#[test]
fn mutual_exclusion_holds_under_2000_random_fault_schedules() {
    let (mut entries, mut actions, mut failures) = (0u64, 0usize, Vec::new());
    for i in 0..2_000 {
        let (q, spec, seed) = schedule(i, FAULTS);
        let mut s = session(&q);
        FaultDriver::new(spec, seed).run(&mut s, RUN);
        entries += s.session.sim.monitor().entries;
        actions += s.actions().len();
        if violations(&s, "mutual-exclusion") > 0 {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    println!("2000 schedules: {actions} faults, {entries} entries, 0 violations");
    assert!(actions > 5_000 && entries > 5_000, "{actions} {entries}");
}

#[test]
fn skip_dead_is_safe_when_only_crashes_happen() {
    // Crash-stop with restarts and no pauses, partitions or drops: the detector is never
    // wrong (heartbeats every 100 ms, suspicion after 400 ms, latency at most 30 ms).
    let mut entries = 0;
    for i in 0..500 {
        let (q, spec, seed) = schedule(i, "crash=0.5,restart=1.5");
        let mut s = session(&format!("{q}&skip_dead=1"));
        FaultDriver::new(spec, seed).run(&mut s, RUN);
        entries += s.session.sim.monitor().entries;
        assert_eq!(
            violations(&s, "mutual-exclusion"),
            0,
            "{q}: {:?}",
            s.violations()
        );
    }
    assert!(entries > 2_000);
}

#[test]
fn the_checker_catches_an_ok_sent_from_inside_the_critical_section() {
    let caught = (0..50).find(|&seed| {
        let mut s = session_with(&format!("nodes=4&rate=3&seed={seed}"), |c| {
            c.broken_ok_in_cs = true
        });
        s.run_until(3_000 * MS);
        violations(&s, "mutual-exclusion") > 0
    });
    assert!(caught.is_some(), "no schedule exposed the broken variant");
}

/// n3 holds the critical section (until 1 s); n2 requests and gets n1's OK; n1 crashes,
/// restarts and requests again. With its Lamport clock kept, n1's new request is later than
/// n2's, so n2 defers it; with a clock that restarted from zero it is *earlier*, n2 answers
/// OK, and when n3 leaves, n1 and n2 both enter on the OKs they hold.
fn crash_after_granting(broken: bool) -> NetSession<Ricart> {
    let mut s = session_with("nodes=3&rate=0&cs=1000", |c| {
        c.broken_volatile_clock = broken
    });
    for (ms, a) in [
        (0, "k2-request"),
        (100, "k1-request"),
        (200, "c0"),
        (250, "r0"),
        (300, "k0-request"),
    ] {
        s.session
            .schedule(ms * MS, Action::decode(a).unwrap())
            .unwrap();
    }
    s.run_until(3_500 * MS);
    s
}

#[test]
fn the_checker_catches_a_lamport_clock_lost_in_a_crash() {
    let s = crash_after_granting(true);
    assert_eq!(
        violations(&s, "mutual-exclusion"),
        1,
        "{:?}",
        s.violations()
    );
    let s = crash_after_granting(false);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    // n2 goes first, then n1: three entries in all.
    let order: Vec<NodeId> = notes(&s, "ricart.enter").iter().map(|e| e.1).collect();
    assert_eq!(order, vec![2, 1, 0]);
}

#[test]
fn same_seed_same_trace_and_another_seed_differs() {
    let hash = |seed: u64| {
        let mut s = session(&format!("seed={seed}&rate=2"));
        FaultDriver::new(FaultSpec::parse(FAULTS).unwrap(), seed).run(&mut s, RUN);
        s.trace_hash()
    };
    assert_eq!(hash(5), hash(5));
    assert_ne!(hash(5), hash(6));
}

/// Entries after `t` whose request was made after `t`.
fn granted_after(s: &NetSession<Ricart>, t: Time) -> usize {
    let requests = notes(s, "ricart.request");
    notes(s, "ricart.enter")
        .iter()
        .filter(|&&(_, node, ts)| {
            requests
                .iter()
                .any(|&(at, n, v)| n == node && v == ts && at > t)
        })
        .count()
}

#[test]
fn one_silent_process_stalls_everyone() {
    let mut s = preset("ricart-silent-node");
    s.run_until(4_000 * MS);
    let before = notes(&s, "ricart.enter")
        .iter()
        .filter(|e| e.0 < 1_000 * MS)
        .count();
    assert!(before >= 5, "busy before the crash: {before}");
    // No request made after the crash is ever granted, and within half a second no one
    // enters at all.
    assert_eq!(granted_after(&s, 1_000 * MS), 0);
    assert!(notes(&s, "ricart.enter").iter().all(|e| e.0 < 1_500 * MS));
    assert_eq!(violations(&s, "mutual-exclusion"), 0);
    assert!(mutex_ricart::waiting(&s.session.sim) >= 3);
    assert!(s.check_eventually() >= 1, "every-request-granted fails");

    // The same with a pause instead of a crash.
    let mut s = session("nodes=5&rate=2&seed=1");
    s.session
        .schedule(1_000 * MS, Action::Pause { node: 2 })
        .unwrap();
    s.run_until(4_000 * MS);
    assert_eq!(granted_after(&s, 1_000 * MS), 0);
}

#[test]
fn skip_dead_resumes_entries_and_readmits_the_restarted_process() {
    let mut s = preset("ricart-skip-dead");
    s.run_until(5_000 * MS);
    assert!(granted_after(&s, 1_000 * MS) >= 5);
    assert!(!notes(&s, "ricart.suspect").is_empty());
    // After the restart at 3 s n3 takes part again: it enters, and others wait for it.
    assert!(notes(&s, "ricart.enter")
        .iter()
        .any(|&(t, n, _)| n == 2 && t > 3_000 * MS));
    assert!(notes(&s, "ricart.alive").iter().any(|&(_, _, v)| v == 3));
    assert_eq!(violations(&s, "mutual-exclusion"), 0);
    assert_eq!(s.check_eventually(), 0, "{:?}", s.violations());
}

#[test]
fn a_majority_resumes_entries() {
    let mut s = preset("ricart-majority");
    s.run_until(4_000 * MS);
    assert!(granted_after(&s, 1_000 * MS) >= 5);
    assert!(notes(&s, "ricart.enter").iter().any(|e| e.0 > 3_000 * MS));
}

#[test]
fn a_majority_breaks_mutual_exclusion_without_any_fault() {
    let mut s = preset("ricart-majority-overlap");
    s.run_until(600 * MS);
    assert_eq!(
        violations(&s, "mutual-exclusion"),
        1,
        "{:?}",
        s.violations()
    );
    assert!(s
        .actions()
        .iter()
        .all(|a| matches!(a.action, Action::Command { .. })));
    // Both processes are in the critical section together.
    let enters = notes(&s, "ricart.enter");
    assert_eq!(enters.len(), 2);
    assert!(enters[1].0 < notes(&s, "ricart.leave")[0].0);
}

#[test]
fn a_false_suspicion_breaks_mutual_exclusion_with_skip_dead() {
    let mut s = preset("ricart-false-suspicion");
    s.run_until(4_000 * MS);
    assert!(violations(&s, "mutual-exclusion") >= 1);
    let v = &s.violations()[0];
    assert!(v.time > 1_000 * MS && v.time < 3_000 * MS, "{v:?}");
    // Without skip_dead the same partition only stalls.
    let cfg = config("lab=mutex-ricart&scenario=ricart-false-suspicion&skip_dead=0");
    let mut s = labs::new_session::<Ricart>(&cfg.params, cfg.seed);
    s.session
        .schedule(1_000 * MS, Action::decode("P0-0-1-1-1").unwrap())
        .unwrap();
    s.run_until(3_000 * MS);
    assert_eq!(violations(&s, "mutual-exclusion"), 0);
}

#[test]
fn the_panels_show_deferred_oks_and_oks_received() {
    let mut s = preset("ricart-two-requests");
    // Just after n1 holds both OKs and n3's request is deferred.
    let enter = notes(
        &{
            let mut t = preset("ricart-two-requests");
            t.run_until(600 * MS);
            t
        },
        "ricart.enter",
    )[0]
    .0;
    s.run_until(enter);
    let n1 = s.session.sim.node(0);
    assert_eq!(n1.state, State::Held);
    assert_eq!(n1.deferred, vec![(2, 1)]);
    let v = s.view();
    let panels = format!("{:?}", v.nodes[0].panels);
    assert!(
        panels.contains("n3 · ts 1") && panels.contains("n2"),
        "{panels}"
    );
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "mutex-ricart", "--seed", "3", "--until", "5s"]);
    assert_eq!(out["lab"], "mutex-ricart");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    assert!(out["summary"]["entries"].as_u64().unwrap_or(0) > 0);
    assert_eq!(out["summary"]["stats"]["ricart.messages_per_entry"], 8.0);
}

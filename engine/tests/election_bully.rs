//! The bully election lab: the notes' steps 1–4 reproduced from the trace, the Θ(n²) message
//! count when the lowest id starts, both properties under thousands of random fault
//! schedules, a broken variant the checker must catch, determinism, each preset's lesson and
//! the runner.

mod common;

use common::{config, fault_rates, fault_seed, run_json};
use distlab_engine::faults::{FaultDriver, FaultSpec};
use distlab_engine::labs::coordination::bully::{self, Bully, Role};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::scenario;
use distlab_engine::sim::{Action, NodeStatus, TraceKind};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Bully> {
    let cfg = config(q);
    bully::session(&cfg.params, cfg.seed)
}

fn broken_session(q: &str) -> NetSession<Bully> {
    let cfg = config(q);
    let mut c = bully::Config::from_params(&cfg.params);
    c.broken_never_step_down = true;
    bully::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session with its schedule planned.
fn preset(id: &str, extra: &str) -> NetSession<Bully> {
    let mut s = session(&format!("lab=election-bully&scenario={id}{extra}"));
    let info = scenario::find("election-bully", id).expect("preset exists");
    s.schedule(info).expect("schedule applies");
    s
}

/// (from, to, kind) of every Election, Alive and Victory sent, in order.
fn election_sends(s: &NetSession<Bully>) -> Vec<(NodeId, NodeId, &'static str)> {
    s.trace()
        .iter()
        .filter_map(|r| match r.kind {
            TraceKind::Send { from, to, kind, .. } if bully::ELECTION_KINDS.contains(&kind) => {
                Some((from, to, kind))
            }
            _ => None,
        })
        .collect()
}

fn notes(s: &NetSession<Bully>, key: &str) -> Vec<(NodeId, u64)> {
    s.session
        .sim
        .notes(key)
        .map(|(_, node, v)| (node, v))
        .collect()
}

fn coordinators(s: &NetSession<Bully>) -> Vec<NodeId> {
    Bully::coordinators(&s.session.sim)
}

/// Every up node follows `c`, which is coordinator.
fn assert_all_follow(s: &NetSession<Bully>, c: NodeId, what: &str) {
    let sim = &s.session.sim;
    for i in (0..sim.n()).filter(|&i| sim.status(i) == NodeStatus::Up) {
        let p = sim.node(i);
        assert_eq!(p.coordinator, Some(c), "{what}: n{} follows", i + 1);
        let role = if i == c {
            Role::Coordinator
        } else {
            Role::Follower
        };
        assert_eq!(p.role, role, "{what}: n{}", i + 1);
    }
}

#[test]
fn the_notes_steps_1_to_4_when_the_lowest_id_starts() {
    let mut s = preset("bully-lowest-starts", "");
    s.run_until(1_000 * MS);
    let sends = election_sends(&s);
    let n = 5;
    eprintln!("steps (from, to, message):");
    for (f, t, k) in &sends {
        eprintln!("  n{} -> n{}: {k}", f + 1, t + 1);
    }
    let of = |from: NodeId, kind: &str| -> Vec<NodeId> {
        let mut v: Vec<NodeId> = sends
            .iter()
            .filter(|(f, _, k)| *f == from && *k == kind)
            .map(|(_, t, _)| *t)
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    // Step 2: n1, not the highest, sends Election to every higher id, first of all.
    let first: Vec<_> = sends[..n - 1].to_vec();
    assert_eq!(
        first,
        (1..n).map(|t| (0, t, "Election")).collect::<Vec<_>>(),
        "n1 opens with Election to n2..n5"
    );
    assert_eq!(of(0, "Election"), vec![1, 2, 3, 4]);
    // Step 4: every higher id answers Alive to n1 and starts its own election upwards.
    for i in 1..n {
        assert!(
            sends.contains(&(i, 0, "Alive")),
            "n{} answers n1 with Alive",
            i + 1
        );
    }
    for i in 1..n - 1 {
        assert_eq!(
            of(i, "Election"),
            (i + 1..n).collect::<Vec<_>>(),
            "n{}",
            i + 1
        );
    }
    // Step 1: n5, the highest, sends Victory to all lower ids; nobody else ever wins
    // (step 3: everyone else got an Alive from above).
    assert_eq!(of(4, "Election"), Vec::<NodeId>::new());
    assert_eq!(of(4, "Victory"), vec![0, 1, 2, 3]);
    for i in 0..n - 1 {
        assert!(
            of(i, "Victory").is_empty(),
            "n{} never claims victory",
            i + 1
        );
    }
    assert_eq!(notes(&s, "bully.victory"), vec![(4, 4)]);
    // n1's election began at 10 ms and n5 won once its Election arrived, within 30 ms.
    assert!(s.session.sim.monitor().first_victory.unwrap() <= 40 * MS);
    assert_all_follow(&s, 4, "after the election");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(s.session.sim.monitor().episodes.len(), 1);
}

#[test]
fn messages_when_the_lowest_id_starts_grow_as_n_squared() {
    // Equal latencies (10 ms) make every round arrive together: Election n(n−1)/2, Alive
    // n(n−1)/2, Victory n−1 from the winner plus n−2 repeated to the late electors.
    eprintln!("  n  messages  n²");
    let mut counts = Vec::new();
    for n in 3..=12usize {
        let mut s = preset(
            "bully-lowest-starts",
            &format!("&nodes={n}&latency_min=10&latency_max=10"),
        );
        s.run_until(1_000 * MS);
        let m = s.session.sim.monitor();
        assert_eq!(m.episodes.len(), 1, "n={n}: one election");
        let count = m.episodes[0].messages;
        eprintln!("{n:>3} {count:>9} {:>3}", n * n);
        let kinds = |k: &str| election_sends(&s).iter().filter(|e| e.2 == k).count();
        assert_eq!(kinds("Election"), n * (n - 1) / 2, "n={n}");
        assert_eq!(kinds("Alive"), n * (n - 1) / 2, "n={n}");
        assert_eq!(kinds("Victory"), 2 * n - 3, "n={n}");
        assert_eq!(count as usize, n * n + n - 3, "n={n}");
        let stats = s.stats();
        let stat = |k: &str| stats.iter().find(|s| s.key == k).map(|s| s.value);
        assert_eq!(stat("bully.last_election_messages"), Some(count as f64));
        counts.push(count);
    }
    // Quadratic, not linear: 4× the nodes, about 14× the messages.
    assert!(counts[9] > 12 * counts[0], "{counts:?}");
}

/// One random schedule: (query, fault rates, fault seed, with partitions).
fn schedule(i: u64) -> (String, FaultSpec, u64, bool) {
    let n = 3 + i % 10;
    let dup = [0, 5][(i / 10 % 2) as usize];
    let partitions = i % 2 == 1;
    let q = format!("lab=election-bully&seed={i}&nodes={n}&dup={dup}");
    let k = [0.5, 1.0, 2.0][(i % 3) as usize];
    let spec = fault_rates(k, 0.3, if partitions { 0.4 } else { 0.0 }, 0.2);
    (q, spec, fault_seed(i), partitions)
}

const SCHEDULES: u64 = 2_000;
/// Faults for this long, then a quiet tail long enough for the eventual check.
const FAULT_TIME: Time = 3_000 * MS;
const TAIL: Time = 1_500 * MS;

fn run_schedule(s: &mut dyn LabSession, spec: FaultSpec, fault_seed: u64) {
    FaultDriver::new(spec, fault_seed).run(s, FAULT_TIME);
    s.run_until(FAULT_TIME + TAIL);
    s.check_eventually();
}

#[test]
fn highest_coordinator_holds_under_2000_random_fault_schedules() {
    let (mut crashes, mut restarts, mut pauses, mut drops, mut parts) = (0, 0, 0, 0, 0);
    let (mut switches, mut quiet, mut lessons) = (0u64, 0, 0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let (q, spec, fs, partitions) = schedule(i);
        let mut s = session(&q);
        run_schedule(&mut s, spec, fs);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Restart { .. } => restarts += 1,
                Action::Pause { .. } => pauses += 1,
                Action::Drop { .. } => drops += 1,
                Action::Partition { .. } => parts += 1,
                _ => {}
            }
        }
        let m = s.session.sim.monitor();
        switches += m.switches;
        let cfg = bully::Config::from_params(&config(&q).params);
        quiet += usize::from(m.quiet(s.now(), &cfg));
        for v in s.violations() {
            if partitions && v.invariant == "one-coordinator" {
                lessons += 1;
            } else {
                failures.push(format!("{q}: {v:?}"));
            }
        }
    }
    eprintln!(
        "{SCHEDULES} schedules: {crashes} crashes, {restarts} restarts, {pauses} pauses, \
         {drops} drops, {parts} partitions, {switches} switches, {quiet} quiet at the end, \
         {lessons} two-coordinator lessons under partitions"
    );
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
    // The schedules did real damage, and the check really ran.
    assert!(crashes > 2_000 && restarts > 1_500 && pauses > 1_000 && drops > 5_000);
    assert!(parts > 500);
    assert!(switches > 1_000, "{switches}");
    assert!(quiet as u64 > SCHEDULES * 9 / 10, "{quiet}");
    // Partitions do give two coordinators, as the lab teaches.
    assert!(lessons > 100, "{lessons}");
}

#[test]
fn the_checker_catches_a_coordinator_that_never_steps_down() {
    let mut found = None;
    for i in (0..SCHEDULES).filter(|i| i % 2 == 0) {
        let (q, spec, fs, partitions) = schedule(i);
        assert!(!partitions);
        let mut s = broken_session(&q);
        run_schedule(&mut s, spec.clone(), fs);
        if let Some(v) = s.violations().first() {
            assert_eq!(v.invariant, "one-coordinator", "{q}: {v:?}");
            assert!(v.text.contains("have both been coordinator"), "{}", v.text);
            let r = &s.trace()[v.record as usize];
            assert!(matches!(
                r.kind,
                TraceKind::Violation {
                    invariant: "one-coordinator",
                    ..
                }
            ));
            // The same run replays to the same violation.
            let mut again = broken_session(&q);
            run_schedule(&mut again, spec, fs);
            assert_eq!(s.violations(), again.violations());
            assert_eq!(s.trace_hash(), again.trace_hash());
            found = Some(q);
            break;
        }
    }
    let q = found.expect("random crashes and restarts expose the broken variant");
    eprintln!("broken bully caught by {q}");
    // The rejoin preset always does: n5 returns, and n4 never steps down.
    let cfg = config("lab=election-bully&scenario=bully-rejoin");
    let mut c = bully::Config::from_params(&cfg.params);
    c.broken_never_step_down = true;
    let mut s = bully::session_with(&cfg.params, &c, cfg.seed);
    s.schedule(scenario::find("election-bully", "bully-rejoin").unwrap())
        .unwrap();
    s.run_until(2_900 * MS);
    s.check_eventually();
    let ids: Vec<&str> = s.violations().iter().map(|v| v.invariant).collect();
    assert!(ids.contains(&"one-coordinator"), "{ids:?}");
    assert!(ids.contains(&"highest-coordinator"), "{ids:?}");
}

#[test]
fn the_same_seed_gives_the_same_trace_and_another_seed_differs() {
    let run = |seed: u64| {
        let mut s = session(&format!("lab=election-bully&seed={seed}&nodes=7"));
        FaultDriver::new(fault_rates(1.0, 0.3, 0.2, 0.2), 9).run(&mut s, 3_000 * MS);
        s.trace_hash()
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn a_coordinator_crash_elects_the_next_highest() {
    let mut s = preset("bully-coordinator-crash", "");
    s.run_until(990 * MS);
    assert_eq!(coordinators(&s), vec![4]);
    assert_all_follow(&s, 4, "before the crash");
    s.run_until(3_000 * MS);
    assert_eq!(coordinators(&s), vec![3]);
    assert_all_follow(&s, 3, "after the crash");
    assert!(notes(&s, "bully.coordinator_lost").iter().any(|n| n.1 == 5));
    assert_eq!(s.session.sim.monitor().switches, 1);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

#[test]
fn a_higher_id_that_rejoins_takes_over_every_time() {
    let mut s = preset("bully-rejoin", "");
    s.run_until(1_900 * MS);
    assert_eq!(coordinators(&s), vec![3], "n4 leads while n5 is down");
    s.run_until(2_200 * MS);
    assert_eq!(coordinators(&s), vec![4], "n5 is back and bullies n4 out");
    assert_all_follow(&s, 4, "after the rejoin");
    s.run_until(5_000 * MS);
    assert_eq!(coordinators(&s), vec![4]);
    // Four switches: n5→n4, n4→n5, n5→n4, n4→n5; n4 stepped down twice.
    assert_eq!(s.session.sim.monitor().switches, 4);
    let downs = notes(&s, "bully.step_down");
    assert_eq!(downs, vec![(3, 5), (3, 5)]);
    let stats = s.stats();
    assert!(stats
        .iter()
        .any(|st| st.key == "bully.switches" && st.value == 4.0));
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

#[test]
fn a_partition_gives_two_coordinators_until_it_heals() {
    let mut s = preset("bully-partition", "");
    s.run_until(2_900 * MS);
    assert_eq!(coordinators(&s), vec![2, 4], "n3 leads n1, n2; n5 leads n4");
    let v = s.violations();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(v[0].invariant, "one-coordinator");
    assert!(v[0].time > 1_000 * MS && v[0].time < 2_000 * MS, "{v:?}");
    let lesson = labs::find("election-bully")
        .unwrap()
        .properties
        .iter()
        .find(|p| p.id == "one-coordinator")
        .unwrap();
    assert!(lesson.lesson);
    // Even split, each side follows its highest live id: what bully promises.
    assert_eq!(s.check_eventually(), 0);
    s.run_until(4_000 * MS);
    assert_eq!(coordinators(&s), vec![4]);
    assert_all_follow(&s, 4, "after the heal");
    assert!(notes(&s, "bully.step_down").contains(&(2, 5)));
    assert_eq!(s.check_eventually(), 0);
    assert_eq!(s.violations().len(), 1);
}

#[test]
fn the_start_command_starts_an_election_that_the_highest_wins() {
    let mut s = session("lab=election-bully&seed=2");
    s.run_until(1_000 * MS);
    assert_eq!(coordinators(&s), vec![4]);
    let before = s.session.sim.monitor().episodes.len();
    s.act(Action::command(2, "start")).unwrap();
    s.run_until(1_500 * MS);
    assert_eq!(s.session.sim.monitor().episodes.len(), before + 1);
    assert!(notes(&s, "bully.election")
        .iter()
        .any(|&(n, v)| n == 2 && v == 2));
    assert_all_follow(&s, 4, "after n3's election");
    assert_eq!(s.session.sim.monitor().switches, 0);
    // An argument is refused: `start` takes none.
    assert!(s
        .act(Action::Command {
            node: 2,
            name: "start".into(),
            arg: Some("1".into()),
        })
        .is_err());
}

#[test]
fn the_runner_runs_the_lab() {
    let out = run_json(&["run", "election-bully", "--seed", "3", "--until", "5s"]);
    assert_eq!(out["lab"], "election-bully");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let summary = &out["summary"];
    assert_eq!(summary["current_coordinator"], 5);
    assert_eq!(summary["stats"]["bully.switches"], 0.0);
    assert!(
        summary["stats"]["bully.election_messages"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert!(
        summary["stats"]["bully.messages_per_election"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    let with_faults = run_json(&[
        "run",
        "election-bully",
        "--seed",
        "4",
        "--until",
        "5s",
        "--param",
        "nodes=8",
        "--faults",
        "crash=0.3,restart=1",
    ]);
    assert!(with_faults["actions"].as_u64().unwrap() > 0);
}

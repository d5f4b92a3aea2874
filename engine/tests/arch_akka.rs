//! The Akka cluster lab (`arch-akka`): the notes' join order through seed nodes, the k rule
//! of the heartbeat ring for n = 2..12, each preset's lesson (a crash marked unreachable by
//! exactly its k watchers, downed and removed; a partition that stops the leader; a graceful
//! leave; a missing first seed; split brain under auto-downing), the properties under
//! hundreds of random fault schedules, a broken leader the checker must catch, determinism,
//! bad input and the runner.

mod common;

use common::{config, fault_rates, fault_seed, faulted_hash, run_json};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::scheduling::arch_akka::{self, ring, ArchAkka, Config, Status};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action, Sim};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<ArchAkka> {
    let cfg = config(q);
    arch_akka::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<ArchAkka> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    arch_akka::session_with(&cfg.params, &c, cfg.seed)
}

fn sim(s: &NetSession<ArchAkka>) -> &Sim<ArchAkka> {
    &s.session.sim
}

/// Whether node `viewer` sees node `node`'s newest incarnation with `status`.
fn sees(s: &NetSession<ArchAkka>, viewer: NodeId, node: NodeId, status: Status) -> bool {
    sim(s)
        .node(viewer)
        .g
        .latest(node)
        .is_some_and(|m| m.status == status)
}

/// Every node in the cluster sees every node up.
fn all_up(s: &NetSession<ArchAkka>) -> bool {
    let n = sim(s).n();
    (0..n).all(|v| sim(s).node(v).in_cluster() && (0..n).all(|j| sees(s, v, j, Status::Up)))
}

fn moves(s: &dyn LabSession) -> Vec<(Time, NodeId, NodeId, u64)> {
    notes(s.trace(), "arch-akka.move")
        .map(|(t, n, v)| (t, n, (v / 8) as NodeId, v % 8))
        .collect()
}

fn preset(id: &str) -> Box<dyn LabSession> {
    preset_until(id, None)
}

fn preset_until(id: &str, until: Option<Time>) -> Box<dyn LabSession> {
    let cfg = config(&format!("lab=arch-akka&scenario={id}"));
    let (mut s, err) = labs::create(&cfg);
    assert!(err.is_none(), "{err:?}");
    let info = labs::find("arch-akka")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.run_until(until.unwrap_or(info.duration_ms * MS));
    s
}

/// The notes' join order: n1 (first seed) forms the cluster of itself; n2 and n3 (seeds) ask
/// n1 and only n1; ordinary nodes ask seeds; joins spread by gossip and the leader n1 moves
/// every member up. Nothing violated.
#[test]
fn the_notes_join_order_forms_the_cluster() {
    let s = preset("arch-akka-form");
    let formed: Vec<_> = notes(s.trace(), "arch-akka.form").collect();
    assert_eq!(formed.len(), 1, "{formed:?}");
    assert_eq!(formed[0].1, 0, "the first seed forms the cluster");
    for (_, node, to) in notes(s.trace(), "arch-akka.ask") {
        if node == 1 || node == 2 {
            assert_eq!(to, 1, "a seed asks only the first seed");
        } else {
            assert!(to <= 3, "an ordinary node asks a seed, not n{to}");
        }
    }
    // Who welcomed whom: every welcome is by a member, every ordinary node welcomed by a
    // seed.
    let welcomes: Vec<_> = notes(s.trace(), "arch-akka.welcome").collect();
    assert_eq!(welcomes.len(), 7, "{welcomes:?}");
    assert!(welcomes.iter().all(|w| w.1 < 3));
    let mut s = session("lab=arch-akka&seed=1");
    s.run_until(4_000 * MS);
    assert!(all_up(&s), "every node up in every view");
    assert_eq!(labs::LabSession::leader(&s), Some(0));
    let m = moves(&s);
    assert!(
        m.iter().all(|mv| mv.1 == 0 && mv.3 == 1),
        "only n1 moves, to up"
    );
    assert_eq!(m.len(), 8);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(s.stats().iter().any(|st| st.key == "akka_formed_rounds"));
}

/// The notes' rule, k = n − 1 for n < 6 else 5, and in a formed cluster of n nodes each node
/// is watched by exactly k others, the same ring on every node.
#[test]
fn the_k_rule_for_n_from_2_to_12() {
    for n in 2..=12usize {
        let k = if n < 6 { n - 1 } else { 5 };
        assert_eq!(ring::k_for(n, 0), k, "n = {n}");
        assert_eq!(ring::k_for(n, 3), 3.min(n - 1), "a user k");
        let mut s = session(&format!("lab=arch-akka&nodes={n}&seed=2&stagger=20"));
        s.run_until(4_000 * MS);
        assert!(all_up(&s), "n = {n}");
        let mut watchers = vec![0usize; n];
        for w in 0..n {
            let p = sim(&s).node(w);
            assert_eq!(p.k(), k);
            for (j, d) in p.fd.iter().enumerate() {
                if d.watching {
                    watchers[j] += 1;
                }
            }
        }
        assert!(watchers.iter().all(|&c| c == k), "n = {n}: {watchers:?}");
        let r = ring::of(&sim(&s).node(0).g);
        assert_eq!(r, ring::order(0..n));
        assert!(s.violations().is_empty(), "{:?}", s.violations());
    }
}

/// n5 crashes at 4 s: exactly its k = 5 ring watchers mark it unreachable; no move until the
/// leader downs it (2 s later); then it is removed in every view.
#[test]
fn preset_crash_unreachable_down_removed() {
    let s = preset("arch-akka-crash");
    let r = ring::order(0..8);
    let mut markers: Vec<NodeId> = notes(s.trace(), "arch-akka.unreachable")
        .filter(|n| n.2 == 5)
        .map(|n| n.1)
        .collect();
    markers.sort_unstable();
    let mut expected = ring::watchers(&r, 4, 5);
    expected.sort_unstable();
    assert_eq!(markers, expected, "n5's ring watchers mark it");
    let first_mark = notes(s.trace(), "arch-akka.unreachable")
        .map(|n| n.0)
        .min()
        .unwrap_or(0);
    assert!(
        first_mark > 4_400 * MS && first_mark < 4_700 * MS,
        "{first_mark}"
    );
    let downs: Vec<_> = notes(s.trace(), "arch-akka.down").collect();
    assert_eq!(downs.len(), 1, "{downs:?}");
    assert_eq!((downs[0].1, downs[0].2), (0, 5), "the leader n1 downs n5");
    assert!(downs[0].0 >= first_mark + 2_000 * MS);
    let m = moves(s.as_ref());
    assert!(!m.iter().any(|mv| mv.0 > first_mark && mv.0 < downs[0].0));
    let removed = m
        .iter()
        .find(|mv| mv.2 == 4 && mv.3 == 5)
        .expect("n5 removed");
    assert!(removed.0 > downs[0].0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// A partition blocks convergence: n2's leave stays `leaving` until the heal; then exiting,
/// then removed. No move during the partition.
#[test]
fn preset_partition_no_convergence_no_moves() {
    let during = preset_until("arch-akka-partition", Some(7_900 * MS));
    let m = moves(during.as_ref());
    assert!(
        !m.iter().any(|mv| mv.0 > 4_600 * MS),
        "no move while partitioned: {m:?}"
    );
    let after = preset("arch-akka-partition");
    let m = moves(after.as_ref());
    let exiting = m.iter().find(|mv| mv.2 == 1 && mv.3 == 3).expect("exiting");
    let removed = m.iter().find(|mv| mv.2 == 1 && mv.3 == 5).expect("removed");
    assert!(exiting.0 > 8_000 * MS && removed.0 > exiting.0, "{m:?}");
    assert_eq!(notes(after.trace(), "arch-akka.down").count(), 0);
    assert!(after.violations().is_empty(), "{:?}", after.violations());
}

/// The broken leader moves without convergence: in the partition preset it moves n2 to
/// exiting during the partition, and the checker says so.
#[test]
fn the_checker_catches_a_leader_that_ignores_convergence() {
    let play = |s: &mut NetSession<ArchAkka>| {
        s.run_until(4_000 * MS);
        s.act(Action::Partition {
            groups: vec![0, 0, 0, 0, 1, 1, 1, 1],
        })
        .unwrap();
        s.run_until(5_000 * MS);
        s.act(Action::command(1, "akka_leave")).unwrap();
        s.run_until(7_000 * MS);
    };
    let q = "lab=arch-akka&seed=1&down_after=0";
    let mut bad = session_with(q, |c| c.broken_no_convergence = true);
    play(&mut bad);
    assert!(
        bad.violations()
            .iter()
            .any(|v| v.invariant == "arch-akka.converged-moves"),
        "{:?}",
        bad.violations()
    );
    let mut ok = session(q);
    play(&mut ok);
    assert!(ok.violations().is_empty(), "{:?}", ok.violations());
}

/// n4 leaves: leaving → exiting → removed, in that order, never down; it shuts down.
#[test]
fn preset_leave_is_graceful() {
    let s = preset("arch-akka-leave");
    let leave: Vec<_> = notes(s.trace(), "arch-akka.leave").collect();
    assert_eq!(leave.len(), 1);
    let m: Vec<_> = moves(s.as_ref())
        .into_iter()
        .filter(|mv| mv.2 == 3 && mv.0 > 4_000 * MS)
        .map(|mv| mv.3)
        .collect();
    assert_eq!(m, vec![3, 5], "exiting then removed");
    assert_eq!(notes(s.trace(), "arch-akka.down").count(), 0);
    assert!(notes(s.trace(), "arch-akka.shutdown").any(|n| n.1 == 3));
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// Without the first seed nobody forms a cluster; when it starts, everyone joins.
#[test]
fn preset_no_first_seed_no_cluster() {
    let before = preset_until("arch-akka-no-first-seed", Some(3_900 * MS));
    assert_eq!(notes(before.trace(), "arch-akka.form").count(), 0);
    assert_eq!(notes(before.trace(), "arch-akka.welcome").count(), 0);
    assert_eq!(before.summary()["members"], 0);
    let after = preset("arch-akka-no-first-seed");
    assert_eq!(notes(after.trace(), "arch-akka.form").count(), 1);
    assert_eq!(after.summary()["up"], 8);
    assert!(after.violations().is_empty(), "{:?}", after.violations());
}

/// Auto-downing under a partition: each side downs the other and both leaders act again.
#[test]
fn preset_split_brain_two_clusters() {
    let s = preset("arch-akka-split-brain");
    let downers: std::collections::BTreeSet<NodeId> =
        notes(s.trace(), "arch-akka.down").map(|n| n.1).collect();
    assert_eq!(downers.len(), 2, "a leader on each side downs: {downers:?}");
    let leaders = s.summary()["leaders"].clone();
    assert_eq!(leaders.as_array().map(Vec::len), Some(2), "{leaders}");
    let late: std::collections::BTreeSet<NodeId> = moves(s.as_ref())
        .iter()
        .filter(|mv| mv.0 > 6_000 * MS)
        .map(|mv| mv.1)
        .collect();
    assert_eq!(late.len(), 2, "both leaders move members: {late:?}");
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

const SCHEDULES: u64 = 500;
const SCHEDULE_TIME: Time = 4_000 * MS;

/// The three properties hold under random crashes, restarts, partitions, pauses and lost
/// messages, with and without auto-downing.
#[test]
fn properties_hold_under_random_faults() {
    let (mut moves_total, mut downs, mut marks) = (0u64, 0u64, 0u64);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let q = format!(
            "lab=arch-akka&seed={i}&nodes={}&seeds={}&down_after={}&stagger={}&loss={}",
            3 + i % 6,
            1 + i % 3,
            [0, 600, 1_500][(i % 3) as usize],
            (i % 4) * 30,
            (i % 5) as f64
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        let k = 0.5 + (i % 4) as f64 * 0.5;
        FaultDriver::new(fault_rates(k, 0.4, 0.3, 0.3), fault_seed(i)).run(&mut s, SCHEDULE_TIME);
        let sum = s.summary();
        moves_total += sum["moves"].as_u64().unwrap_or(0);
        downs += sum["downs"].as_u64().unwrap_or(0);
        marks += sum["unreachable_marks"].as_u64().unwrap_or(0);
        if !s.violations().is_empty() {
            failures.push(format!("{q} (faults {i}): {:?}", s.violations()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        moves_total > 3 * SCHEDULES && downs > 100 && marks > 1_000,
        "{moves_total} moves, {downs} downs, {marks} marks"
    );
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=arch-akka&seed=4");
    assert_eq!(a, hash("lab=arch-akka&seed=4"));
    assert_ne!(a, hash("lab=arch-akka&seed=5"));
}

/// Bad command arguments are refused; a member number that names nobody is a note, not a
/// panic.
#[test]
fn bad_input_is_refused() {
    let mut s = session("lab=arch-akka&seed=1");
    s.run_until(3_000 * MS);
    for bad in [
        "k0-akka_down:abc",
        "k0-akka_down:99",
        "k0-akka_down:-1",
        "k0-nosuch",
    ] {
        let r = Action::decode(bad).and_then(|a| s.act(a));
        assert!(r.is_err(), "{bad} accepted");
    }
    s.act(Action::decode("k0-akka_down:16").unwrap()).unwrap();
    s.run_until(3_100 * MS);
    assert!(notes(s.trace(), "arch-akka.no_such_member").any(|n| n.2 == 16));
    let cfg = config("lab=arch-akka&seeds=12&nodes=4");
    assert_eq!(
        Config::from_params(&cfg.params).seeds,
        4,
        "more seeds than nodes: all"
    );
    assert!(s.violations().is_empty());
}

#[test]
fn the_runner_runs_and_batches_it() {
    let out = run_json(&["run", "arch-akka", "--seed", "3", "--until", "5s"]);
    assert_eq!(out["lab"], "arch-akka");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    assert_eq!(out["summary"]["up"], 8);
    let b = run_json(&[
        "batch",
        "arch-akka",
        "--seeds",
        "1..3",
        "--until",
        "6s",
        "--param",
        "nodes=3,12",
    ]);
    assert!(b.is_object(), "{b}");
}

//! The Paxos lab (`paxos`): seed 004's walk-through in its message order and where it departs
//! from Paxos Made Simple (B keeps its 5; B must propose 8 once an acceptor had accepted it),
//! the notes' silent acceptors, the dueling proposers' livelock and its two fixes, the learner
//! strategies' message counts (m·n and m + n − 1) and the distinguished learner's failure,
//! Multi-Paxos skipping phase 1, bad commands and the runner. Safety under random faults and
//! the broken acceptors are in `paxos_faults.rs`.

mod common;

use common::paxos::{chosen, cmd, node, noted, preset, preset_with, session};
use common::{run_json, sends_of as sends, stat};

use distlab_engine::labs::coordination::paxos::Ballot;
use distlab_engine::labs::{self, LabSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

/// Seed 004's walk-through, nodes P1 = A, P2 = B, A3..A5 = X, Y, Z: X and Y promise A then B,
/// Z promises B and refuses A; A's Accept [2, 8] is refused everywhere. B's promises report no
/// accepted proposal, so B proposes its own 5 (not 8, as the notes have it) and 5 is chosen.
#[test]
fn the_notes_walk_through_in_paxos_made_simple_chooses_5() {
    let mut s = preset("paxos-notes");
    s.run_until(1_500 * MS);
    let (a, b, x, y, z) = (0, 1, 2, 3, 4);
    // X and Y: A's promise (round 2) at 150 ms, then B's (round 4) at 160 ms.
    for acc in [x, y] {
        assert_eq!(noted(&s, "paxos.promise", acc, 2), vec![150 * MS]);
        assert_eq!(noted(&s, "paxos.promise", acc, 4), vec![160 * MS]);
    }
    // Z: B's first; A's Prepare arrives at 250 ms and is refused.
    assert_eq!(noted(&s, "paxos.promise", z, 4), vec![160 * MS]);
    assert!(noted(&s, "paxos.promise", z, 2).is_empty());
    assert_eq!(noted(&s, "paxos.refuse", z, 2)[0], 250 * MS);
    // A had X's and Y's promises at 200 ms and sent Accept [2, 8]: every acceptor refused it.
    assert_eq!(noted(&s, "paxos.promised", a, 2), vec![200 * MS]);
    for acc in [x, y, z] {
        let refused = noted(&s, "paxos.refuse", acc, 2);
        assert!(!refused.is_empty(), "A{} refused round 2", acc + 1);
    }
    // B's promises said "no previous": it never adopted a value, and sent Accept [4, 5].
    assert!(noted(&s, "paxos.adopt", b, 8).is_empty());
    let b_accepts: Vec<_> = sends(s.trace(), "Accept").filter(|m| m.1 == b).collect();
    assert_eq!(b_accepts.len(), 3);
    let id = s
        .trace()
        .iter()
        .find_map(|r| match &r.kind {
            distlab_engine::sim::TraceKind::Send {
                msg, from, kind, ..
            } if *from == b && *kind == "Accept" => Some(*msg),
            _ => None,
        })
        .expect("B's Accept");
    let (_, fields) = s.message(id).expect("message");
    assert!(fields.contains(&("v", "5".to_string())), "{fields:?}");
    // B's Accept [4, 5] reaches every acceptor at 260 ms: accepted, 5 is chosen.
    for acc in [x, y, z] {
        assert_eq!(noted(&s, "paxos.accept", acc, 0)[0], 260 * MS);
        let v = node(&s, acc).accepted[&0];
        assert_eq!(v.value, 5);
        assert!(v.ballot >= Ballot::new(4, b));
    }
    assert_eq!(chosen(&s, 0), Some(5));
    assert_eq!(stat(&s, "paxos.chosen_value"), 5.0);
    // A tries again with n=5, finds [4, 5] accepted and proposes 5 itself.
    assert_eq!(noted(&s, "paxos.prepare", a, 5).len(), 1);
    assert_eq!(noted(&s, "paxos.adopt", a, 5).len(), 1);
    assert_eq!(node(&s, a).log.get(&0), Some(&5));
    for l in [5, 6] {
        assert_eq!(node(&s, l).log.get(&0), Some(&5), "L{}", l + 1);
    }
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// X accepts [2, 8] before B's Prepare reaches it; 8 is not chosen (one acceptor of three),
/// but X's promise reports it and B must propose 8.
#[test]
fn once_an_acceptor_accepted_8_b_must_propose_8() {
    let mut s = preset("paxos-accepted-first");
    s.run_until(400 * MS);
    let (b, x) = (1, 2);
    assert_eq!(noted(&s, "paxos.accept", x, 0), vec![370 * MS]);
    assert_eq!(noted(&s, "paxos.promise", x, 4), vec![380 * MS]);
    assert_eq!(node(&s, x).accepted[&0].value, 8);
    assert_eq!(chosen(&s, 0), None, "8 accepted by one acceptor only");
    for acc in [3, 4] {
        assert!(node(&s, acc).accepted.is_empty());
    }
    s.run_until(1_500 * MS);
    assert_eq!(noted(&s, "paxos.adopt", b, 8).len(), 1, "B adopts 8");
    assert_eq!(chosen(&s, 0), Some(8));
    // Y and Z refused A's Accept when it came (430 ms): they had promised 4.
    for acc in [3, 4] {
        assert_eq!(noted(&s, "paxos.refuse", acc, 2), vec![430 * MS]);
    }
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// Two proposers without back-off pre-empt each other every 220 ms: dozens of rounds, nothing
/// chosen, and the progress property fails.
#[test]
fn dueling_proposers_livelock() {
    let mut s = preset("paxos-dueling");
    s.run_until(5_000 * MS);
    assert_eq!(chosen(&s, 0), None);
    assert!(
        stat(&s, "paxos.rounds") >= 40.0,
        "{}",
        stat(&s, "paxos.rounds")
    );
    assert!(stat(&s, "paxos.preempted") >= 40.0);
    // The rounds alternate between the two proposers, each 110 ms after the other's.
    let prepares: Vec<(Time, NodeId)> = notes(s.trace(), "paxos.prepare")
        .map(|n| (n.0, n.1))
        .collect();
    for w in prepares.windows(2) {
        assert_ne!(w[0].1, w[1].1, "{prepares:?}");
        assert_eq!(w[1].0 - w[0].0, 110 * MS, "{prepares:?}");
    }
    assert!(sends(s.trace(), "Learn").next().is_none());
    assert!(s.violations().is_empty());
    assert_eq!(s.check_eventually(), 2);
    assert!(s
        .violations()
        .iter()
        .all(|v| v.invariant == "paxos.progress"));
}

/// The fixes: random back-off ends the duel in a few rounds (whatever the seed); a
/// distinguished proposer decides in one.
#[test]
fn back_off_and_a_leader_end_the_duel() {
    let info = labs::find("paxos")
        .and_then(|l| l.scenario("paxos-backoff"))
        .expect("preset");
    let mut rounds = 0.0;
    for seed in 1..=50 {
        let mut s = session(&format!("lab=paxos&scenario=paxos-backoff&seed={seed}"));
        s.schedule(info).expect("schedule");
        s.run_until(3_000 * MS);
        assert!(chosen(&s, 0).is_some(), "seed {seed}");
        assert_eq!(s.check_eventually(), 0, "seed {seed}");
        rounds += stat(&s, "paxos.rounds");
    }
    assert!(rounds / 50.0 < 6.0, "mean rounds {}", rounds / 50.0);
    let mut s = preset("paxos-leader");
    s.run_until(2_000 * MS);
    assert_eq!(chosen(&s, 0), Some(8));
    assert_eq!(stat(&s, "paxos.rounds"), 1.0);
    assert_eq!(sends(s.trace(), "Forward").count(), 1);
    assert_eq!(sends(s.trace(), "Nack").count(), 0);
    assert_eq!(noted(&s, "paxos.busy", 0, 8).len(), 1);
    assert_eq!(s.check_eventually(), 0);
}

/// m acceptors, n learners, one decision: m·n messages to learners, or m + n − 1 with a
/// distinguished learner.
#[test]
fn learner_strategies_cost_m_times_n_or_m_plus_n_minus_1() {
    let mut s = preset("paxos-learners-all");
    s.run_until(1_000 * MS);
    assert_eq!(stat(&s, "paxos.learn_messages"), 9.0);
    let mut s = preset("paxos-learners-distinguished");
    s.run_until(1_000 * MS);
    assert_eq!(stat(&s, "paxos.learn_messages"), 5.0);
    assert_eq!(sends(s.trace(), "Chosen").count(), 2);
    for m in 1..=5u64 {
        for n in 1..=4u64 {
            for d in [0, 1] {
                let mut s = session(&format!(
                    "lab=paxos&proposers=1&acceptors={m}&learners={n}&distinguished_learner={d}&auto=0&latency_min=20&latency_max=40&seed={}",
                    m * 10 + n
                ));
                s.act(cmd(0, "propose", "42")).unwrap();
                s.run_until(1_000 * MS);
                let want = if d == 0 { m * n } else { m + n - 1 };
                assert_eq!(
                    stat(&s, "paxos.learn_per_decision"),
                    want as f64,
                    "m={m} n={n} d={d}"
                );
                assert_eq!(stat(&s, "paxos.learned"), n as f64);
                assert!(s.violations().is_empty());
            }
        }
    }
}

/// The distinguished learner is down when the value is chosen: nobody learns it.
#[test]
fn a_failed_distinguished_learner_leaves_every_learner_unaware() {
    let mut s = preset("paxos-learner-crash");
    s.run_until(2_000 * MS);
    assert_eq!(chosen(&s, 0), Some(7));
    assert_eq!(stat(&s, "paxos.learners_unaware"), 3.0);
    assert_eq!(sends(s.trace(), "Chosen").count(), 0);
    assert_eq!(node(&s, 0).log.get(&0), Some(&7), "the proposer knows");
    assert_eq!(s.headline().key, "paxos.headline.chosen");
    assert!(s.violations().is_empty());
}

/// Multi-Paxos: P1 runs phase 1 once for three values; after it crashes P2's phase 1 reports
/// slots 0–2, which it re-proposes unchanged before appending its own values.
#[test]
fn multi_paxos_skips_phase_1_and_a_new_leader_keeps_the_log() {
    let mut s = preset("paxos-multi");
    s.run_until(650 * MS);
    assert_eq!(stat(&s, "paxos.rounds"), 1.0);
    assert_eq!(stat(&s, "paxos.skipped"), 2.0);
    assert_eq!(
        node(&s, 5).log.values().copied().collect::<Vec<_>>(),
        vec![11, 12, 13]
    );
    s.run_until(2_000 * MS);
    assert_eq!(stat(&s, "paxos.rounds"), 2.0);
    assert_eq!(stat(&s, "paxos.skipped"), 3.0);
    for slot in 0..3 {
        assert_eq!(noted(&s, "paxos.adopt_slot", 1, slot).len(), 1);
    }
    for l in [5, 6] {
        assert_eq!(
            node(&s, l).log.values().copied().collect::<Vec<_>>(),
            vec![11, 12, 13, 21, 22],
            "L{}",
            l + 1
        );
    }
    assert!(s.violations().is_empty());
}

/// Bad input never panics: a value out of range or not a number is refused by the kernel,
/// a command on the wrong kind of node is refused or noted, a used number is noted.
#[test]
fn bad_commands_are_refused_with_a_message() {
    let mut s = session("lab=paxos&auto=0");
    assert!(s.act(cmd(0, "propose", "abc")).is_err());
    assert!(s.act(cmd(0, "propose", "100000")).is_err());
    assert!(s.act(cmd(0, "number", "0")).is_err());
    assert!(s.act(Action::command(0, "propose")).is_err());
    let _ = s.act(cmd(2, "propose", "5"));
    s.act(cmd(0, "propose", "5")).unwrap();
    s.run_until(500 * MS);
    s.act(cmd(0, "number", "1")).unwrap();
    s.run_until(600 * MS);
    assert_eq!(notes(s.trace(), "paxos.number_used").count(), 1);
    assert_eq!(chosen(&s, 0), Some(5));
    assert!(s.violations().is_empty());
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "paxos", "--seed", "3", "--until", "3s"]);
    assert_eq!(out["lab"], "paxos");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let summary = &out["summary"];
    assert_eq!(summary["chosen"].as_array().map(Vec::len), Some(1));
    assert!(summary["rounds"].as_u64().unwrap_or(0) >= 1);
    assert!(
        summary["stats"]["paxos.messages_per_decision"]
            .as_f64()
            .unwrap_or(0.0)
            > 0.0
    );
    assert!(summary["stats"]["paxos.chosen_value"].as_f64().is_some());
    let out = run_json(&[
        "run",
        "paxos",
        "--scenario",
        "paxos-dueling",
        "--until",
        "5s",
    ]);
    assert_eq!(out["summary"]["chosen"].as_array().map(Vec::len), Some(0));
    assert!(
        out["summary"]["stats"]["paxos.rounds"]
            .as_f64()
            .unwrap_or(0.0)
            >= 40.0
    );
}

/// With acceptors that discard refused requests silently, as the notes' acceptors do (no
/// Nack), A only finds out by its timeout (1 s) and climbs one round at a time; 5 stays chosen.
#[test]
fn without_nacks_a_proposer_finds_out_by_timeout() {
    let mut s = preset_with("paxos-notes", |c| c.nack = false);
    s.run_until(5_000 * MS);
    assert_eq!(sends(s.trace(), "Nack").count(), 0);
    assert_eq!(chosen(&s, 0), Some(5));
    let timeouts: Vec<Time> = notes(s.trace(), "paxos.timeout")
        .filter(|n| n.1 == 0)
        .map(|n| n.0)
        .collect();
    assert!(
        timeouts.first().is_some_and(|&t| t >= 1_100 * MS),
        "{timeouts:?}"
    );
    assert_eq!(node(&s, 0).log.get(&0), Some(&5), "A ends up proposing 5");
    assert!(s.violations().is_empty());
}

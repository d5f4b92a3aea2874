//! The Paxos lab (`paxos`): seed 004's walk-through in its message order and where it departs
//! from Paxos Made Simple (B keeps its 5; B must propose 8 once an acceptor had accepted it),
//! the dueling proposers' livelock and its two fixes, the learner strategies' message counts
//! (m·n and m + n − 1) and the distinguished learner's failure, Multi-Paxos skipping phase 1,
//! the safety properties under thousands of random fault schedules, two broken acceptors the
//! checker must catch, progress without faults, bad commands, determinism and the runner.

mod common;

use common::{config, fault_rates, fault_seed, run_json, sends_of as sends, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::paxos::{self, Ballot, Config, Paxos};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Paxos> {
    let cfg = config(q);
    paxos::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Paxos> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    paxos::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run (optionally a broken variant).
fn preset_with(id: &str, set: impl Fn(&mut Config)) -> NetSession<Paxos> {
    let mut s = session_with(&format!("lab=paxos&scenario={id}"), set);
    let info = labs::find("paxos")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

fn preset(id: &str) -> NetSession<Paxos> {
    preset_with(id, |_| {})
}

fn node(s: &NetSession<Paxos>, id: NodeId) -> &Paxos {
    s.session.sim.node(id)
}

fn chosen(s: &NetSession<Paxos>, slot: u64) -> Option<u64> {
    s.session.sim.monitor().chosen.get(&slot).copied()
}

fn cmd(node: NodeId, name: &str, arg: &str) -> Action {
    Action::Command {
        node,
        name: name.into(),
        arg: Some(arg.into()),
    }
}

/// Times at which `node` noted `key` with `value`.
fn noted(s: &NetSession<Paxos>, key: &str, node: NodeId, value: u64) -> Vec<Time> {
    notes(s.trace(), key)
        .filter(|n| n.1 == node && n.2 == value)
        .map(|n| n.0)
        .collect()
}

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

/// Runs `s` for [`SCHEDULE_TIME`] under random faults (`spec` at fault seed `seed`), giving a
/// proposer a new value every 200 ms (round robin; one that is down misses its turn), so
/// rounds keep starting while the faults hit.
fn faulty_run(s: &mut NetSession<Paxos>, proposers: u64, k: f64, crash: f64, seed: u64) {
    let mut driver = FaultDriver::new(fault_rates(k, crash, 0.3, 0.2), fault_seed(seed));
    let mut t = 0;
    let mut j = 0u64;
    while t < SCHEDULE_TIME {
        t += 200 * MS;
        driver.run(s, t);
        let p = ((seed + j) % proposers) as NodeId;
        let v = (seed * 7 + j * 13) % 1_000;
        let _ = s.act(cmd(p, "propose", &v.to_string()));
        j += 1;
    }
}

const SCHEDULES: u64 = 2_000;
const SCHEDULE_TIME: Time = 3_000 * MS;

/// Crashes and restarts (acceptors keep their promises and accepted proposals), pauses,
/// partitions, dropped and duplicated messages, single-decree and Multi-Paxos, both learner
/// strategies, with and without a leader: never two values chosen for a slot, never an
/// unproposed value, never a learner learning an unchosen value.
#[test]
fn safety_holds_under_random_faults() {
    let (mut crashes, mut partitions, mut drops, mut dups) = (0, 0, 0, 0);
    let mut decisions = 0.0;
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let q = format!(
            "lab=paxos&seed={i}&proposers={}&acceptors={}&learners={}&multi={}&leader={}&backoff={}&timeout={}&distinguished_learner={}&nack={}&disk={}&dup={}",
            1 + i % 4,
            [3, 5, 3, 4, 1][(i % 5) as usize],
            1 + i % 3,
            i / 2 % 2,
            u64::from(i % 7 == 0),
            [0, 30, 100][(i / 3 % 3) as usize],
            [100, 300][(i / 4 % 2) as usize],
            i / 5 % 2,
            u64::from(i % 6 != 0),
            [0, 0, 10][(i % 3) as usize],
            [0, 5, 20][(i / 7 % 3) as usize],
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        let k = 0.5 + (i % 4) as f64 * 0.5;
        faulty_run(&mut s, 1 + i % 4, k, 0.5, i);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Partition { .. } => partitions += 1,
                Action::Drop { .. } => drops += 1,
                _ => {}
            }
        }
        dups += s.session.sim.monitor().duplicates;
        decisions += stat(&s, "paxos.decisions");
        if !s.violations().is_empty() {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {partitions} partitions, {drops} drops, \
         {dups} duplicates; {decisions} decisions"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        crashes > 1_000 && partitions > 500 && drops > 1_000 && dups > 1_000,
        "faults: {crashes} crashes, {partitions} partitions, {drops} drops, {dups} duplicates"
    );
    assert!(
        decisions > SCHEDULES as f64,
        "decisions kept being made: {decisions}"
    );
}

/// Without faults, every proposer's value is decided within the bound (back-off on, the
/// default), single-decree and Multi-Paxos, with and without a leader.
#[test]
fn progress_without_faults() {
    for i in 0..200u64 {
        let q = format!(
            "lab=paxos&seed={i}&proposers={}&acceptors={}&multi={}&leader={}&disk={}",
            1 + i % 5,
            1 + i % 7,
            i / 2 % 2,
            u64::from(i % 5 == 0),
            (i % 3) * 10,
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        s.run_until(SCHEDULE_TIME);
        s.check_eventually();
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
        assert!(stat(&s, "paxos.decisions") >= 1.0, "{q}");
    }
}

/// An acceptor whose promises leave out what it accepted: 8 is chosen, B hears "no previous"
/// from everyone and gets 5 chosen too. The checker catches it, by hand and under faults.
#[test]
fn the_checker_catches_an_acceptor_that_forgets_its_accepted_value() {
    let q = "lab=paxos&proposers=2&auto=0&latency_min=50&latency_max=50";
    let run = |broken: bool| {
        let mut s = session_with(q, |c| c.broken_forget_accepted = broken);
        s.act(cmd(0, "propose", "8")).unwrap();
        s.run_until(500 * MS);
        s.act(cmd(1, "propose", "5")).unwrap();
        s.run_until(1_500 * MS);
        s
    };
    let s = run(false);
    assert_eq!(chosen(&s, 0), Some(8));
    assert!(s.violations().is_empty());
    let s = run(true);
    let v = s.violations();
    assert!(
        !v.is_empty() && v[0].invariant == "paxos.agreement",
        "{v:?}"
    );
    let mut caught = 0;
    for seed in 0..100 {
        let mut s = session_with(
            &format!(
                "lab=paxos&seed={seed}&proposers=3&backoff=30&multi={}",
                seed % 2
            ),
            |c| c.broken_forget_accepted = true,
        );
        faulty_run(&mut s, 3, 1.0, 0.5, seed);
        caught += usize::from(!s.violations().is_empty());
    }
    println!("forgetful acceptor caught in {caught} of 100 runs");
    assert!(caught >= 20, "caught in {caught} of 100 runs");
}

/// An acceptor whose promise is not on disk: X and Y promise B, crash and forget it, then
/// accept A's lower-numbered 8 (chosen), while B, with its majority of promises, gets 5 chosen.
#[test]
fn the_checker_catches_an_acceptor_that_does_not_persist_its_promise() {
    let q = "lab=paxos&proposers=2&auto=0&latency_min=50&latency_max=50";
    let run = |broken: bool| {
        let mut s = session_with(q, |c| c.broken_volatile_promise = broken);
        s.run_until(100 * MS);
        s.act(cmd(0, "propose", "8")).unwrap();
        s.run_until(120 * MS);
        s.act(cmd(1, "propose", "5")).unwrap();
        s.run_until(200 * MS);
        for x in [2, 3] {
            s.act(Action::Crash { node: x }).unwrap();
        }
        s.run_until(210 * MS);
        for x in [2, 3] {
            s.act(Action::Restart { node: x }).unwrap();
        }
        s.run_until(1_500 * MS);
        s
    };
    let s = run(false);
    assert_eq!(chosen(&s, 0), Some(5));
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let s = run(true);
    let v = s.violations();
    assert!(
        !v.is_empty() && v[0].invariant == "paxos.agreement",
        "{v:?}"
    );
    // Under random crashes too (the window is narrow: a promise forgotten between a rival's
    // Prepare and the older proposer's Accept).
    let mut caught = 0;
    for seed in 0..400 {
        let mut s = session_with(
            &format!(
                "lab=paxos&seed={seed}&proposers=3&backoff=30&multi={}",
                seed % 2
            ),
            |c| c.broken_volatile_promise = true,
        );
        faulty_run(&mut s, 3, 2.0, 0.8, seed);
        caught += usize::from(!s.violations().is_empty());
    }
    println!("acceptor with a volatile promise caught in {caught} of 400 runs");
    assert!(caught >= 1, "caught in {caught} of 400 runs");
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
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| {
        let mut s = session(q);
        FaultDriver::new(fault_rates(1.0, 0.3, 0.3, 0.2), 5).run(&mut s, 3_000 * MS);
        s.trace_hash()
    };
    let a = hash("lab=paxos&seed=4&multi=1&dup=10");
    assert_eq!(a, hash("lab=paxos&seed=4&multi=1&dup=10"));
    assert_ne!(a, hash("lab=paxos&seed=5&multi=1&dup=10"));
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

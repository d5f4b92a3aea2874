//! The Paxos lab's safety (`paxos`): agreement, validity and learned-only-chosen under
//! thousands of random fault schedules (crashes and restarts with the acceptors' state on disk,
//! pauses, partitions, drops, duplicates) with proposals arriving throughout; progress without
//! faults; two broken acceptors the checker must catch; determinism.

mod common;

use common::paxos::{chosen, cmd, faulty_run, session, session_with, SCHEDULE_TIME};
use common::{faulted_hash, stat};

use distlab_engine::labs::LabSession;
use distlab_engine::sim::Action;
use distlab_engine::MS;

const SCHEDULES: u64 = 2_000;

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

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=paxos&seed=4&multi=1&dup=10");
    assert_eq!(a, hash("lab=paxos&seed=4&multi=1&dup=10"));
    assert_ne!(a, hash("lab=paxos&seed=5&multi=1&dup=10"));
}

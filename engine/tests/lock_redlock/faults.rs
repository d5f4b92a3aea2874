//! Mutual exclusion under thousands of random fault schedules with fencing on (crashes and
//! restarts of instances with and without persistence, pauses, partitions, drops, duplicates,
//! loss, clock jumps on instances), fault-free runs without fencing, the test-only broken
//! variants caught, determinism, bad input and the runner.

use super::*;
use distlab_engine::input::{split_query, RunConfig};

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 3_000 * MS;

/// A lab query for random schedule `i`: N, the lock's options, the load and the network vary;
/// fencing is on.
fn random_query(i: u64, extra: &str) -> String {
    format!(
        "lab=lock-redlock&seed={i}&fencing=1&instances={}&clients={}&ttl={}&timeout={}\
         &parallel={}&steps={}&work={}&think={}&backoff={}&persist={}&restart_delay={}\
         &latency_max={}&dup={}&loss={}{extra}",
        [3, 5, 7, 4][(i % 4) as usize],
        2 + i / 4 % 3,
        [150, 300, 600][(i / 3 % 3) as usize],
        [60, 150][(i / 5 % 2) as usize],
        i / 2 % 2,
        1 + i / 7 % 3,
        [10, 50][(i / 11 % 2) as usize],
        [20, 100][(i / 13 % 2) as usize],
        [20, 60][(i / 17 % 2) as usize],
        i / 19 % 2,
        i / 23 % 2,
        [20, 50][(i / 29 % 2) as usize],
        [0, 10][(i / 31 % 2) as usize],
        [0, 5][(i / 37 % 2) as usize],
    )
}

/// Random faults, with one instance's clock made to jump ahead or run fast in a third of the
/// runs (its key expires early), then calm for half a second.
fn random_faults(s: &mut NetSession<LockRedlock>, i: u64) {
    let k = 0.5 + (i % 4) as f64 * 0.5;
    let mut driver = FaultDriver::new(fault_rates(k, 0.5, 0.3, 0.5), fault_seed(i));
    driver.run(s, FAULTY / 2);
    if i.is_multiple_of(3) {
        s.act(Action::Clock {
            node: (i / 3 % 3) as NodeId,
            drift_ppm: [0, 200_000, -100_000][(i / 9 % 3) as usize],
            offset: [100_000, 300_000][(i / 27 % 2) as usize],
        })
        .unwrap();
    }
    driver.run(s, FAULTY);
    calm(s);
    s.run_until(FAULTY + 500 * MS);
}

/// Whatever happens — an instance forgetting its key in a restart, a clock jumping, a holder
/// paused or cut off, its writes lost, duplicated or delayed — with fencing the storage never
/// lets two clients' sections interleave.
#[test]
fn fencing_keeps_mutual_exclusion_under_random_faults() {
    let (mut crashes, mut pauses, mut partitions, mut drops) = (0, 0, 0, 0);
    let (mut won, mut rounds, mut rejected, mut doubles) = (0.0, 0.0, 0.0, 0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let q = random_query(i, "");
        let mut s = session(&q);
        s.set_keep_trace(false);
        random_faults(&mut s, i);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Pause { .. } => pauses += 1,
                Action::Partition { .. } => partitions += 1,
                Action::Drop { .. } => drops += 1,
                _ => {}
            }
        }
        won += stat(&s, "lock-redlock.won");
        rounds += stat(&s, "lock-redlock.rounds");
        rejected += stat(&s, "lock-redlock.rejected");
        doubles += usize::from(stat(&s, "lock-redlock.max_holders") >= 2.0);
        if !s.violations().is_empty() {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {pauses} pauses, {partitions} partitions, \
         {drops} drops; {won} of {rounds} rounds won, {rejected} stale writes rejected; \
         {doubles} runs with two clients believing they held the lock"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        crashes > 1_000 && pauses > 1_000 && partitions > 300 && drops > 1_000,
        "faults: {crashes} crashes, {pauses} pauses, {partitions} partitions, {drops} drops"
    );
    // The danger was real: many runs had two believed holders, and fencing stopped them.
    assert!(doubles > 100 && rejected > 30.0, "{doubles} {rejected}");
    assert!(won > 2.0 * SCHEDULES as f64, "{won}");
}

/// Without faults, with a TTL longer than any section, Redlock without fencing keeps mutual
/// exclusion: the presets' violations come from the faults.
#[test]
fn redlock_holds_without_faults() {
    for i in 0..300u64 {
        let q = format!(
            "lab=lock-redlock&seed={i}&fencing=0&instances={}&clients={}&ttl=2000&timeout=100\
             &parallel={}&steps={}&work={}&think={}&backoff=30&latency_max=30",
            1 + i % 7,
            2 + i % 5,
            i / 2 % 2,
            1 + i % 3,
            [10, 50][(i / 3 % 2) as usize],
            [0, 50, 200][(i / 5 % 3) as usize],
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        s.run_until(3_000 * MS);
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
        assert!(stat(&s, "lock-redlock.won") >= 3.0, "{q}");
        assert_eq!(stat(&s, "lock-redlock.max_holders"), 1.0, "{q}");
    }
}

/// A storage that does not check tokens lets the paused holder's stale write through even
/// with fencing on: the checker reports it — in the planned pause and under random faults.
#[test]
fn the_checker_catches_a_storage_that_ignores_tokens() {
    let q = format!("{CALM_Q}&fencing=1&steps=4");
    let mut s = session_with(&q, |c| c.broken_storage_ignores_tokens = true);
    s.act(lock(C7)).unwrap();
    s.run_until(300 * MS);
    s.act(Action::Pause { node: C7 }).unwrap();
    s.run_until(400 * MS);
    s.act(lock(C8)).unwrap();
    s.run_until(1_000 * MS);
    s.act(Action::Resume { node: C7 }).unwrap();
    s.run_until(2_000 * MS);
    assert!(!s.violations().is_empty());
    assert!(
        !s.is_lesson(&s.properties()[0]),
        "with fencing on it is a bug"
    );
    assert_eq!(stat(&s, "lock-redlock.rejected"), 0.0);
    let mut caught = 0;
    for i in 0..200 {
        let mut s = session_with(&random_query(i, ""), |c| {
            c.broken_storage_ignores_tokens = true
        });
        s.set_keep_trace(false);
        random_faults(&mut s, i);
        caught += usize::from(!s.violations().is_empty());
    }
    assert!(caught >= 3, "caught in {caught} of 200 runs");
}

/// A client that takes the lock on a single grant (no majority): with clients asking at once,
/// two of them hold it and the checker sees their sections interleave — no fault needed.
#[test]
fn the_checker_catches_a_lock_without_a_majority() {
    let mut caught = 0;
    for i in 0..50u64 {
        let q = format!(
            "lab=lock-redlock&seed={i}&instances=5&clients=4&parallel=1&steps=3&work=20\
             &think=20&ttl=2000&latency_min=5&latency_max=30"
        );
        let mut s = session_with(&q, |c| c.broken_any_grant = true);
        s.set_keep_trace(false);
        s.run_until(2_000 * MS);
        caught += usize::from(!s.violations().is_empty());
    }
    assert!(caught >= 25, "caught in {caught} of 50 runs");
}

/// Bad input: a command the node does not have, a command on the wrong kind, parameters out
/// of range — refused with a message, never a panic.
#[test]
fn bad_commands_and_parameters_are_refused() {
    let mut s = session(CALM_Q);
    assert!(s.act(Action::command(0, "redlock_lock")).is_err());
    assert!(s.act(Action::command(STORAGE, "redlock_lock")).is_err());
    assert!(s.act(Action::command(C7, "nope")).is_err());
    assert!(s.act(Action::command(99, "redlock_lock")).is_err());
    assert!(s.act(lock(C7)).is_ok());
    for bad in [
        "instances=0",
        "instances=10",
        "clients=1",
        "ttl=0",
        "timeout=0",
        "fencing=2",
        "parallel=-1",
        "drift=51",
        "ttl=abc",
    ] {
        let (_, errors) = RunConfig::parse(&split_query(&format!("lab=lock-redlock&{bad}")));
        assert!(!errors.is_empty(), "{bad} accepted");
    }
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=lock-redlock&seed=4&dup=10&fencing=1");
    assert_eq!(a, hash("lab=lock-redlock&seed=4&dup=10&fencing=1"));
    assert_ne!(a, hash("lab=lock-redlock&seed=5&dup=10&fencing=1"));
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "lock-redlock", "--seed", "3", "--until", "10s"]);
    assert_eq!(out["lab"], "lock-redlock");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert!(stats["lock-redlock.won"].as_f64().unwrap_or(0.0) >= 10.0);
    for key in [
        "lock-redlock.success_rate",
        "lock-redlock.latency_ms",
        "lock-redlock.max_holders",
    ] {
        assert!(stats[key].as_f64().is_some(), "{key}");
    }
    let out = run_json(&[
        "run",
        "lock-redlock",
        "--scenario",
        "redlock-gc-pause-fenced",
    ]);
    assert_eq!(out["summary"]["writes_rejected"], 1);
    assert_eq!(out["summary"]["violations"], 0);
}

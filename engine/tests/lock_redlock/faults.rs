//! Mutual exclusion under thousands of random fault schedules with fencing on (crashes and
//! restarts of instances with and without persistence, pauses, partitions, drops, duplicates,
//! loss, clock jumps on instances), fault-free runs without fencing, the test-only broken
//! variants caught, determinism, bad input and the runner.

use super::*;
use locks::{
    assert_params_refused, assert_runner_runs, assert_runner_runs_preset,
    assert_seed_decides_trace, caught, clock_jump, sweep, SCHEDULES,
};

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
    locks::random_faults(s, i, 0.5, clock_jump((i / 3 % 3) as NodeId, i / 3));
}

/// Whatever happens — an instance forgetting its key in a restart, a clock jumping, a holder
/// paused or cut off, its writes lost, duplicated or delayed — with fencing the storage never
/// lets two clients' sections interleave.
#[test]
fn fencing_keeps_mutual_exclusion_under_random_faults() {
    let (mut won, mut rounds, mut rejected, mut doubles) = (0.0, 0.0, 0.0, 0);
    let sw = sweep(
        |i| random_query(i, ""),
        session,
        random_faults,
        |_, s| {
            won += stat(s, "lock-redlock.won");
            rounds += stat(s, "lock-redlock.rounds");
            rejected += stat(s, "lock-redlock.rejected");
            doubles += usize::from(stat(s, "lock-redlock.max_holders") >= 2.0);
        },
    );
    println!(
        "{SCHEDULES} schedules: {}; {won} of {rounds} rounds won, {rejected} stale writes \
         rejected; {doubles} runs with two clients believing they held the lock",
        sw.faults()
    );
    sw.assert_clean();
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
    let caught = caught(
        200,
        |i| {
            session_with(&random_query(i, ""), |c| {
                c.broken_storage_ignores_tokens = true
            })
        },
        random_faults,
    );
    assert!(caught >= 3, "caught in {caught} of 200 runs");
}

/// A client that takes the lock on a single grant (no majority): with clients asking at once,
/// two of them hold it and the checker sees their sections interleave — no fault needed.
#[test]
fn the_checker_catches_a_lock_without_a_majority() {
    let caught = caught(
        50,
        |i| {
            let q = format!(
                "lab=lock-redlock&seed={i}&instances=5&clients=4&parallel=1&steps=3&work=20\
                 &think=20&ttl=2000&latency_min=5&latency_max=30"
            );
            session_with(&q, |c| c.broken_any_grant = true)
        },
        |s, _| s.run_until(2_000 * MS),
    );
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
    assert_params_refused(
        LAB,
        &[
            "instances=0",
            "instances=10",
            "clients=1",
            "ttl=0",
            "timeout=0",
            "fencing=2",
            "parallel=-1",
            "drift=51",
            "ttl=abc",
        ],
    );
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    assert_seed_decides_trace(LAB, "&dup=10&fencing=1", session);
}

#[test]
fn the_runner_runs_it() {
    assert_runner_runs(
        LAB,
        "lock-redlock.won",
        &[
            "lock-redlock.success_rate",
            "lock-redlock.latency_ms",
            "lock-redlock.max_holders",
        ],
    );
    assert_runner_runs_preset(LAB, "redlock-gc-pause-fenced", "writes_rejected", 1);
}

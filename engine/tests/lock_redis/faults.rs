//! Mutual exclusion under thousands of random fault schedules with fencing on (crashes,
//! pauses, partitions, drops, duplicates, loss, clock jumps on the Redis node), fault-free
//! runs without fencing, the test-only broken storage caught, determinism, bad input and the
//! runner.

use super::*;
use locks::{
    assert_params_refused, assert_runner_runs, assert_runner_runs_preset,
    assert_seed_decides_trace, caught, clock_jump, sweep, SCHEDULES,
};

/// A lab query for random schedule `i`: the lock's options, the load and the network vary;
/// fencing is on.
fn random_query(i: u64, extra: &str) -> String {
    format!(
        "lab=lock-redis&seed={i}&fencing=1&clients={}&ttl={}&steps={}&work={}&think={}&backoff={}\
         &release={}&watchdog={}&queue={}&latency_max={}&dup={}&loss={}{extra}",
        2 + i % 5,
        [60, 150, 400][(i / 5 % 3) as usize],
        1 + i / 3 % 4,
        [10, 50][(i / 7 % 2) as usize],
        [20, 100][(i / 11 % 2) as usize],
        [10, 40][(i / 13 % 2) as usize],
        i % 2,
        i / 2 % 2,
        i / 4 % 2,
        [20, 60][(i / 17 % 2) as usize],
        [0, 10][(i / 19 % 2) as usize],
        [0, 5][(i / 23 % 2) as usize],
    )
}

/// Random faults, with the Redis node's clock made to jump ahead or run fast in a third of
/// the runs (its keys expire early), then calm for half a second.
fn random_faults(s: &mut NetSession<LockRedis>, i: u64) {
    locks::random_faults(s, i, 0.4, clock_jump(REDIS, i));
}

/// Whatever happens — a holder crashed, paused past its key's expiry or cut off, its writes
/// lost, duplicated or delayed past the next holder's, the Redis node's clock jumping — with
/// fencing the storage never lets two clients' sections interleave: every stale write is
/// rejected.
#[test]
fn fencing_keeps_mutual_exclusion_under_random_faults() {
    let (mut grants, mut rejected, mut writes, mut doubles) = (0.0, 0.0, 0.0, 0);
    let sw = sweep(
        |i| random_query(i, ""),
        session,
        random_faults,
        |_, s| {
            grants += stat(s, "lock-redis.grants");
            rejected += stat(s, "lock-redis.rejected");
            writes += stat(s, "lock-redis.writes");
            doubles += usize::from(stat(s, "lock-redis.max_holders") >= 2.0);
        },
    );
    println!(
        "{SCHEDULES} schedules: {}; {grants} grants, {writes} writes accepted, {rejected} stale \
         writes rejected; {doubles} runs with two clients believing they held the lock",
        sw.faults()
    );
    sw.assert_clean();
    // The danger was real: many runs had two believed holders, and fencing stopped them.
    assert!(doubles > 200 && rejected > 500.0, "{doubles} {rejected}");
    assert!(grants > 5.0 * SCHEDULES as f64, "{grants}");
}

/// Without faults, and with a TTL longer than any section, the plain lock (no fencing, no
/// watchdog) keeps mutual exclusion: the violations of the presets come from the faults.
#[test]
fn the_plain_lock_holds_without_faults() {
    for i in 0..300u64 {
        let q = format!(
            "lab=lock-redis&seed={i}&fencing=0&clients={}&ttl=500&steps={}&work={}&think={}\
             &release={}&queue={}&latency_max=30",
            2 + i % 7,
            1 + i % 3,
            [10, 50][(i / 3 % 2) as usize],
            [0, 50, 200][(i / 5 % 3) as usize],
            i / 2 % 2,
            i / 7 % 2,
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        s.run_until(3_000 * MS);
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
        assert!(stat(&s, "lock-redis.grants") >= 4.0, "{q}");
        assert_eq!(stat(&s, "lock-redis.max_holders"), 1.0, "{q}");
    }
}

/// A storage that does not check tokens lets the paused holder's stale write through even
/// with fencing on: the checker reports it — in the planned pause and under random faults.
#[test]
fn the_checker_catches_a_storage_that_ignores_tokens() {
    let q = "lab=lock-redis&fencing=1&auto=0&clients=2&ttl=500&steps=4&work=100&latency_min=10&latency_max=10&backoff=50&seed=1";
    let mut s = session_with(q, |c| c.broken_storage_ignores_tokens = true);
    s.act(lock(C3)).unwrap();
    s.run_until(200 * MS);
    s.act(lock(C4)).unwrap();
    s.run_until(300 * MS);
    s.act(Action::Pause { node: C3 }).unwrap();
    s.run_until(1_000 * MS);
    s.act(Action::Resume { node: C3 }).unwrap();
    s.run_until(2_000 * MS);
    assert!(!s.violations().is_empty());
    assert!(invariants(&s)
        .iter()
        .all(|v| *v == "lock-redis.mutual-exclusion"));
    assert!(
        !s.is_lesson(&s.properties()[0]),
        "with fencing on it is a bug"
    );
    assert_eq!(stat(&s, "lock-redis.rejected"), 0.0);
    let caught = caught(
        200,
        |i| {
            session_with(&random_query(i, ""), |c| {
                c.broken_storage_ignores_tokens = true
            })
        },
        random_faults,
    );
    assert!(caught >= 20, "caught in {caught} of 200 runs");
}

/// Bad input: a command the node does not have, a command on the wrong kind, an argument to a
/// plain command, parameters out of range — refused with a message, never a panic.
#[test]
fn bad_commands_and_parameters_are_refused() {
    let mut s = session(CALM_Q);
    assert!(s.act(Action::command(REDIS, "redis_lock")).is_err());
    assert!(s.act(Action::command(STORAGE, "redis_lock")).is_err());
    assert!(s.act(Action::command(C3, "nope")).is_err());
    assert!(s.act(Action::command(9, "redis_lock")).is_err());
    assert!(s.act(lock(C3)).is_ok());
    assert_params_refused(
        LAB,
        &[
            "clients=1",
            "clients=99",
            "ttl=0",
            "steps=0",
            "fencing=2",
            "queue=-1",
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
        "lock-redis.grants",
        &[
            "lock-redis.refusals",
            "lock-redis.rejected",
            "lock-redis.max_holders",
        ],
    );
    assert_runner_runs_preset(LAB, "redis-gc-pause-fenced", "writes_rejected", 1);
}

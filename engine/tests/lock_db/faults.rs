//! Mutual exclusion under thousands of random fault schedules with no expiry and the table on
//! disk (crashes, pauses, partitions, drops, duplicates, loss, clock jumps on the database),
//! the test-only database without a unique index caught, determinism, bad input and the
//! runner.

use super::*;
use locks::{
    assert_params_refused, assert_runner_runs, assert_runner_runs_preset,
    assert_seed_decides_trace, caught, clock_jump, sweep, SCHEDULES,
};

/// A lab query for random schedule `i`: the load, the poll, the owner column (and re-entrant
/// holders with it) and the network vary; no expiry, the table on disk. Latency stays within
/// 10..=30 ms: a stale copy of a write (duplicated or resent) arrives within one latency of
/// its sending, before the next holder's first write, three hops after the release.
fn random_query(i: u64, extra: &str) -> String {
    format!(
        "lab=lock-db&seed={i}&expiry=0&persist=1&clients={}&steps={}&work={}&think={}&poll={}\
         &owner={}&reenter={}&latency_min=10&latency_max={}&dup={}&loss={}{extra}",
        2 + i % 5,
        1 + i / 3 % 4,
        [10, 50][(i / 7 % 2) as usize],
        [20, 100][(i / 11 % 2) as usize],
        [10, 40][(i / 13 % 2) as usize],
        i % 2,
        i / 2 % 2 * (i % 2),
        [20, 30][(i / 17 % 2) as usize],
        [0, 10][(i / 19 % 2) as usize],
        [0, 5][(i / 23 % 2) as usize],
    )
}

/// Random faults, with the database's clock made to jump or drift in a third of the runs,
/// then calm for half a second.
fn random_faults(s: &mut NetSession<LockDb>, i: u64) {
    locks::random_faults(s, i, 0.4, clock_jump(DB, i));
}

/// Whatever happens — a holder crashed or paused, cut off from the database or the storage,
/// its messages lost, duplicated or resent, the database crashed and restarted — a row lives
/// from the grant to its holder's DELETE, so no two sections ever interleave. (Runs stall
/// instead: that is the lock's weakness, counted.)
#[test]
fn no_expiry_keeps_mutual_exclusion_under_random_faults() {
    let (mut grants, mut writes, mut stuck_runs) = (0.0, 0.0, 0);
    let sw = sweep(
        |i| random_query(i, ""),
        session,
        random_faults,
        |q, s| {
            grants += stat(s, "lock-db.grants");
            writes += stat(s, "lock-db.writes");
            stuck_runs += usize::from(stat(s, "lock-db.stuck") > 0.0);
            assert!(stat(s, "lock-db.max_holders") <= 1.0, "{q}");
        },
    );
    println!(
        "{SCHEDULES} schedules: {}; {grants} grants, {writes} writes accepted; {stuck_runs} runs \
         ending with a client stuck over 1 s",
        sw.faults()
    );
    sw.assert_clean();
    assert!(grants > 3.0 * SCHEDULES as f64, "{grants}");
    assert!(stuck_runs > 200, "{stuck_runs}");
}

/// A database that does not enforce the unique index lets a second INSERT succeed: two
/// clients hold the lock at once and the checker reports it — in the notes' two-client run
/// and under random faults.
#[test]
fn the_checker_catches_a_database_without_its_unique_index() {
    let mut s = session_with(CALM_Q, |c| c.broken_no_unique_index = true);
    s.act(lock(C3)).unwrap();
    s.run_until(150 * MS);
    s.act(lock(C4)).unwrap();
    s.run_until(1_500 * MS);
    assert!(!s.violations().is_empty());
    assert!(invariants(&s)
        .iter()
        .all(|v| *v == "lock-db.mutual-exclusion"));
    assert!(
        !s.is_lesson(&s.properties()[0]),
        "with no expiry it is a bug"
    );
    assert_eq!(stat(&s, "lock-db.max_holders"), 2.0);
    assert_eq!(stat(&s, "lock-db.failed"), 0.0);
    let caught = caught(
        200,
        |i| session_with(&random_query(i, ""), |c| c.broken_no_unique_index = true),
        random_faults,
    );
    assert!(caught >= 50, "caught in {caught} of 200 runs");
}

/// Bad input: a command the node does not have, a command on the wrong kind, parameters out
/// of range — refused with a message, never a panic.
#[test]
fn bad_commands_and_parameters_are_refused() {
    let mut s = session(CALM_Q);
    assert!(s.act(Action::command(DB, "db_lock")).is_err());
    assert!(s.act(Action::command(STORAGE, "db_lock")).is_err());
    assert!(s.act(Action::command(C3, "nope")).is_err());
    assert!(s.act(Action::command(9, "db_lock")).is_err());
    assert!(s.act(lock(C3)).is_ok());
    assert_params_refused(
        LAB,
        &[
            "clients=1",
            "clients=99",
            "poll=0",
            "steps=0",
            "expiry=2",
            "owner=-1",
            "sweep=5",
            "ttl=abc",
        ],
    );
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    assert_seed_decides_trace(LAB, "&dup=10&expiry=1", session);
}

#[test]
fn the_runner_runs_it() {
    assert_runner_runs(
        LAB,
        "lock-db.grants",
        &[
            "lock-db.inserts_per_s",
            "lock-db.polls_per_grant",
            "lock-db.longest_wait_ms",
            "lock-db.stuck",
            "lock-db.swept",
        ],
    );
    assert_runner_runs_preset(LAB, "db-holder-crash", "stuck_clients", 2);
}

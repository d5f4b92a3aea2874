//! Mutual exclusion under thousands of random fault schedules with fencing on (crashes of
//! clients, the server and the storage, pauses, partitions, drops, duplicates, loss, clock
//! jumps on the server), the recipe without fencing under crashes and loss, test-only broken
//! variants caught, determinism, bad input and the runner.

use super::*;
use locks::{
    assert_params_refused, assert_runner_runs, assert_runner_runs_preset,
    assert_seed_decides_trace, caught, clock_jump, sweep, FAULTY, SCHEDULES,
};

/// A lab query for random schedule `i`: the recipe's options, the load and the network vary.
fn random_query(i: u64, extra: &str) -> String {
    format!(
        "lab=lock-zk&seed={i}&clients={}&session={}&herd={}&steps={}&work={}&think={}&reads={}\
         &latency_max={}{extra}",
        2 + i % 5,
        [150, 300, 600][(i / 5 % 3) as usize],
        i % 2,
        1 + i / 3 % 4,
        [10, 50][(i / 7 % 2) as usize],
        [20, 100][(i / 11 % 2) as usize],
        [0, 50][(i / 2 % 2) as usize],
        [20, 30][(i / 17 % 2) as usize],
    )
}

/// Random faults, with the server's clock made to jump ahead or run fast in a third of the
/// runs (sessions expire early), then calm for half a second.
fn random_faults(s: &mut NetSession<LockZk>, i: u64) {
    locks::random_faults(s, i, 0.4, clock_jump(SERVER, i));
}

/// Whatever happens — a holder crashed, paused past its session timeout or cut off, messages
/// lost, duplicated or delayed, the server restarting or its clock jumping — with the czxid
/// as a fencing token the storage never lets two conflicting sections interleave.
#[test]
fn fencing_keeps_mutual_exclusion_under_random_faults() {
    let (mut grants, mut rejected, mut expired, mut doubles) = (0.0, 0.0, 0.0, 0);
    let sw = sweep(
        |i| {
            random_query(
                i,
                &format!("&fencing=1&dup={}", [0, 10][(i / 19 % 2) as usize]),
            )
        },
        session,
        random_faults,
        |_, s| {
            grants += stat(s, "lock-zk.grants");
            rejected += stat(s, "lock-zk.rejected");
            expired += stat(s, "lock-zk.sessions_expired");
            doubles += usize::from(stat(s, "lock-zk.max_writers") >= 2.0);
        },
    );
    println!(
        "{SCHEDULES} schedules: {}; {grants} grants, {expired} sessions expired, {rejected} stale \
         accesses rejected; {doubles} runs with two clients believing they held the exclusive lock",
        sw.faults()
    );
    sw.assert_clean();
    assert!(doubles > 100 && rejected > 50.0, "{doubles} {rejected}");
    assert!(grants > 3.0 * SCHEDULES as f64, "{grants}");
}

/// Without fencing, faults that do not stop a live holder (crashes of any node, lost
/// messages) keep mutual exclusion: a crashed holder's session outlives its last write, and
/// a restarted server gives every session a full timeout. The presets' violations come from
/// pauses, partitions and clocks.
#[test]
fn the_recipe_holds_under_crashes_and_loss_without_fencing() {
    let mut grants = 0.0;
    for i in 0..300u64 {
        let q = random_query(i, "&fencing=0&loss=5");
        let mut s = session(&q);
        s.set_keep_trace(false);
        let spec = distlab_engine::faults::FaultSpec {
            crash: 0.6,
            restart: 1.0,
            partition: 0.0,
            heal: 1.0,
            drop: 3.0,
            pause: 0.0,
        };
        let mut driver = FaultDriver::new(spec, fault_seed(i));
        driver.run(&mut s, FAULTY);
        calm(&mut s);
        s.run_until(FAULTY + 1_000 * MS);
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
        grants += stat(&s, "lock-zk.grants");
    }
    assert!(grants > 1_000.0, "{grants}");
}

/// A storage that does not check tokens lets the paused holder's stale write through even
/// with fencing on; a client that holds without checking for earlier children breaks
/// mutual exclusion with no fault at all. The checker reports both.
#[test]
fn the_checker_catches_broken_variants() {
    let q = "lab=lock-zk&fencing=1&auto=0&clients=2&session=600&steps=4&work=100&latency_min=10&latency_max=10&seed=1";
    let mut s = session_with(q, |c| c.broken_storage_ignores_tokens = true);
    s.run_until(100 * MS);
    s.act(lock(C3)).unwrap();
    s.run_until(200 * MS);
    s.act(lock(C4)).unwrap();
    s.run_until(300 * MS);
    s.act(Action::Pause { node: C3 }).unwrap();
    s.run_until(1_000 * MS);
    s.act(Action::Resume { node: C3 }).unwrap();
    s.run_until(2_000 * MS);
    assert!(!s.violations().is_empty());
    assert!(
        !s.is_lesson(&s.properties()[0]),
        "with fencing on it is a bug"
    );
    let caught = caught(
        100,
        |i| {
            let q = format!(
                "lab=lock-zk&seed={i}&fencing=1&clients={}&session=150&steps=8&work=40&think=20",
                3 + i % 4
            );
            session_with(&q, |c| c.broken_storage_ignores_tokens = true)
        },
        |s, i| {
            // Pauses above all: a paused holder is the danger fencing exists for.
            FaultDriver::new(fault_rates(1.0, 0.1, 0.2, 2.0), fault_seed(i)).run(s, FAULTY);
            calm(s);
            s.run_until(FAULTY + 500 * MS);
        },
    );
    println!("broken storage caught in {caught} of 100 runs");
    assert!(caught >= 10, "caught in {caught} of 100 runs");
    let mut s = session_with(
        "lab=lock-zk&clients=4&think=20&steps=3&work=30&seed=2",
        |c| c.broken_skip_check = true,
    );
    s.run_until(2_000 * MS);
    assert!(!s.violations().is_empty());
}

/// Bad input: commands on the wrong kind or unknown, an argument out of range, parameters
/// out of range — refused with a message, never a panic.
#[test]
fn bad_commands_and_parameters_are_refused() {
    let mut s = session(CALM_Q);
    assert!(s.act(lock(SERVER)).is_err());
    assert!(s.act(lock(STORAGE)).is_err());
    assert!(s.act(Action::command(C3, "nope")).is_err());
    assert!(s.act(Action::command(9, "zk_lock")).is_err());
    assert!(s.act(create(C3, 7)).is_err());
    assert!(s.act(lock(C3)).is_ok());
    assert_params_refused(
        LAB,
        &[
            "clients=1",
            "clients=99",
            "session=0",
            "steps=0",
            "herd=2",
            "reads=101",
            "session=abc",
        ],
    );
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    assert_seed_decides_trace(LAB, "&dup=10&fencing=1&reads=30", session);
}

#[test]
fn the_runner_runs_it() {
    assert_runner_runs(
        LAB,
        "lock-zk.grants",
        &[
            "lock-zk.notifications_per_release",
            "lock-zk.child_reads_per_release",
            "lock-zk.max_holders",
        ],
    );
    assert_runner_runs_preset(LAB, "zk-pause-fenced", "accesses_rejected", 1);
}

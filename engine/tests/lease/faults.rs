//! No stale read under thousands of random fault schedules with every clock's drift within the
//! margin's bound; stale reads beyond it; the broken caches and the sequencer off caught;
//! determinism.

use super::*;

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 2_000 * MS;
const QUIET: Time = 1_000 * MS;

/// A small deterministic hash of (i, j), for drifts.
fn mix(i: u64, j: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ j.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 29)
}

/// A lab query for random schedule `i`: caches, keys, the lease and its margin, the mode, the
/// load and the network vary.
fn random_query(i: u64, mode: u64, extra: &str) -> String {
    let lease = [200, 500, 1_000][(i % 3) as usize];
    let margin = lease / [20, 10, 5][(i / 3 % 3) as usize];
    format!(
        "lab=lease&seed={i}&caches={}&keys={}&mode={mode}&lease={lease}&margin={margin}&reads={}&writes={}&latency_min=2&latency_max={}&loss={}&dup={}{extra}",
        1 + i % 4,
        1 + i / 4 % 3,
        [5, 15, 30][(i / 2 % 3) as usize],
        [1, 3, 6][(i / 5 % 3) as usize],
        [10, 30][(i / 7 % 2) as usize],
        [0, 5, 20][(i / 11 % 3) as usize],
        [0, 10][(i / 13 % 2) as usize],
    )
}

/// Every clock drifts by a random amount within ±`scale` × the bound (set at 0 ms); then
/// random faults, calm and quiet.
fn random_run(s: &mut NetSession<Lease>, i: u64, scale: f64) {
    s.set_keep_trace(false);
    let bound = sim(s).node(SERVER).config().drift_bound_ppm() as f64;
    for node in 0..s.n() {
        let u = (mix(i, node as u64) % 2_001) as f64 / 1_000.0 - 1.0; // in [-1, 1]
        let drift_ppm = ((u * scale * bound) as i64).clamp(-500_000, 500_000);
        s.act(Action::Clock {
            node,
            drift_ppm,
            offset: 0,
        })
        .unwrap();
    }
    let k = 0.5 + (i % 4) as f64 * 0.5;
    FaultDriver::new(fault_rates(k, 0.5, 0.4, 0.3), fault_seed(i)).run(s, FAULTY);
    calm(s);
    s.run_until(FAULTY + QUIET);
}

/// Whatever happens — crashes and restarts of the server (its lease table lost) and of the
/// caches, pauses, partitions, drops, lost and duplicated messages — no read is stale and no
/// write from an old lease holder is installed, while every clock drifts within the bound.
#[test]
fn no_stale_read_under_random_faults_within_the_bound() {
    let (mut crashes, mut server_crashes, mut partitions, mut pauses) = (0, 0, 0, 0);
    let (mut local, mut fetched, mut installs, mut rejects, mut renewals) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let mode = u64::from(i % 5 == 4);
        let mut s = session(&random_query(i, mode, ""));
        random_run(&mut s, i, 0.95);
        for a in s.actions() {
            match a.action {
                Action::Crash { node } => {
                    crashes += 1;
                    server_crashes += usize::from(node == SERVER);
                }
                Action::Partition { .. } => partitions += 1,
                Action::Pause { .. } => pauses += 1,
                _ => {}
            }
        }
        local += stat(&s, "lease.reads_local");
        fetched += stat(&s, "lease.reads_fetched");
        installs += stat(&s, "lease.installs");
        rejects += stat(&s, "lease.rejects");
        renewals += stat(&s, "lease.renewals");
        if !s.violations().is_empty() {
            failures.push(format!("schedule {i}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes ({server_crashes} of the server), {partitions} \
         partitions, {pauses} pauses; {local} local reads, {fetched} through the server, \
         {installs} writes installed, {rejects} rejected, {renewals} renewals"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(server_crashes > 300 && crashes > 1_500 && partitions > 500 && pauses > 500);
    assert!(local > 50_000.0 && fetched > 20_000.0 && installs > 5_000.0);
    assert!(rejects > 100.0 && renewals > 5_000.0);
}

/// Beyond the bound (drifts up to 10 × it), reads go stale in lease mode — but never in
/// version mode, which trusts no clock.
#[test]
fn drift_beyond_the_bound_reads_stale_but_versions_do_not() {
    let (mut stale_runs, mut version_bad) = (0, 0);
    for i in 0..300 {
        let mut s = session(&random_query(i, 0, ""));
        random_run(&mut s, i, 10.0);
        stale_runs += usize::from(invariants(&s).contains(&"no-stale-read"));
        let mut v = session(&random_query(i, 1, ""));
        random_run(&mut v, i, 10.0);
        version_bad += v.violations().len();
    }
    println!("beyond the bound: {stale_runs} of 300 runs read stale");
    assert!(stale_runs >= 15, "{stale_runs} of 300 runs");
    assert_eq!(version_bad, 0);
}

/// A test-only cache that ignores the margin (counts the whole lease from the answer's
/// arrival) or never lets a lease expire: the checker catches both, with no drift at all.
#[test]
fn the_broken_caches_are_caught() {
    let (mut no_margin, mut no_expiry) = (0, 0);
    for i in 0..200 {
        let q = random_query(i, 0, "");
        let mut s = session_with(&q, |c| c.broken_no_margin = true);
        random_run(&mut s, i, 0.0);
        no_margin += usize::from(invariants(&s).contains(&"no-stale-read"));
        let mut s = session_with(&q, |c| c.broken_no_expiry = true);
        random_run(&mut s, i, 0.0);
        no_expiry += usize::from(invariants(&s).contains(&"no-stale-read"));
    }
    println!("broken caches caught: no margin {no_margin} of 200, no expiry {no_expiry} of 200");
    assert!(no_margin >= 10, "no margin: {no_margin} of 200 runs caught");
    assert!(no_expiry >= 40, "no expiry: {no_expiry} of 200 runs caught");
}

/// With the sequencer off, concurrent writes from caches overwrite writes they never saw.
#[test]
fn the_sequencer_off_is_caught() {
    let mut caught = 0;
    for i in 0..100 {
        let mut s = session(&random_query(i, i % 2, "&sequencer=0&caches=3"));
        random_run(&mut s, i, 0.5);
        let inv = invariants(&s);
        assert!(
            !inv.contains(&"no-stale-read"),
            "schedule {i}: {:?}",
            s.violations()
        );
        caught += usize::from(inv.contains(&"no-old-holder-write"));
    }
    println!("sequencer off: {caught} of 100 runs installed an old holder's write");
    assert!(caught >= 30, "{caught} of 100");
}

/// The same seed and faults give the same trace.
#[test]
fn deterministic() {
    for q in [
        "lab=lease&seed=4&caches=3&keys=2&reads=10&writes=2",
        "lab=lease&seed=5&caches=3&mode=1&reads=10&writes=2&loss=10",
    ] {
        assert_eq!(faulted_hash(session(q)), faulted_hash(session(q)));
    }
}

//! One owner per slot per config epoch under thousands of random fault schedules (crashes
//! and restarts of masters and replicas, pauses, partitions, drops, duplicates, loss) with
//! automatic clients and random reshardings; the test-only broken promotion caught;
//! determinism, bad input and the runner.

use super::*;
use distlab_engine::input::{split_query, RunConfig};

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 3_000 * MS;

fn random_query(i: u64) -> String {
    let masters = 3 + i % 2;
    format!(
        "lab=redis-cluster&seed={i}&masters={masters}&replicas={}&clients={}&think={}\
         &node_timeout={}&ping={}&migrate={}&latency_max={}&dup={}&loss={}",
        masters - (i / 2 % 2),
        1 + i / 3 % 3,
        [50, 150][(i / 5 % 2) as usize],
        [250, 500][(i / 7 % 2) as usize],
        [50, 100][(i / 11 % 2) as usize],
        [20, 100][(i / 13 % 2) as usize],
        [20, 60][(i / 17 % 2) as usize],
        [0, 10][(i / 19 % 2) as usize],
        [0, 5][(i / 23 % 2) as usize],
    )
}

/// Random faults, with a resharding of a random client key's slot to a random master in
/// half of the runs, then calm for a second.
fn random_faults(s: &mut NetSession<RedisCluster>, i: u64) {
    let k = 0.5 + (i % 4) as f64 * 0.5;
    let mut driver = FaultDriver::new(fault_rates(k, 0.4, 0.3, 0.4), fault_seed(i));
    driver.run(s, FAULTY / 3);
    if i.is_multiple_of(2) {
        let keys = redis_cluster::AUTO_KEYS;
        let slot = key_slot(keys[(i / 2) as usize % keys.len()]);
        let to = (i / 6) as usize % node(s, 0).config().masters;
        let _ = s.act(cmd(to, "rc_reshard", &slot.to_string()));
    }
    driver.run(s, FAULTY);
    calm(s);
    s.run_until(FAULTY + 1_000 * MS);
}

/// Whatever the faults — masters crashing while migrating, replicas promoted while the old
/// master is only partitioned away, duplicated votes and claims — no two nodes ever give one
/// slot to two owners with the same config epoch.
#[test]
fn one_owner_per_slot_per_epoch_under_random_faults() {
    let (mut crashes, mut partitions) = (0, 0);
    let (mut promotions, mut migrated, mut claimed, mut answered, mut down) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let q = random_query(i);
        let mut s = session(&q);
        s.set_keep_trace(false);
        random_faults(&mut s, i);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Partition { .. } => partitions += 1,
                _ => {}
            }
        }
        promotions += stat(&s, "redis-cluster.promotions");
        migrated += stat(&s, "redis-cluster.keys_migrated");
        claimed += stat(&s, "redis-cluster.slots_claimed");
        answered += stat(&s, "redis-cluster.answered");
        down += stat(&s, "redis-cluster.clusterdown");
        if !s.violations().is_empty() {
            failures.push(format!("{q}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {partitions} partitions; {promotions} \
         promotions, {claimed} slots resharded ({migrated} keys), {answered} commands \
         answered, {down} CLUSTERDOWN"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        crashes > 1_000 && partitions > 300,
        "{crashes} {partitions}"
    );
    assert!(promotions > 300.0, "{promotions}");
    assert!(claimed > 200.0 && migrated > 100.0, "{claimed} {migrated}");
    assert!(answered > 10.0 * SCHEDULES as f64, "{answered}");
}

/// A promoted replica that keeps its old master's config epoch claims the slots with an epoch
/// another owner already has: the checker reports it, in the planned failover and under
/// random faults.
#[test]
fn the_checker_catches_a_promotion_without_a_new_epoch() {
    let q = "lab=redis-cluster&scenario=cluster-failover";
    let mut s = session_with(q, |c| c.broken_keep_epoch = true);
    let info = labs::find("redis-cluster")
        .and_then(|l| l.scenario("cluster-failover"))
        .expect("preset");
    s.schedule(info).unwrap();
    s.run_until(4_000 * MS);
    assert!(!s.violations().is_empty());
    assert!(s.violations().iter().all(|v| v.invariant == ONE_OWNER));
    let mut caught = 0;
    for i in 0..100 {
        let mut s = session_with(&random_query(i), |c| c.broken_keep_epoch = true);
        s.set_keep_trace(false);
        random_faults(&mut s, i);
        caught += usize::from(!s.violations().is_empty());
    }
    assert!(caught >= 10, "caught in {caught} of 100 runs");
}

/// Bad input: commands on the wrong kind, bad slots and keys, parameters out of range.
#[test]
fn bad_commands_and_parameters_are_refused() {
    let mut s = session(CALM_Q);
    assert!(s.act(cmd(M1, "rc_set", "foo")).is_err());
    assert!(s.act(cmd(C7, "rc_reshard", "5")).is_err());
    assert!(s.act(cmd(M1, "rc_reshard", "16384")).is_err());
    assert!(s.act(cmd(M1, "rc_reshard", "x")).is_err());
    assert!(s.act(cmd(C7, "rc_set", "a b")).is_err());
    assert!(s.act(cmd(C7, "rc_set", "{user1000}.following")).is_ok());
    // Reshard a slot the master already owns: refused with a note, nothing changes.
    assert!(s.act(cmd(M1, "rc_reshard", "0")).is_ok());
    s.run_until(200 * MS);
    assert_eq!(noted(&s, "redis-cluster.reshard_refused").len(), 1);
    for bad in [
        "masters=2",
        "masters=9",
        "clients=0",
        "replicas=4",
        "ping=0",
    ] {
        let (_, errors) = RunConfig::parse(&split_query(&format!("lab=redis-cluster&{bad}")));
        assert!(!errors.is_empty(), "{bad} accepted");
    }
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=redis-cluster&seed=4&dup=10");
    assert_eq!(a, hash("lab=redis-cluster&seed=4&dup=10"));
    assert_ne!(a, hash("lab=redis-cluster&seed=5&dup=10"));
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "redis-cluster", "--seed", "3", "--until", "5s"]);
    assert_eq!(out["lab"], "redis-cluster");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert!(stats["redis-cluster.answered"].as_f64().unwrap_or(0.0) >= 10.0);
    let out = run_json(&["run", "redis-cluster", "--scenario", "cluster-failover"]);
    assert_eq!(out["summary"]["promotions"], 1);
    assert_eq!(out["summary"]["violations"], 0);
}

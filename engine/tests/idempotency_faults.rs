//! The idempotency lab under random faults: with request ids on and a retention past the
//! retry horizon each request takes effect exactly once (never twice; every answered request
//! once) under thousands of random fault schedules — crashes and restarts of the server and
//! the clients, partitions, drops, the network's own loss and duplicates; with ids off or a
//! retention too short it does not; and two deliberately broken servers (a dedupe table keyed
//! by the amount, a dedupe table lost in a crash) are caught.

mod common;

use common::{calm, config, fault_rates, fault_seed};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::foundations::idempotency::{self, Config, Idem};
use distlab_engine::labs::{LabSession, NetSession};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, Time, MS};

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Idem> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    idempotency::session_with(&cfg.params, &c, cfg.seed)
}

fn deposit(node: NodeId, amount: &str) -> Action {
    Action::Command {
        node,
        name: "deposit".into(),
        arg: Some(amount.into()),
    }
}

fn invariants(s: &NetSession<Idem>) -> Vec<(&'static str, Time)> {
    s.violations()
        .iter()
        .map(|v| (v.invariant, v.time / MS))
        .collect()
}

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 3_000 * MS;

/// A random schedule: `i` picks the parameters, then 3 s of random crashes and restarts (of
/// the server and the clients), partitions and drops (and the network's own loss and
/// duplicates), then calm until every retry is over.
fn random_run(
    i: u64,
    ids: bool,
    retention_ms: Option<u64>,
    set: impl Fn(&mut Config),
) -> NetSession<Idem> {
    let timeout = [50, 100, 200][(i % 3) as usize];
    let backoff = [0, 20, 60][(i / 3 % 3) as usize];
    let retries = i % 5;
    let latency_max = 10 + i % 4 * 10;
    let horizon = retries * (timeout + backoff) + latency_max;
    let retention = retention_ms.unwrap_or(horizon + 1 + i % 3 * 200);
    let q = format!(
        "lab=idempotency&seed={i}&clients={}&rate={}&timeout={timeout}&backoff={backoff}&retries={retries}&ids={}&retention={retention}&latency_min=5&latency_max={latency_max}&loss={}&dup={}",
        1 + i % 3,
        [3, 8, 15][(i / 2 % 3) as usize],
        u8::from(ids),
        [0, 10, 30][(i / 5 % 3) as usize],
        [0, 10, 30][(i / 7 % 3) as usize],
    );
    let mut s = session_with(&q, set);
    s.set_keep_trace(false);
    let k = 0.5 + (i % 4) as f64 * 0.5;
    FaultDriver::new(fault_rates(k, 0.6, 0.4, 0.0), fault_seed(i)).run(&mut s, FAULTY);
    calm(&mut s);
    s.run_until(FAULTY + horizon * MS + 500 * MS);
    s.check_eventually();
    s
}

/// With request ids on and a retention past the retry horizon, each request takes effect
/// exactly once, whatever happens: never twice, and every answered request once.
#[test]
fn exactly_once_under_random_faults() {
    let (mut crashes, mut server_crashes, mut partitions, mut drops) = (0, 0, 0, 0);
    let (mut dups, mut hits, mut retries, mut answered, mut unknown, mut intended) =
        (0, 0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let s = random_run(i, true, None, |_| {});
        for a in s.actions() {
            match a.action {
                Action::Crash { node } => {
                    crashes += 1;
                    server_crashes += usize::from(node == 0);
                }
                Action::Partition { .. } => partitions += 1,
                Action::Drop { .. } => drops += 1,
                _ => {}
            }
        }
        let m = s.session.sim.monitor();
        dups += m.duplicates;
        hits += m.dedupe_hits;
        retries += m.retries;
        answered += m.answered;
        unknown += m.gave_up;
        intended += m.intended;
        assert_eq!(m.double_applied, 0);
        if !s.violations().is_empty() {
            failures.push(format!("schedule {i}: {:?}", s.violations()));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes ({server_crashes} of the server), \
         {partitions} partitions, {drops} drops, {dups} duplicates; {intended} requests, \
         {answered} answered, {unknown} given up, {retries} retries, {hits} dedupe hits"
    );
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(
        server_crashes > 500 && crashes > 2_000 && partitions > 1_000 && drops > 1_000 && dups > 1_000,
        "faults: {crashes} crashes, {server_crashes} server, {partitions} partitions, {drops} drops, {dups} duplicates"
    );
    assert!(hits > 1_000 && retries > 2_000 && unknown > 500 && answered > 10_000);
}

/// The broken configurations under the same kind of schedules: with ids off, or with a
/// retention shorter than the horizon, requests take effect twice.
#[test]
fn the_broken_configurations_violate_it() {
    let (mut no_ids, mut short) = (0, 0);
    for i in 0..200 {
        let s = random_run(i, false, None, |_| {});
        no_ids += usize::from(s.violations().iter().any(|v| v.invariant == "never-twice"));
        if i % 5 > 0 {
            // The shortest retention, 10 ms (with retries to make).
            let s = random_run(i, true, Some(10), |_| {});
            short += usize::from(!s.violations().is_empty());
        }
    }
    assert!(
        no_ids >= 100,
        "ids off: {no_ids} of 200 runs applied a request twice"
    );
    assert!(short >= 60, "retention too short: {short} of 160 runs");
}

/// A server that keys its dedupe table by the request's amount (not its key) takes a second
/// deposit of the same amount for a retry of the first: answered, never applied. Caught by
/// answered-once.
#[test]
fn the_checker_catches_a_table_keyed_by_amount() {
    let mut s = session_with("lab=idempotency&clients=1&rate=0", |c| {
        c.broken_key_by_amount = true
    });
    s.act(deposit(1, "10")).unwrap();
    s.act(deposit(1, "10")).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(s.session.sim.node(0).server.balance, 10);
    assert_eq!(s.check_eventually(), 1);
    let v = s.violations();
    assert_eq!(v[0].invariant, "answered-once");
    assert!(v[0].text.contains("#2"), "{}", v[0].text);
    let mut caught = 0;
    for i in 0..40 {
        let s = random_run(i, true, None, |c| c.broken_key_by_amount = true);
        caught += usize::from(
            s.violations()
                .iter()
                .any(|v| v.invariant == "answered-once"),
        );
    }
    assert!(caught >= 20, "caught in {caught} of 40 runs");
}

/// A dedupe table kept in memory is lost in a server crash: a retry after the restart is
/// applied again. Caught by never-twice.
#[test]
fn the_checker_catches_a_dedupe_table_lost_in_a_crash() {
    let mut s = session_with(
        "lab=idempotency&clients=1&rate=0&timeout=300&backoff=100&retries=3&latency_min=50&latency_max=50",
        |c| c.broken_volatile_table = true,
    );
    s.act(Action::CutOneWay { from: 0, to: 1 }).unwrap();
    s.act(deposit(1, "10")).unwrap();
    s.run_until(300 * MS);
    s.act(Action::Crash { node: 0 }).unwrap();
    s.act(Action::Restart { node: 0 }).unwrap();
    s.run_until(2_000 * MS);
    assert_eq!(invariants(&s), vec![("never-twice", 450)]);
    let mut caught = 0;
    // Under random faults it takes a server crash after a request ran and before its retry.
    for i in 0..400 {
        let s = random_run(i, true, None, |c| c.broken_volatile_table = true);
        caught += usize::from(s.violations().iter().any(|v| v.invariant == "never-twice"));
    }
    assert!(caught >= 4, "caught in {caught} of 400 runs");
}

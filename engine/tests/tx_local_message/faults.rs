//! The properties under thousands of random fault schedules (with every committed order
//! applied exactly once and the stock matching once the run goes quiet), the test-only broken
//! relay and the unsafe toggles caught by the checker, determinism, bad commands and the
//! runner.

use super::*;

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 3_000 * MS;
const QUIET: Time = 4_000 * MS;

/// A lab query for random schedule `i`: the network, load and timeouts vary.
fn random_query(i: u64, extra: &str) -> String {
    format!(
        "lab=tx-local-message&seed={i}&rate={}&db={}&relay={}&redeliver={}&latency_max={}&dup={}&loss={}{extra}",
        2 + i % 9,
        [5, 30, 100][(i % 3) as usize],
        [60, 200, 500][(i / 3 % 3) as usize],
        [100, 400, 1_000][(i / 2 % 3) as usize],
        [30, 80][(i / 7 % 2) as usize],
        [0, 10, 30][(i / 5 % 3) as usize],
        [0, 5][(i / 11 % 2) as usize],
    )
}

/// Random faults (crashes and restarts of any node, partitions, pauses, drops), then calm:
/// every node restarted, the network healed, the client crashed (no new orders), and quiet.
fn faults_then_quiet(s: &mut NetSession<TxLocalMessage>, i: u64) {
    let k = 0.5 + (i % 4) as f64 * 0.5;
    FaultDriver::new(fault_rates(k, 0.5, 0.3, 0.2), fault_seed(i)).run(s, FAULTY);
    calm(s);
    s.act(Action::Crash { node: CLIENT }).unwrap();
    s.run_until(FAULTY + QUIET);
}

/// What is wrong once the run went quiet: a committed order not applied exactly once, an
/// applied order not committed, stock that does not match, a message still unacknowledged.
fn converged(s: &NetSession<TxLocalMessage>) -> Vec<String> {
    let mut problems = Vec::new();
    let m = s.session.sim.monitor();
    let o = node(s, ORDER);
    for n in o.orders.keys() {
        if m.applies(*n) != 1 {
            problems.push(format!("order #{n} applied {} times", m.applies(*n)));
        }
    }
    if let Some(n) = m.applied_orders().find(|n| !o.orders.contains_key(n)) {
        problems.push(format!("order #{n} applied, never committed"));
    }
    let taken: i64 = o.orders.values().map(|r| r.qty as i64).sum();
    let inv = node(s, INVENTORY);
    if inv.stock != inv.config().stock - taken {
        problems.push(format!("stock {} but {taken} ordered", inv.stock));
    }
    if o.pending() > 0 || node(s, BROKER).unacked().count() > 0 {
        problems.push("messages still unacknowledged".into());
    }
    problems
}

/// Whatever happens, an idempotent consumer never applies an order twice; once the run goes
/// quiet every committed order has been applied exactly once, nothing else has, the stock is
/// the starting stock minus the committed orders, and the checker agrees.
#[test]
fn exactly_once_under_random_faults() {
    let (mut crashes, mut partitions, mut drops, mut dups) = (0, 0, 0, 0);
    let (mut orders, mut retries, mut redeliveries, mut suppressed) = (0.0, 0.0, 0.0, 0.0);
    let mut failures = Vec::new();
    for i in 0..SCHEDULES {
        let q = random_query(i, "");
        let mut s = session(&q);
        s.set_keep_trace(false);
        faults_then_quiet(&mut s, i);
        for a in s.actions() {
            match a.action {
                Action::Crash { .. } => crashes += 1,
                Action::Partition { .. } => partitions += 1,
                Action::Drop { .. } => drops += 1,
                _ => {}
            }
        }
        dups += s.session.sim.monitor().duplicates;
        orders += stat(&s, "tx-local-message.orders");
        retries += stat(&s, "tx-local-message.relay_retries");
        redeliveries += stat(&s, "tx-local-message.redeliveries");
        suppressed += stat(&s, "tx-local-message.suppressed");
        s.check_eventually();
        let mut problems: Vec<String> = s.violations().iter().map(|v| v.text.clone()).collect();
        problems.extend(converged(&s));
        if !problems.is_empty() {
            failures.push(format!("{q}: {problems:?}"));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {partitions} partitions, {drops} drops, \
         {dups} duplicates; {orders} orders, {retries} relay retries, {redeliveries} \
         redeliveries, {suppressed} duplicates suppressed"
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
    let n = SCHEDULES as f64;
    assert!(
        orders > 5.0 * n && retries > n && redeliveries > n && suppressed > n,
        "{orders} {retries} {redeliveries} {suppressed}"
    );
}

/// Without faults every order is applied within the fault-free bound, and the checker, asked
/// at any moment, finds nothing.
#[test]
fn every_order_applied_without_faults() {
    for i in 0..300u64 {
        let q = format!(
            "lab=tx-local-message&seed={i}&rate={}&db={}&relay={}&redeliver={}",
            1 + i % 15,
            [1, 30, 300][(i % 3) as usize],
            [20, 200][(i / 3 % 2) as usize],
            [20, 400][(i / 2 % 2) as usize],
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        for t in [1, 2, 3] {
            s.run_until(t * 1_000 * MS);
            s.check_eventually();
        }
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
        if i / 2 % 2 == 1 {
            // A redelivery timeout longer than the round trip: nothing is delivered twice.
            assert_eq!(stat(&s, "tx-local-message.redeliveries"), 0.0, "{q}");
        }
    }
}

/// A relay that marks a row sent as it publishes it, before the broker acknowledged, never
/// publishes a lost message again: the committed order never reaches the inventory, and the
/// checker says so — in a planned schedule and under random faults.
#[test]
fn the_checker_catches_a_relay_that_marks_sent_before_the_ack() {
    let mut s = session_with(PRESET_Q, |c| c.broken_mark_before_ack = true);
    s.act(Action::Crash { node: BROKER }).unwrap();
    s.act(order("1")).unwrap();
    s.run_until(500 * MS);
    s.act(Action::Restart { node: BROKER }).unwrap();
    s.run_until(3_000 * MS);
    assert!(node(&s, ORDER).outbox[&1].sent);
    assert_eq!(node(&s, INVENTORY).stock, 100);
    assert!(s.check_eventually() > 0);
    assert_eq!(invariants(&s), vec!["tx-local-message.exactly-once"]);
    let mut caught = 0;
    for i in 0..100 {
        let mut s = session_with(&random_query(i, ""), |c| c.broken_mark_before_ack = true);
        s.set_keep_trace(false);
        faults_then_quiet(&mut s, i);
        s.check_eventually();
        let v = s.violations();
        assert!(
            v.iter()
                .all(|v| v.invariant == "tx-local-message.exactly-once"),
            "{v:?}"
        );
        caught += usize::from(!v.is_empty());
    }
    assert!(caught >= 50, "caught in {caught} of 100 runs");
}

/// The unsafe toggles under random faults: a consumer that is not idempotent applies orders
/// twice; the naive services lose or invent orders. The checker catches each in many runs
/// (commit-then-publish less often: it loses an order only when the order service crashes
/// while a publish is unacknowledged, and the loss is called only after a quiet stretch with
/// no drop or duplicate at all).
#[test]
fn the_checker_catches_the_unsafe_toggles_under_random_faults() {
    for (extra, property, least) in [
        ("&idempotent=0", "tx-local-message.at-most-once", 60),
        ("&mode=1", "tx-local-message.exactly-once", 10),
        ("&mode=2", "tx-local-message.exactly-once", 30),
    ] {
        let mut caught = 0;
        for i in 0..100 {
            let mut s = session(&random_query(i, extra));
            s.set_keep_trace(false);
            faults_then_quiet(&mut s, i);
            s.check_eventually();
            caught += usize::from(s.violations().iter().any(|v| v.invariant == property));
        }
        assert!(
            caught >= least,
            "{extra}: {property} caught in {caught} of 100 runs"
        );
    }
}

/// A bad quantity is refused by the command's range, with a message, never a panic.
#[test]
fn a_bad_quantity_is_refused() {
    let mut s = session(PRESET_Q);
    for bad in ["0", "10", "-1", "two", ""] {
        assert!(s.act(order(bad)).is_err(), "{bad:?} accepted");
    }
    assert!(s
        .act(Action::Command {
            node: ORDER,
            name: "lm_order".into(),
            arg: Some("2".into()),
        })
        .is_err());
    assert!(s.act(order("9")).is_ok());
    s.run_until(500 * MS);
    assert_eq!(node(&s, CLIENT).ledger[&1].qty, 9);
    assert_eq!(node(&s, INVENTORY).stock, 91);
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=tx-local-message&seed=4&rate=5&dup=10");
    assert_eq!(a, hash("lab=tx-local-message&seed=4&rate=5&dup=10"));
    assert_ne!(a, hash("lab=tx-local-message&seed=5&rate=5&dup=10"));
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "tx-local-message", "--seed", "3", "--until", "10s"]);
    assert_eq!(out["lab"], "tx-local-message");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert!(stats["tx-local-message.orders"].as_f64().unwrap_or(0.0) >= 10.0);
    for key in [
        "tx-local-message.published",
        "tx-local-message.relay_retries",
        "tx-local-message.redeliveries",
        "tx-local-message.suppressed",
        "tx-local-message.double_applied",
        "tx-local-message.window_mean_ms",
        "tx-local-message.window_max_ms",
    ] {
        assert!(stats[key].as_f64().is_some(), "{key}");
    }
    assert!(out["summary"]["window_mean_ms"].as_f64().unwrap_or(0.0) > 0.0);
    let out = run_json(&["run", "tx-local-message", "--scenario", "lm-not-idempotent"]);
    assert_eq!(out["summary"]["double_applied"], 2);
    let out = run_json(&["run", "tx-local-message", "--scenario", "lm-consumer-crash"]);
    assert_eq!(out["summary"]["window_max_ms"], 2_040.0);
}

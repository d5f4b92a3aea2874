//! The properties under thousands of random fault schedules (and the services' totals
//! agreeing once the run goes quiet), the broken coordinator and the unsafe toggles caught,
//! determinism, bad commands and the runner.

use super::*;

const SCHEDULES: u64 = 2_000;
const FAULTY: Time = 3_000 * MS;
const QUIET: Time = 3_000 * MS;

/// A lab query for random schedule `i`: the network, load and refusals vary.
fn random_query(i: u64, extra: &str) -> String {
    format!(
        "lab=tx-tcc&seed={i}&rate={}&fail={}&timeout={}&stock={}&latency_max={}&dup={}&loss={}{extra}",
        2 + i % 9,
        [0, 5, 20][(i % 3) as usize],
        [60, 150, 300][(i / 3 % 3) as usize],
        [20, 300][(i / 2 % 2) as usize],
        [30, 80][(i / 7 % 2) as usize],
        [0, 10, 30][(i / 5 % 3) as usize],
        [0, 5][(i / 11 % 2) as usize],
    )
}

/// Random faults, then calm: every node restarted, the network healed, the client crashed (no
/// new purchases) and 3 s of quiet.
fn faults_then_quiet(s: &mut NetSession<TxTcc>, i: u64) {
    let k = 0.5 + (i % 4) as f64 * 0.5;
    FaultDriver::new(fault_rates(k, 0.4, 0.3, 0.2), fault_seed(i)).run(s, FAULTY);
    calm(s);
    s.act(Action::Crash { node: CLIENT }).unwrap();
    s.run_until(FAULTY + QUIET);
}

/// Whatever happens — crashes and restarts of any node (the coordinator mid-Try or
/// mid-Confirm), pauses, partitions, dropped, lost and duplicated messages — the books of every
/// service match its branch table at every moment and no transaction is confirmed at one
/// service and cancelled at another. Once the run goes quiet, every transaction has ended,
/// nothing is frozen, and the three services agree on what was sold: the order quota and the
/// stock spent are equal, and the money spent is the price times that.
#[test]
fn safety_under_random_faults_and_totals_agree_when_quiet() {
    let (mut crashes, mut partitions, mut drops, mut dups) = (0, 0, 0, 0);
    let (mut confirmed, mut cancelled, mut retries, mut empty, mut refused) =
        (0.0, 0.0, 0.0, 0.0, 0.0);
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
        confirmed += stat(&s, "tx-tcc.confirmed");
        cancelled += stat(&s, "tx-tcc.cancelled");
        retries += stat(&s, "tx-tcc.retries");
        empty += stat(&s, "tx-tcc.empty_rollbacks");
        refused += stat(&s, "tx-tcc.suspensions_refused");
        s.check_eventually();
        let mut problems: Vec<String> = s.violations().iter().map(|v| v.text.clone()).collect();
        let co = node(&s, COORD);
        if let Some((tx, _)) = co.txs.iter().find(|(_, t)| !t.ended) {
            problems.push(format!("T{tx} still open after the quiet"));
        }
        for id in SERVICES {
            let p = node(&s, id);
            if p.books.frozen != 0 {
                problems.push(format!("{} frozen at node {id}", p.books.frozen));
            }
            // The checker's sums over the branch table are what the table says.
            let sum = |st: BState| -> i64 {
                p.branches
                    .values()
                    .filter(|b| b.state == st)
                    .map(|b| b.amount)
                    .sum()
            };
            if (sum(BState::Tried), sum(BState::Confirmed)) != (p.tried_sum, p.confirmed_sum) {
                problems.push(format!("node {id}: branch sums drifted"));
            }
        }
        let spent = |id| node(&s, id).books.spent;
        let price = node(&s, ACCOUNT).config().price;
        if spent(ORDER) != spent(INVENTORY) || spent(ACCOUNT) != price * spent(INVENTORY) {
            problems.push(format!(
                "spent: quota {}, stock {}, money {}",
                spent(ORDER),
                spent(INVENTORY),
                spent(ACCOUNT)
            ));
        }
        if !problems.is_empty() {
            failures.push(format!("{q}: {problems:?}"));
        }
    }
    println!(
        "{SCHEDULES} schedules: {crashes} crashes, {partitions} partitions, {drops} drops, \
         {dups} duplicates; {confirmed} confirmed, {cancelled} cancelled, {retries} retries, \
         {empty} empty rollbacks, {refused} late Trys refused"
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
    // The pitfalls happened, and were handled.
    assert!(
        confirmed > SCHEDULES as f64 && cancelled > SCHEDULES as f64,
        "{confirmed} confirmed, {cancelled} cancelled"
    );
    assert!(
        retries > 1_000.0 && empty > 1_000.0 && refused > 10.0,
        "{retries} {empty} {refused}"
    );
}

/// Without faults every purchase ends within the fault-free bound and nothing stays frozen.
#[test]
fn every_purchase_ends_without_faults() {
    for i in 0..300u64 {
        let q = format!(
            "lab=tx-tcc&seed={i}&rate={}&fail={}&stock={}&timeout={}",
            1 + i % 15,
            (i % 4) * 10,
            [10, 300][(i % 2) as usize],
            [50, 300][(i / 2 % 2) as usize],
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        s.run_until(FAULTY);
        s.check_eventually();
        assert!(s.violations().is_empty(), "{q}: {:?}", s.violations());
    }
}

/// A coordinator that sends its decision before logging it forgets it in a crash and, on
/// restart, cancels what some services have confirmed: all-or-nothing breaks, and the checker
/// says so — in a planned schedule and under random faults.
#[test]
fn the_checker_catches_a_coordinator_that_does_not_log_its_decision() {
    let mut s = session_with(PRESET_Q, |c| c.broken_unlogged_decision = true);
    s.act(buy("1")).unwrap();
    // The Trys arrive at 40 ms; then the link to the inventory is cut, so of the Confirms
    // sent at 60 ms only the inventory's is lost; the coordinator crashes at 70 ms.
    s.run_until(50 * MS);
    s.act(Action::CutOneWay {
        from: COORD,
        to: INVENTORY,
    })
    .unwrap();
    s.run_until(70 * MS);
    s.act(Action::Crash { node: COORD }).unwrap();
    s.act(Action::HealOneWay {
        from: COORD,
        to: INVENTORY,
    })
    .unwrap();
    s.run_until(200 * MS);
    s.act(Action::Restart { node: COORD }).unwrap();
    s.run_until(1_000 * MS);
    let v = s.violations();
    assert_eq!(invariants(&s), vec!["tx-tcc.all-or-nothing"], "{v:?}");
    assert_eq!(state(&s, ORDER, 1), Some(BState::Confirmed));
    assert_eq!(state(&s, INVENTORY, 1), Some(BState::Cancelled));
    let mut caught = 0;
    for i in 0..100 {
        let mut s = session_with(&random_query(i, ""), |c| c.broken_unlogged_decision = true);
        s.set_keep_trace(false);
        FaultDriver::new(fault_rates(1.0, 0.6, 0.3, 0.0), fault_seed(i)).run(&mut s, FAULTY);
        let v = s.violations();
        assert!(
            v.iter().all(|v| v.invariant == "tx-tcc.all-or-nothing"),
            "{v:?}"
        );
        caught += usize::from(!v.is_empty());
    }
    assert!(caught >= 5, "caught in {caught} of 100 runs");
}

/// The unsafe toggles under random faults: a non-idempotent service, or one without the
/// empty-rollback guard, breaks conservation; one that answers empty rollbacks without a
/// marker leaves late Trys frozen. The checker catches each in many runs.
#[test]
fn the_checker_catches_the_unsafe_toggles_under_random_faults() {
    for (extra, property, least) in [
        ("&idempotent=0", "tx-tcc.conservation", 40),
        ("&guard=0", "tx-tcc.conservation", 40),
        ("&guard=1", "tx-tcc.nothing-left-frozen", 15),
    ] {
        let mut caught = 0;
        for i in 0..100 {
            // A Try phase shorter than the slowest message: Trys arrive after their Cancel.
            let q = format!("lab=tx-tcc&seed={i}&rate=5&timeout=60&latency_max=200&dup=10{extra}");
            let mut s = session(&q);
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
        assert!(s.act(buy(bad)).is_err(), "{bad:?} accepted");
    }
    assert!(s.act(Action::command(CLIENT, "tcc_fail_try")).is_err());
    assert!(s.act(buy("9")).is_ok());
    s.run_until(500 * MS);
    assert_eq!(node(&s, CLIENT).ledger[&1].qty, 9);
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    let a = hash("lab=tx-tcc&seed=4&rate=5&dup=10");
    assert_eq!(a, hash("lab=tx-tcc&seed=4&rate=5&dup=10"));
    assert_ne!(a, hash("lab=tx-tcc&seed=5&rate=5&dup=10"));
}

#[test]
fn the_runner_runs_it() {
    let out = run_json(&["run", "tx-tcc", "--seed", "3", "--until", "10s"]);
    assert_eq!(out["lab"], "tx-tcc");
    assert_eq!(out["violations"].as_array().map(Vec::len), Some(0));
    let stats = &out["summary"]["stats"];
    assert!(stats["tx-tcc.confirmed"].as_f64().unwrap_or(0.0) >= 5.0);
    for key in [
        "tx-tcc.cancelled",
        "tx-tcc.retries",
        "tx-tcc.empty_rollbacks",
        "tx-tcc.suspensions_refused",
    ] {
        assert!(stats[key].as_f64().is_some(), "{key}");
    }
    assert_eq!(out["summary"]["services"].as_array().map(Vec::len), Some(3));
    let out = run_json(&["run", "tx-tcc", "--scenario", "tcc-retry-not-idempotent"]);
    assert_eq!(out["summary"]["double_applied"], 2);
}

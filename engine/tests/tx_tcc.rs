//! The TCC lab (`tx-tcc`): the notes' purchase step by step (messages, timings, books, branch
//! tables, the coordinator's log), a failed Try compensated by Cancel, each preset's lesson
//! (a retried Confirm absorbed or charged twice; an empty rollback recorded or made from
//! nothing; a late Try refused or left hanging), the coordinator's recovery from its log, the
//! properties under thousands of random fault schedules (with money and stock conserved across
//! the services once the run goes quiet), a test-only broken coordinator and the unsafe
//! toggles caught by the checker, determinism, bad commands, and the runner.

mod common;

use common::{calm, config, fault_rates, fault_seed, run_json, sends_of as sends, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::tx_tcc::{self, BState, Config, Rec, TxTcc};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

const CLIENT: NodeId = 0;
const COORD: NodeId = 1;
const ORDER: NodeId = 2;
const INVENTORY: NodeId = 3;
const ACCOUNT: NodeId = 4;
const SERVICES: [NodeId; 3] = [ORDER, INVENTORY, ACCOUNT];

fn session(q: &str) -> NetSession<TxTcc> {
    let cfg = config(q);
    tx_tcc::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<TxTcc> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    tx_tcc::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
fn preset(id: &str) -> NetSession<TxTcc> {
    let mut s = session(&format!("lab=tx-tcc&scenario={id}"));
    let info = labs::find("tx-tcc")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

fn buy(qty: &str) -> Action {
    Action::Command {
        node: CLIENT,
        name: "tcc_buy".into(),
        arg: Some(qty.into()),
    }
}

fn node(s: &NetSession<TxTcc>, id: NodeId) -> &TxTcc {
    s.session.sim.node(id)
}

/// (available, frozen, spent) of a service.
fn books(s: &NetSession<TxTcc>, id: NodeId) -> (i64, i64, i64) {
    let b = node(s, id).books;
    (b.available, b.frozen, b.spent)
}

fn state(s: &NetSession<TxTcc>, id: NodeId, tx: u64) -> Option<BState> {
    node(s, id).branches.get(&tx).map(|b| b.state)
}

fn recs(p: &TxTcc) -> Vec<(u64, Rec)> {
    p.wal.iter().map(|w| (w.tx, w.rec)).collect()
}

fn count(s: &NetSession<TxTcc>, kind: &str) -> usize {
    sends(s.trace(), kind).count()
}

fn invariants(s: &NetSession<TxTcc>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

const PRESET_Q: &str = "lab=tx-tcc&rate=0&fail=0&quota=50&stock=100&balance=1000&price=10&timeout=300&latency_min=20&latency_max=20";

/// The notes' purchase (下单: order and inventory on different nodes), no fault: Buy; Try to
/// the three services, each freezing its part; all TryOk → CONFIRM logged, Confirm spends the
/// reservations; every ConfirmOk → END.
#[test]
fn one_purchase_step_by_step() {
    let mut s = session(PRESET_Q);
    s.act(buy("2")).unwrap();
    // After the Trys (20 ms to the coordinator, 20 more to the services), before Confirm.
    s.run_until(50 * MS);
    assert_eq!(books(&s, ORDER), (48, 2, 0));
    assert_eq!(books(&s, INVENTORY), (98, 2, 0));
    assert_eq!(books(&s, ACCOUNT), (980, 20, 0));
    for id in SERVICES {
        assert_eq!(state(&s, id, 1), Some(BState::Tried));
    }
    assert_eq!(recs(node(&s, COORD)), vec![(1, Rec::Begin { qty: 2 })]);
    assert_eq!(s.view().nodes[ACCOUNT].role, "tx-tcc.frozen");
    s.run_until(1_000 * MS);
    let t = s.trace();
    let decided: Vec<Time> = notes(t, "tx-tcc.decide_confirm").map(|n| n.0).collect();
    assert_eq!(decided, vec![60 * MS]);
    let confirms: Vec<(Time, NodeId)> = sends(t, "Confirm").map(|m| (m.0, m.2)).collect();
    assert_eq!(
        confirms,
        vec![(60 * MS, ORDER), (60 * MS, INVENTORY), (60 * MS, ACCOUNT)]
    );
    assert_eq!(
        [
            count(&s, "Buy"),
            count(&s, "Try"),
            count(&s, "TryOk"),
            count(&s, "Confirm"),
            count(&s, "ConfirmOk"),
            count(&s, "Outcome")
        ],
        [1, 3, 3, 3, 3, 1]
    );
    assert_eq!(count(&s, "TryFail") + count(&s, "Cancel"), 0);
    assert_eq!(
        recs(node(&s, COORD)),
        vec![(1, Rec::Begin { qty: 2 }), (1, Rec::Confirm), (1, Rec::End)]
    );
    assert_eq!(
        notes(t, "tx-tcc.end").map(|n| n.0).collect::<Vec<_>>(),
        vec![100 * MS]
    );
    assert_eq!(books(&s, ORDER), (48, 0, 2));
    assert_eq!(books(&s, INVENTORY), (98, 0, 2));
    assert_eq!(books(&s, ACCOUNT), (980, 0, 20));
    for id in SERVICES {
        assert_eq!(state(&s, id, 1), Some(BState::Confirmed));
    }
    assert_eq!(node(&s, CLIENT).ledger[&1].outcome, Some(true));
    assert_eq!(stat(&s, "tx-tcc.confirmed"), 1.0);
    assert_eq!(stat(&s, "tx-tcc.frozen.account"), 0.0);
    assert_eq!(stat(&s, "tx-tcc.available.inventory"), 98.0);
    assert_eq!(s.headline().key, "tx-tcc.headline.ok");
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// The purchase preset: two purchases confirmed, the books show 5 units and 50 spent.
#[test]
fn preset_purchase_confirms_both() {
    let mut s = preset("tcc-purchase");
    s.run_until(1_000 * MS);
    assert_eq!(books(&s, ORDER), (45, 0, 5));
    assert_eq!(books(&s, INVENTORY), (95, 0, 5));
    assert_eq!(books(&s, ACCOUNT), (950, 0, 50));
    assert_eq!(stat(&s, "tx-tcc.confirmed"), 2.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// A Try fails (the account has 20 left for a purchase of 30): the coordinator cancels, the
/// order and inventory services release their reservations (the compensation), and the
/// account's Cancel is an empty rollback, recorded.
#[test]
fn preset_try_fails_and_cancel_compensates_the_others() {
    let mut s = preset("tcc-try-fails");
    s.run_until(550 * MS);
    // T2's Try ran at 540 ms: quota and stock frozen, the account refused.
    assert_eq!(books(&s, ORDER), (44, 3, 3));
    assert_eq!(books(&s, INVENTORY), (94, 3, 3));
    assert_eq!(books(&s, ACCOUNT), (20, 0, 30));
    assert_eq!(state(&s, ACCOUNT, 2), None);
    s.run_until(1_200 * MS);
    let t = s.trace();
    assert_eq!(
        notes(t, "tx-tcc.insufficient")
            .map(|n| n.1)
            .collect::<Vec<_>>(),
        vec![ACCOUNT]
    );
    assert_eq!(
        sends(t, "TryFail").map(|m| m.1).collect::<Vec<_>>(),
        vec![ACCOUNT]
    );
    assert_eq!(
        notes(t, "tx-tcc.decide_cancel")
            .map(|n| n.2)
            .collect::<Vec<_>>(),
        vec![2]
    );
    assert_eq!(books(&s, ORDER), (47, 0, 3));
    assert_eq!(books(&s, INVENTORY), (97, 0, 3));
    assert_eq!(books(&s, ACCOUNT), (20, 0, 30));
    assert_eq!(state(&s, ORDER, 2), Some(BState::Cancelled));
    assert_eq!(state(&s, ACCOUNT, 2), Some(BState::EmptyRollback));
    assert_eq!(stat(&s, "tx-tcc.empty_rollbacks"), 1.0);
    assert_eq!(node(&s, CLIENT).ledger[&2].outcome, Some(false));
    assert_eq!(node(&s, COORD).wal.last().map(|w| w.rec), Some(Rec::End));
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The account's ConfirmOk is lost; the coordinator retries Confirm at 460 and 760 ms; the
/// idempotent account recognises it both times and the books balance.
#[test]
fn preset_retry_is_absorbed_by_an_idempotent_confirm() {
    let mut s = preset("tcc-retry");
    s.run_until(1_200 * MS);
    let t = s.trace();
    let retried: Vec<(Time, NodeId)> = sends(t, "Confirm")
        .filter(|m| m.0 > 200 * MS)
        .map(|m| (m.0, m.2))
        .collect();
    assert_eq!(retried, vec![(460 * MS, ACCOUNT), (760 * MS, ACCOUNT)]);
    assert_eq!(stat(&s, "tx-tcc.retries"), 2.0);
    assert_eq!(stat(&s, "tx-tcc.absorbed"), 2.0);
    assert_eq!(stat(&s, "tx-tcc.double_applied"), 0.0);
    assert_eq!(books(&s, ACCOUNT), (980, 0, 20));
    assert_eq!(node(&s, COORD).wal.last().map(|w| w.rec), Some(Rec::End));
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The same with a Confirm that is not idempotent: each retry charges again; the conservation
/// check flags the account at the first retry.
#[test]
fn preset_retry_charges_twice_without_idempotence() {
    let mut s = preset("tcc-retry-not-idempotent");
    s.run_until(1_200 * MS);
    assert_eq!(books(&s, ACCOUNT), (980, -40, 60));
    assert_eq!(stat(&s, "tx-tcc.double_applied"), 2.0);
    let v = s.violations();
    assert_eq!(invariants(&s), vec!["tx-tcc.conservation"; 2], "{v:?}");
    assert_eq!(v[0].time, 480 * MS);
    assert!(v[0].text.contains("account"), "{}", v[0].text);
    assert_eq!(s.view().nodes[ACCOUNT].role, "tx-tcc.damaged");
    assert_eq!(s.headline().key, "tx-tcc.headline.damaged");
    // The order and inventory services were asked once and stay right.
    assert_eq!(books(&s, INVENTORY), (98, 0, 2));
}

/// The Try to the inventory is lost; the Try phase times out and the inventory's Cancel finds
/// no Try: it records the empty rollback, changes nothing and answers OK.
#[test]
fn preset_empty_rollback_is_recorded_and_answered() {
    let mut s = preset("tcc-empty-rollback");
    s.run_until(1_000 * MS);
    let t = s.trace();
    assert_eq!(
        notes(t, "tx-tcc.try_timeout")
            .map(|n| n.0)
            .collect::<Vec<_>>(),
        vec![420 * MS]
    );
    let er: Vec<(Time, NodeId)> = notes(t, "tx-tcc.empty_rollback")
        .map(|n| (n.0, n.1))
        .collect();
    assert_eq!(er, vec![(440 * MS, INVENTORY)]);
    assert!(sends(t, "CancelOk").any(|m| m.1 == INVENTORY));
    assert_eq!(state(&s, INVENTORY, 1), Some(BState::EmptyRollback));
    assert_eq!(state(&s, ORDER, 1), Some(BState::Cancelled));
    for id in SERVICES {
        assert_eq!(books(&s, id).1, 0, "nothing frozen at {id}");
    }
    assert_eq!(books(&s, INVENTORY), (100, 0, 0));
    assert_eq!(node(&s, COORD).wal.last().map(|w| w.rec), Some(Rec::End));
    assert_eq!(stat(&s, "tx-tcc.empty_rollbacks"), 1.0);
    assert_eq!(stat(&s, "tx-tcc.retries"), 0.0, "answered OK at once");
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The same without the guard: the Cancel releases 2 units never frozen.
#[test]
fn preset_unguarded_empty_rollback_makes_stock_from_nothing() {
    let mut s = preset("tcc-empty-rollback-unguarded");
    s.run_until(1_000 * MS);
    assert_eq!(books(&s, INVENTORY), (102, -2, 0));
    let v = s.violations();
    assert_eq!(invariants(&s), vec!["tx-tcc.conservation"], "{v:?}");
    assert_eq!(v[0].time, 440 * MS);
    assert!(v[0].text.contains("inventory"));
    assert_eq!(stat(&s, "tx-tcc.double_applied"), 1.0);
}

/// The Try to the inventory arrives 1 s late, after its Cancel: the marker refuses it.
#[test]
fn preset_suspension_late_try_is_refused() {
    let mut s = preset("tcc-suspension");
    s.run_until(2_000 * MS);
    let t = s.trace();
    let late: Vec<(Time, NodeId)> = notes(t, "tx-tcc.suspension_refused")
        .map(|n| (n.0, n.1))
        .collect();
    assert_eq!(late, vec![(1_140 * MS, INVENTORY)]);
    assert!(sends(t, "TryFail").any(|m| m.0 == 1_140 * MS && m.1 == INVENTORY));
    // The coordinator had ended T1 long before.
    let end = notes(t, "tx-tcc.end").map(|n| n.0).next();
    assert_eq!(end, Some(460 * MS));
    assert_eq!(books(&s, INVENTORY), (100, 0, 0));
    assert_eq!(state(&s, INVENTORY, 1), Some(BState::EmptyRollback));
    assert_eq!(stat(&s, "tx-tcc.suspensions_refused"), 1.0);
    assert_eq!(stat(&s, "tx-tcc.hung"), 0.0);
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty());
}

/// The same late Try at a service that answered the empty rollback without recording it: the
/// Try reserves 2 units that no Confirm or Cancel will ever release.
#[test]
fn preset_unguarded_suspension_leaves_stock_frozen_for_good() {
    let mut s = preset("tcc-suspension-unguarded");
    s.run_until(2_000 * MS);
    let t = s.trace();
    assert_eq!(
        notes(t, "tx-tcc.empty_rollback_unrecorded")
            .map(|n| (n.0, n.1))
            .collect::<Vec<_>>(),
        vec![(440 * MS, INVENTORY)]
    );
    assert_eq!(books(&s, INVENTORY), (98, 2, 0));
    assert_eq!(state(&s, INVENTORY, 1), Some(BState::Tried));
    assert_eq!(stat(&s, "tx-tcc.hung"), 1.0);
    assert_eq!(s.headline().key, "tx-tcc.headline.hanging");
    // The books add up (2 frozen, a tried branch of 2): no always-property breaks...
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    // ...but when the run goes quiet, the reservation of an ended transaction is found.
    s.run_until(5_000 * MS);
    assert_eq!(s.check_eventually(), 1);
    assert_eq!(invariants(&s), vec!["tx-tcc.nothing-left-frozen"]);
    assert!(s.violations()[0].text.contains("T1"));
}

/// A `tcc_fail_try` command makes that service refuse the next Try.
#[test]
fn an_armed_service_refuses_the_next_try() {
    let mut s = session(PRESET_Q);
    s.act(Action::command(ORDER, "tcc_fail_try")).unwrap();
    s.act(buy("1")).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(
        notes(s.trace(), "tx-tcc.try_refused")
            .map(|n| n.1)
            .collect::<Vec<_>>(),
        vec![ORDER]
    );
    assert_eq!(node(&s, CLIENT).ledger[&1].outcome, Some(false));
    assert_eq!(state(&s, ORDER, 1), Some(BState::EmptyRollback));
    assert_eq!(state(&s, INVENTORY, 1), Some(BState::Cancelled));
    // Used up: the next purchase goes through.
    s.act(buy("1")).unwrap();
    s.run_until(2_000 * MS);
    assert_eq!(node(&s, CLIENT).ledger[&2].outcome, Some(true));
    assert!(s.violations().is_empty());
}

/// The coordinator crashes in the Try phase (its log says BEGIN only): restarted, it cancels;
/// crashed after CONFIRM with the acknowledgements lost, it sends Confirm again and the
/// services answer without charging twice.
#[test]
fn the_coordinator_recovers_from_its_log() {
    let mut s = session(PRESET_Q);
    s.act(buy("2")).unwrap();
    s.run_until(30 * MS); // the Trys are out
    s.act(Action::Crash { node: COORD }).unwrap();
    s.run_until(500 * MS);
    assert_eq!(books(&s, INVENTORY), (98, 2, 0), "reserved, waiting");
    s.act(Action::Restart { node: COORD }).unwrap();
    s.run_until(1_000 * MS);
    assert_eq!(notes(s.trace(), "tx-tcc.presumed_cancel").count(), 1);
    assert_eq!(books(&s, INVENTORY), (100, 0, 0));
    assert_eq!(node(&s, CLIENT).ledger[&1].outcome, Some(false));

    s.act(buy("2")).unwrap();
    s.run_until(1_070 * MS); // CONFIRM logged at 1,060 ms, the Confirms are in flight
    s.act(Action::Crash { node: COORD }).unwrap();
    s.run_until(1_500 * MS);
    assert_eq!(books(&s, ACCOUNT), (980, 0, 20), "confirmed once");
    s.act(Action::Restart { node: COORD }).unwrap();
    s.run_until(2_000 * MS);
    assert_eq!(notes(s.trace(), "tx-tcc.redo").count(), 1);
    assert_eq!(stat(&s, "tx-tcc.absorbed"), 3.0);
    assert_eq!(books(&s, ACCOUNT), (980, 0, 20), "still once");
    assert_eq!(
        node(&s, COORD).wal.last().map(|w| (w.tx, w.rec)),
        Some((2, Rec::End))
    );
    assert!(s.violations().is_empty());
}

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
    let hash = |q: &str| {
        let mut s = session(q);
        FaultDriver::new(fault_rates(1.0, 0.3, 0.3, 0.2), 5).run(&mut s, 3_000 * MS);
        s.trace_hash()
    };
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

//! Each preset's lesson, the `tcc_fail_try` command and the coordinator's recovery from its
//! log.

use super::*;

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

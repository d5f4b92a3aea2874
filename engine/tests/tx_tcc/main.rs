//! The TCC lab (`tx-tcc`). Here: the helpers and the notes' purchase step by step (messages,
//! timings, books, branch tables, the coordinator's log). In `presets.rs`: each preset's lesson
//! (a failed Try compensated by Cancel; a retried Confirm absorbed or charged twice; an empty
//! rollback recorded or made from nothing; a late Try refused or left hanging), an armed
//! refusal, and the coordinator's recovery from its log. In `faults.rs`: the properties under
//! thousands of random fault schedules (with the services' totals agreeing once the run goes
//! quiet), a test-only broken coordinator and the unsafe toggles caught by the checker,
//! determinism, bad commands, and the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
mod presets;

use common::{
    calm, config, fault_rates, fault_seed, faulted_hash, run_json, sends_of as sends, stat,
};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::tx_tcc::{self, BState, Config, Rec, TxTcc};
use distlab_engine::labs::{self, LabSession, NetSession, Panel};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

pub const CLIENT: NodeId = 0;
pub const COORD: NodeId = 1;
pub const ORDER: NodeId = 2;
pub const INVENTORY: NodeId = 3;
pub const ACCOUNT: NodeId = 4;
pub const SERVICES: [NodeId; 3] = [ORDER, INVENTORY, ACCOUNT];

pub fn session(q: &str) -> NetSession<TxTcc> {
    let cfg = config(q);
    tx_tcc::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<TxTcc> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    tx_tcc::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<TxTcc> {
    let mut s = session(&format!("lab=tx-tcc&scenario={id}"));
    let info = labs::find("tx-tcc")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

pub fn buy(qty: &str) -> Action {
    Action::Command {
        node: CLIENT,
        name: "tcc_buy".into(),
        arg: Some(qty.into()),
    }
}

pub fn node(s: &NetSession<TxTcc>, id: NodeId) -> &TxTcc {
    s.session.sim.node(id)
}

/// (available, frozen, spent) of a service.
pub fn books(s: &NetSession<TxTcc>, id: NodeId) -> (i64, i64, i64) {
    let b = node(s, id).books;
    (b.available, b.frozen, b.spent)
}

pub fn state(s: &NetSession<TxTcc>, id: NodeId, tx: u64) -> Option<BState> {
    node(s, id).branches.get(&tx).map(|b| b.state)
}

pub fn recs(p: &TxTcc) -> Vec<(u64, Rec)> {
    p.wal.iter().map(|w| (w.tx, w.rec)).collect()
}

pub fn count(s: &NetSession<TxTcc>, kind: &str) -> usize {
    sends(s.trace(), kind).count()
}

pub fn invariants(s: &NetSession<TxTcc>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

pub const PRESET_Q: &str = "lab=tx-tcc&rate=0&fail=0&quota=50&stock=100&balance=1000&price=10&timeout=300&latency_min=20&latency_max=20";

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
    // The inventory's inspector: its books and its branch table.
    let view = s.view();
    let panels = &view.nodes[INVENTORY].panels;
    assert!(panels.contains(&Panel::Rows {
        title: "tx-tcc.panel.books",
        rows: vec![
            ("tx-tcc.available", "98".into()),
            ("tx-tcc.frozen", "2".into()),
            ("tx-tcc.spent", "0".into()),
            ("tx-tcc.initial", "100".into()),
        ],
    }));
    assert!(panels.iter().any(|p| matches!(p, Panel::Table { rows, .. }
        if rows == &vec![vec!["T1".to_string(), "TRIED".into(), "2".into()]])));
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

/// A violation is the lesson only where a safeguard is off (the kit's per-configuration
/// lessons, `NetLab::lessons`): with both on, the app shows it as a bug and the runner fails.
#[test]
fn a_violation_is_a_lesson_only_where_a_safeguard_is_off() {
    let lessons = |q: &str| -> Vec<&'static str> {
        let s = session(&format!("lab=tx-tcc&{q}"));
        s.properties()
            .iter()
            .filter(|p| s.is_lesson(p))
            .map(|p| p.id)
            .collect()
    };
    assert!(lessons("").is_empty());
    assert_eq!(lessons("idempotent=0"), ["tx-tcc.conservation"]);
    assert_eq!(lessons("guard=1"), ["tx-tcc.nothing-left-frozen"]);
    assert_eq!(
        lessons("guard=0"),
        ["tx-tcc.conservation", "tx-tcc.nothing-left-frozen"]
    );
}

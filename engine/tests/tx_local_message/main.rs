//! The local-message lab (`tx-local-message`). Here: the helpers and the notes' order step by
//! step (the local transaction, the outbox row marked sent on the broker's acknowledgement,
//! the delivery applied and recorded in the processed table, the inconsistency window). In
//! `presets.rs`: each preset's lesson (the relay retrying while the broker is down; duplicates
//! suppressed, or applied twice by a consumer that is not idempotent; a consumer crash
//! stretching the window; the outbox surviving a crash; the naive services losing or inventing
//! an order). In `faults.rs`: the properties under thousands of random fault schedules with
//! every committed order applied exactly once when the run goes quiet, the test-only broken
//! relay caught, the unsafe toggles caught, determinism, bad commands and the runner.

#[path = "../common/mod.rs"]
mod common;
mod faults;
mod presets;

use common::{
    calm, config, fault_rates, fault_seed, faulted_hash, run_json, sends_of as sends, stat,
};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::tx_local_message::{self, Config, TxLocalMessage};
use distlab_engine::labs::{self, LabSession, NetSession, Panel};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

pub const CLIENT: NodeId = 0;
pub const ORDER: NodeId = 1;
pub const BROKER: NodeId = 2;
pub const INVENTORY: NodeId = 3;

pub fn session(q: &str) -> NetSession<TxLocalMessage> {
    let cfg = config(q);
    tx_local_message::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<TxLocalMessage> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    tx_local_message::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run.
pub fn preset(id: &str) -> NetSession<TxLocalMessage> {
    let mut s = session(&format!("lab=tx-local-message&scenario={id}"));
    let info = labs::find("tx-local-message")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

pub fn order(qty: &str) -> Action {
    Action::Command {
        node: CLIENT,
        name: "lm_order".into(),
        arg: Some(qty.into()),
    }
}

pub fn node(s: &NetSession<TxLocalMessage>, id: NodeId) -> &TxLocalMessage {
    s.session.sim.node(id)
}

pub fn invariants(s: &NetSession<TxLocalMessage>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

/// Times (ms) of the notes `key`.
pub fn note_times(s: &NetSession<TxLocalMessage>, key: &str) -> Vec<Time> {
    notes(s.trace(), key).map(|n| n.0 / MS).collect()
}

pub fn count(s: &NetSession<TxLocalMessage>, kind: &str) -> usize {
    sends(s.trace(), kind).count()
}

pub const PRESET_Q: &str = "lab=tx-local-message&rate=0&stock=100&db=30&relay=200&redeliver=400&latency_min=20&latency_max=20";

/// The notes' three steps (seed 004, 本地消息表): the order and its message written in one
/// local transaction; the message forwarded to the queue, the row marked sent once the broker
/// has it; the other side reads the queue and performs the operation.
#[test]
fn one_order_step_by_step() {
    let mut s = session(PRESET_Q);
    s.run_until(100 * MS);
    s.act(order("2")).unwrap();
    // 120 ms: the order service began the local transaction; nothing is written yet.
    s.run_until(140 * MS);
    assert_eq!(node(&s, ORDER).open.get(&1), Some(&2));
    assert!(node(&s, ORDER).orders.is_empty() && node(&s, ORDER).outbox.is_empty());
    assert_eq!(s.view().nodes[ORDER].role, "tx-local-message.in_tx");
    // 150 ms: the order and its outbox row are committed together, the message published.
    s.run_until(160 * MS);
    let o = node(&s, ORDER);
    assert_eq!(o.orders[&1].at, 150 * MS);
    assert!(!o.outbox[&1].sent);
    assert_eq!(s.view().nodes[ORDER].role, "tx-local-message.relaying");
    assert!(s.view().nodes[ORDER].panels.contains(&Panel::Table {
        title: "tx-local-message.panel.outbox",
        columns: vec![
            "tx-local-message.col.msg",
            "tx-local-message.col.state",
            "tx-local-message.col.attempts"
        ],
        rows: vec![vec!["#1".into(), "PENDING".into(), "1".into()]],
    }));
    // 170 ms the broker has it; 190 ms the row is marked sent and the inventory applies it.
    s.run_until(195 * MS);
    assert!(node(&s, ORDER).outbox[&1].sent);
    assert_eq!(node(&s, INVENTORY).stock, 98);
    assert_eq!(node(&s, INVENTORY).processed.get(&1), Some(&(190 * MS)));
    assert_eq!(node(&s, BROKER).unacked().count(), 1);
    s.run_until(1_000 * MS);
    assert_eq!(note_times(&s, "tx-local-message.commit"), vec![150]);
    assert_eq!(note_times(&s, "tx-local-message.enqueue"), vec![170]);
    assert_eq!(note_times(&s, "tx-local-message.marked_sent"), vec![190]);
    assert_eq!(note_times(&s, "tx-local-message.apply"), vec![190]);
    assert_eq!(
        [
            count(&s, "Order"),
            count(&s, "Placed"),
            count(&s, "Publish"),
            count(&s, "PubAck"),
            count(&s, "Deliver"),
            count(&s, "Ack")
        ],
        [1, 1, 1, 1, 1, 1]
    );
    assert_eq!(node(&s, BROKER).unacked().count(), 0);
    assert_eq!(node(&s, CLIENT).ledger[&1].placed, Some(170 * MS));
    assert_eq!(stat(&s, "tx-local-message.window_mean_ms"), 40.0);
    assert_eq!(stat(&s, "tx-local-message.window_max_ms"), 40.0);
    assert_eq!(stat(&s, "tx-local-message.orders"), 1.0);
    assert_eq!(stat(&s, "tx-local-message.applied"), 1.0);
    assert_eq!(stat(&s, "tx-local-message.relay_retries"), 0.0);
    assert_eq!(s.headline().key, "tx-local-message.headline.ok");
    assert_eq!(s.view().nodes[ORDER].role, "tx-local-message.order_idle");
    assert_eq!(s.check_eventually(), 0);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

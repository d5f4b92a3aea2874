//! Helpers for the Paxos lab's tests (`paxos.rs`, `paxos_faults.rs`): sessions from a query
//! or a preset (optionally a broken variant), reading nodes, chosen values and notes, and a
//! run under random faults with proposals arriving throughout.

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::coordination::paxos::{self, Config, Paxos};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

use super::{config, fault_rates, fault_seed};

/// How long one random fault schedule runs.
pub const SCHEDULE_TIME: Time = 3_000 * MS;

pub fn session(q: &str) -> NetSession<Paxos> {
    let cfg = config(q);
    paxos::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Paxos> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    paxos::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session, its schedule planned, not yet run (optionally a broken variant).
pub fn preset_with(id: &str, set: impl Fn(&mut Config)) -> NetSession<Paxos> {
    let mut s = session_with(&format!("lab=paxos&scenario={id}"), set);
    let info = labs::find("paxos")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

pub fn preset(id: &str) -> NetSession<Paxos> {
    preset_with(id, |_| {})
}

pub fn node(s: &NetSession<Paxos>, id: NodeId) -> &Paxos {
    s.session.sim.node(id)
}

pub fn chosen(s: &NetSession<Paxos>, slot: u64) -> Option<u64> {
    s.session.sim.monitor().chosen.get(&slot).copied()
}

pub fn cmd(node: NodeId, name: &str, arg: &str) -> Action {
    Action::Command {
        node,
        name: name.into(),
        arg: Some(arg.into()),
    }
}

/// Times at which `node` noted `key` with `value`.
pub fn noted(s: &NetSession<Paxos>, key: &str, node: NodeId, value: u64) -> Vec<Time> {
    notes(s.trace(), key)
        .filter(|n| n.1 == node && n.2 == value)
        .map(|n| n.0)
        .collect()
}

/// Runs `s` for [`SCHEDULE_TIME`] under random faults (`spec` at fault seed `seed`), giving a
/// proposer a new value every 200 ms (round robin; one that is down misses its turn), so
/// rounds keep starting while the faults hit.
pub fn faulty_run(s: &mut NetSession<Paxos>, proposers: u64, k: f64, crash: f64, seed: u64) {
    let mut driver = FaultDriver::new(fault_rates(k, crash, 0.3, 0.2), fault_seed(seed));
    let mut t = 0;
    let mut j = 0u64;
    while t < SCHEDULE_TIME {
        t += 200 * MS;
        driver.run(s, t);
        let p = ((seed + j) % proposers) as NodeId;
        let v = (seed * 7 + j * 13) % 1_000;
        let _ = s.act(cmd(p, "propose", &v.to_string()));
        j += 1;
    }
}

//! The gossip lab (`gossip`): the shape of each mode's infection curve from one write (push
//! fast at first and slow at the end, pull the other way round, push-pull the fewest rounds),
//! fanout 1 vs 3, each preset's lesson (a rumor that dies out, a partition repaired by
//! anti-entropy and not by rumor mongering), the properties under hundreds of random fault
//! schedules, a broken merge the checker must catch, determinism, bad input and the runner.

mod common;

use common::{config, fault_rates, fault_seed, faulted_hash, run_json, stat};

use distlab_engine::faults::FaultDriver;
use distlab_engine::labs::storage::gossip::{self, Config, Gossip, Key};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{Action, NodeStatus, Sim};
use distlab_engine::{NodeId, Time, MS};

fn session(q: &str) -> NetSession<Gossip> {
    let cfg = config(q);
    gossip::session(&cfg.params, cfg.seed)
}

fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Gossip> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    gossip::session_with(&cfg.params, &c, cfg.seed)
}

fn sim(s: &NetSession<Gossip>) -> &Sim<Gossip> {
    &s.session.sim
}

fn write(s: &mut dyn LabSession, node: NodeId, key: &str) {
    s.act(Action::decode(&format!("k{node}-write:{key}")).unwrap())
        .unwrap();
}

/// A preset's session, run to `until` (its duration if None).
fn preset(id: &str, until: Option<Time>) -> NetSession<Gossip> {
    let cfg = config(&format!("lab=gossip&scenario={id}"));
    let info = labs::find("gossip")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    let mut s = gossip::session(&cfg.params, cfg.seed);
    s.schedule(info).unwrap();
    s.run_until(until.unwrap_or(info.duration_ms * MS));
    s
}

/// The nodes holding key `x` at any version.
fn holders(s: &NetSession<Gossip>) -> Vec<NodeId> {
    let x = Key::new("x").unwrap();
    (0..sim(s).n())
        .filter(|&i| sim(s).node(i).store.get(&x).is_some())
        .collect()
}

/// (rounds from the write until half the nodes hold it, rounds from half to all, rounds to
/// all) for one write at n1 at 0.5 s.
fn curve(mode: &str, fanout: u64, seed: u64) -> (f64, f64, f64) {
    let mut s = session(&format!(
        "lab=gossip&nodes=16&mode={mode}&fanout={fanout}&seed={seed}"
    ));
    s.set_keep_trace(false);
    s.run_until(500 * MS);
    write(&mut s, 0, "x");
    s.run_until(10_000 * MS);
    let m = sim(&s).monitor();
    let period = 200.0 * MS as f64;
    let at = |count: f64| {
        m.infected_curve
            .points()
            .iter()
            .find(|p| p.1 >= count)
            .map_or(f64::INFINITY, |p| (p.0 - 500 * MS) as f64 / period)
    };
    let (half, full) = (at(8.0), at(16.0));
    (half, full - half, full)
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = v.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

const CURVE_SEEDS: u64 = 40;

/// Over many seeds from one write among 16 nodes: push reaches half the nodes fast and the
/// rest slowly; pull the other way round; push-pull needs the fewest rounds; fanout 3 fewer
/// than fanout 1.
#[test]
fn the_curves_of_push_pull_and_push_pull() {
    let avg = |mode: &str, fanout: u64| {
        let runs: Vec<_> = (1..=CURVE_SEEDS).map(|s| curve(mode, fanout, s)).collect();
        (
            mean(runs.iter().map(|r| r.0)),
            mean(runs.iter().map(|r| r.1)),
            mean(runs.iter().map(|r| r.2)),
        )
    };
    let push = avg("push", 1);
    let pull = avg("pull", 1);
    let both = avg("push-pull", 1);
    let fan3 = avg("push", 3);
    eprintln!("push {push:?}\npull {pull:?}\npush-pull {both:?}\npush fanout 3 {fan3:?}");
    assert!(push.0 < pull.0, "push reaches half first: {push:?} {pull:?}");
    assert!(push.1 > pull.1, "pull finishes the tail faster: {push:?} {pull:?}");
    assert!(push.1 > push.0, "push: the second half is the slow one: {push:?}");
    assert!(pull.0 > pull.1, "pull: the first half is the slow one: {pull:?}");
    assert!(both.2 < push.2 && both.2 < pull.2, "{both:?} {push:?} {pull:?}");
    assert!(fan3.2 < push.2 / 2.0, "{fan3:?} {push:?}");
}

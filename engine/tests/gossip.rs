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
    assert!(
        push.0 / push.2 < pull.0 / pull.2,
        "push spends the smaller share of its time on the first half: {push:?} {pull:?}"
    );
    assert!(
        push.1 > pull.1,
        "pull finishes the tail faster: {push:?} {pull:?}"
    );
    assert!(
        push.1 > push.0,
        "push: the second half is the slow one: {push:?}"
    );
    assert!(
        pull.0 > pull.1,
        "pull: the first half is the slow one: {pull:?}"
    );
    assert!(
        both.2 < push.2 && both.2 < pull.2,
        "{both:?} {push:?} {pull:?}"
    );
    assert!(fan3.2 < push.2 / 2.0, "{fan3:?} {push:?}");
}

/// Each mode's preset from one write: every node ends up with x; push-pull beats push and
/// pull, fanout 3 beats fanout 1 at about three times the messages; most messages at the end
/// are redundant.
#[test]
fn the_mode_presets_spread_one_write() {
    let rounds = |id: &str| {
        let s = preset(id, None);
        assert_eq!(holders(&s).len(), 16, "{id}");
        assert!(s.violations().is_empty(), "{id}: {:?}", s.violations());
        assert!(
            stat(&s, "gossip_redundant") > stat(&s, "gossip_useful"),
            "{id}: redundant messages"
        );
        (
            stat(&s, "gossip_full_rounds"),
            stat(&s, "gossip_msgs_per_node"),
        )
    };
    let push = rounds("gossip-push");
    let pull = rounds("gossip-pull");
    let both = rounds("gossip-push-pull");
    let fan3 = rounds("gossip-fanout");
    assert!(
        both.0 < push.0 && both.0 < pull.0,
        "{both:?} {push:?} {pull:?}"
    );
    assert!(fan3.0 < push.0, "{fan3:?} {push:?}");
    let ratio = fan3.1 / push.1;
    assert!((2.8..=3.2).contains(&ratio), "messages per node: {ratio}");
}

/// Rumor mongering with k = 1: few messages, the rumor goes cold everywhere, and some nodes
/// never hear it; the convergence check reports them, as the lesson it is.
#[test]
fn preset_rumor_dies_out() {
    let mut s = preset("gossip-rumor-dies", None);
    s.check_eventually();
    let h = holders(&s);
    assert!(h.len() < 16 && h.len() >= 8, "{h:?}");
    assert!((0..16).all(|i| sim(&s).node(i).hot.is_empty()), "all cold");
    let push = preset("gossip-push", None);
    assert!(
        stat(&s, "gossip_msgs_per_node") * 5.0 < stat(&push, "gossip_msgs_per_node"),
        "rumor mongering is cheap"
    );
    assert!(stat(&s, "gossip_residue") > 0.0);
    let v: Vec<_> = s.violations().iter().map(|v| v.invariant).collect();
    assert_eq!(v.len(), 16 - h.len(), "{v:?}");
    assert!(v.iter().all(|&i| i == "gossip.converged"));
    let conv = s
        .properties()
        .iter()
        .find(|p| p.id == "gossip.converged")
        .unwrap();
    assert!(s.is_lesson(conv), "a lesson in rumor mode");
    // Nothing more will ever happen: no node is hot, so no message is sent.
    let sent = sim(&s).monitor().sent;
    s.run_until(20_000 * MS);
    assert_eq!(sim(&s).monitor().sent, sent);
}

/// A partition into halves, a write in one: only that half learns it until the heal; then
/// anti-entropy repairs the other half and nothing is violated.
#[test]
fn preset_partition_repaired_by_anti_entropy() {
    let s = preset("gossip-partition", Some(2_900 * MS));
    assert_eq!(holders(&s), (0..8).collect::<Vec<_>>(), "only n1–n8");
    let mut s = preset("gossip-partition", None);
    s.check_eventually();
    assert_eq!(holders(&s).len(), 16);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let full = sim(&s).monitor().full_at.expect("every node");
    assert!(full > 3_000 * MS, "after the heal");
}

/// The same partition with rumor mongering: the rumor is cold by the heal and n9–n16 never
/// learn the write.
#[test]
fn preset_partition_not_repaired_by_rumor() {
    let s = preset("gossip-partition-rumor", Some(2_900 * MS));
    assert_eq!(holders(&s), (0..8).collect::<Vec<_>>());
    let mut s = preset("gossip-partition-rumor", None);
    s.check_eventually();
    assert_eq!(
        holders(&s),
        (0..8).collect::<Vec<_>>(),
        "the other half never hears"
    );
    assert!((0..16).all(|i| sim(&s).node(i).hot.is_empty()));
    let v = s.violations();
    assert_eq!(v.len(), 8, "{v:?}");
}

const SCHEDULES: u64 = 300;
const FAULTY: Time = 3_000 * MS;

/// Random crashes, restarts, partitions, pauses and lost messages with random writes in every
/// mode: versions never go back; once healed and quiet, the anti-entropy modes converge
/// (every up node holds every newest version) and the checker agrees.
#[test]
fn properties_hold_under_random_faults() {
    let mut failures = Vec::new();
    let (mut checked, mut useful, mut faults) = (0, 0, 0);
    for i in 0..SCHEDULES {
        let mode = gossip::MODES[(i % 4) as usize];
        let q = format!(
            "lab=gossip&seed={i}&mode={mode}&nodes={}&fanout={}&keys={}&loss={}&period={}",
            3 + i % 10,
            1 + i % 3,
            1 + i % 5,
            (i % 3) * 5,
            [100, 200][(i % 2) as usize]
        );
        let mut s = session(&q);
        s.set_keep_trace(false);
        let n = sim(&s).n();
        let k = 0.5 + (i % 4) as f64 * 0.5;
        let mut driver = FaultDriver::new(fault_rates(k, 0.4, 0.3, 0.3), fault_seed(i));
        // Writes at up nodes every 250 ms while the faults go on.
        let mut t = 0;
        while t < FAULTY {
            t += 250 * MS;
            driver.run(&mut s, t);
            let node = (t / (250 * MS)) as usize * 7 % n;
            if s.status(node) == NodeStatus::Up {
                let key = ["a", "b", "x", "y", "z"][(t / MS % 5) as usize];
                write(&mut s, node, key);
            }
        }
        faults += s
            .actions()
            .iter()
            .filter(|a| !matches!(a.action, Action::Command { .. }))
            .count();
        common::calm(&mut s);
        let quiet = sim(&s)
            .monitor()
            .quiet(sim(&s).node(0).config().loss)
            .unwrap();
        s.run_until(FAULTY + quiet + 100 * MS);
        s.check_eventually();
        let bugs: Vec<_> = s
            .violations()
            .iter()
            .filter(|v| !(mode == "rumor" && v.invariant == "gossip.converged"))
            .collect();
        if !bugs.is_empty() {
            failures.push(format!("{q}: {bugs:?}"));
        }
        useful += sim(&s).monitor().useful;
        if mode != "rumor" {
            checked += 1;
            let first = &sim(&s).node(0).store;
            if (1..n).any(|j| sim(&s).node(j).store != *first) {
                failures.push(format!("{q}: stores differ after the quiet"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} runs failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(checked > SCHEDULES / 2);
    assert!(
        useful > 20 * SCHEDULES && faults > 5 * SCHEDULES as usize,
        "{useful} useful messages, {faults} faults"
    );
}

/// A merge that keeps an older version (test only): the checker catches versions going back.
#[test]
fn the_checker_catches_a_merge_that_keeps_older_versions() {
    let mut caught = 0;
    for seed in 1..=10 {
        let mut s = session_with(
            &format!("lab=gossip&mode=push&keys=1&writes=10&seed={seed}"),
            |c| c.broken_keep_older = true,
        );
        s.run_until(5_000 * MS);
        if s.violations()
            .iter()
            .any(|v| v.invariant == "gossip.monotonic")
        {
            caught += 1;
        }
        let mut fine = session(&format!(
            "lab=gossip&mode=push&keys=1&writes=10&seed={seed}"
        ));
        fine.run_until(5_000 * MS);
        assert!(fine.violations().is_empty(), "{:?}", fine.violations());
    }
    assert!(caught >= 8, "caught in {caught} of 10 runs");
}

#[test]
fn same_seed_same_trace_another_seed_another() {
    let hash = |q: &str| faulted_hash(session(q));
    for mode in gossip::MODES {
        let a = hash(&format!("lab=gossip&mode={mode}&writes=3&seed=4"));
        assert_eq!(a, hash(&format!("lab=gossip&mode={mode}&writes=3&seed=4")));
        assert_ne!(a, hash(&format!("lab=gossip&mode={mode}&writes=3&seed=5")));
    }
}

/// Bad command arguments and parameters are refused with a reason, never a panic; modes are
/// read by name or number and written by name.
#[test]
fn bad_input_is_refused() {
    let mut s = session("lab=gossip&seed=1");
    s.run_until(300 * MS);
    let long = "k0-write:".to_string() + &"a".repeat(33);
    for bad in [
        "k0-write",
        "k0-write:a-b",
        "k0-write:",
        "k99-write:x",
        "k0-nosuch",
        &long,
    ] {
        let r = Action::decode(bad).and_then(|a| s.act(a));
        assert!(r.is_err(), "{bad} accepted");
    }
    let (cfg, errors) = distlab_engine::input::RunConfig::parse(
        &distlab_engine::input::split_query("lab=gossip&mode=gossipy&stop=maybe&fanout=99&nodes=3"),
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0]
            .to_string()
            .contains("one of push, pull, push-pull, rumor"),
        "{}",
        errors[0]
    );
    let c = Config::from_params(&cfg.params);
    assert_eq!(c.mode, gossip::Mode::PushPull);
    assert!(!c.coin);
    assert_eq!(c.fanout, 2, "fanout at most the other nodes");
    let cfg = config("lab=gossip&mode=rumor&stop=1");
    let c = Config::from_params(&cfg.params);
    assert_eq!((c.mode, c.coin), (gossip::Mode::Rumor, true));
    assert!(cfg
        .params
        .non_default()
        .contains(&("mode", "rumor".to_string())));
    assert!(cfg
        .params
        .non_default()
        .contains(&("stop", "coin".to_string())));
    assert!(s.violations().is_empty());
}

#[test]
fn the_runner_runs_and_batches_it() {
    let out = run_json(&[
        "run",
        "gossip",
        "--seed",
        "3",
        "--until",
        "5s",
        "--scenario",
        "gossip-push-pull",
    ]);
    assert_eq!(out["lab"], "gossip");
    assert_eq!(out["summary"]["infected"], 16);
    assert_eq!(out["summary"]["mode"], "push-pull");
    let b = run_json(&[
        "batch",
        "gossip",
        "--seeds",
        "1..2",
        "--until",
        "4s",
        "--param",
        "mode=push,rumor",
        "--at",
        "k0-write:x@500ms",
    ]);
    assert!(b.is_object(), "{b}");
}

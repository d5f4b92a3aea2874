//! The proof-of-work lab (`chain-pow`). Here: the helpers, the notes' mining step by step
//! (real SHA-256, k leading zero hex digits, the nonce incremented, the four steps of a
//! payment), expected tries 16^k against the measured mean, Nakamoto's §11 formula and the
//! runner's `calc pow`, a simulated double-spend race against the formula, bad input, and
//! determinism. In `presets.rs`: each preset's lesson. In `faults.rs`: the always properties
//! under thousands of random fault schedules, the broken miners the checker catches, and the
//! native hashing speed.

#[path = "../common/mod.rs"]
mod common;
mod faults;
mod presets;

use common::{calc_json, config, faulted_hash, stat};

use distlab_engine::labs::coordination::chain_pow::{
    self, attacker_success, expected_tries, meets, safe_depth, short, zero_digits, Block, Config,
    PayState, Pow,
};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::{notes, Action};
use distlab_engine::{NodeId, Time, MS};

pub fn session(q: &str) -> NetSession<Pow> {
    let cfg = config(q);
    chain_pow::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Pow> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    chain_pow::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session (optionally with its configuration changed), its schedule planned.
pub fn preset_with(id: &str, set: impl Fn(&mut Config)) -> NetSession<Pow> {
    let mut s = session_with(&format!("lab=chain-pow&scenario={id}"), set);
    let info = labs::find("chain-pow")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

pub fn preset(id: &str) -> NetSession<Pow> {
    preset_with(id, |_| {})
}

pub fn node(s: &NetSession<Pow>, id: NodeId) -> &Pow {
    s.session.sim.node(id)
}

pub fn invariants(s: &NetSession<Pow>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

pub fn cmd(node: NodeId, name: &str, arg: &str) -> Action {
    Action::Command {
        node,
        name: name.into(),
        arg: Some(arg.into()),
    }
}

/// Times (ms) of the notes `key` in the trace.
pub fn times(s: &NetSession<Pow>, key: &str) -> Vec<Time> {
    notes(s.trace(), key).map(|n| n.0 / MS).collect()
}

/// The notes' hashing rule on real SHA-256: a block's hash is its fields' digest, it counts
/// only with k leading zero hex digits, and every block of a run meets it.
#[test]
fn blocks_are_real_sha256_with_k_zero_digits() {
    let g = Block::genesis();
    assert_eq!(g.hash, g.compute_hash());
    let mut h = [0u8; 32];
    h[0] = 0x00;
    h[1] = 0x0f;
    assert!(meets(&h, 1) && meets(&h, 2) && meets(&h, 3) && !meets(&h, 4));
    assert_eq!(zero_digits(&h), 3);
    h[0] = 0x10;
    assert!(!meets(&h, 1));
    for k in 1..=3u64 {
        let mut s = session(&format!(
            "lab=chain-pow&seed={k}&difficulty={k}&hashrate=40&rate=2"
        ));
        s.run_until(6_000 * MS);
        let n = node(&s, 0);
        assert!(n.height() >= 3, "k={k}: height {}", n.height());
        for hash in &n.chain[1..] {
            let b = &n.blocks[hash];
            assert_eq!(b.compute_hash(), b.hash);
            assert!(short(&b.hash, k as usize).chars().all(|c| c == '0'));
            assert!(zero_digits(&b.hash) >= k as u32);
            assert_eq!(n.blocks[&b.prev].index + 1, b.index);
        }
        assert!(s.violations().is_empty(), "{:?}", s.violations());
    }
}

/// The notes' four steps: the client's payment reaches every miner, goes into a block, the
/// block reaches every node and is built on; 3 blocks deep the payment is confirmed. The
/// nonce is incremented by one per try within a block, from a random start.
#[test]
fn the_four_steps_of_a_payment() {
    let mut s = session("lab=chain-pow&seed=7&miners=4&difficulty=3&rate=0");
    s.act(cmd(4, "pay", "10")).expect("pay");
    s.run_until(20 * MS);
    let m = node(&s, 0);
    let tx = *m
        .mempool
        .values()
        .next()
        .expect("the payment is pending at m1");
    let t = m.template.as_ref().expect("m1 mines");
    let (n0, tried, index) = (t.nonce, t.tried, t.index);
    s.run_until(40 * MS);
    if let Some(t2) = node(&s, 0).template.as_ref().filter(|t2| t2.index == index) {
        assert_eq!(t2.nonce - n0, t2.tried - tried, "the nonce is incremented");
    }
    s.run_until(8_000 * MS);
    let c = node(&s, 4);
    let (h, _) = c
        .find_tx(tx.id)
        .expect("the payment is on the client's chain");
    assert!(h >= 1);
    for i in 0..4 {
        assert_eq!(node(&s, i).find_tx(tx.id).map(|x| x.0), Some(h));
    }
    let p = c
        .payments
        .iter()
        .find(|p| p.tx.id == tx.id)
        .expect("watched");
    assert!(matches!(p.state, PayState::Confirmed { .. }), "{p:?}");
    assert_eq!(
        times(&s, "pow.confirmed").len(),
        1,
        "the payee (a miner) notes it"
    );
    assert!(s.violations().is_empty());
}

/// Expected tries 16^k against the measured mean (all hashes over all blocks found).
#[test]
fn measured_tries_match_16_to_the_k() {
    for (k, blocks_wanted) in [(1u32, 300.0), (2, 150.0), (3, 40.0)] {
        let hashrate = [2, 10, 100][k as usize - 1];
        let mut s = session(&format!(
            "lab=chain-pow&seed=11&difficulty={k}&hashrate={hashrate}&rate=0&miners=4&latency_min=1&latency_max=2"
        ));
        let mut t = 0;
        while stat(&s, "pow.blocks_mined") < blocks_wanted {
            t += 1_000 * MS;
            s.run_until(t);
        }
        let mean = s.summary()["mean_tries"].as_f64().expect("mean");
        let expected = expected_tries(k);
        let ratio = mean / expected;
        println!(
            "k={k}: expected {expected} tries a block, measured {mean:.0} over {} blocks (ratio {ratio:.2})",
            stat(&s, "pow.blocks_mined")
        );
        assert!((0.75..1.33).contains(&ratio), "k={k}: {mean} vs {expected}");
    }
}

/// Nakamoto's §11 values (the whitepaper's tables) and the runner's calculator.
#[test]
fn nakamoto_formula_and_calc() {
    let close = |a: f64, b: f64| (a - b).abs() < 5e-7;
    assert!(close(attacker_success(0.1, 0), 1.0));
    assert!(close(attacker_success(0.1, 1), 0.2045873));
    assert!(close(attacker_success(0.1, 5), 0.0009137));
    assert!(close(attacker_success(0.1, 10), 0.0000012));
    assert!(close(attacker_success(0.3, 5), 0.1773523));
    assert!(close(attacker_success(0.3, 10), 0.0416605));
    assert!(close(attacker_success(0.3, 50), 0.0000006));
    for (q, z) in [
        (0.10, 5),
        (0.15, 8),
        (0.20, 11),
        (0.25, 15),
        (0.30, 24),
        (0.35, 41),
        (0.40, 89),
        (0.45, 340),
    ] {
        assert_eq!(safe_depth(q, 0.001, 10_000), Some(z), "q={q}");
    }
    assert_eq!(attacker_success(0.6, 100), 1.0);
    assert_eq!(safe_depth(0.5, 0.001, 10_000), None);
    let v = calc_json(&["pow", "--q", "0.1,0.6", "--z", "5"]);
    assert_eq!(v["attackers"][0]["safe_depth"], 5);
    assert!(v["attackers"][1]["safe_depth"].is_null());
    assert_eq!(
        v["attackers"][0]["success"].as_array().map(Vec::len),
        Some(6)
    );
    let all = calc_json(&["pow"]);
    assert_eq!(all["attackers"].as_array().map(Vec::len), Some(8));
    common::assert_calc_refuses(&["pow", "--q", "2"], "is not a share");
    common::assert_calc_refuses(&["pow", "--risk", "0"], "not a probability");
    common::assert_calc_refuses(&["pow", "--z", "x"], "not a whole number");
    common::assert_calc_refuses(&["pow", "--depth", "3"], "unknown option");
}

/// One double-spend race in the lab: the attacker (the last of 3 miners, share q) pays the
/// client, the client waits for z confirmations; true if the payment was reversed.
fn race(q: f64, z: u64, seed: u64) -> bool {
    let share = (q * 100.0).round();
    let mut s = session(&format!(
        "lab=chain-pow&seed={seed}&miners=3&difficulty=2&hashrate=4&tick=20&last_share={share}&confirmations={z}&rate=0&latency_min=1&latency_max=2"
    ));
    s.set_keep_trace(false);
    s.act(cmd(2, "doublespend", "50")).expect("attack");
    let mut t = 0;
    while t < 120_000 * MS {
        t += 2_000 * MS;
        s.run_until(t);
        if node(&s, 2).attack.is_none() {
            break;
        }
    }
    s.session.sim.monitor().reversed > 0
}

/// The simulated double-spend success rate against Nakamoto's formula, for attacker shares
/// and confirmation depths (printed as a table; run with --nocapture to see it).
#[test]
fn simulated_double_spend_against_the_formula() {
    const TRIALS: u64 = 200;
    println!("share q | depth z | simulated success (of {TRIALS}) | Nakamoto §11");
    for (q, zs) in [
        (0.1, &[1u64, 2][..]),
        (0.25, &[1, 2, 4][..]),
        (0.4, &[1, 2, 4][..]),
        (0.6, &[2, 4][..]),
    ] {
        for &z in zs {
            let wins = (0..TRIALS).filter(|&i| race(q, z, 1_000 + i)).count();
            let rate = wins as f64 / TRIALS as f64;
            let p = attacker_success(q, z);
            println!("{q:.2}    | {z:7} | {rate:.3}                        | {p:.3}");
            // Loose bounds: the lab's attacker gives up 12 blocks behind and blocks take
            // a tick; the order of magnitude must agree.
            assert!(
                (rate - p).abs() < 0.2 + p * 0.3,
                "q={q} z={z}: simulated {rate} vs {p}"
            );
        }
    }
}

/// Bad input: commands with bad arguments are refused (or noted), bad power lists and
/// parameters are refused by the runner.
#[test]
fn bad_input_is_refused() {
    let mut s = session("lab=chain-pow&seed=1");
    assert!(s.act(cmd(4, "pay", "0")).is_err());
    assert!(s.act(cmd(4, "pay", "abc")).is_err());
    assert!(s.act(cmd(4, "pay", "1001")).is_err());
    assert!(
        s.act(cmd(4, "doublespend", "5")).is_err(),
        "not on the client"
    );
    assert!(s.act(cmd(0, "pay", "5")).is_err(), "not on a miner");
    assert!(s
        .act(Action::Command {
            node: 0,
            name: "doublespend".into(),
            arg: None
        })
        .is_err());
    s.act(cmd(0, "doublespend", "5")).expect("an attack");
    s.act(cmd(0, "doublespend", "5"))
        .expect("accepted, then noted");
    s.run_until(100 * MS);
    assert_eq!(times(&s, "pow.attack_busy").len(), 1);
    assert!(chain_pow::parse_power("1,0").is_err());
    assert!(chain_pow::parse_power("1,x").is_err());
    assert!(chain_pow::parse_power("1,2,3").is_ok());
    assert!(chain_pow::parse_power(&vec!["1"; 13].join(",")).is_err());
    for (arg, msg) in [
        ("power=1,2,3,4,5", "at most one hash power per miner"),
        ("power=0", "is not a hash power"),
        ("difficulty=9", "difficulty"),
    ] {
        let r = common::distlab(&["run", "chain-pow", "--param", arg]);
        assert_eq!(r.code, Some(2), "{arg}: {}", r.out);
        assert!(r.err.contains(msg), "{arg}: {}", r.err);
    }
    let v = common::run_json(&[
        "run",
        "chain-pow",
        "--param",
        "power=1,1,2",
        "--until",
        "3s",
    ]);
    let shares = v["summary"]["shares"].as_array().expect("shares").clone();
    assert_eq!(shares.len(), 4);
    assert!((shares[2].as_f64().unwrap_or(0.0) - 0.4).abs() < 1e-9);
}

/// Same seed and faults, same trace; another seed, another trace.
#[test]
fn deterministic_under_faults() {
    let q = "lab=chain-pow&seed=5&difficulty=2&hashrate=5&rate=3";
    let a = faulted_hash(session(q));
    assert_eq!(a, faulted_hash(session(q)));
    assert_ne!(
        a,
        faulted_hash(session(
            "lab=chain-pow&seed=6&difficulty=2&hashrate=5&rate=3"
        ))
    );
}

//! The proof-of-stake lab (`chain-pos`). Here: the helpers, the notes' interest formula, the
//! lottery by coin age (every node computes the same ranking; first places in proportion to
//! coin age; coin age reset after minting), the Gini coefficient, bad input and determinism.
//! In `presets.rs`: each preset's lesson. In `faults.rs`: the properties under thousands of
//! random fault schedules and the broken validators the checker catches.

#[path = "../common/mod.rs"]
mod common;
mod faults;
mod presets;

use common::{config, faulted_hash};

use distlab_engine::labs::coordination::chain_pos::{self, gini, Block, Config, Pos, Rules, MILLI};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, MS};

pub fn session(q: &str) -> NetSession<Pos> {
    let cfg = config(q);
    chain_pos::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Pos> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    chain_pos::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session (optionally with its configuration changed), its schedule planned.
pub fn preset_with(id: &str, set: impl Fn(&mut Config)) -> NetSession<Pos> {
    let mut s = session_with(&format!("lab=chain-pos&scenario={id}"), set);
    let info = labs::find("chain-pos")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

pub fn preset(id: &str) -> NetSession<Pos> {
    preset_with(id, |_| {})
}

pub fn node(s: &NetSession<Pos>, id: NodeId) -> &Pos {
    s.session.sim.node(id)
}

pub fn invariants(s: &NetSession<Pos>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

const RULES: Rules = Rules {
    slot_ms: 200,
    day_ms: 100,
    rate_bp: 500,
    max_age_ms: 0,
};

/// The notes' formula: interest = coins × days × 5% / 365 — 100 coins held a year earn 5,
/// 365 coins held 20 days earn 1.
#[test]
fn the_notes_interest() {
    assert_eq!(RULES.interest(100 * MILLI, 365 * 100), 5 * MILLI);
    assert_eq!(RULES.interest(365 * MILLI, 20 * 100), MILLI);
    assert_eq!(RULES.interest(100 * MILLI, 0), 0);
    // Minting credits it and resets the minter's coin age; the others keep theirs.
    let g = Block::genesis(&[100, 50]);
    // Slots of 100 ms, a day of 100 ms: slot 365 starts after a year.
    let rules = Rules {
        slot_ms: 100,
        ..RULES
    };
    let b = rules.mint(&g, 365, 0, 0, 365 * 100);
    assert_eq!(b.coins, vec![105 * MILLI, 50 * MILLI]);
    assert_eq!(b.since, vec![365 * 100, 0]);
    assert!(rules.invalid(&g, &b).is_none());
    // With a cap of 30 days, the same year earns only 30 days' interest.
    let capped = Rules {
        max_age_ms: 30 * 100,
        ..RULES
    };
    assert_eq!(capped.interest(100 * MILLI, capped.held(0, 365 * 100)), 410);
}

/// The lottery: the slot's first place goes to each validator in proportion to its coin age
/// (coins × time held), the same ranking for every node holding the same tip.
#[test]
fn chance_is_proportional_to_coin_age() {
    // Coins 100, 50, 50; v3 has held its coins half as long: coin ages 2 : 1 : 0.5.
    let mut g = Block::genesis(&[100, 50, 50]);
    g.since = vec![0, 0, 10_000];
    g.slot = 100;
    g.hash = g.compute_hash();
    let mut first = [0u32; 3];
    let slots = 20_000;
    for s in 101..101 + slots {
        let r = RULES.ranking(&g, s, false);
        assert_eq!(r, RULES.ranking(&g, s, false), "deterministic");
        let mut sorted = r.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![0, 1, 2], "a permutation");
        first[r[0]] += 1;
    }
    // Ages at slot ~s: v1 100·t, v2 50·t, v3 50·(t − 10 s); around t = 20–4,000 s the ratio
    // tends to 2 : 1 : 1 as t grows. Check the overall frequencies against the exact weights.
    let mut expect = [0f64; 3];
    for s in 101..101 + slots {
        let w = RULES.ages(&g, s, false);
        let total: u128 = w.iter().sum();
        for v in 0..3 {
            expect[v] += w[v] as f64 / total as f64;
        }
    }
    for v in 0..3 {
        let got = f64::from(first[v]);
        assert!(
            (got - expect[v]).abs() < 0.03 * slots as f64,
            "v{}: {got} first places, expected {:.0}",
            v + 1,
            expect[v]
        );
    }
    // A validator with no coin age (it just minted) comes last while others have some.
    let b = RULES.mint(&g, 101, 0, 0, 101 * 200);
    assert_eq!(RULES.ranking(&b, 101, false).last(), Some(&0));
}

/// In a run every block's minter held the first place of its slot's ranking on its parent
/// (no faults: no fallback needed with the default latency), its coin age reset.
#[test]
fn every_node_agrees_on_each_slots_minter() {
    let mut s = session("lab=chain-pos&seed=3&latency_min=5&latency_max=10");
    s.run_until(10_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let p = node(&s, 0);
    assert!(p.height() >= 45, "{}", p.height());
    let rules = p.config().rules;
    for w in p.chain.windows(2) {
        let (a, b) = (&p.blocks[&w[0]], &p.blocks[&w[1]]);
        assert_eq!(b.rank, 0);
        assert_eq!(rules.ranking(a, b.slot, false)[0], b.minter);
        assert_eq!(b.since[b.minter], b.slot * rules.slot_ms);
    }
    for i in 1..4 {
        let q = node(&s, i);
        let low = q.height().min(p.height()) as usize;
        assert_eq!(q.chain[..low], p.chain[..low], "v{} agrees", i + 1);
    }
    // Each validator minted; the richest most.
    let minted: Vec<u64> = (0..4).map(|i| node(&s, i).minted).collect();
    assert!(minted.iter().all(|&m| m > 0), "{minted:?}");
    assert_eq!(minted.iter().max(), Some(&minted[0]), "{minted:?}");
}

#[test]
fn gini_coefficient() {
    assert_eq!(gini(&[5, 5, 5, 5]), 0.0);
    assert!((gini(&[0, 0, 0, 8]) - 0.75).abs() < 1e-12);
    assert!((gini(&[1, 3]) - 0.25).abs() < 1e-12);
    assert_eq!(gini(&[]), 0.0);
}

/// Bad input: stakes lists and parameters out of range are refused by the runner; the stake
/// parser refuses zero, words and too many values.
#[test]
fn bad_input_is_refused() {
    assert!(chain_pos::parse_stakes("100,0").is_err());
    assert!(chain_pos::parse_stakes("100,x").is_err());
    assert!(chain_pos::parse_stakes("-5").is_err());
    assert!(chain_pos::parse_stakes("100,50,30").is_ok());
    assert!(chain_pos::parse_stakes(&vec!["1"; 13].join(",")).is_err());
    for (arg, msg) in [
        ("stakes=1,2,3,4,5", "at most one stake per validator"),
        ("stakes=0", "is not a stake"),
        ("stakes=abc", "is not a stake"),
        ("validators=40", "validators"),
        ("slot=1", "slot"),
    ] {
        let r = common::distlab(&["run", "chain-pos", "--param", arg]);
        assert_eq!(r.code, Some(2), "{arg}: {}", r.out);
        assert!(r.err.contains(msg), "{arg}: {}", r.err);
    }
    // Validators take no commands.
    let mut s = session("lab=chain-pos&seed=1");
    assert!(s
        .act(Action::Command {
            node: 0,
            name: "pay".into(),
            arg: Some("5".into())
        })
        .is_err());
    let v = common::run_json(&[
        "run",
        "chain-pos",
        "--param",
        "stakes=300,100",
        "--param",
        "validators=2",
        "--until",
        "1s",
    ]);
    let shares = v["summary"]["shares"].as_array().expect("shares").clone();
    assert_eq!(shares.len(), 2);
    assert!(shares[0].as_f64().unwrap_or(0.0) > 0.74);
}

#[test]
fn deterministic_under_faults() {
    let q = "lab=chain-pos&seed=5&validators=5";
    let a = faulted_hash(session(q));
    assert_eq!(a, faulted_hash(session(q)));
    assert_ne!(
        a,
        faulted_hash(session("lab=chain-pos&seed=6&validators=5"))
    );
}

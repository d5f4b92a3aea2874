//! The delegated proof-of-stake lab (`chain-dpos`). Here: the helpers, the vote tally
//! (stake-weighted approvals), the election and the standbys, the round-robin schedule (one
//! block per slot, each delegate once a round), the finality quorum, bad input and
//! determinism. In `presets.rs`: each preset's lesson. In `faults.rs`: the properties under
//! thousands of random fault schedules and the broken variants the checker catches.

#[path = "../common/mod.rs"]
mod common;
mod faults;
mod presets;

use common::{config, faulted_hash};

use distlab_engine::labs::coordination::chain_dpos::{self, Config, Dpos, Op, Rules, Tx};
use distlab_engine::labs::{self, LabSession, NetSession};
use distlab_engine::sim::Action;
use distlab_engine::{NodeId, MS};

pub fn session(q: &str) -> NetSession<Dpos> {
    let cfg = config(q);
    chain_dpos::session(&cfg.params, cfg.seed)
}

pub fn session_with(q: &str, set: impl Fn(&mut Config)) -> NetSession<Dpos> {
    let cfg = config(q);
    let mut c = Config::from_params(&cfg.params);
    set(&mut c);
    chain_dpos::session_with(&cfg.params, &c, cfg.seed)
}

/// A preset's session (optionally with its configuration changed), its schedule planned.
pub fn preset_with(id: &str, set: impl Fn(&mut Config)) -> NetSession<Dpos> {
    let mut s = session_with(&format!("lab=chain-dpos&scenario={id}"), set);
    let info = labs::find("chain-dpos")
        .and_then(|l| l.scenario(id))
        .expect("preset");
    s.schedule(info).expect("the preset's schedule");
    s
}

pub fn preset(id: &str) -> NetSession<Dpos> {
    preset_with(id, |_| {})
}

pub fn node(s: &NetSession<Dpos>, id: NodeId) -> &Dpos {
    s.session.sim.node(id)
}

pub fn invariants(s: &NetSession<Dpos>) -> Vec<&'static str> {
    s.violations().iter().map(|v| v.invariant).collect()
}

fn rules() -> Rules {
    Config::default().rules
}

/// Stake-weighted approval voting: a holder's stake counts for every candidate it approves;
/// the k most voted are the delegates, the next the standbys; set-aside ones come last.
#[test]
fn votes_are_weighted_by_stake() {
    let r = rules();
    assert_eq!(r.stakes, vec![100, 80, 64, 51, 41, 33, 26]);
    let g = r.genesis();
    assert_eq!(r.tally(&g.state), r.stakes);
    assert_eq!(g.state.delegates, vec![0, 1, 2, 3]);
    assert_eq!(r.ranking(&g.state)[4], 4, "v5 is the first standby");
    // The whale v1 approves v5, v6, v7 too: they pass v2–v4.
    let mut s = g.state.clone();
    s.votes[0] = 0b111_0001;
    assert_eq!(r.tally(&s), vec![100, 80, 64, 51, 141, 133, 126]);
    assert_eq!(r.elect(&s), vec![4, 5, 6, 0]);
    // v2–v4 approving each other keep their seats: 195 votes each.
    for h in 1..4 {
        s.votes[h] = 0b1110;
    }
    assert_eq!(r.tally(&s)[1..4], [195, 195, 195]);
    assert_eq!(r.elect(&s), vec![1, 2, 3, 4]);
    // A delegate set aside comes after every other candidate.
    s.jailed = 1 << 1;
    assert!(!r.elect(&s).contains(&1));
    assert_eq!(r.ranking(&s).last(), Some(&1));
}

/// ⌊2k/3⌋ + 1: 3 of 4 delegates, 4 of 5, 15 of 21 (EOS's number).
#[test]
fn finality_quorum() {
    for (k, q) in [(1, 1), (3, 3), (4, 3), (5, 4), (21, 15)] {
        assert_eq!(Rules { k, ..rules() }.quorum(), q, "k = {k}");
    }
}

/// A vote transaction is applied once, in order; the re-vote elects from the votes; the new
/// delegates take over once ⌊2k/3⌋ + 1 distinct delegates built on the re-vote's block.
#[test]
fn revote_takes_over_once_confirmed() {
    let r = rules();
    let g = r.genesis();
    let vote = |h, seq, v| Tx {
        holder: h,
        seq,
        op: Op::Vote(v),
    };
    // v1 and v2 drop v4 for v6; a repeated and an out-of-order transaction change nothing.
    let txs = vec![
        vote(0, 1, 0b10_0001),
        vote(1, 1, 0b10_0010),
        vote(1, 3, 0b1),
    ];
    let p1 = r.producer(&g.state, 1).expect("a producer");
    let b1 = r.produce(&g, 1, p1, 200, txs);
    assert!(r.invalid(&g, &b1).is_none());
    assert!(r.wrong_slot(&g, &b1).is_none());
    assert_eq!(b1.state.seqs[..2], [1, 1]);
    assert_eq!(r.tally(&b1.state)[3], 51);
    assert_eq!(r.tally(&b1.state)[5], 213);
    // The re-vote at slot 12 (term 1): pending until 3 distinct delegates have produced.
    let mut at = std::sync::Arc::new(b1);
    let mut took_over = None;
    for slot in 2..20 {
        let p = r.producer(&at.state, slot).expect("a producer");
        let b = r.produce(&at, slot, p, slot * 200, vec![]);
        assert!(r.invalid(&at, &b).is_none() && r.wrong_slot(&at, &b).is_none());
        if slot == 12 {
            assert_eq!(b.state.term, 1);
            assert_eq!(b.state.pending, vec![5, 0, 1, 2]);
            assert_eq!(b.state.delegates, vec![0, 1, 2, 3]);
        }
        if took_over.is_none() && b.state.delegates == vec![5, 0, 1, 2] {
            took_over = Some(slot);
        }
        at = std::sync::Arc::new(b);
    }
    // Confirmed by the third distinct delegate's block (slot 14), in charge from the next
    // round (slot 16).
    assert_eq!(took_over, Some(16));
    // The slots skipped before a block are counted as missed by their producers.
    let p = r.producer(&at.state, 23).expect("a producer");
    let b = r.produce(&at, 23, p, 23 * 200, vec![]);
    let missed: u32 = b.state.misses.iter().sum::<u32>() - at.state.misses.iter().sum::<u32>();
    assert_eq!(missed, 3);
    for s in 20..23 {
        let who = r.producer(&at.state, s).expect("a producer");
        assert!(b.state.misses[who] > at.state.misses[who]);
    }
}

/// A fault-free run: one block every slot; in each round of k slots every delegate produces
/// exactly once (the order shuffled per round); every node holds the same chain; blocks are
/// final within a few slots.
#[test]
fn delegates_produce_in_turn() {
    let mut s = session("lab=chain-dpos&seed=3");
    s.run_until(9_600 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let p = node(&s, 0);
    assert_eq!(p.height(), 47, "every slot 1–47 filled");
    let k = 4;
    let mut orders = std::collections::BTreeSet::new();
    for round in 1..12u64 {
        let mut producers: Vec<usize> = (round * k..round * k + k)
            .map(|h| p.block_at(h).expect("a block").producer)
            .collect();
        orders.insert(producers.clone());
        producers.sort_unstable();
        assert_eq!(producers, vec![0, 1, 2, 3], "round {round}");
    }
    assert!(orders.len() > 3, "the order is shuffled per round");
    for i in 1..7 {
        assert_eq!(node(&s, i).chain[..45], p.chain[..45], "v{} agrees", i + 1);
    }
    assert!(p.lib >= 44, "final up to {}", p.lib);
    let m = s.session.sim.monitor();
    assert!(m.mean_finality() <= 700.0, "{}", m.mean_finality());
}

/// Bad input: too many delegates or stakes are refused by the runner; a vote for a candidate
/// that does not exist changes nothing.
#[test]
fn bad_input_is_refused() {
    for (arg, msg) in [
        ("delegates=7", "delegates"),
        ("stakes=1,2,3,4,5,6,7,8", "at most one stake per holder"),
        ("stakes=0", "is not a stake"),
        ("holders=40", "holders"),
        ("slot=1", "slot"),
    ] {
        let r = common::distlab(&["run", "chain-dpos", "--param", arg]);
        assert_eq!(r.code, Some(2), "{arg}: {}", r.out);
        assert!(r.err.contains(msg), "{arg}: {}", r.err);
    }
    let mut s = session("lab=chain-dpos&seed=1");
    assert!(s
        .act(Action::Command {
            node: 0,
            name: "vote".into(),
            arg: Some("13".into())
        })
        .is_err());
    s.act(Action::Command {
        node: 0,
        name: "vote".into(),
        arg: Some("9".into()),
    })
    .expect("in the command's range");
    s.run_until(1_000 * MS);
    assert_eq!(s.session.sim.notes("dpos.no-candidate").count(), 1);
    assert_eq!(node(&s, 0).seq, 0, "no transaction");
}

#[test]
fn deterministic_under_faults() {
    let q = "lab=chain-dpos&seed=5&holders=6&delegates=3";
    let a = faulted_hash(session(q));
    assert_eq!(a, faulted_hash(session(q)));
    assert_ne!(
        a,
        faulted_hash(session("lab=chain-dpos&seed=6&holders=6&delegates=3"))
    );
}

//! Each preset plays its lesson.

use super::{invariants, node, preset};
use distlab_engine::labs::LabSession;
use distlab_engine::sim::NodeStatus;
use distlab_engine::MS;

fn stat(s: &dyn LabSession, key: &str) -> f64 {
    super::common::stat(s, key)
}

/// Normal production: a block every slot, none missed, the four delegates alike, blocks final
/// a few slots after they are made.
#[test]
fn dpos_normal() {
    let mut s = preset("dpos-normal");
    s.run_until(10_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(stat(&s, "dpos.height"), 50.0);
    assert_eq!(stat(&s, "dpos.missed_slots"), 0.0);
    assert!(stat(&s, "dpos.final_height") >= 47.0);
    assert!(stat(&s, "dpos.finality_ms") <= 600.0);
    let c = node(&s, 0).count();
    assert_eq!(c.blocks[4..], [0, 0, 0], "only delegates produce");
    assert!(
        c.blocks[..4].iter().all(|&b| (10..=15).contains(&b)),
        "{:?}",
        c.blocks
    );
    let curves = s.series();
    assert_eq!(
        curves
            .iter()
            .filter(|c| c.key == "chain-dpos.blocks")
            .count(),
        4
    );
}

/// A delegate fails: its slots stay empty until the re-vote sets it aside and the standby v5
/// takes its seat; restarted, it is elected again.
#[test]
fn dpos_delegate_fails() {
    let mut s = preset("dpos-delegate-fails");
    s.run_until(4_790 * MS);
    assert_eq!(s.session.sim.status(1), NodeStatus::Down);
    // Until the re-vote the failed delegate keeps its seat and its slots are missed.
    let p = node(&s, 0);
    assert_eq!(p.tip().state.delegates, vec![0, 1, 2, 3]);
    let c = p.count();
    assert!(c.missed[1] >= 2, "{:?}", c.missed);
    assert_eq!(c.blocks[4], 0);
    s.run_until(6_900 * MS);
    let p = node(&s, 0);
    let st = &p.tip().state;
    assert!(st.jailed & 0b10 != 0, "v2 set aside");
    assert!(st.delegates.contains(&4) && !st.delegates.contains(&1));
    let c = p.count();
    assert!(c.blocks[4] >= 1, "the standby produces: {:?}", c.blocks);
    let missed_by_then = c.missed[1];
    // No more slots missed once the standby took over.
    assert!((3..=5).contains(&missed_by_then), "{missed_by_then}");
    s.run_until(12_000 * MS);
    assert!(invariants(&s).is_empty(), "{:?}", s.violations());
    let p = node(&s, 0);
    let st = &p.tip().state;
    assert_eq!(st.jailed, 0, "v2 announced it is back");
    assert!(st.delegates.contains(&1), "{:?}", st.delegates);
    assert_eq!(node(&s, 1).chain[..50], p.chain[..50], "v2 caught up");
    s.check_eventually();
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// Holders vote a delegate out: v6 replaces v4 at the re-vote, not before.
#[test]
fn dpos_vote_out() {
    let mut s = preset("dpos-vote-out");
    s.run_until(2_390 * MS);
    let st = node(&s, 3).tip().state.clone();
    assert_eq!(st.delegates, vec![0, 1, 2, 3], "v4 still produces");
    assert_eq!(st.votes[0], 0b10_0001);
    s.run_until(6_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let p = node(&s, 3);
    assert_eq!(p.tip().state.delegates, vec![5, 0, 1, 2]);
    let c = p.count();
    assert!(c.blocks[5] >= 3, "{:?}", c.blocks);
    // v4's last block came before the new delegates took over.
    let last_v4 = p
        .chain
        .iter()
        .filter_map(|h| p.blocks.get(h))
        .filter(|b| b.producer == 3)
        .map(|b| b.slot)
        .max()
        .unwrap_or(0);
    assert!((10..=16).contains(&last_v4), "{last_v4}");
    assert_eq!(stat(&s, "dpos.missed_slots"), 0.0);
}

/// A partition: both sides produce, only v1–v3's side finalizes; after the heal the
/// minority's blocks are dropped and every node agrees; no final block is ever dropped.
#[test]
fn dpos_partition() {
    let mut s = preset("dpos-partition");
    s.run_until(4_990 * MS);
    let (maj, min) = (node(&s, 0), node(&s, 3));
    assert!(maj.lib > 18, "majority final up to {}", maj.lib);
    assert!(min.lib <= 5, "minority final up to {}", min.lib);
    assert!(min.height() > min.lib + 3, "the minority keeps producing");
    assert_ne!(
        maj.chain[min.height() as usize],
        min.chain[min.height() as usize]
    );
    s.run_until(8_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert!(node(&s, 3).reorgs >= 1);
    assert_eq!(node(&s, 3).chain[..36], node(&s, 0).chain[..36]);
    s.check_eventually();
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

/// A whale with idle voters fills every seat.
#[test]
fn dpos_whale() {
    let mut s = preset("dpos-whale");
    s.run_until(6_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let p = node(&s, 0);
    assert_eq!(p.tip().state.delegates, vec![4, 5, 6, 0]);
    let c = p.count();
    assert!(c.blocks[4..].iter().all(|&b| b >= 3), "{:?}", c.blocks);
}

/// Finality by distinct builders breaks when a restarted delegate builds on both branches:
/// the preset `distlab check --lesson` found and shrank.
#[test]
fn dpos_finality_conflict() {
    let mut s = preset("dpos-finality-conflict");
    s.run_until(9_700 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    s.run_until(12_000 * MS);
    let v: Vec<&str> = s.violations().iter().map(|v| v.invariant).collect();
    assert_eq!(v.first(), Some(&"chain-dpos.final-agreement"), "{v:?}");
    assert!(!v.contains(&"chain-dpos.one-per-slot") && !v.contains(&"chain-dpos.valid-chain"));
    let at = s.violations()[0].time;
    assert!((9_730 * MS..=9_900 * MS).contains(&at), "at {at}");
    assert!(
        s.violations()[0].text.contains("height 35"),
        "{}",
        s.violations()[0].text
    );
}

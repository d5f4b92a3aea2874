//! Each preset plays its lesson.

use super::{invariants, node, preset};
use distlab_engine::labs::coordination::chain_pos::gini;
use distlab_engine::labs::LabSession;
use distlab_engine::sim::NodeStatus;
use distlab_engine::MS;

fn stat(s: &dyn LabSession, key: &str) -> f64 {
    super::common::stat(s, key)
}

/// Normal minting: a block every slot, no missed slot, every validator mints, interest paid.
#[test]
fn pos_normal() {
    let mut s = preset("pos-normal");
    s.run_until(10_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(stat(&s, "pos.height"), 50.0);
    assert_eq!(stat(&s, "pos.missed_slots"), 0.0);
    assert!(stat(&s, "pos.interest_paid") > 1.0);
    assert!((0..4).all(|i| node(&s, i).minted > 0));
}

/// The rich get richer: the Gini coefficient and the top share rise over the long run.
#[test]
fn pos_rich_get_richer() {
    let mut s = preset("pos-rich-get-richer");
    let g0 = gini(&node(&s, 0).tip().coins);
    s.run_until(60_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let g1 = stat(&s, "pos.gini");
    assert!(g0 > 0.29 && g0 < 0.31, "{g0}");
    assert!(g1 > g0 + 0.08, "Gini {g0} → {g1}");
    assert!(stat(&s, "pos.top_share") > 0.54);
    // The curve is there and rises.
    let curves = s.series();
    let gc = curves
        .iter()
        .find(|c| c.key == "chain-pos.gini")
        .expect("a Gini curve");
    let (first, last) = (gc.points[0].1, gc.points[gc.points.len() - 1].1);
    assert!(last > first + 0.08, "{first} → {last}");
    assert_eq!(
        curves.iter().filter(|c| c.key == "chain-pos.share").count(),
        4
    );
}

/// Equal stakes under the same rules stay fair; unequal ones concentrate.
#[test]
fn pos_equal_stays_fair() {
    let mut s = preset("pos-equal");
    s.run_until(60_000 * MS);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    let g = stat(&s, "pos.gini");
    assert!(g < 0.05, "{g}");
    assert!(stat(&s, "pos.top_share") < 0.3);
}

/// A validator offline: its turns are missed, the next in line mints, the chain goes on; on
/// restart it catches up.
#[test]
fn pos_offline() {
    let mut s = preset("pos-offline");
    s.run_until(5_900 * MS);
    assert_eq!(s.session.sim.status(0), NodeStatus::Down);
    let missed = stat(&s, "pos.missed_slots");
    assert!(missed >= 5.0, "{missed}");
    assert!(stat(&s, "pos.fallback_blocks") >= missed);
    // The chain went on: a block nearly every slot.
    assert!(node(&s, 1).height() >= 27, "{}", node(&s, 1).height());
    let stale = node(&s, 0).height();
    assert!(stale <= 11, "{stale}");
    s.run_until(10_000 * MS);
    assert!(invariants(&s).is_empty(), "{:?}", s.violations());
    // Caught up, and minted again.
    assert_eq!(node(&s, 0).chain[..40], node(&s, 1).chain[..40]);
    let minted_after = s
        .session
        .sim
        .notes("pos.mint")
        .filter(|&(t, n, _)| n == 0 && t > 6_000 * MS)
        .count();
    assert!(minted_after > 0);
    s.check_eventually();
    assert!(s.violations().is_empty(), "{:?}", s.violations());
}

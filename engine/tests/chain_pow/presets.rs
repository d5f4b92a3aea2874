//! Each preset plays its lesson.

use super::{invariants, node, preset, preset_with, stat, times};
use distlab_engine::labs::coordination::chain_pow::{PayState, SETTLE_DEPTH};
use distlab_engine::labs::LabSession;
use distlab_engine::MS;

/// Mining: both payments go into blocks and are confirmed; every node ends on one chain (up
/// to the last block or two); no violation.
#[test]
fn normal_mining_confirms_payments() {
    let mut s = preset("pow-normal");
    s.run_until(8_000 * MS);
    let c = node(&s, 4);
    assert_eq!(c.payments.len(), 2);
    for p in &c.payments {
        assert!(matches!(p.state, PayState::Confirmed { .. }), "{p:?}");
    }
    let h = c.height();
    assert!((8..=30).contains(&h), "height {h} in 8 s at ~0.5 s a block");
    for i in 0..4 {
        let n = node(&s, i);
        let low = n.height().min(h) - 2;
        assert_eq!(n.chain[..=low as usize], c.chain[..=low as usize]);
    }
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(s.check_eventually(), 0);
    assert_eq!(stat(&s, "pow.expected_tries"), 4096.0);
}

/// Fork over a slow link: both miners find a block at the same height, the longer branch
/// wins, the other's block is orphaned; the two agree on everything deep enough.
#[test]
fn forks_resolve_by_the_longest_chain() {
    let mut s = preset("pow-fork");
    s.run_until(10_000 * MS);
    let reorgs = times(&s, "pow.reorg");
    assert!(!reorgs.is_empty(), "a fork was settled by a reorganization");
    assert!(stat(&s, "pow.orphaned") >= 1.0);
    assert!(!node(&s, 0).branches().is_empty() || !node(&s, 1).branches().is_empty());
    let (a, b) = (node(&s, 0), node(&s, 1));
    let low = a.height().min(b.height()) - SETTLE_DEPTH;
    assert_eq!(a.chain[..=low as usize], b.chain[..=low as usize]);
    assert!(s.violations().is_empty(), "{:?}", s.violations());
    assert_eq!(s.check_eventually(), 0);
    // With a fast link (same seed and power) forks are rare.
    let mut fast = super::session(
        "lab=chain-pow&seed=3&miners=2&difficulty=2&hashrate=3&rate=0&latency_min=1&latency_max=2",
    );
    fast.run_until(10_000 * MS);
    assert!(stat(&fast, "pow.orphaned") < stat(&s, "pow.orphaned"));
}

/// Difficulty 2 against 3 with the same hash power: 16 times the tries, about a sixteenth
/// of the blocks.
#[test]
fn difficulty_three_takes_sixteen_times_the_work() {
    let mut two = preset("pow-difficulty-2");
    let mut three = preset("pow-difficulty-3");
    two.run_until(20_000 * MS);
    three.run_until(20_000 * MS);
    let (h2, h3) = (stat(&two, "pow.height"), stat(&three, "pow.height"));
    println!(
        "k=2: height {h2}, mean tries {}; k=3: height {h3}, mean tries {}",
        stat(&two, "pow.mean_tries"),
        stat(&three, "pow.mean_tries")
    );
    assert!(h2 > 8.0 * h3.max(1.0) && h3 >= 4.0, "{h2} vs {h3}");
    assert_eq!(stat(&two, "pow.expected_tries"), 256.0);
    assert_eq!(stat(&three, "pow.expected_tries"), 4096.0);
    let m2 = stat(&two, "pow.mean_tries") / 256.0;
    let m3 = stat(&three, "pow.mean_tries") / 4096.0;
    assert!((0.75..1.33).contains(&m2), "{m2}");
    assert!((0.4..2.5).contains(&m3), "{m3}");
    assert!(two.violations().is_empty() && three.violations().is_empty());
}

/// The 51% attack: the client's payment is confirmed 2 deep, then the attacker's private
/// branch wins — the payment's block is orphaned and the coin is spent on the attacker.
#[test]
fn majority_attacker_double_spends() {
    let mut s = preset("pow-51-attack");
    s.run_until(15_000 * MS);
    assert_eq!(invariants(&s), vec!["no-reversal"]);
    let v = &s.violations()[0];
    assert!(v.text.contains("c4"), "{}", v.text);
    let c = node(&s, 3);
    let pay = c.payments.first().expect("the client watched the payment");
    assert!(pay.was_confirmed);
    let confirmed = times(&s, "pow.confirmed");
    let published = times(&s, "pow.publish");
    assert!(confirmed.len() == 1 && published.len() == 1);
    assert!(confirmed[0] <= published[0]);
    // The payment is gone and the conflicting one (same coin, to the attacker) is on every
    // chain.
    for i in 0..4 {
        let n = node(&s, i);
        assert!(n.find_tx(pay.tx.id).is_none(), "node {i}");
        assert!(n.find_tx(pay.tx.id + 1).is_some(), "node {i}");
    }
    assert!(stat(&s, "pow.deepest_reorg") >= 2.0);
    assert_eq!(s.check_eventually(), 0);
    // An attacker with a fifth of the power (two honest miners of 40% each) does not get
    // there in the same time: the payment stays.
    let mut weak = preset_with("pow-51-attack", |c| {
        c.power = vec![2.0, 2.0, 1.0];
    });
    weak.run_until(15_000 * MS);
    assert!(weak.violations().is_empty(), "{:?}", weak.violations());
    assert!(times(&weak, "pow.publish").is_empty());
}

/// A partition: each side mines its own branch; at the heal the longer one wins, the small
/// side's blocks are orphaned and the client's confirmed payment is reversed; afterwards the
/// nodes agree again and the payment comes back in a later block.
#[test]
fn partition_forks_and_resolves_on_heal() {
    let mut s = preset("pow-partition");
    s.run_until(5_900 * MS);
    let (small, big) = (node(&s, 0).height(), node(&s, 1).height());
    assert!(big > small, "{big} vs {small}");
    assert_ne!(node(&s, 0).tip(), node(&s, 1).tip());
    assert_eq!(
        node(&s, 4).tip(),
        node(&s, 0).tip(),
        "the client follows m1"
    );
    assert!(invariants(&s).is_empty());
    s.run_until(12_000 * MS);
    assert_eq!(invariants(&s), vec!["no-reversal"]);
    assert!(stat(&s, "pow.orphaned") >= 1.0);
    let tips: Vec<_> = (0..5).map(|i| node(&s, i).chain[10]).collect();
    assert!(
        tips.iter().all(|t| *t == tips[0]),
        "agreement after the heal"
    );
    assert_eq!(s.check_eventually(), 0);
    let pay = node(&s, 4).payments[0];
    assert!(pay.was_confirmed);
    assert!(
        node(&s, 4).find_tx(pay.tx.id).is_some(),
        "the payment comes back: {:?}",
        pay.state
    );
}

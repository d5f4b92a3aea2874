//! Data placement: the notes' virtual-node example, how much a membership change moves under
//! each strategy, bounded loads' caps, and the `distlab calc placement` command.

mod common;

use distlab_engine::labs::storage::placement::{
    det_ln, jump_hash, key_label, Change, ChangeSpec, HashFn, Placement, PlacementConfig,
    PlacementError, Ring, Strategy,
};

fn config(strategy: Strategy, nodes: u32, keys: u32) -> PlacementConfig {
    PlacementConfig {
        strategy,
        nodes,
        keys,
        ..PlacementConfig::default()
    }
}

fn placement(cfg: &PlacementConfig) -> Placement {
    Placement::new(cfg).expect("valid configuration")
}

/// The notes: Node1 has one virtual node, Node2 two, Node3 three, at hashes 100, 200, …, 600.
/// The notes leave the ring's size open; on a ring of 600 positions (600 ≡ 0) the six points
/// are evenly spaced, so the nodes own 1/6, 2/6 and 3/6 of it, in proportion to capacity.
#[test]
fn notes_virtual_node_example() {
    let points = vec![
        (100, 0, 1),
        (200, 1, 1),
        (300, 1, 2),
        (400, 2, 1),
        (500, 2, 2),
        (600, 2, 3),
    ];
    let ring = Ring::from_points(600, points.clone());
    let owner = |h| ring.owner(h).unwrap();
    assert_eq!(
        [50, 100, 101, 150, 250, 300, 350, 450, 550, 0].map(owner),
        [0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
    );
    let view = ring.view(3);
    let count = |n| view.points.iter().filter(|p| p.node == n).count();
    assert_eq!([count(0), count(1), count(2)], [1, 2, 3]);
    for (got, want) in view.ownership.iter().zip([1.0 / 6.0, 2.0 / 6.0, 3.0 / 6.0]) {
        assert!((got - want).abs() < 1e-12, "{:?}", view.ownership);
    }
    assert!((view.arcs.iter().map(|a| a.len).sum::<f64>() - 1.0).abs() < 1e-12);

    // Node2 fails: its keys (hashes 101..=300) go to its clockwise successor, Node3_1.
    let without: Vec<_> = points.into_iter().filter(|p| p.1 != 1).collect();
    let after = Ring::from_points(600, without);
    for h in 0..600 {
        let (a, b) = (ring.owner(h).unwrap(), after.owner(h).unwrap());
        if a == 1 {
            assert_eq!(b, 2, "hash {h}");
        } else {
            assert_eq!(a, b, "hash {h} should not move");
        }
    }

    // The same shape from the library: weights 1, 2, 3 with one virtual node per unit.
    let p = placement(&PlacementConfig {
        strategy: Strategy::VNodes,
        nodes: 3,
        vnodes: 1,
        weights: vec![1, 2, 3],
        ..PlacementConfig::default()
    });
    let view = p.ring_view();
    let count = |n| view.points.iter().filter(|p| p.node == n).count();
    assert_eq!([count(0), count(1), count(2)], [1, 2, 3]);
}

#[test]
fn hash_functions_match_their_reference_values() {
    assert_eq!(HashFn::Crc32.hash(b"123456789"), 0xCBF4_3926);
    assert_eq!(HashFn::Fnv.hash(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(HashFn::Fnv.hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(HashFn::Xxh3.hash(b""), 0x2D06_8005_38D3_94C2);
    assert_eq!(HashFn::Crc32.ring_pos(0xCBF4_3926), 0xCBF4_3926_0000_0000);
    assert_eq!(key_label(0, 42), "key-42");
    assert_eq!(key_label(7, 0), "s7-key-0");
}

#[test]
fn deterministic_ln_matches_the_platform() {
    for x in [
        1e-300, 1e-20, 0.001, 0.3, 0.5, 0.70712, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e300,
    ] {
        let (a, b) = (det_ln(x), x.ln());
        assert!(
            (a - b).abs() <= 1e-14 * b.abs().max(1.0),
            "ln {x}: {a} vs {b}"
        );
    }
    assert_eq!(det_ln(0.0), f64::NEG_INFINITY);
}

#[test]
fn jump_hash_matches_the_paper() {
    // Buckets are stable as n grows: a key either stays or moves to the new bucket.
    for key in 0..2000u64 {
        let k = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        for n in 1..40 {
            let (a, b) = (jump_hash(k, n), jump_hash(k, n + 1));
            assert!(a < n && (b == a || b == n), "key {k}: {a} → {b} at n={n}");
        }
    }
    assert_eq!(jump_hash(0, 1), 0);
}

const KEYS: u32 = 100_000;
const N: u32 = 10;

fn moved_on_join(strategy: Strategy, vnodes: u32) -> (Placement, f64) {
    let mut p = placement(&PlacementConfig {
        vnodes,
        ..config(strategy, N, KEYS)
    });
    let r = p.apply(Change::Add { weight: 1 }).unwrap();
    let f = r.moved_fraction;
    (p, f)
}

/// A node joins 10 nodes holding 100,000 keys. hash mod N moves about N/(N+1) of the keys;
/// consistent schemes move about 1/(N+1), all of it to the newcomer. Tolerances: mod N more
/// than 85 %; rendezvous and jump within 5 % of 1/11 (their moves are binomial, σ ≈ 1 %);
/// the ring with 100 virtual nodes per node within 30 % (the newcomer's arcs vary, σ ≈ 10 %).
#[test]
fn a_join_moves_most_keys_under_mod_and_one_in_n_plus_1_otherwise() {
    let ideal = 1.0 / (N + 1) as f64;
    let (_, m) = moved_on_join(Strategy::Mod, 1);
    assert!(m > 0.85, "mod N moved only {m}");
    for (strategy, vnodes, tolerance) in [
        (Strategy::Rendezvous, 1, 0.05),
        (Strategy::Jump, 1, 0.05),
        (Strategy::VNodes, 100, 0.30),
    ] {
        let (p, f) = moved_on_join(strategy, vnodes);
        assert!(
            (f - ideal).abs() <= tolerance * ideal,
            "{strategy:?} moved {f}, expected {ideal} ± {tolerance}"
        );
        let r = p.last_change().unwrap();
        assert_eq!(
            r.moved_to[N as usize], r.moved,
            "{strategy:?}: only to the newcomer"
        );
    }
    // The plain ring: the newcomer takes one arc, and every moved key goes to it.
    let (p, f) = moved_on_join(Strategy::Ring, 1);
    let r = p.last_change().unwrap();
    assert!(f > 0.0 && f < 0.5, "ring moved {f}");
    assert_eq!(r.moved_to[N as usize], r.moved);
}

/// When a node leaves a plain ring, only its keys move, and all to one successor.
#[test]
fn a_leaving_ring_node_hands_its_keys_to_its_successor() {
    for change in [Change::Remove { node: 3 }, Change::Fail { node: 7 }] {
        let mut p = placement(&config(Strategy::Ring, N, KEYS));
        let held = p.stats().per_node;
        let r = p.apply(change).unwrap().clone();
        let gone = match change {
            Change::Remove { node } | Change::Fail { node } => node as usize,
            Change::Add { .. } | Change::Recover { .. } => unreachable!(),
        };
        assert_eq!(r.moved, held[gone]);
        assert_eq!(r.moved_from[gone], r.moved);
        assert_eq!(r.moved_to.iter().filter(|&&k| k > 0).count(), 1, "{r:?}");
        assert_eq!(r.after.per_node[gone], 0);
    }
}

#[test]
fn consistent_schemes_move_only_the_leavers_keys() {
    for strategy in [
        Strategy::VNodes,
        Strategy::Rendezvous,
        Strategy::Jump,
        Strategy::Ring,
    ] {
        let mut p = placement(&config(strategy, N, 20_000));
        let held = p.stats().per_node[4];
        let r = p.apply(Change::Fail { node: 4 }).unwrap();
        assert_eq!(r.moved, held, "{strategy:?}");
        assert_eq!(r.moved_from[4], held, "{strategy:?}");
    }
}

/// ⌈c·m·w/Σw⌉ in exact integers, as the test's own reference.
fn cap(c_milli: u32, m: u32, w: u32, total: u32) -> u64 {
    (c_milli as u64 * m as u64 * w as u64).div_ceil(1000 * total as u64)
}

#[test]
fn bounded_loads_never_exceed_the_cap() {
    let m = 20_000;
    for c_milli in [1000, 1100, 1250, 1500, 2000, 3000] {
        for (nodes, vnodes) in [(3, 1), (7, 1), (10, 10), (16, 3)] {
            let mut p = placement(&PlacementConfig {
                strategy: Strategy::Bounded,
                c_milli,
                vnodes,
                ..config(Strategy::Bounded, nodes, m)
            });
            let check = |p: &Placement, live: u32| {
                let limit = cap(c_milli, m, 1, live);
                let s = p.stats();
                assert!(s.max <= limit, "c={c_milli} n={live}: {} > {limit}", s.max);
                assert_eq!(s.keys, m as u64);
                for (n, &k) in p.nodes().iter().zip(&s.per_node) {
                    assert!(n.alive || k == 0);
                }
            };
            check(&p, nodes);
            p.apply(Change::Add { weight: 1 }).unwrap();
            check(&p, nodes + 1);
            p.apply(Change::Fail { node: 0 }).unwrap();
            p.apply(Change::Remove { node: 1 }).unwrap();
            check(&p, nodes - 1);
        }
    }
    // Weighted caps: ⌈c·m·w/Σw⌉ per node.
    let weights = vec![1, 2, 3, 4];
    let p = placement(&PlacementConfig {
        strategy: Strategy::Bounded,
        c_milli: 1000,
        vnodes: 5,
        weights: weights.clone(),
        ..config(Strategy::Bounded, 4, m)
    });
    let s = p.stats();
    for (i, &w) in weights.iter().enumerate() {
        assert!(s.per_node[i] <= cap(1000, m, w, 10), "{:?}", s.per_node);
    }
    // With c = 1 and m divisible by n every node is exactly full.
    let p = placement(&PlacementConfig {
        c_milli: 1000,
        ..config(Strategy::Bounded, 8, 16_000)
    });
    assert!(p.stats().per_node.iter().all(|&k| k == 2000));
}

/// Relative standard deviation of keys per node (10 nodes, 100,000 keys) by vnodes per node.
fn spread(hash: HashFn, vnodes: &[u32]) -> Vec<f64> {
    vnodes
        .iter()
        .map(|&vnodes| {
            placement(&PlacementConfig {
                hash,
                vnodes,
                ..config(Strategy::VNodes, N, KEYS)
            })
            .stats()
            .relative_stddev
        })
        .collect()
}

/// More virtual nodes, lower spread. With XXH3 the spread keeps falling to 1000 vnodes
/// (0.88, 0.26, 0.08, 0.04). CRC-32 and FNV-1a mix sequential names (`n1#17`, `key-42`)
/// poorly into the high bits that pick a ring position, so their spread falls more slowly
/// (FNV: 1.75, 0.86, 0.51, 0.31) or stops falling after 100 (CRC-32: 2.37, 0.74, 0.116,
/// 0.118); the lab shows that, so only their first steps are asserted.
#[test]
fn more_virtual_nodes_lower_the_spread() {
    let s = spread(HashFn::Xxh3, &[1, 10, 100, 1000]);
    assert!(s.windows(2).all(|w| w[1] < w[0]), "xxh3: {s:?}");
    assert!(s[3] < 0.06, "xxh3: {s:?}");
    for hash in [HashFn::Crc32, HashFn::Fnv] {
        let s = spread(hash, &[1, 10, 100]);
        assert!(s.windows(2).all(|w| w[1] < w[0]), "{hash:?}: {s:?}");
    }
}

#[test]
fn weights_scale_the_load() {
    for strategy in [Strategy::VNodes, Strategy::Rendezvous, Strategy::Mod] {
        let p = placement(&PlacementConfig {
            weights: vec![1, 2, 3],
            vnodes: 200,
            ..config(strategy, 3, 60_000)
        });
        let s = p.stats();
        for (i, want) in [10_000.0, 20_000.0, 30_000.0].iter().enumerate() {
            let got = s.per_node[i] as f64;
            assert!(
                (got - want).abs() < 0.12 * want,
                "{strategy:?}: {:?}",
                s.per_node
            );
        }
    }
    let refused = Placement::new(&PlacementConfig {
        weights: vec![1, 2],
        ..config(Strategy::Jump, 2, 10)
    });
    assert_eq!(
        refused.err(),
        Some(PlacementError::WeightsUnsupported(Strategy::Jump))
    );
}

/// Rendezvous updates only the keys that must move; the result equals placing from scratch.
#[test]
fn rendezvous_updates_equal_a_fresh_placement() {
    for weights in [vec![], vec![3, 1, 2, 5, 1]] {
        let mut p = placement(&PlacementConfig {
            weights: weights.clone(),
            ..config(Strategy::Rendezvous, 5, 5000)
        });
        p.apply(Change::Add { weight: 2 }).unwrap();
        p.apply(Change::Fail { node: 1 }).unwrap();
        p.apply(Change::Add { weight: 1 }).unwrap();
        for k in (0..5000).step_by(7) {
            let fresh = p.lookup(&key_label(0, k)).owner;
            assert_eq!(
                p.owners()[k as usize],
                fresh,
                "key {k} (weights {weights:?})"
            );
        }
    }
}

#[test]
fn jump_skips_failed_slots_and_shrinks_on_removing_the_last() {
    let mut p = placement(&config(Strategy::Jump, 6, 30_000));
    let r = p.apply(Change::Fail { node: 2 }).unwrap().clone();
    assert_eq!(r.after.per_node[2], 0);
    assert_eq!(r.moved, r.before.per_node[2]);
    let newest = p.resolve(ChangeSpec::RemoveNewest).unwrap();
    assert_eq!(newest, Change::Remove { node: 5 });
    let r = p.apply(newest).unwrap();
    assert_eq!(r.moved, r.before.per_node[5]);
}

#[test]
fn changes_are_checked() {
    let mut p = placement(&config(Strategy::Ring, 2, 100));
    assert_eq!(
        p.apply(Change::Fail { node: 9 }).err(),
        Some(PlacementError::NoSuchNode(9))
    );
    p.apply(Change::Remove { node: 0 }).unwrap();
    assert_eq!(
        p.apply(Change::Fail { node: 0 }).err(),
        Some(PlacementError::NodeAlreadyGone(0))
    );
    assert_eq!(
        p.apply(Change::Fail { node: 1 }).err(),
        Some(PlacementError::LastNode)
    );
    assert_eq!(Change::parse("fail"), None);
    assert_eq!(Change::parse("recover"), None);
    assert_eq!(
        Change::parse("recover:2"),
        Some(ChangeSpec::Exact(Change::Recover { node: 2 }))
    );
    assert_eq!(Change::Recover { node: 2 }.to_string(), "recover:2");
    assert_eq!(Change::parse("add:3"), Some(ChangeSpec::Add(3)));
    let too_many = Placement::new(&PlacementConfig {
        vnodes: 1000,
        weights: vec![5; 256],
        ..config(Strategy::VNodes, 256, 1)
    });
    assert!(matches!(too_many, Err(PlacementError::TooManyPoints(_))));
}

/// With weights 1, 2, 3 an ideal placement gives the nodes 1/6, 2/6 and 3/6 of the keys, so
/// keys over the unweighted mean peak near 3/6 ÷ 1/3 = 1.5 however good the placement is;
/// keys over each node's expected share (weight / Σweight × keys) peak near 1. Tolerances
/// (60,000 keys): the weighted max ratio within 3 % of 1 for rendezvous and mod (binomial,
/// σ ≈ 0.6 %) and within 8 % for 1,000 virtual nodes per unit of weight (arc lengths vary,
/// σ ≈ 2.5 %); the unweighted max/mean within 5 % of 1.5.
#[test]
fn weighted_statistics_measure_load_against_each_nodes_share() {
    for (strategy, tolerance) in [
        (Strategy::VNodes, 0.08),
        (Strategy::Rendezvous, 0.03),
        (Strategy::Mod, 0.03),
    ] {
        let p = placement(&PlacementConfig {
            weights: vec![1, 2, 3],
            vnodes: 1000,
            ..config(strategy, 3, 60_000)
        });
        let s = p.stats();
        assert!(s.weighted);
        assert_eq!(s.expected, vec![10_000.0, 20_000.0, 30_000.0]);
        for i in 0..3 {
            let want = s.per_node[i] as f64 / s.expected[i];
            assert!((s.load_ratio[i] - want).abs() < 1e-12);
        }
        assert!(
            (s.max_ratio - 1.0).abs() <= tolerance && s.max_ratio >= 1.0,
            "{strategy:?}: weighted max ratio {} ({:?})",
            s.max_ratio,
            s.per_node
        );
        assert!(s.min_ratio <= 1.0 && s.min_ratio >= 1.0 - tolerance);
        assert!(
            s.ratio_stddev < tolerance,
            "{strategy:?}: {}",
            s.ratio_stddev
        );
        assert!(
            (s.max_over_mean - 1.5).abs() <= 0.05 * 1.5,
            "{strategy:?}: unweighted max/mean {}",
            s.max_over_mean
        );
        assert!(
            s.relative_stddev > 0.35,
            "{strategy:?}: {}",
            s.relative_stddev
        );
        // The raw counts are still there.
        assert_eq!(s.per_node.iter().sum::<u64>(), 60_000);
        assert_eq!(s.max, *s.per_node.iter().max().unwrap());
    }
    // Equal weights: the ratios are the unweighted figures.
    let s = placement(&config(Strategy::VNodes, 7, 20_000)).stats();
    assert!(!s.weighted);
    assert!((s.max_ratio - s.max_over_mean).abs() < 1e-12);
    assert!((s.ratio_stddev - s.relative_stddev).abs() < 1e-12);
    // A failed node expects nothing; the live ones share its weight.
    let mut p = placement(&PlacementConfig {
        weights: vec![1, 2, 3],
        ..config(Strategy::Rendezvous, 3, 30_000)
    });
    p.apply(Change::Fail { node: 2 }).unwrap();
    let s = p.stats();
    assert_eq!(s.expected, vec![10_000.0, 20_000.0, 0.0]);
    assert_eq!(s.load_ratio[2], 0.0);
}

const ALL: [Strategy; 6] = Strategy::ALL;

fn each_config() -> Vec<PlacementConfig> {
    let mut out: Vec<PlacementConfig> = ALL
        .iter()
        .map(|&s| PlacementConfig {
            vnodes: 20,
            ..config(s, 8, 20_000)
        })
        .collect();
    for s in [
        Strategy::Mod,
        Strategy::VNodes,
        Strategy::Bounded,
        Strategy::Rendezvous,
    ] {
        out.push(PlacementConfig {
            weights: vec![1, 3, 2, 1, 4, 2, 1, 2],
            vnodes: 20,
            ..config(s, 8, 20_000)
        });
    }
    out
}

/// A failure moves only the failed node's keys (bounded loads may also shift keys between
/// live nodes, as caps change), and only onto live nodes; recovering puts every key back
/// with its original owner — also after several failures recovered in another order, and
/// when the failed node is jump's highest slot.
#[test]
fn fail_then_recover_returns_every_key() {
    for cfg in each_config() {
        let mut p = placement(&cfg);
        let original = p.owners().to_vec();
        let held = p.stats().per_node;
        for node in [7, 2, 5] {
            let r = p.apply(Change::Fail { node }).unwrap().clone();
            let what = format!("{:?} {:?} fail:{node}", cfg.strategy, cfg.weights);
            for (n, &to) in p.nodes().iter().zip(&r.moved_to) {
                assert!(n.alive || to == 0, "{what}: {to} keys to down {}", n.name);
            }
            assert_eq!(r.after.per_node[node as usize], 0, "{what}");
            assert!(p.nodes()[node as usize].failed && !p.nodes()[node as usize].alive);
            if cfg.strategy != Strategy::Bounded {
                assert_eq!(r.moved, r.before.per_node[node as usize], "{what}");
                assert_eq!(r.moved_from[node as usize], r.moved, "{what}");
            }
        }
        assert_eq!(p.stats().live_nodes, 5);
        for node in [2, 7, 5] {
            p.apply(Change::Recover { node }).unwrap();
        }
        let back = p.owners().iter().zip(&original).filter(|(a, b)| a != b);
        assert_eq!(back.count(), 0, "{:?} {:?}", cfg.strategy, cfg.weights);
        assert_eq!(p.stats().per_node, held);
        // One failure and its recovery: the recovery moves back exactly what the failure moved.
        let moved = p.apply(Change::Fail { node: 3 }).unwrap().moved;
        let r = p.apply(Change::Recover { node: 3 }).unwrap();
        assert_eq!(r.moved, moved);
        assert_eq!(p.owners(), &original[..]);
    }
}

/// Removing a node and adding one in its place is a different node (a new name, so new ring
/// points and scores; for mod-N two reshuffles, over half the keys with equal weights and
/// about a third with these weights, where the newcomer's slot range sits last), so keys do
/// not all return; under mod-N a removal alone moves most keys where a failure moves only
/// the failed node's share.
#[test]
fn remove_then_add_does_not_return_the_keys() {
    for cfg in each_config() {
        let mut p = placement(&cfg);
        let original = p.owners().to_vec();
        let held = p.stats().per_node[3] as f64 / original.len() as f64;
        p.apply(Change::Remove { node: 3 }).unwrap();
        p.apply(Change::Add {
            weight: p.nodes()[3].weight,
        })
        .unwrap();
        let differ = p.owners().iter().zip(&original).filter(|(a, b)| a != b);
        let f = differ.count() as f64 / original.len() as f64;
        let what = format!("{:?} {:?}: {f}", cfg.strategy, cfg.weights);
        // At least everything node 3 held now sits elsewhere (node 3 is gone for good).
        assert!(f > 0.0 && f >= held, "{what} (node 3 held {held})");
        assert!(original
            .iter()
            .zip(p.owners())
            .all(|(&a, &b)| a != 3 || b != 3));
        if cfg.strategy == Strategy::Mod && cfg.weights.is_empty() {
            assert!(f > 0.5, "{what}");
        }
    }
    // mod-N: a removal moves most keys, a failure only the failed node's.
    let mut p = placement(&config(Strategy::Mod, N, KEYS));
    let fail = p.apply(Change::Fail { node: 4 }).unwrap().moved_fraction;
    assert!((fail - 0.1).abs() < 0.01, "mod fail moved {fail}");
    let mut p = placement(&config(Strategy::Mod, N, KEYS));
    let remove = p.apply(Change::Remove { node: 4 }).unwrap().moved_fraction;
    assert!(remove > 0.85, "mod remove moved {remove}");
}

/// Mod-N fallback is the next live member in slot order; removing a failed node is allowed
/// and settles the layout; a node cannot fail twice or recover unless failed.
#[test]
fn failed_nodes_fall_back_and_follow_the_rules() {
    let mut p = placement(&config(Strategy::Mod, 4, 4000));
    let before = p.owners().to_vec();
    let r = p.apply(Change::Fail { node: 1 }).unwrap().clone();
    assert_eq!(r.moved_to, vec![0, 0, r.moved, 0]);
    for (a, b) in before.iter().zip(p.owners()) {
        assert_eq!(*b, if *a == 1 { 2 } else { *a });
    }
    assert_eq!(
        p.apply(Change::Fail { node: 1 }).err(),
        Some(PlacementError::NodeAlreadyFailed(1))
    );
    assert_eq!(
        p.apply(Change::Recover { node: 0 }).err(),
        Some(PlacementError::NotFailed(0))
    );
    // Removing the failed node: now N = 3, so most keys move.
    let r = p.apply(Change::Remove { node: 1 }).unwrap().clone();
    assert!(r.moved_fraction > 0.5, "{}", r.moved_fraction);
    assert!(!p.nodes()[1].failed && !p.nodes()[1].is_member());
    assert_eq!(
        p.apply(Change::Recover { node: 1 }).err(),
        Some(PlacementError::NodeAlreadyGone(1))
    );
    // The last live node may not fail or leave, even with failed members around.
    let mut p = placement(&config(Strategy::Ring, 3, 100));
    p.apply(Change::Fail { node: 0 }).unwrap();
    p.apply(Change::Fail { node: 1 }).unwrap();
    assert_eq!(
        p.apply(Change::Fail { node: 2 }).err(),
        Some(PlacementError::LastNode)
    );
    assert_eq!(
        p.apply(Change::Remove { node: 2 }).err(),
        Some(PlacementError::LastNode)
    );
    p.apply(Change::Remove { node: 0 }).unwrap();
    assert_eq!(p.last_change().unwrap().moved, 0);
    // Jump keeps its slot count when the highest slot fails, and shrinks when it is removed.
    let mut p = placement(&config(Strategy::Jump, 6, 30_000));
    let r = p.apply(Change::Fail { node: 5 }).unwrap().clone();
    assert_eq!(r.moved, r.before.per_node[5]);
    p.apply(Change::Recover { node: 5 }).unwrap();
    assert_eq!(p.stats().per_node, r.before.per_node);
}

#[test]
fn drawing_data_is_consistent() {
    let p = placement(&PlacementConfig {
        vnodes: 50,
        ..config(Strategy::VNodes, 5, 10_000)
    });
    let v = p.ring_view();
    assert_eq!(v.points.len(), 250);
    assert!((v.ownership.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    assert!(v.points.windows(2).all(|w| w[0].turn <= w[1].turn));
    let dots = p.key_dots(1000);
    assert_eq!(dots.len(), 1000);
    for d in &dots {
        let l = p.lookup(&key_label(0, d.key));
        assert_eq!((l.owner, l.turn), (d.owner, d.turn));
        assert_eq!(d.owner, d.previous_owner);
    }
    // Placement is a pure function of its configuration.
    let again = placement(&PlacementConfig {
        vnodes: 50,
        ..config(Strategy::VNodes, 5, 10_000)
    });
    assert_eq!(p.owners(), again.owners());
}

#[test]
fn calc_placement_prints_statistics_and_moves() {
    let v = common::calc_json(&[
        "placement",
        "--strategy",
        "mod",
        "--nodes",
        "10",
        "--keys",
        "100000",
        "--change",
        "add",
    ]);
    assert_eq!(v["before"]["keys"], 100_000);
    assert_eq!(v["after"]["per_node"].as_array().unwrap().len(), 11);
    assert!(v["moved_fraction"].as_f64().unwrap() > 0.85);

    let v = common::calc_json(&[
        "placement",
        "--strategy=vnodes",
        "--nodes=3",
        "--weights=1,2,3",
        "--vnodes=1",
        "--keys=10",
        "--hash=crc32",
        "--ring",
    ]);
    assert_eq!(v["ring"]["points"].as_array().unwrap().len(), 6);

    assert_eq!(v["before"]["weighted"], true);
    assert!(v["before"]["max_ratio"].is_number());
    assert_eq!(v["before"]["expected"].as_array().unwrap().len(), 3);

    // Fail then recover: the keys all return; remove then add: they do not.
    for (changes, back) in [("fail:1,recover:1", true), ("remove:1,add", false)] {
        let v = common::calc_json(&[
            "placement",
            "--strategy=mod",
            "--keys=10000",
            "--change",
            changes,
        ]);
        assert_eq!(v["changes"].as_array().unwrap().len(), 2);
        let since = v["moved_fraction_since_start"].as_f64().unwrap();
        if back {
            assert_eq!(since, 0.0, "{changes}");
            assert_eq!(v["change"], "recover:1");
            assert_eq!(v["nodes"][1]["alive"], true);
        } else {
            assert!(since > 0.5, "{changes}: {since}");
        }
    }

    let v = common::calc_json(&["placement", "--keys", "20000", "--bench", "--runs", "2"]);
    assert_eq!(v["bench"]["runs_ms"].as_array().unwrap().len(), 2);
}

#[test]
fn calc_placement_refuses_bad_arguments() {
    for (args, msg) in [
        (
            &["placement", "--strategy", "magic"][..],
            "unknown strategy",
        ),
        (&["placement", "--nodes", "0"], "outside"),
        (&["placement", "--nodes", "many"], "not a whole number"),
        (&["placement", "--c", "5"], "load factor"),
        (&["placement", "--change", "explode"], "--change"),
        (&["placement", "--change", "fail:99"], "no node 99"),
        (&["placement", "--change", "recover:1"], "has not failed"),
        (
            &["placement", "--change", "fail:1,fail:1"],
            "already failed",
        ),
        (
            &["placement", "--strategy", "jump", "--weights", "1,2,3,4"],
            "no node weights",
        ),
        (
            &["placement", "--weights", "1,2"],
            "2 weights given for 4 nodes",
        ),
        (&["placement", "--keys"], "needs a value"),
        (&["placement", "--frobnicate"], "unknown option"),
        (&["teleport"], "unknown calc command"),
    ] {
        common::assert_calc_refuses(args, msg);
    }
}

//! Each preset's lesson.

use super::*;

fn run(id: &str) -> NetSession<RedisCluster> {
    let mut s = preset(id);
    let until = labs::find("redis-cluster")
        .and_then(|l| l.scenario(id))
        .map_or(3_000, |i| i.duration_ms);
    s.run_until(until * MS);
    assert!(s.violations().is_empty(), "{id}: {:?}", s.violations());
    s
}

/// c7 writes foo at a master that does not own slot 12182: MOVED to M3, retried, stored;
/// its GET goes straight to M3. c8's lookup of {user1000}.following names slot 3443 and M1,
/// and its write of {user1000}.followers goes straight to M1.
#[test]
fn moved_redirects_to_the_owner_and_hash_tags_share_a_slot() {
    let s = run("cluster-moved");
    let moved = noted(&s, "redis-cluster.moved");
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert_eq!(moved[0].2, 12_182);
    assert_ne!(moved[0].1, M3);
    assert_eq!(node(&s, M3).data.get("foo").copied(), Some(7_001));
    assert_eq!(last(&s, C7), ("foo".into(), "7001".into()));
    let l = node(&s, C8).lookup.clone().expect("lookup");
    assert_eq!((l.slot, l.owner), (3_443, Some(M1)));
    assert!(node(&s, M1).data.contains_key("{user1000}.followers"));
    assert_eq!(stat(&s, "redis-cluster.answered"), 3.0);
}

/// While slot 3443 migrates from M1 to M2, a key already moved is answered with ASK and read
/// at M2; a key not yet moved is read at M1; afterwards M2 owns the slot with a higher config
/// epoch everywhere, M1 answers MOVED, and no key was lost.
#[test]
fn resharding_answers_ask_for_moved_keys() {
    let s = run("cluster-reshard-ask");
    let asks = noted(&s, "redis-cluster.ask");
    assert_eq!(asks.len(), 1, "{asks:?}");
    assert_eq!((asks[0].1, asks[0].2), (M1, 3_443));
    assert!(asks[0].0 > 1_000 * MS && asks[0].0 < 1_100 * MS);
    assert_eq!(stat(&s, "redis-cluster.keys_migrated"), 3.0);
    assert_eq!(noted(&s, "redis-cluster.slot_claimed").len(), 1);
    for n in 0..6 {
        assert_eq!(node(&s, n).slots.owner(3_443), Some(M2), "node {n}");
    }
    assert_eq!(node(&s, M2).config_epoch, 4);
    assert!(node(&s, M1).data.is_empty());
    for k in [
        "{user1000}.following",
        "{user1000}.followers",
        "{user1000}.posts",
    ] {
        assert!(node(&s, M2).data.contains_key(k), "{k}");
    }
    // c8 read posts at M1 before it moved, c7 read following at M2 after MOVED.
    let c8 = noted(&s, "redis-cluster.ok");
    assert!(c8.len() >= 6, "{c8:?}");
    assert_eq!(last(&s, C8), ("{user1000}.posts".into(), "8001".into()));
    assert_eq!(last(&s, C7), ("{user1000}.following".into(), "7001".into()));
    let moved: Vec<_> = noted(&s, "redis-cluster.moved")
        .into_iter()
        .filter(|m| m.0 > 2_000 * MS)
        .collect();
    assert_eq!(moved.len(), 1, "M1 now sends c7 to M2");
}

/// M3 crashes: PFAIL, then FAIL by a majority of masters, then R6 wins the election in
/// epoch 4 with M1's and M2's votes and takes 11001–16383; c7 reads foo at R6; M3, back,
/// becomes R6's replica.
#[test]
fn a_failed_master_is_replaced_by_its_replica() {
    let s = run("cluster-failover");
    let pfail: Vec<_> = noted(&s, "redis-cluster.pfail")
        .into_iter()
        .filter(|p| p.2 == M3 as u64 + 1)
        .collect();
    assert!(pfail.iter().all(|p| p.0 >= 800 * MS), "{pfail:?}");
    let fail = noted(&s, "redis-cluster.fail");
    assert_eq!(fail.len(), 1);
    assert!(fail[0].0 > pfail[0].0);
    let won = noted(&s, "redis-cluster.promoted");
    assert_eq!(won, vec![(won[0].0, R6, 4)]);
    let votes: Vec<NodeId> = noted(&s, "redis-cluster.voted")
        .iter()
        .map(|v| v.1)
        .collect();
    assert_eq!(votes.len(), 2);
    assert!(votes.contains(&M1) && votes.contains(&M2));
    for n in [M1, M2, R4, R6] {
        assert_eq!(node(&s, n).slots.owner(12_182), Some(R6), "node {n}");
    }
    assert_eq!(node(&s, R6).config_epoch, 4);
    assert_eq!(last(&s, C7), ("foo".into(), "7001".into()));
    // Back at 3 s: its slots are claimed with a higher epoch, it follows R6.
    assert_eq!(node(&s, M3).replica_of, Some(R6));
    assert_eq!(node(&s, M3).data.get("foo").copied(), Some(7_001));
    assert_eq!(s.view().nodes[R6].role, "redis-cluster.master");
    // Detection: node_timeout of silence, then the majority's gossip (crash at 300 ms).
    let detect = stat(&s, "redis-cluster.detect_ms");
    assert!((500.0..=800.0).contains(&detect), "{detect}");
    assert!(stat(&s, "redis-cluster.failover_ms") > 0.0);
}

/// M3 has no replica: after FAIL nobody takes over, foo's slot answers CLUSTERDOWN while
/// bar's slot still works.
#[test]
fn a_master_without_replica_leaves_its_slots_down() {
    let s = run("cluster-slots-down");
    assert_eq!(noted(&s, "redis-cluster.fail").len(), 1);
    assert!(noted(&s, "redis-cluster.election").is_empty());
    assert_eq!(stat(&s, "redis-cluster.clusterdown"), 1.0);
    let c6: NodeId = 5;
    let c7: NodeId = 6;
    assert_eq!(
        last(&s, c6),
        ("foo".into(), "-CLUSTERDOWN slot 12182".into())
    );
    assert_eq!(last(&s, c7), ("bar".into(), "OK".into()));
    assert_eq!(node(&s, M1).slots.owner(12_182), Some(M3));
}

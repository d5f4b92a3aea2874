//! The heartbeat ring (seed 001, "保活机制"): every node computes the same ring from the
//! member list, ordered by a hash of the node id, and each member is watched by the `k`
//! members that follow it clockwise. Akka's rule when the user sets no `k`: `k = n − 1` for
//! a cluster of `n < 6` nodes, else `k = 5`.

use super::gossip::Gossip;
use crate::NodeId;

/// The notes' rule: how many nodes watch each node in a cluster of `n` (`user` > 0 overrides
/// it; never more than the other `n − 1` nodes).
pub fn k_for(n: usize, user: usize) -> usize {
    let k = if user > 0 {
        user
    } else if n < 6 {
        n.saturating_sub(1)
    } else {
        5
    };
    k.min(n.saturating_sub(1))
}

/// The position of a node on the ring: a fixed 64-bit mix of its id (the same on every node).
pub fn hash(node: NodeId) -> u64 {
    let mut z = (node as u64).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Node ids in ring order.
pub fn order(nodes: impl Iterator<Item = NodeId>) -> Vec<NodeId> {
    let mut v: Vec<NodeId> = nodes.collect();
    v.sort_by_key(|&n| (hash(n), n));
    v
}

/// The ring of a gossip's active members (joining to exiting), in ring order.
pub fn of(g: &Gossip) -> Vec<NodeId> {
    let mut nodes: Vec<NodeId> = g.active().map(|m| m.node).collect();
    nodes.dedup();
    order(nodes.into_iter())
}

/// The `k` nodes that watch `subject` on `ring`: the ones that follow it clockwise.
pub fn watchers(ring: &[NodeId], subject: NodeId, k: usize) -> Vec<NodeId> {
    let Some(p) = ring.iter().position(|&n| n == subject) else {
        return Vec::new();
    };
    let k = k.min(ring.len().saturating_sub(1));
    (1..=k).map(|i| ring[(p + i) % ring.len()]).collect()
}

/// The nodes `watcher` watches on `ring`: the `k` that precede it.
pub fn watched_by(ring: &[NodeId], watcher: NodeId, k: usize) -> Vec<NodeId> {
    let Some(p) = ring.iter().position(|&n| n == watcher) else {
        return Vec::new();
    };
    let len = ring.len();
    let k = k.min(len.saturating_sub(1));
    (1..=k).map(|i| ring[(p + len - i) % len]).collect()
}

//! The checker and counters. The property: no two nodes' slot tables give one slot to two
//! different owners with the same config epoch (checked whenever a table changed; a table
//! that did not change is not compared again). Counters from the trace: commands answered,
//! MOVED, ASK, TRYAGAIN and CLUSTERDOWN replies, PFAIL and FAIL marks, elections, votes,
//! promotions, keys migrated, slots claimed.

use super::{RedisCluster, ONE_OWNER};
use crate::sim::{Found, Observed, TraceKind};
use crate::{NodeId, Time};

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// The table version last checked, per node.
    versions: Vec<u64>,
    /// A conflict is reported once, when it appears.
    conflicted: bool,
    pub violations: u64,
    pub ok: u64,
    pub stored: u64,
    pub moved: u64,
    pub asks: u64,
    pub tryagain: u64,
    pub down: u64,
    pub timeouts: u64,
    pub gave_up: u64,
    pub pfail: u64,
    pub fail: u64,
    pub elections: u64,
    pub votes: u64,
    pub promotions: u64,
    pub keys_migrated: u64,
    pub slots_claimed: u64,
    pub collisions: u64,
    /// When a master owning slots first crashed, the first FAIL was marked and the first
    /// promotion followed (µs).
    pub first_master_crash: Option<Time>,
    pub first_fail: Option<Time>,
    pub first_promotion: Option<Time>,
    pub faults: bool,
}

impl Monitor {
    /// From the first crash of a master to the first FAIL after it (ms).
    pub fn detect_ms(&self) -> Option<u64> {
        match (self.first_master_crash, self.first_fail) {
            (Some(a), Some(b)) if b >= a => Some((b - a) / 1_000),
            _ => None,
        }
    }

    pub(super) fn check(&mut self, node: NodeId, nodes: &[RedisCluster]) -> Found {
        let mut found = Vec::new();
        let Some(me) = nodes.get(node) else {
            return found;
        };
        if self.versions.len() < nodes.len() {
            self.versions.resize(nodes.len(), u64::MAX);
        }
        if self.versions[node] == me.slots_version {
            return found;
        }
        self.versions[node] = me.slots_version;
        let conflict = nodes
            .iter()
            .filter(|o| o.id != node)
            .find_map(|o| me.slots.conflict(&o.slots).map(|c| (o.id, c)));
        match conflict {
            Some((other, (slot, epoch, a, b))) if !self.conflicted => {
                self.conflicted = true;
                self.violations += 1;
                found.push((
                    ONE_OWNER,
                    format!(
                        "slot {slot} has two owners with config epoch {epoch}: node {} says \
                         node {}, node {} says node {}",
                        node + 1,
                        a + 1,
                        other + 1,
                        b + 1
                    ),
                ));
            }
            Some(_) => {}
            None => self.conflicted = false,
        }
        found
    }

    pub(super) fn observe(&mut self, seen: &Observed<RedisCluster>) {
        let r = seen.record;
        match &r.kind {
            TraceKind::Note { key, .. } => match *key {
                "redis-cluster.ok" => self.ok += 1,
                "redis-cluster.stored" => self.stored += 1,
                "redis-cluster.moved" => self.moved += 1,
                "redis-cluster.ask" => self.asks += 1,
                "redis-cluster.tryagain" => self.tryagain += 1,
                "redis-cluster.down" => self.down += 1,
                "redis-cluster.timeout" => self.timeouts += 1,
                "redis-cluster.gave_up" => self.gave_up += 1,
                "redis-cluster.pfail" => self.pfail += 1,
                "redis-cluster.fail" => {
                    self.fail += 1;
                    self.first_fail.get_or_insert(r.time);
                }
                "redis-cluster.election" => self.elections += 1,
                "redis-cluster.voted" => self.votes += 1,
                "redis-cluster.promoted" => {
                    self.promotions += 1;
                    self.first_promotion.get_or_insert(r.time);
                }
                "redis-cluster.key_migrated" => self.keys_migrated += 1,
                "redis-cluster.slot_claimed" => self.slots_claimed += 1,
                "redis-cluster.epoch_collision" => self.collisions += 1,
                _ => {}
            },
            TraceKind::Crash { node } => {
                self.faults = true;
                let owner = seen
                    .nodes
                    .get(*node)
                    .is_some_and(|n| n.is_master() && n.slots.count(*node) > 0);
                if owner {
                    self.first_master_crash.get_or_insert(r.time);
                }
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }
}

//! The gossip lab's checker and measures.
//!
//! - `gossip.monotonic` (always): a node's version of a key never goes back and no key it
//!   held disappears (checked on the node's store after every event that changed it).
//! - `gossip.converged` (eventually): once no partition or cut is in force, no fault and no
//!   write happened for [`QUIET_ROUNDS`] gossip periods (longer on a lossy network, not
//!   checked above 50 % loss), every up node holds, for every key, the newest version any up
//!   node holds. Anti-entropy promises this; rumor mongering does not (its lesson: a rumor
//!   can die out before reaching everyone).
//!
//! Measures: the **newest write** (the last `write` at any node), how many nodes hold it (the
//! infection curve, a chart), the rounds from that write until every node held it, messages
//! sent, and the useful and redundant ones received (a chart of both, cumulative).

use std::collections::BTreeMap;

use super::{name, Gossip, Key, Version};
use crate::labs::SeriesBuf;
use crate::sim::quiet::FaultWatch;
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{NodeId, Time};

/// Gossip periods without faults or writes before convergence is required.
pub const QUIET_ROUNDS: u64 = 20;

/// The newest write: its key, version and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Newest {
    pub key: Key,
    pub version: Version,
    pub at: Time,
}

/// What the monitor knows of one node.
#[derive(Clone, Debug, Default)]
struct NodeRecord {
    writes: u64,
    changes: u64,
    useful: u64,
    redundant: u64,
    infected: bool,
    /// Each key's version as last seen, for the monotonic check.
    versions: BTreeMap<Key, Version>,
}

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    nodes: Vec<NodeRecord>,
    pub newest: Option<Newest>,
    /// Nodes holding the newest write.
    pub infected: usize,
    /// When every node held the newest write, and in how many gossip periods.
    pub full_at: Option<Time>,
    pub full_rounds: Option<f64>,
    /// Messages sent between the newest write and the moment every node held it.
    pub full_msgs: Option<u64>,
    sent_at_write: u64,
    /// Writes that reached every node, and their rounds in total.
    pub spreads: u64,
    pub rounds_sum: f64,
    pub writes: u64,
    pub sent: u64,
    pub useful: u64,
    pub redundant: u64,
    pub period: Time,
    pub faults: FaultWatch,
    pub infected_curve: SeriesBuf,
    pub useful_curve: SeriesBuf,
    pub redundant_curve: SeriesBuf,
}

impl Monitor {
    fn ensure(&mut self, n: usize) {
        if self.nodes.len() < n {
            self.nodes.resize_with(n, NodeRecord::default);
        }
    }

    pub(super) fn check(&mut self, now: Time, node: NodeId, nodes: &[Gossip]) -> Found {
        let mut found = Vec::new();
        self.ensure(nodes.len());
        let Some(p) = nodes.get(node) else {
            return found;
        };
        self.period = p.config().period;
        let mut recount = false;
        let rec = &mut self.nodes[node];
        if p.writes != rec.writes {
            self.writes += p.writes.saturating_sub(rec.writes);
            rec.writes = p.writes;
            if let Some((key, version)) = p.last_write {
                self.newest = Some(Newest {
                    key,
                    version,
                    at: now,
                });
                self.full_at = None;
                self.full_rounds = None;
                self.full_msgs = None;
                self.sent_at_write = self.sent;
                recount = true;
            }
        }
        if p.changes != rec.changes {
            rec.changes = p.changes;
            for (k, e) in p.store.iter() {
                let seen = rec.versions.entry(*k).or_insert(e.version);
                if e.version < *seen {
                    found.push((
                        "gossip.monotonic",
                        format!(
                            "{} goes back from {k} {seen} to {k} {}",
                            name(node),
                            e.version
                        ),
                    ));
                }
                *seen = e.version;
            }
            if let Some(k) = rec.versions.keys().find(|k| p.store.get(k).is_none()) {
                found.push(("gossip.monotonic", format!("{} lost key {k}", name(node))));
            }
            recount = true;
        }
        if p.useful != rec.useful || p.redundant != rec.redundant {
            self.useful += p.useful.saturating_sub(rec.useful);
            self.redundant += p.redundant.saturating_sub(rec.redundant);
            rec.useful = p.useful;
            rec.redundant = p.redundant;
            self.useful_curve.push(now, self.useful as f64);
            self.redundant_curve.push(now, self.redundant as f64);
        }
        if recount {
            self.recount(now, nodes);
        }
        found
    }

    /// Which nodes hold the newest write; the curve, and the moment all do.
    fn recount(&mut self, now: Time, nodes: &[Gossip]) {
        let Some(w) = self.newest else {
            return;
        };
        let mut count = 0;
        for (rec, p) in self.nodes.iter_mut().zip(nodes) {
            rec.infected = p.store.has(&w.key, w.version);
            count += usize::from(rec.infected);
        }
        if count != self.infected || self.infected_curve.is_empty() {
            self.infected = count;
            self.infected_curve.push(now, count as f64);
        }
        if count == nodes.len() && self.full_at.is_none() {
            let rounds = now.saturating_sub(w.at) as f64 / self.period.max(1) as f64;
            self.full_at = Some(now);
            self.full_rounds = Some(rounds);
            self.full_msgs = Some(self.sent - self.sent_at_write);
            self.spreads += 1;
            self.rounds_sum += rounds;
        }
    }

    /// Whether node `i` holds the newest write.
    pub fn holds_newest(&self, i: NodeId) -> bool {
        self.nodes.get(i).is_some_and(|r| r.infected)
    }

    pub(super) fn observe(&mut self, seen: &Observed<Gossip>, _found: &mut Found) {
        let r = seen.record;
        if let TraceKind::Send { .. } = r.kind {
            self.sent += 1;
        }
        self.faults.observe(&r.kind, r.time);
    }

    /// How long the run must have been quiet before convergence is required (None: not
    /// required, the network loses too much).
    pub fn quiet(&self, loss: f64) -> Option<Time> {
        if loss > 0.5 {
            return None;
        }
        let slow = 1.0 / ((1.0 - loss) * (1.0 - loss));
        Some((QUIET_ROUNDS as f64 * slow * self.period.max(1) as f64) as Time)
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[Gossip],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        let Some(cfg) = nodes.first().map(|p| p.config()) else {
            return;
        };
        let Some(quiet) = self.quiet(cfg.loss) else {
            return;
        };
        let last_write = self.newest.map_or(0, |w| w.at);
        if !self.faults.settled(now, quiet) || now < last_write.saturating_add(quiet) {
            return;
        }
        let up = |i: &NodeId| status.get(*i) == Some(&NodeStatus::Up);
        // The newest version of each key any up node holds, and who holds it.
        let mut target: BTreeMap<Key, (Version, NodeId)> = BTreeMap::new();
        for p in nodes.iter().filter(|p| up(&p.id)) {
            for (k, e) in p.store.iter() {
                let t = target.entry(*k).or_insert((e.version, p.id));
                if e.version > t.0 {
                    *t = (e.version, p.id);
                }
            }
        }
        for p in nodes.iter().filter(|p| up(&p.id)) {
            let lacking = target
                .iter()
                .filter(|(k, (v, _))| !p.store.has(k, *v))
                .count();
            if let Some((k, (v, holder))) = target.iter().find(|(k, (v, _))| !p.store.has(k, *v)) {
                found.push((
                    "gossip.converged",
                    format!(
                        "{} still lacks {k} {v} (held by {}){}, {} s after the last fault or write",
                        name(p.id),
                        name(*holder),
                        if lacking > 1 {
                            format!(" and {} more", lacking - 1)
                        } else {
                            String::new()
                        },
                        quiet / 1_000_000
                    ),
                ));
            }
        }
    }
}

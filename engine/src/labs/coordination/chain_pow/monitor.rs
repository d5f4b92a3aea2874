//! The proof-of-work lab's checker and counters.
//!
//! - `valid-chain` (always): every block on a node's best chain hashes to what it says,
//!   meets the difficulty and links to its parent one height below. Checked when a node's tip
//!   changes, walking back to a block already verified (each block is verified once, with its
//!   own SHA-256, independently of the node's acceptance rule).
//! - `longest-chain` (always): a node's tip is as high as any block it stores (it switched to
//!   every longer branch it learnt of).
//! - `no-reversal` (always, a lesson): a payment confirmed on a node's chain stays on it — read
//!   from the nodes' `pow.reversed` notes.
//! - `prefix-agreement` (eventually): with no partition or cut open and no crash, restart,
//!   pause or partition in the last [`QUIET`], the running nodes hold the same block at every
//!   height [`SETTLE_DEPTH`] or more below the lowest of their tips.

use std::collections::BTreeSet;

use super::chain::{meets, short, Hash};
use super::Pow;
use crate::sim::quiet::FaultWatch;
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{NodeId, Time, MS};

/// Blocks below the lowest tip on which the nodes must agree once quiet.
pub const SETTLE_DEPTH: u64 = 6;
/// How long after the last crash, restart, pause or partition the agreement is expected.
pub const QUIET: Time = 2_000 * MS;

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Blocks verified (hash, difficulty, link).
    verified: BTreeSet<Hash>,
    /// Blocks reported invalid.
    reported: BTreeSet<Hash>,
    /// Per node: the tip and block count last checked, whether it was behind.
    last: Vec<(Hash, usize, bool)>,
    /// Payments reported reversed.
    reversed_ids: BTreeSet<u64>,
    pub mined: u64,
    pub reorgs: u64,
    pub deepest_reorg: u64,
    pub reversed: u64,
    pub confirmed: u64,
    pub published: u64,
    pub rejected: u64,
    pub payments: u64,
    /// Faults in force and the last fault's time.
    faults: FaultWatch,
}

impl Monitor {
    pub(super) fn check(&mut self, node: NodeId, nodes: &[Pow]) -> Vec<(&'static str, String)> {
        let mut found = Vec::new();
        let Some(p) = nodes.get(node) else {
            return found;
        };
        if self.last.len() < nodes.len() {
            self.last.resize(nodes.len(), ([0; 32], 0, false));
        }
        let tip = *p.tip();
        let (last_tip, last_len, behind) = self.last[node];
        if tip == last_tip && p.blocks.len() == last_len {
            return found;
        }
        if tip != last_tip {
            self.verify(p, &tip, &mut found);
        }
        let top = p.blocks.values().map(|b| b.index).max().unwrap_or(0);
        let now_behind = top > p.height();
        if now_behind && !behind {
            found.push((
                "longest-chain",
                format!(
                    "{} stays on its tip at height {} though it stores a branch up to height {top}",
                    label(node, p),
                    p.height()
                ),
            ));
        }
        self.last[node] = (tip, p.blocks.len(), now_behind);
        found
    }

    /// Verifies the chain from `tip` back to a verified block.
    fn verify(&mut self, p: &Pow, tip: &Hash, found: &mut Vec<(&'static str, String)>) {
        let k = p.config().difficulty;
        let mut at = *tip;
        while at != p.genesis && !self.verified.contains(&at) {
            let Some(b) = p.blocks.get(&at) else {
                break;
            };
            let parent = p.blocks.get(&b.prev);
            let problem = if b.compute_hash() != b.hash {
                Some("its hash does not match its contents".to_string())
            } else if !meets(&b.hash, k) {
                Some(format!(
                    "its hash {} does not start with {k} zero hex digits",
                    short(&b.hash, 8)
                ))
            } else if parent.is_none_or(|q| q.index + 1 != b.index) {
                Some("it does not follow its parent".to_string())
            } else {
                None
            };
            if let Some(why) = problem {
                if self.reported.insert(b.hash) {
                    found.push((
                        "valid-chain",
                        format!(
                            "{}'s chain holds block {} at height {}: {why}",
                            label(p.id, p),
                            short(&b.hash, 8),
                            b.index
                        ),
                    ));
                }
            } else {
                self.verified.insert(b.hash);
            }
            at = b.prev;
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<Pow>, found: &mut Found) {
        let t = seen.record.time;
        match &seen.record.kind {
            TraceKind::Note { key, node, value } => match *key {
                "pow.mined" | "pow.private" => self.mined += 1,
                "pow.reorg" => {
                    self.reorgs += 1;
                    self.deepest_reorg = self.deepest_reorg.max(*value);
                }
                "pow.confirmed" => self.confirmed += 1,
                "pow.publish" => self.published += 1,
                "pow.rejected" => self.rejected += 1,
                "pow.pay" | "pow.attack" => self.payments += 1,
                "pow.reversed" if self.reversed_ids.insert(*value) => {
                    self.reversed += 1;
                    let p = &seen.nodes[*node];
                    found.push((
                            "no-reversal",
                            format!(
                                "payment #{value} was confirmed on {}'s chain and a longer branch without it replaced it",
                                label(*node, p)
                            ),
                        ));
                }
                _ => {}
            },
            other => self.faults.observe(other, t),
        }
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[Pow],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        if !self.faults.settled(now, QUIET) {
            return;
        }
        let up: Vec<&Pow> = nodes
            .iter()
            .zip(status)
            .filter(|(_, s)| **s == NodeStatus::Up)
            .map(|(p, _)| p)
            .collect();
        let Some(low) = up.iter().map(|p| p.height()).min() else {
            return;
        };
        let Some(first) = up.first() else {
            return;
        };
        for h in (1..=low.saturating_sub(SETTLE_DEPTH)).rev() {
            let a = first.chain[h as usize];
            if let Some(other) = up.iter().find(|p| p.chain[h as usize] != a) {
                found.push((
                    "prefix-agreement",
                    format!(
                        "{} and {} hold different blocks at height {h}, {SETTLE_DEPTH} or more below every tip",
                        label(first.id, first),
                        label(other.id, other)
                    ),
                ));
                return;
            }
        }
    }
}

/// `m1`, `c5`: a node's label.
pub fn label(id: NodeId, p: &Pow) -> String {
    if p.is_miner() {
        format!("m{}", id + 1)
    } else {
        format!("c{}", id + 1)
    }
}

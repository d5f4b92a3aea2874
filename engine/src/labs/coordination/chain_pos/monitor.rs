//! The proof-of-stake lab's checker, counters and curves.
//!
//! - `chain-pos.valid-chain` (always): every block on a node's best chain hashes to what it says,
//!   follows its parent at the next height and a later slot, and its ledger is its parent's
//!   with the minter's coin age reset and its interest credited. Checked when a node's tip
//!   changes, back to a block already verified.
//! - `rightful-minter` (always): each such block's minter holds the place it claims in the
//!   slot's ranking by coin age — recomputed here from the parent, whatever rule the nodes
//!   use — and minted no earlier than that place's turn.
//! - `chain-pos.prefix-agreement` (eventually): with no partition or cut open and no crash, restart,
//!   pause or partition in the last [`QUIET`], the running nodes hold the same block at every
//!   height [`SETTLE_DEPTH`] or more below the lowest of their tips.
//!
//! Curves: each validator's share of all coins and the Gini coefficient, after every block
//! minted (read from the minter's new tip).

use std::collections::BTreeSet;

use super::ledger::{gini, short, Hash};
use super::Pos;
use crate::labs::coordination::chain_sync;
use crate::labs::SeriesBuf;
use crate::sim::quiet::FaultWatch;
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{NodeId, Time, MS};

/// Blocks below the lowest tip on which the nodes must agree once quiet.
pub const SETTLE_DEPTH: u64 = 6;
/// How long after the last fault the agreement is expected.
pub const QUIET: Time = 2_000 * MS;

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    verified: BTreeSet<Hash>,
    reported: BTreeSet<Hash>,
    last: Vec<Hash>,
    pub minted: u64,
    pub fallback: u64,
    pub rejected: u64,
    pub reorgs: u64,
    /// Each validator's share of the coins, and the Gini coefficient, over time.
    pub shares: Vec<SeriesBuf>,
    pub gini: SeriesBuf,
    /// Faults in force and the last fault's time.
    faults: FaultWatch,
}

impl Monitor {
    pub(super) fn check(&mut self, node: NodeId, nodes: &[Pos]) -> Vec<(&'static str, String)> {
        let mut found = Vec::new();
        let Some(p) = nodes.get(node) else {
            return found;
        };
        if self.last.len() < nodes.len() {
            self.last.resize(nodes.len(), [0; 32]);
        }
        let tip = p.tip().hash;
        if tip != self.last[node] {
            self.verify(p, &tip, &mut found);
            self.last[node] = tip;
        }
        found
    }

    fn verify(&mut self, p: &Pos, tip: &Hash, found: &mut Vec<(&'static str, String)>) {
        let rules = p.config().rules;
        let mut at = *tip;
        while at != p.genesis && !self.verified.contains(&at) {
            let Some(b) = p.blocks.get(&at) else {
                break;
            };
            let problem = match p.blocks.get(&b.prev) {
                None => Some((
                    "chain-pos.valid-chain",
                    "its parent is not stored".to_string(),
                )),
                Some(parent) => rules
                    .invalid(parent, b)
                    .map(|w| ("chain-pos.valid-chain", w))
                    .or_else(|| rules.wrongful(parent, b).map(|w| ("rightful-minter", w))),
            };
            if let Some((inv, why)) = problem {
                if self.reported.insert(b.hash) {
                    found.push((
                        inv,
                        format!(
                            "v{}'s chain holds block {} at height {} minted by v{}: {why}",
                            p.id + 1,
                            short(&b.hash, 8),
                            b.index,
                            b.minter + 1
                        ),
                    ));
                }
            } else {
                self.verified.insert(b.hash);
            }
            at = b.prev;
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<Pos>, _found: &mut Found) {
        let t = seen.record.time;
        match &seen.record.kind {
            TraceKind::Note { key, node, .. } => match *key {
                "pos.mint" => {
                    self.minted += 1;
                    if let Some(p) = seen.nodes.get(*node) {
                        let tip = p.tip();
                        if self.shares.len() < tip.coins.len() {
                            self.shares = vec![SeriesBuf::new(200, 0); tip.coins.len()];
                        }
                        for (v, buf) in self.shares.iter_mut().enumerate() {
                            buf.push(t, tip.share(v));
                        }
                        self.gini.push(t, gini(&tip.coins));
                    }
                }
                "pos.fallback" => self.fallback += 1,
                "pos.rejected" => self.rejected += 1,
                "pos.reorg" => self.reorgs += 1,
                _ => {}
            },
            other => self.faults.observe(other, t),
        }
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[Pos],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        if !self.faults.settled(now, QUIET) {
            return;
        }
        chain_sync::check_prefix(
            nodes,
            status,
            SETTLE_DEPTH,
            "chain-pos.prefix-agreement",
            found,
        );
    }
}

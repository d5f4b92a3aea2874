//! The DPoS lab's checker, counters and curves.
//!
//! - `chain-dpos.valid-chain` (always): every block on a node's best chain hashes to what it
//!   says, follows its parent at the next height, and its ledger is its parent's with the
//!   skipped slots counted as missed, its transactions applied and, at a new term, the
//!   re-vote. Checked when a node's tip changes, back to a block already verified.
//! - `chain-dpos.one-per-slot` (always): along every chain the slots strictly increase (at
//!   most one block per slot on the accepted chain), each block was produced by its slot's
//!   scheduled delegate — recomputed here from the parent's state — within the slot's time.
//! - `chain-dpos.final-agreement` (always): no two nodes ever hold different final blocks at
//!   one height, and no node drops a block it held final.
//! - `chain-dpos.prefix-agreement` (eventually): with no partition or cut open and no fault in
//!   the last [`QUIET`], the running nodes hold the same block at every height
//!   [`SETTLE_DEPTH`] or more below the lowest of their tips.
//!
//! Curves: the delay from a block's production to the first node holding it final.

use std::collections::{BTreeMap, BTreeSet};

use super::ledger::{short, Hash};
use super::Dpos;
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
    /// Each node's final height as last seen.
    last_final: Vec<u64>,
    /// The block first held final at each height, and by whom.
    finals: BTreeMap<u64, (Hash, NodeId)>,
    final_broken: bool,
    pub produced: u64,
    pub rejected: u64,
    pub reorgs: u64,
    pub terms: u64,
    pub votes: u64,
    /// Production-to-finality delays (ms), and their sum and count.
    pub finality: SeriesBuf,
    pub finality_sum: u64,
    pub finality_count: u64,
    faults: FaultWatch,
}

type Out = Vec<(&'static str, String)>;

impl Monitor {
    pub(super) fn check(&mut self, now: Time, node: NodeId, nodes: &[Dpos]) -> Out {
        let mut found = Vec::new();
        let Some(p) = nodes.get(node) else {
            return found;
        };
        if self.last.len() < nodes.len() {
            self.last.resize(nodes.len(), [0; 32]);
            self.last_final.resize(nodes.len(), 0);
        }
        let tip = p.tip().hash;
        if tip != self.last[node] {
            self.verify(p, &tip, &mut found);
            self.last[node] = tip;
            self.finality(now, p, &mut found);
        }
        found
    }

    fn verify(&mut self, p: &Dpos, tip: &Hash, found: &mut Out) {
        let rules = &p.config().rules;
        let mut at = *tip;
        while at != p.genesis && !self.verified.contains(&at) {
            let Some(b) = p.blocks.get(&at) else {
                break;
            };
            let problem = match p.blocks.get(&b.prev) {
                None => Some((
                    "chain-dpos.valid-chain",
                    "its parent is not stored".to_string(),
                )),
                Some(parent) => rules
                    .invalid(parent, b)
                    .map(|w| ("chain-dpos.valid-chain", w))
                    .or_else(|| {
                        rules
                            .wrong_slot(parent, b)
                            .map(|w| ("chain-dpos.one-per-slot", w))
                    }),
            };
            if let Some((inv, why)) = problem {
                if self.reported.insert(b.hash) {
                    found.push((
                        inv,
                        format!(
                            "v{}'s chain holds block {} at height {} by v{}: {why}",
                            p.id + 1,
                            short(&b.hash, 8),
                            b.index,
                            b.producer + 1
                        ),
                    ));
                }
            } else {
                self.verified.insert(b.hash);
            }
            at = b.prev;
        }
    }

    /// The node's final blocks: still on its chain, and the same as every other node's.
    fn finality(&mut self, now: Time, p: &Dpos, found: &mut Out) {
        let old = self.last_final[p.id];
        if let Some((h, who)) = self.finals.get(&old) {
            if old > 0 && p.chain.get(old as usize) != Some(h) && !self.final_broken {
                self.final_broken = true;
                found.push((
                    "chain-dpos.final-agreement",
                    format!(
                        "v{} dropped block {} at height {old}, final since v{} saw it so",
                        p.id + 1,
                        short(h, 8),
                        who + 1
                    ),
                ));
            }
        }
        for h in old + 1..=p.lib {
            let Some(b) = p.block_at(h) else {
                break;
            };
            match self.finals.get(&h) {
                None => {
                    self.finals.insert(h, (b.hash, p.id));
                    let delay = (now / MS).saturating_sub(b.produced_at);
                    self.finality.push(now, delay as f64);
                    self.finality_sum += delay;
                    self.finality_count += 1;
                }
                Some((x, who)) if *x != b.hash && !self.final_broken => {
                    self.final_broken = true;
                    found.push((
                        "chain-dpos.final-agreement",
                        format!(
                            "v{} holds block {} final at height {h}, v{} held {} final there",
                            p.id + 1,
                            short(&b.hash, 8),
                            who + 1,
                            short(x, 8)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        self.last_final[p.id] = p.lib;
    }

    pub(super) fn observe(&mut self, seen: &Observed<Dpos>, _found: &mut Found) {
        let t = seen.record.time;
        match &seen.record.kind {
            TraceKind::Note { key, .. } => match *key {
                "dpos.produce" => self.produced += 1,
                "dpos.rejected" => self.rejected += 1,
                "dpos.reorg" => self.reorgs += 1,
                "dpos.term" => self.terms += 1,
                "dpos.vote" => self.votes += 1,
                _ => {}
            },
            other => self.faults.observe(other, t),
        }
    }

    /// Mean production-to-finality delay (ms).
    pub fn mean_finality(&self) -> f64 {
        self.finality_sum as f64 / self.finality_count.max(1) as f64
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[Dpos],
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
            "chain-dpos.prefix-agreement",
            found,
        );
    }
}

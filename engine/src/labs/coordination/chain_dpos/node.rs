//! A holder: its turn as a delegate, producing, checking and storing blocks, the fork choice
//! (longest chain, never leaving a final block), finality, its transactions, catching up.

use std::sync::Arc;

use super::ledger::{Block, BlockRef, Op, Tx, MAX_TXS};
use super::msg::Msg;
use super::{Config, Dpos, Timer};
use crate::labs::coordination::chain_sync::{self, ChainSync, POOL_MAX};
use crate::sim::Ctx;
use crate::{Time, MS};

/// How often a holder sends again its transactions not yet on its chain.
pub const RESEND_EVERY: Time = 1_000 * MS;

/// Whether block `a` is a better tip than `b`: the longer chain, then the earlier slot, then
/// the higher hash.
pub fn better(a: &Block, b: &Block) -> bool {
    use std::cmp::Reverse;
    (a.index, Reverse(a.slot), a.hash) > (b.index, Reverse(b.slot), b.hash)
}

impl Dpos {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn tip(&self) -> &BlockRef {
        self.chain_tip()
    }

    pub fn height(&self) -> u64 {
        self.chain_height()
    }

    pub fn block_at(&self, h: u64) -> Option<&BlockRef> {
        self.chain.get(h as usize).and_then(|x| self.blocks.get(x))
    }

    fn slot_of(&self, now: Time) -> u64 {
        now / self.cfg.slot_len()
    }

    /// A slot starts: produce if it is mine on my tip.
    pub(super) fn slot_start(&mut self, ctx: &mut Ctx<Self>) {
        let slot = self.slot_of(ctx.now);
        // Set aside on my chain and running: announce I am back (once until it is applied).
        if self.tip().state.jailed & (1 << self.id) != 0
            && !self.outbox.iter().any(|t| t.op == Op::Ready)
        {
            self.submit(Op::Ready, ctx);
        }
        let mine = self.cfg.rules.producer(&self.tip().state, slot) == Some(self.id);
        let rogue = self.cfg.broken_out_of_turn && self.id == 0;
        if slot > self.tip().slot && (mine || rogue) {
            self.produce(slot, ctx);
            if self.cfg.broken_double {
                self.produce(slot, ctx);
            }
        }
    }

    fn produce(&mut self, slot: u64, ctx: &mut Ctx<Self>) {
        let tip = self.tip().clone();
        let mut txs: Vec<Tx> = self
            .txpool
            .iter()
            .filter(|t| t.seq > tip.state.seqs.get(t.holder).copied().unwrap_or(0))
            .copied()
            .collect();
        txs.sort_by_key(|t| (t.seq, t.holder));
        txs.truncate(MAX_TXS);
        txs.sort_by_key(|t| (t.holder, t.seq));
        let b = Arc::new(
            self.cfg
                .rules
                .produce(&tip, slot, self.id, ctx.now / MS, txs),
        );
        self.produced += 1;
        ctx.note("dpos.produce", b.index);
        if b.state.term > tip.state.term {
            ctx.note("dpos.term", b.state.term);
        }
        self.blocks.insert(b.hash, b.clone());
        self.adopt(&b, ctx);
        ctx.broadcast(Msg::Block(b));
    }

    /// Whether `b`'s branch holds my last final block.
    fn keeps_final(&self, b: &Block) -> bool {
        let Some(&fin) = self.chain.get(self.lib as usize) else {
            return true;
        };
        let mut at = b;
        while at.index > self.lib {
            match self.blocks.get(&at.prev) {
                Some(p) => at = p,
                None => return false,
            }
        }
        at.hash == fin
    }

    /// The highest block that ⌊2k/3⌋ + 1 distinct delegates produced or built on.
    pub fn final_height(&self) -> u64 {
        let q = self.cfg.quorum();
        let mut seen: u32 = 0;
        for h in (1..self.chain.len()).rev() {
            if h as u64 <= self.lib {
                break;
            }
            if let Some(b) = self.block_at(h as u64) {
                seen |= 1 << b.producer;
                if seen.count_ones() as usize >= q {
                    return h as u64;
                }
            }
        }
        self.lib
    }

    /// A holder's transaction: numbered, kept until on its chain, broadcast.
    pub(super) fn submit(&mut self, op: Op, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        let t = Tx {
            holder: self.id,
            seq: self.seq,
            op,
        };
        self.outbox.push(t);
        self.receive_tx(t);
        ctx.broadcast(Msg::Tx(t));
        if !self.resend_armed {
            self.resend_armed = true;
            ctx.set_timer(Timer::Resend, RESEND_EVERY);
        }
    }

    pub(super) fn receive_tx(&mut self, t: Tx) {
        let applied = t.seq
            <= self
                .tip()
                .state
                .seqs
                .get(t.holder)
                .copied()
                .unwrap_or(u64::MAX);
        if applied || self.txpool.contains(&t) {
            return;
        }
        if self.txpool.len() >= POOL_MAX {
            self.txpool.remove(0);
        }
        self.txpool.push(t);
    }

    pub(super) fn resend(&mut self, ctx: &mut Ctx<Self>) {
        self.resend_armed = false;
        if self.outbox.is_empty() {
            return;
        }
        for t in self.outbox.clone() {
            self.receive_tx(t);
            ctx.broadcast(Msg::Tx(t));
        }
        self.resend_armed = true;
        ctx.set_timer(Timer::Resend, RESEND_EVERY);
    }
}

chain_sync::sync_block!(Block);

impl ChainSync for Dpos {
    type Block = Block;
    const SYNC_TIMER: Timer = Timer::Sync;
    const REJECTED: &'static str = "dpos.rejected";
    const REORG: &'static str = "dpos.reorg";

    chain_sync::chain_sync_fields!(Msg);

    /// Whether a block whose parent is stored is acceptable.
    fn acceptable(&self, b: &Block, now: Time) -> bool {
        if self.cfg.broken_accept_any {
            return b.compute_hash() == b.hash;
        }
        let Some(parent) = self.blocks.get(&b.prev) else {
            return false;
        };
        let rules = &self.cfg.rules;
        let slot_ok = match rules.wrong_slot(parent, b) {
            None => true,
            Some(_) => self.cfg.broken_double && b.slot == parent.slot,
        };
        slot_ok && rules.invalid(parent, b).is_none() && b.slot <= self.slot_of(now)
    }

    fn prefers(&self, b: &Block) -> bool {
        better(b, self.tip()) && self.keeps_final(b)
    }

    /// Moves the final block up; drops the transactions now on the chain.
    fn adopted(&mut self, ctx: &mut Ctx<Self>) {
        let lib = self.final_height();
        if lib > self.lib {
            self.lib = lib;
            ctx.note("dpos.final", lib);
        }
        let tip = self.tip().clone();
        let seqs = &tip.state.seqs;
        let applied = |t: &Tx| t.seq <= seqs.get(t.holder).copied().unwrap_or(u64::MAX);
        self.txpool.retain(|t| !applied(t));
        self.outbox.retain(|t| !applied(t));
    }
}

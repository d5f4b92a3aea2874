//! A holder: its turn as a delegate, producing, checking and storing blocks, the fork choice
//! (longest chain, never leaving a final block), finality, its transactions, catching up.

use std::sync::Arc;

use super::ledger::{Block, BlockRef, Hash, Op, Tx, MAX_TXS};
use super::msg::Msg;
use super::{Config, Dpos, Timer};
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

/// Blocks whose parent is unknown kept at most; transactions kept at most.
pub const POOL_MAX: usize = 64;
/// How often a node with blocks waiting for their parent asks again.
pub const SYNC_EVERY: Time = 150 * MS;
/// How often a holder sends again its transactions not yet on its chain.
pub const RESEND_EVERY: Time = 1_000 * MS;
/// A node asks for the chain from this many blocks below its tip.
pub const BACK: u64 = 8;
/// Blocks sent at most in one answer.
pub const SEND_MAX: usize = 256;

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
        let h = self.chain.last().unwrap_or(&self.genesis);
        self.blocks
            .get(h)
            .or_else(|| self.blocks.get(&self.genesis))
            .expect("the genesis block is stored")
    }

    pub fn height(&self) -> u64 {
        self.chain.len().saturating_sub(1) as u64
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

    /// A block from the network: checked, stored, connected (or kept until its parent comes).
    pub(super) fn receive_block(&mut self, from: NodeId, b: BlockRef, ctx: &mut Ctx<Self>) {
        if self.blocks.contains_key(&b.hash) || self.pool.iter().any(|p| p.hash == b.hash) {
            return;
        }
        if self.blocks.contains_key(&b.prev) {
            self.connect(b, ctx);
            self.connect_pool(ctx);
        } else {
            if self.pool.len() >= POOL_MAX {
                self.pool.remove(0);
            }
            self.pool.push(b);
            ctx.send(from, Msg::GetBlocks(self.height().saturating_sub(BACK)));
            if !self.sync_armed {
                self.sync_armed = true;
                ctx.set_timer(Timer::Sync, SYNC_EVERY);
            }
        }
    }

    /// An answer to `GetBlocks`; if the first block's parent is unknown, ask for everything.
    pub(super) fn receive_blocks(&mut self, from: NodeId, bs: Vec<BlockRef>, ctx: &mut Ctx<Self>) {
        let Some(first) = bs.first() else {
            return;
        };
        if !self.blocks.contains_key(&first.prev) && first.index > 0 {
            ctx.send(from, Msg::GetBlocks(0));
            return;
        }
        for b in bs {
            if !self.blocks.contains_key(&b.hash) {
                if !self.blocks.contains_key(&b.prev) {
                    break;
                }
                self.connect(b, ctx);
            }
        }
        self.connect_pool(ctx);
    }

    fn connect(&mut self, b: BlockRef, ctx: &mut Ctx<Self>) {
        if !self.acceptable(&b, ctx.now) {
            ctx.note("dpos.rejected", b.index);
            return;
        }
        self.blocks.insert(b.hash, b.clone());
        if better(&b, self.tip()) && self.keeps_final(&b) {
            self.adopt(&b, ctx);
        }
    }

    fn connect_pool(&mut self, ctx: &mut Ctx<Self>) {
        while let Some(i) = self
            .pool
            .iter()
            .position(|p| self.blocks.contains_key(&p.prev))
        {
            let b = self.pool.remove(i);
            self.connect(b, ctx);
        }
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

    /// Makes `b` (stored, its ancestors stored) the tip; moves the final block up.
    fn adopt(&mut self, b: &Block, ctx: &mut Ctx<Self>) {
        let mut branch: Vec<Hash> = vec![b.hash];
        let mut at = b.prev;
        while let Some(blk) = self.blocks.get(&at) {
            if self.chain.get(blk.index as usize) == Some(&at) {
                break;
            }
            branch.push(at);
            at = blk.prev;
        }
        let fork = (b.index as usize + 1).saturating_sub(branch.len());
        let dropped = self.chain.len().saturating_sub(fork) as u64;
        self.chain.truncate(fork);
        self.chain.extend(branch.into_iter().rev());
        if dropped > 0 {
            self.reorgs += 1;
            ctx.note("dpos.reorg", dropped);
        }
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

    /// While blocks wait for a parent, ask a random peer again.
    pub(super) fn sync(&mut self, ctx: &mut Ctx<Self>) {
        self.sync_armed = false;
        if self.pool.is_empty() {
            return;
        }
        self.ask_random(ctx);
        self.sync_armed = true;
        ctx.set_timer(Timer::Sync, SYNC_EVERY);
    }

    pub(super) fn ask_random(&mut self, ctx: &mut Ctx<Self>) {
        let mut to = ctx.random_index(ctx.n.saturating_sub(1));
        if to >= self.id {
            to += 1;
        }
        ctx.send(to, Msg::GetBlocks(self.height().saturating_sub(BACK)));
    }

    /// Sends its best chain from height `from` on (at most [`SEND_MAX`] blocks).
    pub(super) fn serve(&self, to: NodeId, from: u64, ctx: &mut Ctx<Self>) {
        let bs: Vec<BlockRef> = self
            .chain
            .iter()
            .skip(from.max(1) as usize)
            .take(SEND_MAX)
            .filter_map(|h| self.blocks.get(h).cloned())
            .collect();
        if !bs.is_empty() {
            ctx.send(to, Msg::Blocks(bs));
        }
    }
}

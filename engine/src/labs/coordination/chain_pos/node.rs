//! A validator: its turn in each slot, minting, checking and storing blocks, the fork choice
//! (heaviest chain, then earliest slot, then best place in the ranking) and catching up.

use std::sync::Arc;

use super::ledger::{Block, BlockRef, Hash};
use super::msg::Msg;
use super::{Config, Pos, Timer};
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

/// Blocks whose parent is unknown kept at most.
pub const POOL_MAX: usize = 64;
/// How often a node with blocks waiting for their parent asks again.
pub const SYNC_EVERY: Time = 150 * MS;
/// A node asks for the chain from this many blocks below its tip (a fork's depth).
pub const BACK: u64 = 8;
/// Blocks sent at most in one answer.
pub const SEND_MAX: usize = 256;

/// Whether block `a` is a better tip than `b`: the heavier chain (first choices weigh more
/// than fallbacks), then the earlier slot, then the better place, then the higher hash.
pub fn better(a: &Block, b: &Block) -> bool {
    use std::cmp::Reverse;
    (a.weight, Reverse(a.slot), Reverse(a.rank), a.hash)
        > (b.weight, Reverse(b.slot), Reverse(b.rank), b.hash)
}

impl Pos {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn tip(&self) -> &BlockRef {
        let h = self.chain.last().unwrap_or(&self.genesis);
        // Every hash on the chain is stored; the genesis block always is.
        self.blocks
            .get(h)
            .or_else(|| self.blocks.get(&self.genesis))
            .expect("the genesis block is stored")
    }

    pub fn height(&self) -> u64 {
        self.chain.len().saturating_sub(1) as u64
    }

    fn slot_of(&self, now: Time) -> u64 {
        now / self.cfg.slot_len()
    }

    /// My place in slot `slot`'s ranking on my tip.
    pub fn my_rank(&self, slot: u64) -> Option<usize> {
        let r = self
            .cfg
            .rules
            .ranking(self.tip(), slot, self.cfg.broken_ignore_age);
        r.iter().position(|&v| v == self.id)
    }

    /// A slot starts: mint at once if first in its ranking, else wait for my turn.
    pub(super) fn slot_start(&mut self, ctx: &mut Ctx<Self>) {
        let slot = self.slot_of(ctx.now);
        if self.cfg.broken_out_of_turn && self.id == 0 {
            self.mint(slot, 0, ctx);
            return;
        }
        self.turn = Some(slot);
        self.on_turn(ctx);
    }

    /// My turn may have come in the current slot: mint if no block for the slot arrived.
    pub(super) fn on_turn(&mut self, ctx: &mut Ctx<Self>) {
        let slot = self.slot_of(ctx.now);
        if self.turn != Some(slot) || self.tip().slot >= slot {
            self.turn = None;
            return;
        }
        let Some(rank) = self.my_rank(slot) else {
            return;
        };
        let start = slot * self.cfg.slot_len();
        let at = start + rank as Time * self.cfg.step();
        if ctx.now >= at {
            self.turn = None;
            self.mint(slot, rank as u32, ctx);
        } else if at < start + self.cfg.slot_len() {
            ctx.set_timer(Timer::Turn, at - ctx.now);
        }
    }

    fn mint(&mut self, slot: u64, rank: u32, ctx: &mut Ctx<Self>) {
        let rules = self.cfg.rules;
        let b = Arc::new(rules.mint(self.tip(), slot, self.id, rank, ctx.now / MS));
        self.minted += 1;
        ctx.note("pos.mint", b.index);
        if rank > 0 {
            ctx.note("pos.fallback", u64::from(rank) + 1);
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
        let rules = self.cfg.rules;
        let ranking = rules.ranking(parent, b.slot, self.cfg.broken_ignore_age);
        rules.invalid(parent, b).is_none()
            && ranking.get(b.rank as usize) == Some(&b.minter)
            && b.slot <= self.slot_of(now)
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

    /// An answer to `GetBlocks`: each block in turn. If the first one's parent is still
    /// unknown (a fork deeper than [`BACK`]) the node asks for the whole chain.
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
            ctx.note("pos.rejected", b.index);
            return;
        }
        self.blocks.insert(b.hash, b.clone());
        if better(&b, self.tip()) {
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

    /// Makes `b` (stored, its ancestors stored) the tip.
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
            ctx.note("pos.reorg", dropped);
        }
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

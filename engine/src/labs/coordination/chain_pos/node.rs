//! A validator: its turn in each slot, minting, checking and storing blocks, the fork choice
//! (heaviest chain, then earliest slot, then best place in the ranking) and catching up.

use std::sync::Arc;

use super::ledger::{Block, BlockRef};
use super::msg::Msg;
use super::{Config, Pos, Timer};
use crate::labs::coordination::chain_sync::{self, ChainSync};
use crate::sim::Ctx;
use crate::{Time, MS};

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
        self.chain_tip()
    }

    pub fn height(&self) -> u64 {
        self.chain_height()
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
}

chain_sync::sync_block!(Block);

impl ChainSync for Pos {
    type Block = Block;
    const SYNC_TIMER: Timer = Timer::Sync;
    const REJECTED: &'static str = "pos.rejected";
    const REORG: &'static str = "pos.reorg";

    chain_sync::chain_sync_fields!(Msg);

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

    fn prefers(&self, b: &Block) -> bool {
        better(b, self.tip())
    }
}

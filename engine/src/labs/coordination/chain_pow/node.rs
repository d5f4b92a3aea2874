//! A node's chain: the blocks it stores, its best chain (the longest: with one difficulty,
//! the most work), blocks whose parent it still lacks, switching to a longer branch (a
//! reorganization, the blocks it leaves orphaned) and the payments it watches.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::chain::{hash_u64, meets, Block, BlockRef, Hash, Tx};
use super::msg::Msg;
use super::Pow;
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

/// Blocks whose parent is unknown kept at most (the oldest goes first).
pub const POOL_MAX: usize = 64;
/// How often a node with blocks waiting for their parent asks again.
pub const SYNC_EVERY: Time = 250 * MS;
/// Payments a node keeps watching (the newest).
pub const PAYMENTS_MAX: usize = 64;

/// Where a watched payment stands on the node's best chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayState {
    /// Not in the best chain.
    Pending,
    /// In the block at `height`, fewer than `confirmations` blocks deep.
    InBlock { height: u64, hash: Hash },
    /// At least `confirmations` deep: the payee takes it as paid.
    Confirmed { height: u64, hash: Hash },
    /// It was confirmed, then a longer branch without it won: paid, then unpaid.
    Reversed,
}

/// A payment the node makes or receives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payment {
    pub tx: Tx,
    pub state: PayState,
    /// Whether it was ever confirmed.
    pub was_confirmed: bool,
}

impl Pow {
    pub fn tip(&self) -> &Hash {
        self.chain.last().unwrap_or(&self.genesis)
    }

    pub fn height(&self) -> u64 {
        self.chain.len().saturating_sub(1) as u64
    }

    pub fn tip_block(&self) -> Option<&BlockRef> {
        self.blocks.get(self.tip())
    }

    /// Coins spent on the chain ending at `tip`, walking back to the genesis block.
    pub fn spent_on(&self, tip: &Hash, extra: &[BlockRef]) -> BTreeSet<u64> {
        let mut spent: BTreeSet<u64> = extra
            .iter()
            .flat_map(|b| b.txs.iter().map(|t| t.coin))
            .collect();
        let mut at = self.blocks.get(tip);
        while let Some(b) = at {
            spent.extend(b.txs.iter().map(|t| t.coin));
            if b.index == 0 {
                break;
            }
            at = self.blocks.get(&b.prev);
        }
        spent
    }

    /// A block from the network (or asked for): checked, stored, connected.
    pub(super) fn receive_block(&mut self, from: NodeId, b: BlockRef, ctx: &mut Ctx<Self>) {
        if self.blocks.contains_key(&b.hash) || self.pool.iter().any(|p| p.hash == b.hash) {
            return;
        }
        let k = self.cfg.difficulty;
        let pow_ok = b.compute_hash() == b.hash && meets(&b.hash, k);
        if !pow_ok && !self.cfg.broken_accept_any {
            ctx.note("pow.rejected", b.index);
            return;
        }
        if self.blocks.contains_key(&b.prev) {
            self.connect(b, ctx);
            self.connect_pool(ctx);
        } else {
            let missing = self.missing_root(&b.prev);
            if self.pool.len() >= POOL_MAX {
                self.pool.remove(0);
            }
            self.pool.push(b);
            ctx.send(from, Msg::GetBlock(missing));
            if !self.sync_armed {
                self.sync_armed = true;
                ctx.set_timer(super::Timer::Sync, SYNC_EVERY);
            }
        }
    }

    /// While blocks wait for a parent, ask a random node for the earliest missing one (a
    /// request or its answer may have been lost, or the sender gone).
    pub(super) fn sync(&mut self, ctx: &mut Ctx<Self>) {
        self.sync_armed = false;
        let Some(top) = self.pool.iter().max_by_key(|b| b.index) else {
            return;
        };
        let missing = self.missing_root(&top.prev);
        let mut to = ctx.random_index(ctx.n.saturating_sub(1));
        if to >= self.id {
            to += 1;
        }
        ctx.send(to, Msg::GetBlock(missing));
        self.sync_armed = true;
        ctx.set_timer(super::Timer::Sync, SYNC_EVERY);
    }

    /// The earliest unknown ancestor of `hash`, following blocks already in the pool.
    fn missing_root(&self, hash: &Hash) -> Hash {
        let mut h = *hash;
        for _ in 0..=POOL_MAX {
            match self.pool.iter().find(|p| p.hash == h) {
                Some(p) => h = p.prev,
                None => break,
            }
        }
        h
    }

    /// Connects pool blocks whose parent is now stored, until none is left to connect.
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

    /// Stores a block whose parent is stored, if it follows its parent and spends no coin its
    /// branch already spent; then switches to it if it makes a longer chain.
    pub(super) fn connect(&mut self, b: BlockRef, ctx: &mut Ctx<Self>) {
        let Some(parent) = self.blocks.get(&b.prev) else {
            return;
        };
        if b.index != parent.index + 1 {
            ctx.note("pow.rejected", b.index);
            return;
        }
        let spent = self.spent_on(&b.prev, &[]);
        let mut coins = BTreeSet::new();
        if b.txs
            .iter()
            .any(|t| spent.contains(&t.coin) || !coins.insert(t.coin))
        {
            ctx.note("pow.double_spend_refused", b.index);
            return;
        }
        let extends = b.prev == *self.tip();
        let longer = b.index > self.height();
        self.blocks.insert(b.hash, b.clone());
        if longer && (extends || !self.cfg.broken_no_switch) {
            self.switch_to(&b, ctx);
        }
    }

    /// Makes `b` the tip: the chain from the fork point up is replaced; blocks it leaves are
    /// orphaned (a reorganization when there were any).
    fn switch_to(&mut self, b: &Block, ctx: &mut Ctx<Self>) {
        let mut branch = vec![b.hash];
        let mut at = b.prev;
        while let Some(blk) = self.blocks.get(&at) {
            let i = blk.index as usize;
            if self.chain.get(i) == Some(&at) {
                break;
            }
            branch.push(at);
            if blk.index == 0 {
                break;
            }
            at = blk.prev;
        }
        let fork = b.index as usize + 1 - branch.len();
        let dropped = self.chain.len().saturating_sub(fork) as u64;
        self.chain.truncate(fork);
        self.chain.extend(branch.into_iter().rev());
        if dropped > 0 {
            self.reorgs += 1;
            self.orphaned += dropped;
            self.deepest_reorg = self.deepest_reorg.max(dropped);
            ctx.note("pow.reorg", dropped);
        }
        self.template = None;
        self.update_payments(ctx);
        if self.attack.is_some() {
            self.attack_on_public(ctx);
        }
    }

    /// Starts watching a payment this node makes or is paid.
    pub(super) fn watch(&mut self, tx: Tx) {
        if (tx.payer != self.id && tx.payee != self.id)
            || self.payments.iter().any(|p| p.tx.id == tx.id)
        {
            return;
        }
        if self.payments.len() >= PAYMENTS_MAX {
            self.payments.remove(0);
        }
        self.payments.push(Payment {
            tx,
            state: PayState::Pending,
            was_confirmed: false,
        });
    }

    /// Where a transaction is on the best chain: (height, block hash).
    pub fn find_tx(&self, id: u64) -> Option<(u64, Hash)> {
        for (h, hash) in self.chain.iter().enumerate().rev() {
            if let Some(b) = self.blocks.get(hash) {
                if b.txs.iter().any(|t| t.id == id) {
                    return Some((h as u64, *hash));
                }
            }
        }
        None
    }

    /// Re-reads every watched payment's place on the best chain; a confirmed one no longer
    /// on it is reversed (`pow.reversed`).
    pub(super) fn update_payments(&mut self, ctx: &mut Ctx<Self>) {
        let z = self.cfg.confirmations;
        let top = self.height();
        for i in 0..self.payments.len() {
            let p = self.payments[i];
            let at = self.find_tx(p.tx.id);
            let state = match at {
                Some((height, hash)) if top + 1 - height >= z => {
                    PayState::Confirmed { height, hash }
                }
                Some((height, hash)) => PayState::InBlock { height, hash },
                None if p.was_confirmed => PayState::Reversed,
                None => PayState::Pending,
            };
            // The payee is the one who hands over the goods: it notes what it sees.
            let payee = p.tx.payee == self.id;
            if payee && state == PayState::Reversed && p.state != PayState::Reversed {
                ctx.note("pow.reversed", p.tx.id);
            }
            if payee && matches!(state, PayState::Confirmed { .. }) && !p.was_confirmed {
                ctx.note("pow.confirmed", p.tx.id);
            }
            // A payment that fell off the chain is broadcast again by its payer (miners that
            // never heard of it, across a healed partition, can then include it).
            let left = matches!(
                p.state,
                PayState::InBlock { .. } | PayState::Confirmed { .. }
            ) && matches!(state, PayState::Pending | PayState::Reversed);
            if left && p.tx.payer == self.id {
                ctx.broadcast(Msg::Tx(p.tx));
            }
            let pay = &mut self.payments[i];
            pay.was_confirmed |= matches!(state, PayState::Confirmed { .. });
            pay.state = state;
        }
    }

    /// Keeps a new transaction for the next block and watches it if it is ours.
    pub(super) fn receive_tx(&mut self, tx: Tx, ctx: &mut Ctx<Self>) {
        self.watch(tx);
        if !self.is_miner() || self.mempool.contains_key(&tx.id) {
            return;
        }
        if self.mempool.len() >= super::MEMPOOL_MAX {
            self.mempool.pop_first();
        }
        self.mempool.insert(tx.id, tx);
        if self
            .template
            .as_ref()
            .is_some_and(|t| t.txs.len() < super::BLOCK_TXS)
        {
            self.template = None;
        }
        let _ = ctx;
    }

    /// Answers a request for a block it stores.
    pub(super) fn serve_block(&self, from: NodeId, hash: Hash, ctx: &mut Ctx<Self>) {
        if let Some(b) = self.blocks.get(&hash) {
            ctx.send(from, Msg::Block(Arc::clone(b)));
        }
    }

    /// A short number for a hash in the trace.
    pub fn tip_id(&self) -> u64 {
        hash_u64(self.tip())
    }
}

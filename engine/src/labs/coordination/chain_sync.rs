//! Block synchronisation shared by the proof-of-stake and delegated-proof-of-stake labs: a
//! block from the network is connected (or kept in a pool until its parent comes, asking the
//! sender for the chain from a few blocks below the tip), an answer to `GetBlocks` is
//! connected block by block, a better branch is adopted (a reorganization when it drops
//! blocks), a node with blocks waiting asks a random peer again, and a node serves its best
//! chain. What differs between the labs (their blocks, messages, which block is acceptable
//! and which tip is better, what adopting a tip also updates) is the [`ChainSync`] trait's.
//! (Proof of work catches up its own way, asking for one missing block at a time.)

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::labs::coordination::chain_pow::hash_u64;
use crate::sim::{Ctx, Found, NodeStatus, Protocol, TraceHasher};
use crate::{NodeId, Time, MS};

/// A block's hash (SHA-256).
pub type Hash = [u8; 32];

/// Blocks whose parent is unknown kept at most (chain-dpos keeps as many transactions).
pub const POOL_MAX: usize = 64;
/// How often a node with blocks waiting for their parent asks again.
pub const SYNC_EVERY: Time = 150 * MS;
/// A node asks for the chain from this many blocks below its tip (a fork's depth).
pub const BACK: u64 = 8;
/// Blocks sent at most in one answer.
pub const SEND_MAX: usize = 256;

/// What synchronisation reads of a block: its height, its parent's hash and its own.
pub trait SyncBlock {
    fn index(&self) -> u64;
    fn prev(&self) -> &Hash;
    fn hash(&self) -> &Hash;
}

/// A chain node: its stored blocks, best chain and pool of orphans, and the lab's rules. The
/// provided methods are the synchronisation itself.
pub trait ChainSync: Protocol + Sized {
    type Block: SyncBlock;
    /// The timer that asks again for missing blocks.
    const SYNC_TIMER: Self::Timer;
    /// The note for a block refused.
    const REJECTED: &'static str;
    /// The note for a branch switch (the value: blocks dropped).
    const REORG: &'static str;

    fn node_id(&self) -> NodeId;
    fn genesis(&self) -> &Hash;
    /// Every block stored.
    fn blocks(&self) -> &BTreeMap<Hash, Arc<Self::Block>>;
    fn blocks_mut(&mut self) -> &mut BTreeMap<Hash, Arc<Self::Block>>;
    /// The best chain, `chain[h]` the block at height h.
    fn chain(&self) -> &[Hash];
    fn chain_mut(&mut self) -> &mut Vec<Hash>;
    /// Blocks whose parent is unknown yet.
    fn pool(&self) -> &[Arc<Self::Block>];
    fn pool_mut(&mut self) -> &mut Vec<Arc<Self::Block>>;
    fn sync_armed_mut(&mut self) -> &mut bool;
    fn reorgs_mut(&mut self) -> &mut u64;
    /// "Send me your chain from this height on."
    fn get_blocks(from: u64) -> Self::Msg;
    /// The answer to `GetBlocks`.
    fn blocks_msg(bs: Vec<Arc<Self::Block>>) -> Self::Msg;
    /// Whether a block whose parent is stored is acceptable.
    fn acceptable(&self, b: &Self::Block, now: Time) -> bool;
    /// Whether a stored, acceptable block should become the tip.
    fn prefers(&self, b: &Self::Block) -> bool;
    /// After a new tip is adopted.
    fn adopted(&mut self, _ctx: &mut Ctx<Self>) {}

    /// The block at the chain's top (the genesis block when the chain is empty).
    fn chain_tip(&self) -> &Arc<Self::Block> {
        let h = self.chain().last().unwrap_or(self.genesis());
        // Every hash on the chain is stored; the genesis block always is.
        self.blocks()
            .get(h)
            .or_else(|| self.blocks().get(self.genesis()))
            .expect("the genesis block is stored")
    }

    fn chain_height(&self) -> u64 {
        self.chain().len().saturating_sub(1) as u64
    }

    /// A block from the network: checked, stored, connected (or kept until its parent comes).
    fn receive_block(&mut self, from: NodeId, b: Arc<Self::Block>, ctx: &mut Ctx<Self>) {
        if self.blocks().contains_key(b.hash()) || self.pool().iter().any(|p| p.hash() == b.hash())
        {
            return;
        }
        if self.blocks().contains_key(b.prev()) {
            self.connect(b, ctx);
            self.connect_pool(ctx);
        } else {
            let pool = self.pool_mut();
            if pool.len() >= POOL_MAX {
                pool.remove(0);
            }
            pool.push(b);
            ctx.send(
                from,
                Self::get_blocks(self.chain_height().saturating_sub(BACK)),
            );
            if !*self.sync_armed_mut() {
                *self.sync_armed_mut() = true;
                ctx.set_timer(Self::SYNC_TIMER, SYNC_EVERY);
            }
        }
    }

    /// An answer to `GetBlocks`: each block in turn. If the first one's parent is still
    /// unknown (a fork deeper than [`BACK`]) the node asks for the whole chain.
    fn receive_blocks(&mut self, from: NodeId, bs: Vec<Arc<Self::Block>>, ctx: &mut Ctx<Self>) {
        let Some(first) = bs.first() else {
            return;
        };
        if !self.blocks().contains_key(first.prev()) && first.index() > 0 {
            ctx.send(from, Self::get_blocks(0));
            return;
        }
        for b in bs {
            if !self.blocks().contains_key(b.hash()) {
                if !self.blocks().contains_key(b.prev()) {
                    break;
                }
                self.connect(b, ctx);
            }
        }
        self.connect_pool(ctx);
    }

    /// Stores a block whose parent is stored, if acceptable; adopts it if preferred.
    fn connect(&mut self, b: Arc<Self::Block>, ctx: &mut Ctx<Self>) {
        if !self.acceptable(&b, ctx.now) {
            ctx.note(Self::REJECTED, b.index());
            return;
        }
        self.blocks_mut().insert(*b.hash(), b.clone());
        if self.prefers(&b) {
            self.adopt(&b, ctx);
        }
    }

    /// Connects pool blocks whose parent is now stored, until none is left to connect.
    fn connect_pool(&mut self, ctx: &mut Ctx<Self>) {
        while let Some(i) = self
            .pool()
            .iter()
            .position(|p| self.blocks().contains_key(p.prev()))
        {
            let b = self.pool_mut().remove(i);
            self.connect(b, ctx);
        }
    }

    /// Makes `b` (stored, its ancestors stored) the tip.
    fn adopt(&mut self, b: &Self::Block, ctx: &mut Ctx<Self>) {
        let mut branch: Vec<Hash> = vec![*b.hash()];
        let mut at = *b.prev();
        while let Some(blk) = self.blocks().get(&at) {
            if self.chain().get(blk.index() as usize) == Some(&at) {
                break;
            }
            branch.push(at);
            at = *blk.prev();
        }
        let fork = (b.index() as usize + 1).saturating_sub(branch.len());
        let chain = self.chain_mut();
        let dropped = chain.len().saturating_sub(fork) as u64;
        chain.truncate(fork);
        chain.extend(branch.into_iter().rev());
        if dropped > 0 {
            *self.reorgs_mut() += 1;
            ctx.note(Self::REORG, dropped);
        }
        self.adopted(ctx);
    }

    /// While blocks wait for a parent, ask a random peer again.
    fn sync(&mut self, ctx: &mut Ctx<Self>) {
        *self.sync_armed_mut() = false;
        if self.pool().is_empty() {
            return;
        }
        self.ask_random(ctx);
        *self.sync_armed_mut() = true;
        ctx.set_timer(Self::SYNC_TIMER, SYNC_EVERY);
    }

    /// Asks a random peer for the chain from [`BACK`] blocks below the tip.
    fn ask_random(&mut self, ctx: &mut Ctx<Self>) {
        let mut to = ctx.random_index(ctx.n.saturating_sub(1));
        if to >= self.node_id() {
            to += 1;
        }
        ctx.send(
            to,
            Self::get_blocks(self.chain_height().saturating_sub(BACK)),
        );
    }

    /// Sends its best chain from height `from` on (at most [`SEND_MAX`] blocks).
    fn serve(&self, to: NodeId, from: u64, ctx: &mut Ctx<Self>) {
        let bs: Vec<Arc<Self::Block>> = self
            .chain()
            .iter()
            .skip(from.max(1) as usize)
            .take(SEND_MAX)
            .filter_map(|h| self.blocks().get(h).cloned())
            .collect();
        if !bs.is_empty() {
            ctx.send(to, Self::blocks_msg(bs));
        }
    }
}

/// The accessors of [`ChainSync`] for a node with fields `id`, `genesis`, `blocks`, `chain`,
/// `pool`, `sync_armed` and `reorgs`, whose message type `$msg` has `GetBlocks(u64)` and
/// `Blocks(Vec<BlockRef>)`: `chain_sync_fields!(Msg);` inside `impl ChainSync for …`.
macro_rules! chain_sync_fields {
    ($msg:ident) => {
        fn node_id(&self) -> $crate::NodeId {
            self.id
        }
        fn genesis(&self) -> &$crate::labs::coordination::chain_sync::Hash {
            &self.genesis
        }
        fn blocks(
            &self,
        ) -> &std::collections::BTreeMap<
            $crate::labs::coordination::chain_sync::Hash,
            std::sync::Arc<Self::Block>,
        > {
            &self.blocks
        }
        fn blocks_mut(
            &mut self,
        ) -> &mut std::collections::BTreeMap<
            $crate::labs::coordination::chain_sync::Hash,
            std::sync::Arc<Self::Block>,
        > {
            &mut self.blocks
        }
        fn chain(&self) -> &[$crate::labs::coordination::chain_sync::Hash] {
            &self.chain
        }
        fn chain_mut(&mut self) -> &mut Vec<$crate::labs::coordination::chain_sync::Hash> {
            &mut self.chain
        }
        fn pool(&self) -> &[std::sync::Arc<Self::Block>] {
            &self.pool
        }
        fn pool_mut(&mut self) -> &mut Vec<std::sync::Arc<Self::Block>> {
            &mut self.pool
        }
        fn sync_armed_mut(&mut self) -> &mut bool {
            &mut self.sync_armed
        }
        fn reorgs_mut(&mut self) -> &mut u64 {
            &mut self.reorgs
        }
        fn get_blocks(from: u64) -> $msg {
            $msg::GetBlocks(from)
        }
        fn blocks_msg(bs: Vec<std::sync::Arc<Self::Block>>) -> $msg {
            $msg::Blocks(bs)
        }
    };
}
pub(crate) use chain_sync_fields;

/// `SyncBlock` for a block type with fields `index`, `prev` and `hash`.
macro_rules! sync_block {
    ($block:ty) => {
        impl $crate::labs::coordination::chain_sync::SyncBlock for $block {
            fn index(&self) -> u64 {
                self.index
            }
            fn prev(&self) -> &$crate::labs::coordination::chain_sync::Hash {
                &self.prev
            }
            fn hash(&self) -> &$crate::labs::coordination::chain_sync::Hash {
                &self.hash
            }
        }
    };
}
pub(crate) use sync_block;

/// The eventual prefix-agreement check: once the faults are `QUIET`-settled (the caller's
/// test), the running nodes must hold the same block at every height `depth` or more below
/// the lowest tip; the first disagreement from the top is pushed as `prop`.
pub fn check_prefix<N: ChainSync>(
    nodes: &[N],
    status: &[NodeStatus],
    depth: u64,
    prop: &'static str,
    found: &mut Found,
) {
    let up: Vec<&N> = nodes
        .iter()
        .zip(status)
        .filter(|(_, s)| **s == NodeStatus::Up)
        .map(|(p, _)| p)
        .collect();
    let (Some(low), Some(first)) = (up.iter().map(|p| p.chain_height()).min(), up.first()) else {
        return;
    };
    for h in (1..=low.saturating_sub(depth)).rev() {
        let a = first.chain()[h as usize];
        if let Some(other) = up.iter().find(|p| p.chain()[h as usize] != a) {
            found.push((
                prop,
                format!(
                    "v{} and v{} hold different blocks at height {h}, {depth} or more below every tip",
                    first.node_id() + 1,
                    other.node_id() + 1
                ),
            ));
            return;
        }
    }
}

/// A `Block` message's trace hash: the block's height and hash.
pub fn hash_block<B: SyncBlock>(h: &mut TraceHasher, b: &B) {
    h.u64(b.index());
    h.u64(hash_u64(b.hash()));
}

/// A `Blocks` message's trace hash: how many, then each block's hash.
pub fn hash_blocks<B: SyncBlock>(h: &mut TraceHasher, bs: &[Arc<B>]) {
    h.u64(bs.len() as u64);
    for b in bs {
        h.u64(hash_u64(b.hash()));
    }
}

/// A `Blocks` message's fields: how many and the heights they span.
pub fn blocks_fields<B: SyncBlock>(bs: &[Arc<B>]) -> Vec<(&'static str, String)> {
    vec![
        ("blocks", bs.len().to_string()),
        (
            "heights",
            match (bs.first(), bs.last()) {
                (Some(a), Some(b)) => format!("{}–{}", a.index(), b.index()),
                _ => "-".into(),
            },
        ),
    ]
}

//! Mining: a miner builds a block template on its tip (pending payments whose coins the chain
//! has not spent), and on every tick of its timer tries `power × hashrate` nonces — each try a
//! real SHA-256 of the header — until a hash starts with `difficulty` zero hex digits. The
//! nonce starts at a random value (the run's generator) and is incremented.
//!
//! The attack (the `doublespend` command): the miner pays the client in public and, at the
//! same moment, starts a private branch from its tip holding a conflicting payment of the same
//! coin to itself. It mines on that branch without telling anyone, and publishes it once it is
//! longer than the public chain *and* the public payment is `confirmations` deep (the client
//! has handed over the goods). With over half the hash power it always gets there.

use std::sync::Arc;

use sha2::Sha256;

use super::chain::{hash_with_nonce, header_state, meets, Block, BlockRef, Hash, Tx};
use super::msg::Msg;
use super::{Pow, BLOCK_TXS, CLIENT};
use crate::sim::Ctx;
use crate::MS;

/// The public chain's lead at which an attacker gives up and rejoins it.
pub const GIVE_UP: u64 = 12;

/// The block a miner is working on: every field but the nonce is fixed (their hash state
/// absorbed once), the nonce is incremented.
#[derive(Clone, Debug)]
pub struct Template {
    pub index: u64,
    pub prev: Hash,
    pub timestamp: u64,
    pub txs: Vec<Tx>,
    pub nonce: u64,
    /// Nonces tried on this template.
    pub tried: u64,
    state: Sha256,
}

/// A double-spend attack under way: the private branch from `fork`, the public payment and
/// the conflicting one.
#[derive(Clone, Debug)]
pub struct Attack {
    pub fork: Hash,
    pub fork_height: u64,
    pub blocks: Vec<BlockRef>,
    pub pay: Tx,
    pub conflict: Tx,
}

impl Attack {
    pub fn height(&self) -> u64 {
        self.fork_height + self.blocks.len() as u64
    }
}

impl Pow {
    /// Where the miner builds: the private branch's tip while attacking, else its best tip.
    fn mining_on(&self) -> (u64, Hash) {
        match &self.attack {
            Some(a) => a
                .blocks
                .last()
                .map_or((a.fork_height, a.fork), |b| (b.index, b.hash)),
            None => (self.height(), *self.tip()),
        }
    }

    fn build_template(&mut self, ctx: &mut Ctx<Self>) {
        let (height, prev) = self.mining_on();
        let mut txs = Vec::new();
        let spent = match &self.attack {
            Some(a) => {
                let s = self.spent_on(&a.fork, &a.blocks);
                if !s.contains(&a.conflict.coin) {
                    txs.push(a.conflict);
                }
                s
            }
            None => self.spent_on(&prev, &[]),
        };
        let attacking = self.attack.as_ref().map(|a| a.pay.coin);
        for tx in self.mempool.values() {
            if txs.len() >= BLOCK_TXS {
                break;
            }
            if !spent.contains(&tx.coin)
                && Some(tx.coin) != attacking
                && !txs.iter().any(|t: &Tx| t.coin == tx.coin)
            {
                txs.push(*tx);
            }
        }
        let timestamp = ctx.local_now() / MS;
        let state = header_state(height + 1, &prev, timestamp, self.id, &txs);
        let nonce = ctx.random_between(0, u64::MAX / 2);
        self.template = Some(Template {
            index: height + 1,
            prev,
            timestamp,
            txs,
            nonce,
            tried: 0,
            state,
        });
    }

    /// One tick of mining: this tick's batch of tries.
    pub(super) fn mine_tick(&mut self, ctx: &mut Ctx<Self>) {
        self.carry += self.power * self.cfg.hashrate as f64;
        let batch = self.carry.floor();
        self.carry -= batch;
        if self.template.is_none() {
            self.build_template(ctx);
        }
        let k = self.cfg.difficulty;
        let cheat = self.cfg.broken_cheat && self.id == 0;
        let Some(t) = self.template.as_mut() else {
            return;
        };
        let mut found = None;
        for _ in 0..batch as u64 {
            let hash = hash_with_nonce(&t.state, t.nonce);
            self.tries += 1;
            t.tried += 1;
            if cheat || meets(&hash, k) {
                found = Some(hash);
                break;
            }
            t.nonce = t.nonce.wrapping_add(1);
        }
        let Some(hash) = found else {
            return;
        };
        let block = Arc::new(Block {
            index: t.index,
            prev: t.prev,
            timestamp: t.timestamp,
            miner: self.id,
            txs: std::mem::take(&mut t.txs),
            nonce: t.nonce,
            hash,
        });
        self.template = None;
        self.found += 1;
        if let Some(a) = self.attack.as_mut() {
            a.blocks.push(block.clone());
            ctx.note("pow.private", block.index);
            self.attack_check(ctx);
        } else {
            ctx.note("pow.mined", block.index);
            self.connect(block.clone(), ctx);
            ctx.broadcast(Msg::Block(block));
        }
    }

    /// The `doublespend` command: pays the client `amount` in public and starts the private
    /// branch with the same coin paid to itself.
    pub(super) fn start_attack(&mut self, amount: u32, ctx: &mut Ctx<Self>) {
        if self.attack.is_some() || !self.is_miner() {
            ctx.note("pow.attack_busy", 0);
            return;
        }
        let Some(client) = ctx.nodes_of(CLIENT).next() else {
            return;
        };
        let pay = self.new_tx(client, amount);
        let conflict = Tx {
            id: pay.id + 1,
            payee: self.id,
            ..pay
        };
        self.next_tx += 1;
        self.attack = Some(Attack {
            fork: *self.tip(),
            fork_height: self.height(),
            blocks: Vec::new(),
            pay,
            conflict,
        });
        self.template = None;
        ctx.note("pow.attack", pay.id);
        self.watch(pay);
        ctx.broadcast(Msg::Tx(pay));
    }

    /// The public chain moved while attacking: publish if it is time, give up if too far
    /// behind.
    pub(super) fn attack_on_public(&mut self, ctx: &mut Ctx<Self>) {
        let Some(a) = &self.attack else {
            return;
        };
        if self.height() >= a.height() + GIVE_UP {
            ctx.note("pow.give_up", a.pay.id);
            self.attack = None;
            self.template = None;
            return;
        }
        self.attack_check(ctx);
    }

    /// Publishes the private branch once it is longer than the public chain and the public
    /// payment is `confirmations` deep on it.
    fn attack_check(&mut self, ctx: &mut Ctx<Self>) {
        let Some(a) = &self.attack else {
            return;
        };
        let z = self.cfg.confirmations;
        let deep = self
            .find_tx(a.pay.id)
            .is_some_and(|(h, _)| self.height() + 1 - h >= z);
        if !(deep && a.height() > self.height()) {
            return;
        }
        let Some(a) = self.attack.take() else {
            return;
        };
        ctx.note("pow.publish", a.blocks.len() as u64);
        for b in &a.blocks {
            self.connect(b.clone(), ctx);
        }
        for b in a.blocks {
            ctx.broadcast(Msg::Block(b));
        }
        self.template = None;
    }

    /// A new payment from this node, with a fresh coin.
    pub(super) fn new_tx(&mut self, payee: usize, amount: u32) -> Tx {
        self.next_tx += 1;
        let id = (self.id as u64 + 1) * 1_000_000 + self.next_tx;
        Tx {
            id,
            payer: self.id,
            payee,
            amount,
            coin: id,
        }
    }
}

//! Blocks, the stake ledger and the minter lottery — pure functions every node (and the
//! checker) computes alike.
//!
//! A block carries the ledger after it: each validator's coins (in thousandths) and the time
//! (ms) since which it has held them. A validator's **coin age** at slot `s` is coins × the
//! time held (course notes, seed 001: "权益是指每个节点占有货币的数量和持币时间"); the slot's
//! **ranking** draws validators one after another with chances proportional to their coin age,
//! from SHA-256 over the parent's hash and the slot number, so every honest node computes the
//! same ranking. The first ranked mints; the next ones are the fallback when it is silent.
//! Minting resets the minter's coin age and credits it the notes' interest, coins × days × 5%
//! / 365 ("(持币数 * 持币时间 * 5%）/365"), `rate` percent a year. As in Peercoin, coin age
//! counts at most `max_age` days: a holder that waits longer for its turn earns nothing more.

use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use crate::labs::coordination::chain_pow::{hash_u64, short};
use crate::NodeId;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Coins are counted in thousandths.
pub const MILLI: u64 = 1_000;

/// One block: `index` is its height, minted in `slot` by `minter`, who held place `rank` in
/// the slot's ranking (0: the slot's first choice), `minted_at` ms; the ledger after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub index: u64,
    pub prev: Hash,
    pub slot: u64,
    pub minter: NodeId,
    pub rank: u32,
    pub minted_at: u64,
    /// The chain's weight up to this block: each block adds validators − rank (the slot's
    /// first choice the most, the last fallback 1). The fork choice follows the heaviest.
    pub weight: u64,
    /// Each validator's coins (thousandths) after this block.
    pub coins: Vec<u64>,
    /// Each validator's holding start (ms): its coin age counts from there.
    pub since: Vec<u64>,
    pub hash: Hash,
}

pub type BlockRef = Arc<Block>;

/// The lottery's and the interest's rules (from the configuration).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Slot length, ms.
    pub slot_ms: u64,
    /// A simulated day, ms.
    pub day_ms: u64,
    /// Interest a year in basis points (5% = 500).
    pub rate_bp: u64,
    /// Coin age counts at most this long (ms; 0: no cap) — Peercoin's 90 days.
    pub max_age_ms: u64,
}

impl Block {
    pub fn compute_hash(&self) -> Hash {
        let mut h = Sha256::new();
        h.update(self.index.to_le_bytes());
        h.update(self.prev);
        h.update(self.slot.to_le_bytes());
        h.update((self.minter as u64).to_le_bytes());
        h.update(self.rank.to_le_bytes());
        h.update(self.minted_at.to_le_bytes());
        h.update(self.weight.to_le_bytes());
        for (c, s) in self.coins.iter().zip(&self.since) {
            h.update(c.to_le_bytes());
            h.update(s.to_le_bytes());
        }
        h.finalize().into()
    }

    /// The genesis block: the initial stakes, all held since time 0.
    pub fn genesis(stakes: &[u64]) -> Block {
        let mut b = Block {
            index: 0,
            prev: [0; 32],
            slot: 0,
            minter: 0,
            rank: 0,
            minted_at: 0,
            weight: 0,
            coins: stakes.iter().map(|s| s * MILLI).collect(),
            since: vec![0; stakes.len()],
            hash: [0; 32],
        };
        b.hash = b.compute_hash();
        b
    }

    pub fn total(&self) -> u64 {
        self.coins.iter().sum()
    }

    /// Validator `v`'s share of all coins.
    pub fn share(&self, v: usize) -> f64 {
        let t = self.total();
        self.coins
            .get(v)
            .map_or(0.0, |&c| c as f64 / t.max(1) as f64)
    }
}

impl Rules {
    pub fn slot_start(&self, slot: u64) -> u64 {
        slot.saturating_mul(self.slot_ms)
    }

    /// How long coins held since `since` count at time `t` (capped at `max_age_ms`).
    pub fn held(&self, since: u64, t: u64) -> u64 {
        let h = t.saturating_sub(since);
        if self.max_age_ms > 0 {
            h.min(self.max_age_ms)
        } else {
            h
        }
    }

    /// Coin age of each validator at the start of `slot` (thousandths × ms); stake only
    /// when `ignore_age` (the test-only broken rule).
    pub fn ages(&self, parent: &Block, slot: u64, ignore_age: bool) -> Vec<u128> {
        let t = self.slot_start(slot);
        parent
            .coins
            .iter()
            .zip(&parent.since)
            .map(|(&c, &s)| {
                if ignore_age {
                    u128::from(c)
                } else {
                    u128::from(c) * u128::from(self.held(s, t))
                }
            })
            .collect()
    }

    /// The slot's ranking on top of `parent`: validators drawn one by one with chances
    /// proportional to their coin age, from SHA-256(parent hash, slot, draw); those with no
    /// coin age left come last in id order.
    pub fn ranking(&self, parent: &Block, slot: u64, ignore_age: bool) -> Vec<NodeId> {
        let mut w = self.ages(parent, slot, ignore_age);
        let mut order = Vec::with_capacity(w.len());
        for k in 0..w.len() {
            let total: u128 = w.iter().sum();
            if total == 0 {
                break;
            }
            let mut r = draw(&parent.hash, slot, k as u64) % total;
            let Some(pick) = w.iter().position(|&x| {
                if r < x {
                    true
                } else {
                    r -= x;
                    false
                }
            }) else {
                break;
            };
            order.push(pick);
            w[pick] = 0;
        }
        for v in 0..w.len() {
            if !order.contains(&v) {
                order.push(v);
            }
        }
        order
    }

    /// The notes' interest on coins held `held_ms`: coins × days × rate / 365.
    pub fn interest(&self, coins: u64, held_ms: u64) -> u64 {
        let num = u128::from(coins) * u128::from(held_ms) * u128::from(self.rate_bp);
        let den = u128::from(self.day_ms.max(1)) * 365 * 10_000;
        u64::try_from(num / den).unwrap_or(u64::MAX / 4)
    }

    /// The block `minter` mints on `parent` in `slot` at rank `rank`, time `at` ms: its coin
    /// age reset, the interest credited.
    pub fn mint(&self, parent: &Block, slot: u64, minter: NodeId, rank: u32, at: u64) -> Block {
        let mut coins = parent.coins.clone();
        let mut since = parent.since.clone();
        let t = self.slot_start(slot);
        if let (Some(c), Some(s)) = (coins.get_mut(minter), since.get_mut(minter)) {
            *c = c.saturating_add(self.interest(*c, self.held(*s, t)));
            *s = t;
        }
        let mut b = Block {
            index: parent.index + 1,
            prev: parent.hash,
            slot,
            minter,
            rank,
            minted_at: at,
            weight: parent.weight + (parent.coins.len() as u64).saturating_sub(u64::from(rank)),
            coins,
            since,
            hash: [0; 32],
        };
        b.hash = b.compute_hash();
        b
    }

    /// Why `b` is not a valid child of `parent` (hash, link, slot order, ledger), if it is not.
    pub fn invalid(&self, parent: &Block, b: &Block) -> Option<String> {
        if b.compute_hash() != b.hash {
            return Some("its hash does not match its contents".into());
        }
        if b.prev != parent.hash || b.index != parent.index + 1 {
            return Some("it does not follow its parent".into());
        }
        if b.slot <= parent.slot {
            return Some(format!(
                "its slot {} is not after its parent's {}",
                b.slot, parent.slot
            ));
        }
        let expect = self.mint(parent, b.slot, b.minter, b.rank, b.minted_at);
        if expect.coins != b.coins || expect.since != b.since {
            return Some("its ledger is not its parent's with the minter's interest".into());
        }
        if expect.weight != b.weight {
            return Some(format!(
                "its weight {} should be {}",
                b.weight, expect.weight
            ));
        }
        None
    }

    /// Why `b`'s minter had no right to mint it (not at its claimed place in the slot's
    /// ranking by coin age, or before its turn came), if it had none.
    pub fn wrongful(&self, parent: &Block, b: &Block) -> Option<String> {
        let ranking = self.ranking(parent, b.slot, false);
        if ranking.get(b.rank as usize) != Some(&b.minter) {
            return Some(format!(
                "slot {}'s ranking by coin age is {}, not v{} at place {}",
                b.slot,
                ranking
                    .iter()
                    .map(|v| format!("v{}", v + 1))
                    .collect::<Vec<_>>()
                    .join(" "),
                b.minter + 1,
                b.rank + 1
            ));
        }
        let turn = self.slot_start(b.slot) + u64::from(b.rank) * self.step(b.coins.len());
        if b.minted_at < turn || b.minted_at >= self.slot_start(b.slot + 1) {
            return Some(format!(
                "minted at {} ms, outside its turn in slot {} ({turn} ms on)",
                b.minted_at, b.slot
            ));
        }
        None
    }

    /// How long each place in the ranking waits for the ones before it.
    pub fn step(&self, validators: usize) -> u64 {
        (self.slot_ms / validators.max(1) as u64).max(1)
    }
}

fn draw(prev: &Hash, slot: u64, k: u64) -> u128 {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(slot.to_le_bytes());
    h.update(k.to_le_bytes());
    let d: Hash = h.finalize().into();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    u128::from_be_bytes(b)
}

/// The Gini coefficient of the holdings: 0 when equal, towards 1 when one holds everything.
pub fn gini(coins: &[u64]) -> f64 {
    let n = coins.len();
    let total: f64 = coins.iter().map(|&c| c as f64).sum();
    if n < 2 || total <= 0.0 {
        return 0.0;
    }
    let mut diff = 0.0;
    for a in coins {
        for b in coins {
            diff += (*a as f64 - *b as f64).abs();
        }
    }
    diff / (2.0 * n as f64 * total)
}

//! Blocks, transactions and the proof of work: SHA-256 over (index, previous hash, timestamp,
//! data, nonce), the hash valid when it starts with `k` zero hex digits (course notes, seed
//! 001: "利用区块的 index, 前一个区块的哈希值、交易的时间戳、区块数据和 nonce 值 … 通过 SHA256
//! 哈希算法计算出一个哈希值，并判断前 k 个值是否都为 0 … 如果不是，则递增 nonce 值").

use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::NodeId;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// One payment: `amount` from `payer` to `payee`, spending coin `coin`. Two transactions with
/// the same coin conflict (a double spend): a valid chain holds at most one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tx {
    pub id: u64,
    pub payer: NodeId,
    pub payee: NodeId,
    pub amount: u32,
    pub coin: u64,
}

impl Tx {
    fn bytes_into(&self, h: &mut Sha256) {
        h.update(self.id.to_le_bytes());
        h.update((self.payer as u64).to_le_bytes());
        h.update((self.payee as u64).to_le_bytes());
        h.update(self.amount.to_le_bytes());
        h.update(self.coin.to_le_bytes());
    }
}

/// A block. `index` is its height (the genesis block is 0); `data` is its miner and its
/// transactions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub index: u64,
    pub prev: Hash,
    /// Milliseconds of the miner's clock when it started on the block.
    pub timestamp: u64,
    pub miner: NodeId,
    pub txs: Vec<Tx>,
    pub nonce: u64,
    pub hash: Hash,
}

/// Blocks are shared between the nodes' stores and the messages that carry them.
pub type BlockRef = Arc<Block>;

/// The hasher with everything but the nonce absorbed: a miner clones it for each try.
pub fn header_state(index: u64, prev: &Hash, timestamp: u64, miner: NodeId, txs: &[Tx]) -> Sha256 {
    let mut h = Sha256::new();
    h.update(index.to_le_bytes());
    h.update(prev);
    h.update(timestamp.to_le_bytes());
    h.update((miner as u64).to_le_bytes());
    h.update((txs.len() as u64).to_le_bytes());
    for tx in txs {
        tx.bytes_into(&mut h);
    }
    h
}

/// SHA-256 of a header whose other fields are in `state`, with `nonce`.
pub fn hash_with_nonce(state: &Sha256, nonce: u64) -> Hash {
    let mut h = state.clone();
    h.update(nonce.to_le_bytes());
    h.finalize().into()
}

impl Block {
    /// The block's hash recomputed from its fields.
    pub fn compute_hash(&self) -> Hash {
        let state = header_state(
            self.index,
            &self.prev,
            self.timestamp,
            self.miner,
            &self.txs,
        );
        hash_with_nonce(&state, self.nonce)
    }

    /// The genesis block every node starts from (not mined: exempt from the difficulty).
    pub fn genesis() -> Block {
        let mut b = Block {
            index: 0,
            prev: [0; 32],
            timestamp: 0,
            miner: 0,
            txs: Vec::new(),
            nonce: 0,
            hash: [0; 32],
        };
        b.hash = b.compute_hash();
        b
    }
}

/// Whether `hash` starts with `k` zero hex digits.
pub fn meets(hash: &Hash, k: u32) -> bool {
    let full = (k / 2) as usize;
    if hash.iter().take(full).any(|&b| b != 0) {
        return false;
    }
    k.is_multiple_of(2) || hash.get(full).is_some_and(|&b| b >> 4 == 0)
}

/// Leading zero hex digits of `hash`.
pub fn zero_digits(hash: &Hash) -> u32 {
    let mut n = 0;
    for &b in hash {
        if b == 0 {
            n += 2;
        } else {
            if b >> 4 == 0 {
                n += 1;
            }
            break;
        }
    }
    n
}

/// The first `digits` hex digits of a hash.
pub fn short(hash: &Hash, digits: usize) -> String {
    let mut s = String::with_capacity(digits);
    for b in hash.iter().take(digits.div_ceil(2)) {
        s.push_str(&format!("{b:02x}"));
    }
    s.truncate(digits);
    s
}

/// The hash as a number for the trace (its first 8 bytes).
pub fn hash_u64(hash: &Hash) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&hash[..8]);
    u64::from_be_bytes(b)
}

/// Expected tries to find a block at difficulty `k`: 16^k.
pub fn expected_tries(k: u32) -> f64 {
    16f64.powi(k as i32)
}

/// Nakamoto's §11: the probability that an attacker with a share `q` of the hash power ever
/// catches up from `z` blocks behind (the payment `z` blocks deep), with the Poisson estimate
/// of its progress while the honest chain made those `z` blocks.
pub fn attacker_success(q: f64, z: u64) -> f64 {
    let p = 1.0 - q;
    if q >= p {
        return 1.0;
    }
    let lambda = z as f64 * (q / p);
    let mut sum = 1.0;
    let mut poisson = (-lambda).exp();
    for k in 0..=z {
        if k > 0 {
            poisson *= lambda / k as f64;
        }
        sum -= poisson * (1.0 - (q / p).powi((z - k) as i32));
    }
    sum.clamp(0.0, 1.0)
}

/// The least confirmation depth that keeps the attacker's success below `risk` (None if no
/// depth up to `max` does: an attacker with half the power or more always catches up).
pub fn safe_depth(q: f64, risk: f64, max: u64) -> Option<u64> {
    (0..=max).find(|&z| attacker_success(q, z) < risk)
}

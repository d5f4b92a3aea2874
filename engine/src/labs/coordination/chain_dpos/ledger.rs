//! Blocks, the vote ledger, the election and the production schedule — pure functions every
//! node (and the checker) computes alike.
//!
//! A block carries the state after it ([`State`]): each holder's votes (the candidates it
//! approves, its stake counting for each), the holders' last applied transaction numbers, the
//! delegates elected for the current term and the slots each candidate missed in it. The
//! producer of slot `s` on top of a block is fixed by that block's state: round `s / k`
//! shuffles the k delegates (SHA-256 of the term's seed and the round), place `s mod k` of the
//! shuffle produces. A block at slot `s` on a parent at slot `p` counts every slot between them
//! as missed by its scheduled producer. The first block of a new term holds the re-vote: the
//! delegates that missed `misses` or more slots in the term are set aside (until they announce
//! they are back), and the k candidates with the most votes among the rest are the next
//! delegates, the next ones by votes being the standbys. As in EOS, the new delegates take over
//! only once the re-vote's block is final (⌊2k/3⌋ + 1 distinct delegates built on it): a
//! minority cut off by a partition, which re-votes among itself, never gets a schedule of its
//! own.

use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use crate::labs::coordination::chain_pow::short;
use crate::NodeId;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// Transactions carried in one block at most.
pub const MAX_TXS: usize = 16;

/// A holder's transaction: its votes (the set of candidates it approves, a bit per candidate)
/// or "I am back" (a delegate set aside for missing slots asks to stand again). Numbered per
/// holder: a block applies a holder's transactions in order, each once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tx {
    pub holder: NodeId,
    pub seq: u64,
    pub op: Op,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Vote(u16),
    Ready,
}

/// The ledger after a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct State {
    /// Each holder's approved candidates (bit c: candidate c).
    pub votes: Vec<u16>,
    /// Each holder's last applied transaction number.
    pub seqs: Vec<u64>,
    /// Slots each candidate missed in the current term.
    pub misses: Vec<u32>,
    /// Candidates set aside for missing slots (bit c), until they announce they are back.
    pub jailed: u16,
    /// The delegates producing now, by votes.
    pub delegates: Vec<NodeId>,
    pub term: u64,
    /// The schedule's seed.
    pub seed: Hash,
    /// The last re-vote's delegates and seed, waiting to take over (empty: none), and the
    /// delegates that have produced since (bit c: candidate c). They take over once
    /// ⌊2k/3⌋ + 1 distinct delegates have built on the re-vote's block — once it is final.
    pub pending: Vec<NodeId>,
    pub pending_seed: Hash,
    pub confirms: u16,
    /// Once confirmed, the first slot of the next round: the pending delegates produce from
    /// there (0: not confirmed yet).
    pub switch_at: u64,
}

/// One block: `index` is its height, produced in `slot` by `producer` at `produced_at` ms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub index: u64,
    pub prev: Hash,
    pub slot: u64,
    pub producer: NodeId,
    pub produced_at: u64,
    pub txs: Vec<Tx>,
    pub state: State,
    pub hash: Hash,
}

pub type BlockRef = Arc<Block>;

/// The election's and the schedule's rules (from the configuration).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Delegates elected (k).
    pub k: usize,
    /// Each holder's stake.
    pub stakes: Vec<u64>,
    /// Slot length, ms.
    pub slot_ms: u64,
    /// Rounds of k slots per term: a re-vote every `term` rounds.
    pub term_rounds: u64,
    /// Missed slots in a term that set a delegate aside.
    pub misses: u32,
}

impl Block {
    pub fn compute_hash(&self) -> Hash {
        let mut h = Sha256::new();
        h.update(self.index.to_le_bytes());
        h.update(self.prev);
        h.update(self.slot.to_le_bytes());
        h.update((self.producer as u64).to_le_bytes());
        h.update(self.produced_at.to_le_bytes());
        for t in &self.txs {
            h.update((t.holder as u64).to_le_bytes());
            h.update(t.seq.to_le_bytes());
            match t.op {
                Op::Vote(v) => h.update([0, (v >> 8) as u8, v as u8]),
                Op::Ready => h.update([1]),
            }
        }
        let s = &self.state;
        for ((v, q), m) in s.votes.iter().zip(&s.seqs).zip(&s.misses) {
            h.update(v.to_le_bytes());
            h.update(q.to_le_bytes());
            h.update(m.to_le_bytes());
        }
        h.update(s.jailed.to_le_bytes());
        for d in &s.delegates {
            h.update((*d as u64).to_le_bytes());
        }
        h.update(s.term.to_le_bytes());
        h.update(s.seed);
        for d in &s.pending {
            h.update((*d as u64).to_le_bytes());
        }
        h.update(s.pending_seed);
        h.update(s.confirms.to_le_bytes());
        h.update(s.switch_at.to_le_bytes());
        h.finalize().into()
    }
}

fn sha(parts: &[&[u8]]) -> Hash {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

impl Rules {
    pub fn holders(&self) -> usize {
        self.stakes.len()
    }

    pub fn term_slots(&self) -> u64 {
        (self.term_rounds.max(1)).saturating_mul(self.k.max(1) as u64)
    }

    pub fn term_of(&self, slot: u64) -> u64 {
        slot / self.term_slots()
    }

    /// Blocks from how many distinct delegates make a block final: ⌊2k/3⌋ + 1.
    pub fn quorum(&self) -> usize {
        2 * self.k / 3 + 1
    }

    /// The genesis block: every holder votes for itself; the first term's delegates elected.
    pub fn genesis(&self) -> Block {
        let n = self.holders();
        let mut state = State {
            votes: (0..n).map(|h| 1u16 << h).collect(),
            seqs: vec![0; n],
            misses: vec![0; n],
            jailed: 0,
            delegates: Vec::new(),
            term: 0,
            seed: sha(&[b"genesis"]),
            pending: Vec::new(),
            pending_seed: [0; 32],
            confirms: 0,
            switch_at: 0,
        };
        state.delegates = self.elect(&state);
        let mut b = Block {
            index: 0,
            prev: [0; 32],
            slot: 0,
            producer: 0,
            produced_at: 0,
            txs: Vec::new(),
            state,
            hash: [0; 32],
        };
        b.hash = b.compute_hash();
        b
    }

    /// Each candidate's votes: the stakes of the holders approving it.
    pub fn tally(&self, state: &State) -> Vec<u64> {
        let n = self.holders();
        let mut t = vec![0u64; n];
        for (h, v) in state.votes.iter().enumerate() {
            for (c, x) in t.iter_mut().enumerate() {
                if v & (1 << c) != 0 {
                    *x += self.stakes.get(h).copied().unwrap_or(0);
                }
            }
        }
        t
    }

    /// Every candidate by rank: not set aside first, then most votes, then lowest id. The
    /// first k are the delegates, the next the standbys.
    pub fn ranking(&self, state: &State) -> Vec<NodeId> {
        let t = self.tally(state);
        let mut c: Vec<NodeId> = (0..self.holders()).collect();
        c.sort_by_key(|&x| (state.jailed & (1 << x) != 0, std::cmp::Reverse(t[x]), x));
        c
    }

    pub fn elect(&self, state: &State) -> Vec<NodeId> {
        self.ranking(state).into_iter().take(self.k).collect()
    }

    /// Round `round`'s order of the delegates: a shuffle seeded by SHA-256(seed, round).
    pub fn round_order(&self, state: &State, round: u64) -> Vec<NodeId> {
        let mut d = state.delegates.clone();
        for i in (1..d.len()).rev() {
            let r = sha(&[&state.seed, &round.to_le_bytes(), &(i as u64).to_le_bytes()]);
            let x = u64::from_be_bytes([r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]]);
            d.swap(i, (x % (i as u64 + 1)) as usize);
        }
        d
    }

    /// Who produces slot `slot` on top of a block with state `state`.
    pub fn producer(&self, state: &State, slot: u64) -> Option<NodeId> {
        if state.switch_at > 0 && slot >= state.switch_at {
            return self.producer(&switched(state), slot);
        }
        let k = state.delegates.len().max(1) as u64;
        self.round_order(state, slot / k)
            .get((slot % k) as usize)
            .copied()
    }

    /// The block `producer` makes on `parent` in `slot` at `at` ms with `txs`: the skipped
    /// slots counted as missed, the transactions applied, and at a new term the re-vote.
    pub fn produce(
        &self,
        parent: &Block,
        slot: u64,
        producer: NodeId,
        at: u64,
        txs: Vec<Tx>,
    ) -> Block {
        let mut s = parent.state.clone();
        // The slots skipped since the parent: missed by their producers (a long gap is
        // counted up to two terms' worth; more changes nothing).
        let gap_end = slot.min(parent.slot + 1 + self.term_slots() * 2);
        for m in parent.slot + 1..gap_end {
            if let Some(p) = self.producer(&parent.state, m) {
                if let Some(x) = s.misses.get_mut(p) {
                    *x = x.saturating_add(1);
                }
            }
        }
        if s.switch_at > 0 && slot >= s.switch_at {
            let misses = std::mem::take(&mut s.misses);
            s = switched(&s);
            s.misses = misses;
        }
        for t in &txs {
            let Some(q) = s.seqs.get_mut(t.holder) else {
                continue;
            };
            if t.seq != *q + 1 {
                continue;
            }
            *q = t.seq;
            match t.op {
                Op::Vote(v) => {
                    if let Some(x) = s.votes.get_mut(t.holder) {
                        *x = v & ((1u32 << self.holders()) - 1) as u16;
                    }
                }
                Op::Ready => s.jailed &= !(1 << t.holder),
            }
        }
        if !s.pending.is_empty() && s.switch_at == 0 {
            s.confirms |= 1 << producer;
            if s.confirms.count_ones() as usize >= self.quorum() {
                let k = self.k.max(1) as u64;
                s.switch_at = (slot / k + 1) * k;
            }
        }
        let term = self.term_of(slot);
        if term > s.term {
            for &d in &s.delegates {
                if s.misses.get(d).copied().unwrap_or(0) >= self.misses {
                    s.jailed |= 1 << d;
                }
            }
            s.pending = self.elect(&s);
            s.pending_seed = sha(&[&parent.hash, &term.to_le_bytes()]);
            s.confirms = 1 << producer;
            s.switch_at = 0;
            s.misses.iter_mut().for_each(|m| *m = 0);
            s.term = term;
        }
        let mut b = Block {
            index: parent.index + 1,
            prev: parent.hash,
            slot,
            producer,
            produced_at: at,
            txs,
            state: s,
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
        if b.txs.len() > MAX_TXS {
            return Some(format!("it carries {} transactions", b.txs.len()));
        }
        let expect = self.produce(parent, b.slot, b.producer, b.produced_at, b.txs.clone());
        if expect.state != b.state {
            return Some("its ledger is not its parent's with its votes and misses applied".into());
        }
        None
    }

    /// Why `b` breaks one-producer-per-slot: a slot not after its parent's (two blocks in one
    /// slot on a chain), or a producer not the slot's scheduled delegate, or made outside the
    /// slot's time.
    pub fn wrong_slot(&self, parent: &Block, b: &Block) -> Option<String> {
        if b.slot <= parent.slot {
            return Some(format!(
                "its slot {} is not after its parent's {}: two blocks for one slot",
                b.slot, parent.slot
            ));
        }
        let who = self.producer(&parent.state, b.slot);
        if who != Some(b.producer) {
            return Some(format!(
                "slot {} belongs to v{}, not v{}",
                b.slot,
                who.map_or(0, |w| w + 1),
                b.producer + 1
            ));
        }
        let start = b.slot.saturating_mul(self.slot_ms);
        if b.produced_at < start || b.produced_at >= start + self.slot_ms {
            return Some(format!(
                "produced at {} ms, outside slot {} ({start} ms on)",
                b.produced_at, b.slot
            ));
        }
        None
    }
}

/// The state with its confirmed pending delegates in charge.
fn switched(state: &State) -> State {
    let mut s = state.clone();
    s.delegates = std::mem::take(&mut s.pending);
    s.seed = s.pending_seed;
    s.pending_seed = [0; 32];
    s.confirms = 0;
    s.switch_at = 0;
    s
}

/// `v1 v3` for a set of candidates (bit c: candidate c).
pub fn names(set: u16) -> String {
    let v: Vec<String> = (0..16)
        .filter(|c| set & (1 << c) != 0)
        .map(|c| format!("v{}", c + 1))
        .collect();
    if v.is_empty() {
        "-".into()
    } else {
        v.join(" ")
    }
}

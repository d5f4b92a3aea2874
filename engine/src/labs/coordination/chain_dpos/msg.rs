//! The DPoS lab's messages: a new block, a holder's transaction (votes, or "I am back"), a
//! request for the blocks from a height on (a node that lacks a block's parent, or restarted)
//! and the answer.

use super::ledger::{names, short, BlockRef, Op, Tx};
use crate::labs::coordination::chain_sync;
use crate::sim::{Message, TraceHasher};

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A block, broadcast by its producer.
    Block(BlockRef),
    /// A holder's transaction, broadcast for the delegates to include.
    Tx(Tx),
    /// "Send me your chain from this height on."
    GetBlocks(u64),
    /// The sender's best chain from the asked height on.
    Blocks(Vec<BlockRef>),
}

fn block_bytes(b: &BlockRef) -> usize {
    std::mem::size_of_val(&**b)
        + b.txs.len() * std::mem::size_of::<Tx>()
        + b.state.votes.len() * 22
        + b.state.delegates.len() * 8
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Block(_) => "Block",
            Msg::Tx(_) => "Tx",
            Msg::GetBlocks(_) => "GetBlocks",
            Msg::Blocks(_) => "Blocks",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Block(b) => chain_sync::hash_block(h, &**b),
            Msg::Tx(t) => {
                h.u64(t.holder as u64);
                h.u64(t.seq);
                h.u64(match t.op {
                    Op::Vote(v) => u64::from(v),
                    Op::Ready => 1 << 20,
                });
            }
            Msg::GetBlocks(from) => h.u64(*from),
            Msg::Blocks(bs) => chain_sync::hash_blocks(h, bs),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Block(b) => vec![
                ("height", b.index.to_string()),
                ("slot", b.slot.to_string()),
                ("producer", format!("v{}", b.producer + 1)),
                ("txs", b.txs.len().to_string()),
                ("hash", short(&b.hash, 12)),
                ("prev", short(&b.prev, 12)),
            ],
            Msg::Tx(t) => vec![
                ("holder", format!("v{}", t.holder + 1)),
                ("seq", t.seq.to_string()),
                (
                    "op",
                    match t.op {
                        Op::Vote(v) => format!("vote {}", names(v)),
                        Op::Ready => "ready".into(),
                    },
                ),
            ],
            Msg::GetBlocks(from) => vec![("from", from.to_string())],
            Msg::Blocks(bs) => chain_sync::blocks_fields(bs),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::Block(b) => block_bytes(b),
            Msg::Blocks(bs) => bs.iter().map(block_bytes).sum(),
            Msg::Tx(_) | Msg::GetBlocks(_) => 0,
        }
    }
}

//! The proof-of-stake lab's messages: a newly minted block, a request for the blocks from a
//! height on (a node that lacks a block's parent, or restarted) and the answer.

use super::ledger::{short, BlockRef};
use crate::labs::coordination::chain_sync;
use crate::sim::{Message, TraceHasher};

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A block, broadcast by its minter.
    Block(BlockRef),
    /// "Send me your chain from this height on."
    GetBlocks(u64),
    /// The sender's best chain from the asked height on.
    Blocks(Vec<BlockRef>),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Block(_) => "Block",
            Msg::GetBlocks(_) => "GetBlocks",
            Msg::Blocks(_) => "Blocks",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Block(b) => chain_sync::hash_block(h, &**b),
            Msg::GetBlocks(from) => h.u64(*from),
            Msg::Blocks(bs) => chain_sync::hash_blocks(h, bs),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Block(b) => vec![
                ("height", b.index.to_string()),
                ("slot", b.slot.to_string()),
                ("minter", format!("v{}", b.minter + 1)),
                ("rank", (b.rank + 1).to_string()),
                ("hash", short(&b.hash, 12)),
                ("prev", short(&b.prev, 12)),
            ],
            Msg::GetBlocks(from) => vec![("from", from.to_string())],
            Msg::Blocks(bs) => chain_sync::blocks_fields(bs),
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::Block(b) => std::mem::size_of_val(&**b) + b.coins.len() * 16,
            Msg::Blocks(bs) => bs
                .iter()
                .map(|b| std::mem::size_of_val(&**b) + b.coins.len() * 16)
                .sum(),
            Msg::GetBlocks(_) => 0,
        }
    }
}

//! The proof-of-work lab's messages: a transaction broadcast, a block broadcast (or sent in
//! answer to a request) and a request for a block a node is missing.

use super::chain::{hash_u64, short, BlockRef, Hash, Tx};
use crate::sim::{Message, TraceHasher};

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A payment for the miners to include.
    Tx(Tx),
    /// A block (newly mined, published, or asked for).
    Block(BlockRef),
    /// "Send me the block with this hash": a node got a block whose parent it lacks.
    GetBlock(Hash),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Tx(_) => "Tx",
            Msg::Block(_) => "Block",
            Msg::GetBlock(_) => "GetBlock",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Tx(tx) => {
                h.u64(tx.id);
                h.u64(tx.coin);
                h.u64(u64::from(tx.amount));
            }
            Msg::Block(b) => {
                h.u64(b.index);
                h.u64(hash_u64(&b.hash));
            }
            Msg::GetBlock(hash) => h.u64(hash_u64(hash)),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Tx(tx) => vec![
                ("tx", format!("#{}", tx.id)),
                ("amount", tx.amount.to_string()),
                ("coin", format!("#{}", tx.coin)),
            ],
            Msg::Block(b) => vec![
                ("height", b.index.to_string()),
                ("hash", short(&b.hash, 12)),
                ("prev", short(&b.prev, 12)),
                ("nonce", b.nonce.to_string()),
                ("txs", b.txs.len().to_string()),
            ],
            Msg::GetBlock(hash) => vec![("hash", short(hash, 12))],
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::Block(b) => std::mem::size_of_val(&**b) + b.txs.len() * 40,
            _ => 0,
        }
    }
}

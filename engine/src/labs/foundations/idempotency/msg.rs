//! The idempotency lab's messages: a client's request to the server and the server's reply.

use crate::sim::{Message, TraceHasher};

/// Messages. `req` numbers a logical request (one `deposit` the client meant to make), the
/// same on every attempt: the client matches a reply to its request by it, as an RPC call id.
/// `key` is the idempotency key, sent only when the lab's `ids` option is on; it is the only
/// thing the server may use to recognise a retry.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Client → server: add `amount` to the balance.
    Request {
        req: u64,
        amount: i64,
        key: Option<u64>,
    },
    /// Server → client: done; the balance right after this request took effect. `replayed`:
    /// the answer came from the dedupe table (a retry of a request that already ran).
    Reply {
        req: u64,
        balance: i64,
        replayed: bool,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Request { key: Some(_), .. } => "Request",
            Msg::Request { key: None, .. } => "RequestNoKey",
            Msg::Reply {
                replayed: false, ..
            } => "Reply",
            Msg::Reply { replayed: true, .. } => "ReplyReplayed",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Request { req, amount, key } => {
                h.u64(*req);
                h.u64(*amount as u64);
                h.u64(key.map_or(0, |k| k + 1));
            }
            Msg::Reply {
                req,
                balance,
                replayed,
            } => {
                h.u64(*req);
                h.u64(*balance as u64);
                h.u64(u64::from(*replayed));
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Request { req, amount, key } => vec![
                ("request", format!("#{req}")),
                ("amount", format!("{amount:+}")),
                ("key", key.map_or("-".to_string(), |k| format!("#{k}"))),
            ],
            Msg::Reply {
                req,
                balance,
                replayed,
            } => vec![
                ("request", format!("#{req}")),
                ("balance", balance.to_string()),
                (
                    "replayed",
                    if *replayed { "dedupe" } else { "-" }.to_string(),
                ),
            ],
        }
    }
}

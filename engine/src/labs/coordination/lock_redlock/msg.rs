//! Redlock's messages: what a client sends each instance (each command atomic there, the
//! compare-then-delete a Lua script), the replies, the fencing counter's and the storage's.

use crate::labs::coordination::lock_storage::{section_name, StoreMsg};
use crate::sim::{Message, TraceHasher};
use crate::Time;

/// Messages. `owner` is the lock's value: the client's section id, unique per acquisition
/// (the same on every instance, as clients put one random value in all N SETs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// `SET lock <owner> NX PX <ttl>` on one instance.
    Set { owner: u64, ttl: Time },
    /// The instance's answer: OK (`granted`) or nil.
    SetReply { owner: u64, granted: bool },
    /// `if GET lock == owner then DEL lock` (one script), sent to every instance on release
    /// and after a failed acquisition. No reply is awaited.
    Del { owner: u64 },
    /// Client → the fencing counter beside the storage: the next token, please.
    Fence { owner: u64 },
    /// The token for the section `owner`.
    FenceToken { owner: u64, token: u64 },
    /// To or from the storage.
    Store(StoreMsg),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Set { .. } => "Set",
            Msg::SetReply { granted: true, .. } => "SetOk",
            Msg::SetReply { granted: false, .. } => "SetNil",
            Msg::Del { .. } => "Del",
            Msg::Fence { .. } => "Fence",
            Msg::FenceToken { .. } => "FenceToken",
            Msg::Store(m) => m.kind(),
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Set { owner, ttl } => {
                h.u64(*owner);
                h.u64(*ttl);
            }
            Msg::SetReply { owner, granted } => {
                h.u64(*owner);
                h.u64(u64::from(*granted));
            }
            Msg::Del { owner } | Msg::Fence { owner } => h.u64(*owner),
            Msg::FenceToken { owner, token } => {
                h.u64(*owner);
                h.u64(*token);
            }
            Msg::Store(m) => m.hash_into(h),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let o = |owner: &u64| ("value", section_name(*owner));
        match self {
            Msg::Set { owner, ttl } => vec![o(owner), ("px", format!("{} ms", ttl / 1_000))],
            Msg::SetReply { owner, granted } => vec![o(owner), ("ok", granted.to_string())],
            Msg::Del { owner } | Msg::Fence { owner } => vec![o(owner)],
            Msg::FenceToken { owner, token } => vec![o(owner), ("token", token.to_string())],
            Msg::Store(m) => m.fields(),
        }
    }
}

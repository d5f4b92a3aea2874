//! The Redis lock's messages: the commands a client sends the Redis node (each one atomic
//! there, as a command or a Lua script is), their replies, and the storage's messages.

use crate::labs::coordination::lock_storage::{section_name, StoreMsg};
use crate::sim::{Message, TraceHasher};
use crate::Time;

/// Messages. `owner` is the lock's value: the client's section id, unique per acquisition
/// (a client generates a fresh one each time, as clients put a random UUID in the value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// `SET lock <owner> NX PX <ttl>`, and on success `INCR fence` for the fencing token (one
    /// script). The same owner asking again gets its lock back (a lost reply repaired).
    SetNx { owner: u64, ttl: Time },
    /// The SET succeeded: the lock is the client's, with fencing token `token`.
    Granted { owner: u64, token: u64 },
    /// The SET failed (nil): another owner holds the key. The client retries after a back-off.
    Taken { owner: u64 },
    /// Queue variant: the key is taken, the client waits in FIFO order at `position` (1 =
    /// next) and is sent `Granted` when its turn comes.
    Queued { owner: u64, position: u64 },
    /// The watchdog: `if GET lock == owner then PEXPIRE lock ttl` (one script).
    Renew { owner: u64, ttl: Time },
    /// The renewal's answer.
    Renewed { owner: u64, ok: bool },
    /// `DEL lock` (`check` false) or `if GET lock == owner then DEL lock` (`check` true).
    Del { owner: u64, check: bool },
    /// Whether the key was deleted.
    Deleted { owner: u64, deleted: bool },
    /// To or from the storage.
    Store(StoreMsg),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::SetNx { .. } => "SetNx",
            Msg::Granted { .. } => "Granted",
            Msg::Taken { .. } => "Taken",
            Msg::Queued { .. } => "Queued",
            Msg::Renew { .. } => "Renew",
            Msg::Renewed { .. } => "Renewed",
            Msg::Del { check: false, .. } => "Del",
            Msg::Del { check: true, .. } => "CompareDel",
            Msg::Deleted { .. } => "Deleted",
            Msg::Store(m) => m.kind(),
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::SetNx { owner, ttl } | Msg::Renew { owner, ttl } => {
                h.u64(*owner);
                h.u64(*ttl);
            }
            Msg::Granted { owner, token } => {
                h.u64(*owner);
                h.u64(*token);
            }
            Msg::Queued { owner, position } => {
                h.u64(*owner);
                h.u64(*position);
            }
            Msg::Taken { owner } => h.u64(*owner),
            Msg::Renewed { owner, ok: b }
            | Msg::Del { owner, check: b }
            | Msg::Deleted { owner, deleted: b } => {
                h.u64(*owner);
                h.u64(u64::from(*b));
            }
            Msg::Store(m) => m.hash_into(h),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let o = |owner: &u64| ("value", section_name(*owner));
        match self {
            Msg::SetNx { owner, ttl } | Msg::Renew { owner, ttl } => {
                vec![o(owner), ("px", format!("{} ms", ttl / 1_000))]
            }
            Msg::Granted { owner, token } => vec![o(owner), ("token", token.to_string())],
            Msg::Queued { owner, position } => {
                vec![o(owner), ("position", position.to_string())]
            }
            Msg::Taken { owner } => vec![o(owner)],
            Msg::Renewed { owner, ok } => vec![o(owner), ("ok", ok.to_string())],
            Msg::Del { owner, .. } => vec![o(owner)],
            Msg::Deleted { owner, deleted } => vec![o(owner), ("deleted", deleted.to_string())],
            Msg::Store(m) => m.fields(),
        }
    }
}

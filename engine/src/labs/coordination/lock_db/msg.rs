//! The database lock's messages: the statements a client sends the database (each one a
//! transaction there), their results, and the storage's messages.

use crate::labs::coordination::lock_storage::{section_name, StoreMsg};
use crate::sim::{Message, TraceHasher};

/// Messages. `holder` is the acquisition's id (the `holder` column), unique per acquisition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// `INSERT INTO lock (resource, holder, owner, …) VALUES ('res', holder, owner, …)`.
    Insert { holder: u64, owner: u64 },
    /// The row is there: the lock is the client's (`count`: the owner column's count).
    Inserted { holder: u64, count: u64 },
    /// `ERROR 1062: Duplicate entry 'res' for key 'resource'`: another row holds the lock.
    DuplicateKey { holder: u64 },
    /// `DELETE FROM lock WHERE resource = 'res' AND holder = holder` (with the owner column:
    /// the count is decremented and the row deleted at zero).
    Delete { holder: u64 },
    /// Whether a row (or a count) was removed.
    Deleted { holder: u64, deleted: bool },
    /// To or from the storage.
    Store(StoreMsg),
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Insert { .. } => "Insert",
            Msg::Inserted { .. } => "Inserted",
            Msg::DuplicateKey { .. } => "DuplicateKey",
            Msg::Delete { .. } => "Delete",
            Msg::Deleted { .. } => "Deleted",
            Msg::Store(m) => m.kind(),
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Insert { holder, owner: x } | Msg::Inserted { holder, count: x } => {
                h.u64(*holder);
                h.u64(*x);
            }
            Msg::DuplicateKey { holder } | Msg::Delete { holder } => h.u64(*holder),
            Msg::Deleted { holder, deleted } => {
                h.u64(*holder);
                h.u64(u64::from(*deleted));
            }
            Msg::Store(m) => m.hash_into(h),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let o = |holder: &u64| ("holder", section_name(*holder));
        match self {
            Msg::Insert { holder, owner } => vec![
                o(holder),
                (
                    "owner",
                    format!("c{}/{}", (owner >> 16) + 1, owner & 0xFFFF),
                ),
            ],
            Msg::Inserted { holder, count } => vec![o(holder), ("count", count.to_string())],
            Msg::DuplicateKey { holder } | Msg::Delete { holder } => vec![o(holder)],
            Msg::Deleted { holder, deleted } => {
                vec![o(holder), ("deleted", deleted.to_string())]
            }
            Msg::Store(m) => m.fields(),
        }
    }
}

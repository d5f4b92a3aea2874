//! What the lock labs' (`lock-db`, `lock-redis`, `lock-redlock`, `lock-zk`) node types share
//! beside the storage service itself ([`lock_storage`](super::lock_storage)): the three kinds
//! of node every lock lab has, in the same order (the lock service, the storage, the clients
//! with their lock commands), and the storage node's [`Storage`] built from the lab's options.

use crate::labs::coordination::lock_storage::{Storage, StorageKeys};
use crate::sim::{CommandSpec, NodeKind, Shape};

/// A lock lab's kinds: its lock `service` (kind 0), the storage under `keys` (kind 1, "S", a
/// square) and the clients (kind 2, "c", a circle) with `commands`.
pub const fn kinds(
    service: NodeKind,
    keys: &'static StorageKeys,
    commands: &'static [CommandSpec],
) -> [NodeKind; 3] {
    [
        service,
        NodeKind::new(keys.kind, "S", Shape::Square, &[]),
        NodeKind::new("client", "c", Shape::Circle, commands),
    ]
}

/// The storage node's state: fencing on or off, and (test-only) whether it ignores tokens.
pub fn storage(fencing: bool, broken_ignores_tokens: bool) -> Storage {
    let mut storage = Storage::new(fencing);
    storage.broken_ignore_tokens = broken_ignores_tokens;
    storage
}

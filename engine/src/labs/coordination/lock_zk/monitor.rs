//! The ZooKeeper lock's checker and counters. The property is the shared one
//! ([`MutexChecker`](crate::labs::coordination::lock_storage::MutexChecker)): no two clients'
//! conflicting sections interleave in the storage's history (readers may share). The counters
//! — watch notifications and child-list reads (the herd effect's cost), exists calls, lock
//! znodes deleted (releases and expiries), grants, sessions expired, accesses accepted and
//! rejected, the most clients believing at once that they hold the lock (and the exclusive
//! lock) — feed the stats panel and the summary.

use super::{LockZk, KEYS, STORAGE_NODE};
use crate::labs::coordination::lock_beliefs::Beliefs;
use crate::labs::coordination::lock_storage::MutexChecker;
use crate::sim::{Found, Observed, TraceKind};

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub faults: bool,
    pub checker: MutexChecker,
    /// Watch notifications the server sent.
    pub notifications: u64,
    /// Child-list reads (GetChildren requests sent) and exists calls.
    pub child_reads: u64,
    pub exists_calls: u64,
    /// Lock znodes deleted (a release, or a session's expiry).
    pub releases: u64,
    /// Grants (clients that found they hold the lock), of which read locks.
    pub grants: u64,
    pub read_grants: u64,
    pub expired: u64,
    /// Ephemeral znodes deleted by a session's expiry.
    pub ephemerals_deleted: u64,
    pub writes: u64,
    pub reads: u64,
    pub rejected: u64,
    /// Holders told their session had expired.
    pub holders_told: u64,
    /// Clients believing they hold the lock (any mode), and the exclusive lock.
    pub beliefs: Beliefs,
    pub writers: Beliefs,
}

impl Monitor {
    pub(super) fn observe(&mut self, seen: &Observed<LockZk>, found: &mut Found) {
        let r = seen.record;
        match &r.kind {
            TraceKind::Note {
                key, node, value, ..
            } => {
                let node = *node;
                match *key {
                    "lock-zk.acquire" => {
                        self.beliefs.acquiring(node, r.time);
                        self.writers.acquiring(node, r.time);
                    }
                    "lock-zk.acquire_read" => self.beliefs.acquiring(node, r.time),
                    "lock-zk.acquired" => {
                        self.grants += 1;
                        self.beliefs.acquired(node, r.time);
                        self.writers.acquired(node, r.time);
                    }
                    "lock-zk.acquired_read" => {
                        self.grants += 1;
                        self.read_grants += 1;
                        self.beliefs.acquired(node, r.time);
                    }
                    "lock-zk.released" => {
                        self.beliefs.released(node);
                        self.writers.released(node);
                    }
                    "lock-zk.expired_told" => {
                        self.holders_told += *value;
                        self.beliefs.crashed(node);
                        self.writers.crashed(node);
                    }
                    "lock-zk.lock_deleted" => self.releases += 1,
                    "lock-zk.session_expired" => self.expired += 1,
                    "lock-zk.ephemeral_deleted" => self.ephemerals_deleted += 1,
                    k if k == KEYS.note_reject => self.rejected += 1,
                    k if k == KEYS.note_accept || k == KEYS.note_read => {
                        if k == KEYS.note_read {
                            self.reads += 1;
                        } else {
                            self.writes += 1;
                        }
                        self.checker.observe(
                            &KEYS,
                            seen,
                            |p| (p.id == STORAGE_NODE).then_some(&p.storage),
                            found,
                        );
                    }
                    _ => {}
                }
            }
            TraceKind::Send { kind, .. } => match *kind {
                "WatchEvent" => self.notifications += 1,
                "GetChildren" => self.child_reads += 1,
                "Exists" => self.exists_calls += 1,
                _ => {}
            },
            TraceKind::Crash { node } => {
                self.faults = true;
                self.beliefs.crashed(*node);
                self.writers.crashed(*node);
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    pub fn violations(&self) -> u64 {
        self.checker.violations
    }

    /// Notifications and child-list reads per lock znode deleted.
    pub fn per_release(&self, count: u64) -> f64 {
        if self.releases == 0 {
            0.0
        } else {
            count as f64 / self.releases as f64
        }
    }
}

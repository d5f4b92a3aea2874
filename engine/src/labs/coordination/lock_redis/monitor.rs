//! The Redis lock's checker and counters. The property is the shared one
//! ([`MutexChecker`](crate::labs::coordination::lock_storage::MutexChecker)): no two clients'
//! critical sections interleave in the storage's history. The counters — SET NX requests,
//! refusals (each one a retry), queued waits, grants, expiries, locks deleted by a client that
//! did not own them, renewals, writes accepted and rejected, the most clients believing at
//! once that they hold the lock, the longest wait — feed the stats panel and the summary.

use super::{LockRedis, KEYS, STORAGE_NODE};
use crate::labs::coordination::lock_beliefs::Beliefs;
use crate::labs::coordination::lock_storage::MutexChecker;
use crate::sim::{Found, Observed, TraceKind};

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub faults: bool,
    pub checker: MutexChecker,
    /// SET NX messages sent (first tries, retries and re-asks).
    pub requests: u64,
    /// SET NX refused (the client backs off and retries).
    pub refusals: u64,
    /// Waiters queued (queue variant).
    pub queued: u64,
    /// Grants received by clients, and those the queue handed out.
    pub grants: u64,
    pub queue_grants: u64,
    pub expired: u64,
    /// Plain DELs that deleted another client's lock; compare-and-deletes that refused to.
    pub del_other: u64,
    pub del_refused: u64,
    pub renewals: u64,
    pub renewals_refused: u64,
    pub writes: u64,
    pub rejected: u64,
    /// Sections given up: no answer from the storage.
    pub write_timeouts: u64,
    /// Clients believing they hold the lock, and their waits.
    pub beliefs: Beliefs,
}

impl Monitor {
    pub(super) fn observe(&mut self, seen: &Observed<LockRedis>, found: &mut Found) {
        let r = seen.record;
        match &r.kind {
            TraceKind::Note { key, node, .. } => {
                let node = *node;
                match *key {
                    "lock-redis.acquire" => self.beliefs.acquiring(node, r.time),
                    "lock-redis.acquired" => {
                        self.grants += 1;
                        self.beliefs.acquired(node, r.time);
                    }
                    "lock-redis.released" => self.beliefs.released(node),
                    "lock-redis.refused" => self.refusals += 1,
                    "lock-redis.queued" => self.queued += 1,
                    "lock-redis.grant_queued" => self.queue_grants += 1,
                    "lock-redis.expired" => self.expired += 1,
                    "lock-redis.del_other" => self.del_other += 1,
                    "lock-redis.del_refused" => self.del_refused += 1,
                    "lock-redis.renewed" => self.renewals += 1,
                    "lock-redis.renew_refused" => self.renewals_refused += 1,
                    "lock-redis.write_timeout" => self.write_timeouts += 1,
                    k if k == KEYS.note_reject => self.rejected += 1,
                    k if k == KEYS.note_accept => {
                        self.writes += 1;
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
            TraceKind::Send { kind: "SetNx", .. } => self.requests += 1,
            TraceKind::Crash { node } => {
                self.faults = true;
                self.beliefs.crashed(*node);
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    pub fn violations(&self) -> u64 {
        self.checker.violations
    }
}

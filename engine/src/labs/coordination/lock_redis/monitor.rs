//! The Redis lock's checker and counters. The property is the shared one
//! ([`MutexChecker`](crate::labs::coordination::lock_storage::MutexChecker)): no two clients'
//! critical sections interleave in the storage's history. The counters — SET NX requests,
//! refusals (each one a retry), queued waits, grants, expiries, locks deleted by a client that
//! did not own them, renewals, writes accepted and rejected, the most clients believing at
//! once that they hold the lock, the longest wait — feed the stats panel and the summary.

use super::{LockRedis, KEYS, STORAGE_NODE};
use crate::labs::coordination::lock_storage::MutexChecker;
use crate::sim::{Found, Observed, TraceKind};
use crate::{NodeId, Time};

/// Nodes tracked for beliefs and waits (more than any configuration has).
const MAX_NODES: usize = 16;

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
    /// Clients that believe they hold the lock, now and at most.
    holders: [bool; MAX_NODES],
    pub believers: u64,
    pub max_believers: u64,
    /// When each client began its current acquire; the longest wait for a grant.
    since: [Option<Time>; MAX_NODES],
    pub max_wait: Time,
    pub total_wait: Time,
}

impl Monitor {
    fn believe(&mut self, node: NodeId, holds: bool) {
        let Some(h) = self.holders.get_mut(node) else {
            return;
        };
        if *h != holds {
            *h = holds;
            if holds {
                self.believers += 1;
                self.max_believers = self.max_believers.max(self.believers);
            } else {
                self.believers = self.believers.saturating_sub(1);
            }
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<LockRedis>, found: &mut Found) {
        let r = seen.record;
        match &r.kind {
            TraceKind::Note { key, node, .. } => {
                let node = *node;
                match *key {
                    "lock-redis.acquire" => {
                        if let Some(s) = self.since.get_mut(node) {
                            *s = Some(r.time);
                        }
                    }
                    "lock-redis.acquired" => {
                        self.grants += 1;
                        if let Some(s) = self.since.get_mut(node).and_then(|s| s.take()) {
                            let w = r.time.saturating_sub(s);
                            self.max_wait = self.max_wait.max(w);
                            self.total_wait += w;
                        }
                        self.believe(node, true);
                    }
                    "lock-redis.released" => self.believe(node, false),
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
                self.believe(*node, false);
                if let Some(s) = self.since.get_mut(*node) {
                    *s = None;
                }
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    pub fn violations(&self) -> u64 {
        self.checker.violations
    }
}

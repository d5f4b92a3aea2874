//! The database lock's checker and counters. The property is the shared one
//! ([`MutexChecker`](crate::labs::coordination::lock_storage::MutexChecker)): no two clients'
//! critical sections interleave in the storage's history. The counters — INSERTs sent, failed
//! INSERTs (each one a poll), grants, waits, rows swept by the expiry job, re-entrant acquires
//! and holders blocked by their own row, writes, the most clients believing at once that they
//! hold the lock — feed the stats panel and the summary.

use super::{LockDb, KEYS, STORAGE_NODE};
use crate::labs::coordination::lock_storage::MutexChecker;
use crate::sim::{Found, Observed, TraceKind};
use crate::{NodeId, Time};

/// Nodes tracked for beliefs and waits (more than any configuration has).
const MAX_NODES: usize = 16;

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub faults: bool,
    pub checker: MutexChecker,
    /// INSERT statements sent (first tries, polls and re-asks).
    pub inserts: u64,
    /// INSERTs that failed with a duplicate-key error.
    pub failed: u64,
    /// Grants received by clients.
    pub grants: u64,
    /// Rows deleted by the expiry job.
    pub swept: u64,
    /// Second acquires by a holder: asked, granted (owner column), refused by its own row.
    pub reenters: u64,
    pub reentered: u64,
    pub self_blocked: u64,
    pub writes: u64,
    /// Clients that believe they hold the lock, now and at most.
    holders: [bool; MAX_NODES],
    pub believers: u64,
    pub max_believers: u64,
    /// When each client began its current acquire; the longest wait for a grant.
    pub since: [Option<Time>; MAX_NODES],
    pub max_wait: Time,
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

    pub(super) fn observe(&mut self, seen: &Observed<LockDb>, found: &mut Found) {
        let r = seen.record;
        match &r.kind {
            TraceKind::Note { key, node, .. } => {
                let node = *node;
                match *key {
                    "lock-db.acquire" => {
                        if let Some(s) = self.since.get_mut(node) {
                            *s = Some(r.time);
                        }
                    }
                    "lock-db.acquired" => {
                        self.grants += 1;
                        if let Some(s) = self.since.get_mut(node).and_then(|s| s.take()) {
                            self.max_wait = self.max_wait.max(r.time.saturating_sub(s));
                        }
                        self.believe(node, true);
                    }
                    "lock-db.released" => self.believe(node, false),
                    "lock-db.duplicate" => self.failed += 1,
                    "lock-db.swept" => self.swept += 1,
                    "lock-db.reenter" => self.reenters += 1,
                    "lock-db.reentered" => self.reentered += 1,
                    "lock-db.self_blocked" => self.self_blocked += 1,
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
            TraceKind::Send { kind: "Insert", .. } => self.inserts += 1,
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

    /// The longest wait so far, counting the clients still waiting at `now`.
    pub fn longest_wait(&self, now: Time) -> Time {
        self.since
            .iter()
            .flatten()
            .map(|&s| now.saturating_sub(s))
            .fold(self.max_wait, Time::max)
    }

    /// Clients waiting for the lock at `now` for longer than `over`.
    pub fn waiting(&self, now: Time, over: Time) -> u64 {
        self.since
            .iter()
            .flatten()
            .filter(|&&s| now.saturating_sub(s) > over)
            .count() as u64
    }
}

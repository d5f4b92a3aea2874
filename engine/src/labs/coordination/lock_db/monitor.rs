//! The database lock's checker and counters. The property is the shared one
//! ([`MutexChecker`](crate::labs::coordination::lock_storage::MutexChecker)): no two clients'
//! critical sections interleave in the storage's history. The counters — INSERTs sent, failed
//! INSERTs (each one a poll), grants, waits, rows swept by the expiry job, re-entrant acquires
//! and holders blocked by their own row, writes, the most clients believing at once that they
//! hold the lock — feed the stats panel and the summary.

use super::{LockDb, KEYS, STORAGE_NODE};
use crate::labs::coordination::lock_beliefs::Beliefs;
use crate::labs::coordination::lock_storage::MutexChecker;
use crate::sim::{Found, Observed, TraceKind};
use crate::Time;

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
    /// Clients believing they hold the lock, and their waits.
    pub beliefs: Beliefs,
}

impl Monitor {
    pub(super) fn observe(&mut self, seen: &Observed<LockDb>, found: &mut Found) {
        let r = seen.record;
        match &r.kind {
            TraceKind::Note { key, node, .. } => {
                let node = *node;
                match *key {
                    "lock-db.acquire" => self.beliefs.acquiring(node, r.time),
                    "lock-db.acquired" => {
                        self.grants += 1;
                        self.beliefs.acquired(node, r.time);
                    }
                    "lock-db.released" => self.beliefs.released(node),
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
                self.beliefs.crashed(*node);
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
        self.beliefs
            .waiting_since()
            .map(|s| now.saturating_sub(s))
            .fold(self.beliefs.max_wait, Time::max)
    }

    /// Clients waiting for the lock at `now` for longer than `over`.
    pub fn waiting(&self, now: Time, over: Time) -> u64 {
        self.beliefs
            .waiting_since()
            .filter(|&s| now.saturating_sub(s) > over)
            .count() as u64
    }
}

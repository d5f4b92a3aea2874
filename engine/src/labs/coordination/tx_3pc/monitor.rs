//! Three-phase commit's checker and counters.
//!
//! - `atomicity` (always; the lab's lesson): no transaction is committed by one node and
//!   aborted by another. Read from the trace: a cohort's `commit` / `abort` notes (it applied
//!   an outcome, decided one on a timeout, or voted No) and the coordinator's decisions; the
//!   shared checker ([`crate::labs::coordination::tx_common::Atomicity`]) reports it once per
//!   transaction. It holds under crashes and restarts with a network that delivers within
//!   `latency_max`; a partition (or lost messages, a paused node) breaks it, as the
//!   `3pc-partition` preset shows.
//! - `every-transaction-ends` (eventually): in a run without faults, no transaction is older
//!   than the fault-free bound ([`super::Config::patience`]) and still waiting at the client
//!   or in doubt at a cohort. After a fault it is not checked: a restarted cohort may wait for
//!   an answer for as long as nobody who knows is up.

use super::{Tx3pc, COORDINATOR_NODE};
use crate::labs::coordination::tx_common::{Atomicity, Traffic};
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::Time;

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Some fault was injected (so `every-transaction-ends` is not checked).
    pub faults: bool,
    /// Decisions of the coordinator.
    pub committed: u64,
    pub aborted: u64,
    /// Decisions cohorts took alone on a timeout.
    pub timeout_commits: u64,
    pub timeout_aborts: u64,
    /// Transactions that queued for a lock at some cohort.
    pub lock_waits: u64,
    /// Messages the network duplicated.
    pub duplicates: u64,
    /// Messages sent and transactions begun.
    pub traffic: Traffic,
    /// The atomicity checker (its violations count).
    pub atomicity: Atomicity,
}

impl Monitor {
    pub(super) fn observe(&mut self, seen: &Observed<Tx3pc>, found: &mut Found) {
        match &seen.record.kind {
            TraceKind::Note { key, node, value } => {
                let commit = match *key {
                    "tx-3pc.commit" => true,
                    "tx-3pc.abort" => false,
                    "tx-3pc.decide_commit" => {
                        self.committed += 1;
                        true
                    }
                    "tx-3pc.decide_abort" => {
                        self.aborted += 1;
                        false
                    }
                    "tx-3pc.timeout_commit" => {
                        self.timeout_commits += 1;
                        return;
                    }
                    "tx-3pc.timeout_abort" => {
                        self.timeout_aborts += 1;
                        return;
                    }
                    "tx-3pc.lock_wait" => {
                        self.lock_waits += 1;
                        return;
                    }
                    "tx-3pc.begin" => {
                        self.traffic.begun += 1;
                        return;
                    }
                    _ => return,
                };
                self.atomicity
                    .outcome(*value, *node, commit, COORDINATOR_NODE, found);
            }
            TraceKind::Send { .. } => self.traffic.sent += 1,
            TraceKind::Duplicate { .. } => {
                self.faults = true;
                self.duplicates += 1;
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[Tx3pc],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        if self.faults {
            return;
        }
        for p in nodes {
            if status.get(p.id) != Some(&NodeStatus::Up) {
                continue;
            }
            super::super::tx_common::every_transaction_ends(
                now,
                p.config().patience,
                p.id,
                p.ledger
                    .iter()
                    .filter(|(_, t)| t.outcome.is_none())
                    .map(|(tx, t)| (*tx, t.since)),
                &p.doubt,
                found,
            );
        }
    }
}

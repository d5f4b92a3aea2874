//! Two-phase commit's checker and counters.
//!
//! - `atomicity` (always): no transaction is committed by one node and aborted by another.
//!   Read from the trace: a cohort's `commit` / `abort` notes (it applied the outcome, or voted
//!   No) and the coordinator's decisions, fed to the checker shared with `tx-3pc`
//!   ([`crate::labs::coordination::tx_common::Atomicity`]), which reports it once per
//!   transaction, naming a node on each side.
//! - `every-transaction-ends` (eventually): in a run without faults, no transaction is older
//!   than the fault-free bound ([`super::Config::patience`]) and still waiting at the client
//!   or in doubt at a cohort. Faults (crashes, pauses, cuts, partitions, lost or duplicated
//!   messages, clock changes) are tracked from the trace; after one the property is not
//!   checked: a crashed coordinator blocks its cohorts for as long as it is down, which is the
//!   lesson.

use super::{Tx2pc, COORDINATOR_NODE, FIRST_COHORT};
use crate::labs::coordination::tx_common::{Atomicity, Traffic};
use crate::labs::SeriesBuf;
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{Time, MS};

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Some fault was injected (so `every-transaction-ends` is not checked).
    pub faults: bool,
    /// Decisions of the coordinator.
    pub committed: u64,
    pub aborted: u64,
    /// Transactions that queued for a lock at some cohort.
    pub lock_waits: u64,
    /// Messages the network duplicated.
    pub duplicates: u64,
    /// Atomicity violations found.
    pub violations: u64,
    /// Messages sent and transactions begun.
    pub traffic: Traffic,
    /// The atomicity checker shared with `tx-3pc`.
    atomicity: Atomicity,
    /// Per cohort, how long its oldest in-doubt transaction has been in doubt (ms), sampled
    /// on the trace's records (the chart panel's curves): 128 points each at most, so with 12
    /// cohorts a checkpoint's copy of them stays under 25 KB.
    pub doubt_curves: Vec<SeriesBuf>,
}

impl Monitor {
    /// Samples each cohort's time in doubt at a record.
    fn sample_doubt(&mut self, seen: &Observed<Tx2pc>) {
        let now = seen.record.time;
        let cohorts = seen.nodes.get(FIRST_COHORT..).unwrap_or(&[]);
        if self.doubt_curves.len() != cohorts.len() {
            self.doubt_curves = vec![SeriesBuf::new(128, 20 * MS); cohorts.len()];
        }
        for (curve, c) in self.doubt_curves.iter_mut().zip(cohorts) {
            let age = c
                .doubt
                .values()
                .min()
                .map_or(0, |&since| now.saturating_sub(since));
            curve.push(now, age as f64 / MS as f64);
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<Tx2pc>, found: &mut Found) {
        self.sample_doubt(seen);
        match &seen.record.kind {
            TraceKind::Note { key, node, value } => {
                let commit = match *key {
                    "tx-2pc.commit" => true,
                    "tx-2pc.abort" => false,
                    "tx-2pc.decide_commit" => {
                        self.committed += 1;
                        true
                    }
                    "tx-2pc.decide_abort" => {
                        self.aborted += 1;
                        false
                    }
                    "tx-2pc.lock_wait" => {
                        self.lock_waits += 1;
                        return;
                    }
                    "tx-2pc.begin" => {
                        self.traffic.begun += 1;
                        return;
                    }
                    _ => return,
                };
                self.atomicity
                    .outcome(*value, *node, commit, COORDINATOR_NODE, found);
                self.violations = self.atomicity.violations;
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
        nodes: &[Tx2pc],
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

//! The central mutex's checker and counters.
//!
//! - `mutual-exclusion` (always): at most one client is in the critical section. Checked on
//!   the node states after every handler; reported once per episode (when a second client
//!   enters), with the names of those inside.
//! - `every-request-granted` (eventually): in a run without faults, no client is still
//!   waiting longer than the fault-free bound ([`super::Config::patience`]: everyone ahead
//!   in the FIFO queue holds the lock once). Faults (crashes, pauses, cuts, partitions, lost
//!   or duplicated messages, clock changes) are tracked from the trace; after one the property
//!   is not checked, as the algorithm promises nothing then (a dead coordinator stalls all).
//!
//! The counters give the stats: `messages_per_entry` counts, per client, the Request, Grant
//! (and, after a takeover, Held) messages of each episode up to and including its Release, over
//! the entries of those closed episodes (an episode still open when the run stops is not
//! counted, so a fault-free run shows exactly 3); `coordinator_msgs_per_s` counts every
//! message a coordinator sends to or receives from a client, per simulated second.

use super::{MutexCentral, CLIENT};
use crate::sim::{Found, NodeStatus, Observed, Protocol, TraceKind};
use crate::Time;

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Some fault was injected (so `every-request-granted` is not checked).
    pub faults: bool,
    pub requests: u64,
    pub grants: u64,
    pub releases: u64,
    /// Critical-section entries.
    pub entries: u64,
    /// Messages sent by, or delivered to, a coordinator (each counted once).
    pub coordinator_msgs: u64,
    /// Clients in the critical section now, and at most.
    pub in_cs: usize,
    pub max_in_cs: usize,
    pub first_violation: Option<Time>,
    pub violations: u64,
    pub last_grant: Option<Time>,
    /// Per client: entry messages (Request, Grant, Held) since its last Release, and entries.
    open: Vec<(u64, u64)>,
    /// Messages and entries of the closed episodes (each ended by the client's Release).
    pub closed_msgs: u64,
    pub closed_entries: u64,
}

impl Monitor {
    pub(super) fn check(&mut self, now: Time, nodes: &[MutexCentral]) -> Found {
        let inside: Vec<usize> = nodes.iter().filter(|p| p.holding()).map(|p| p.id).collect();
        let mut found = Vec::new();
        if inside.len() > 1 && self.in_cs <= 1 {
            self.violations += 1;
            self.first_violation.get_or_insert(now);
            let names: Vec<String> = inside.iter().map(|i| format!("p{}", i + 1)).collect();
            found.push((
                "mutual-exclusion",
                format!(
                    "{} clients in the critical section at once: {}",
                    inside.len(),
                    names.join(", ")
                ),
            ));
        }
        self.in_cs = inside.len();
        self.max_in_cs = self.max_in_cs.max(self.in_cs);
        found
    }

    pub(super) fn observe(&mut self, seen: &Observed<MutexCentral>, _found: &mut Found) {
        let coord = |i: usize| seen.nodes.get(i).is_some_and(|p| p.is_coordinator());
        match &seen.record.kind {
            TraceKind::Send { from, to, kind, .. } => {
                let n = seen.nodes.len();
                if self.open.len() < n {
                    self.open.resize(n, (0, 0));
                }
                match *kind {
                    "Request" | "Held" => {
                        self.requests += u64::from(*kind == "Request");
                        self.open[*from].0 += 1;
                    }
                    "Grant" => {
                        self.grants += 1;
                        self.last_grant = Some(seen.record.time);
                        self.open[*to].0 += 1;
                    }
                    "Release" => {
                        self.releases += 1;
                        let (msgs, entries) = std::mem::take(&mut self.open[*from]);
                        self.closed_msgs += msgs + 1;
                        self.closed_entries += entries;
                    }
                    _ => {}
                }
                if coord(*from) && !coord(*to) {
                    self.coordinator_msgs += 1;
                }
            }
            TraceKind::Deliver { from, to, .. } if coord(*to) && !coord(*from) => {
                self.coordinator_msgs += 1;
            }
            TraceKind::Note { key, node, .. } if *key == "mutex-central.enter" => {
                self.entries += 1;
                if self.open.len() <= *node {
                    self.open.resize(*node + 1, (0, 0));
                }
                self.open[*node].1 += 1;
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[MutexCentral],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        if self.faults {
            return;
        }
        for p in nodes {
            if p.kind() != CLIENT || status.get(p.id) != Some(&NodeStatus::Up) {
                continue;
            }
            if let Some(since) = p.waiting_since() {
                let waited = now.saturating_sub(since);
                if waited > p.config().patience {
                    found.push((
                        "every-request-granted",
                        format!(
                            "p{} has waited {} ms for request #{} (a fault-free wait is at most {} ms)",
                            p.id + 1,
                            waited / 1_000,
                            p.seq,
                            p.config().patience / 1_000
                        ),
                    ));
                }
            }
        }
    }
}

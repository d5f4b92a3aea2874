//! The central architecture's checker and counters.
//!
//! - `arch-central.one-epoch` (always, history-aware): each worker's obeyed orders
//!   (`arch-central.obey` notes, carrying the order's epoch) never go back to a lower epoch:
//!   after obeying epoch e, a worker never obeys an order of an epoch below e. Fencing makes
//!   it hold; without fencing, two masters interleave their orders.
//! - `arch-central.one-worker` (always): no task runs on two workers at once, counting a
//!   worker's tasks while its lease is valid (a worker whose lease ran out is stopping them;
//!   one that is paused past its lease is not counted). Reported once per episode.
//!
//! Counters: `master_msgs` counts every message an active master sends or receives (the
//! master load, per simulated second in the stats; a chart samples it per 500 ms).

use super::ArchCentral;
use crate::labs::SeriesBuf;
use crate::sim::{Found, Observed, TraceKind};
use crate::{Time, MS};

/// Width of one slot of the master-load chart.
pub const LOAD_SLOT: Time = 500 * MS;

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    pub faults: bool,
    /// Per node: the highest epoch code it has obeyed.
    obeyed: Vec<u64>,
    /// (task, worker) pairs of leased running tasks (reused, so checking does not allocate).
    scratch: Vec<(u64, usize)>,
    doubled: bool,
    pub double_runs: u64,
    pub epoch_violations: u64,
    pub master_msgs: u64,
    pub submitted: u64,
    pub placed: u64,
    pub lost: u64,
    pub rescheduled: u64,
    pub takeovers: u64,
    pub refused: u64,
    /// Master messages in the current chart slot, and the chart (messages per second).
    slot: (Time, u64),
    pub load: SeriesBuf,
}

impl Monitor {
    pub(super) fn check(&mut self, now: Time, nodes: &[ArchCentral]) -> Found {
        let mut found = Vec::new();
        self.scratch.clear();
        for p in nodes.iter().filter(|p| p.leased(now)) {
            self.scratch.extend(p.running.iter().map(|&t| (t, p.id)));
        }
        self.scratch.sort_unstable();
        let dup = self
            .scratch
            .windows(2)
            .find(|w| w[0].0 == w[1].0)
            .map(|w| [w[0], w[1]]);
        match dup {
            Some(w) if !self.doubled => {
                self.doubled = true;
                self.double_runs += 1;
                found.push((
                    "arch-central.one-worker",
                    format!(
                        "task t{} runs on two workers at once: w{} and w{}",
                        w[0].0,
                        w[0].1 + 1,
                        w[1].1 + 1
                    ),
                ));
            }
            Some(_) => {}
            None => self.doubled = false,
        }
        found
    }

    pub(super) fn observe(&mut self, seen: &Observed<ArchCentral>, found: &mut Found) {
        let active = |i: usize| seen.nodes.get(i).is_some_and(|p| p.is_master() && p.active);
        let t = seen.record.time;
        match &seen.record.kind {
            TraceKind::Send { from, .. } if active(*from) => self.count(t),
            TraceKind::Deliver { to, .. } if active(*to) => self.count(t),
            TraceKind::Note { key, node, value } => match *key {
                "arch-central.obey" => {
                    if self.obeyed.len() <= *node {
                        self.obeyed.resize(*node + 1, 0);
                    }
                    let high = self.obeyed[*node];
                    if *value < high {
                        self.epoch_violations += 1;
                        found.push((
                            "arch-central.one-epoch",
                            format!(
                                "w{} obeys an order of epoch {}·M{} after one of epoch {}·M{}",
                                node + 1,
                                value / 64,
                                value % 64 + 1,
                                high / 64,
                                high % 64 + 1
                            ),
                        ));
                    } else {
                        self.obeyed[*node] = *value;
                    }
                }
                "arch-central.submit" => self.submitted += 1,
                "arch-central.place" => self.placed += 1,
                "arch-central.lost" => self.lost += 1,
                "arch-central.takeover" => self.takeovers += 1,
                "arch-central.refuse" => self.refused += 1,
                _ => {}
            },
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    fn count(&mut self, t: Time) {
        self.master_msgs += 1;
        let slot = t / LOAD_SLOT;
        if slot != self.slot.0 {
            self.flush();
            self.slot = (slot, 0);
        }
        self.slot.1 += 1;
    }

    fn flush(&mut self) {
        if self.slot.1 > 0 {
            let per_s = self.slot.1 as f64 * 1_000_000.0 / LOAD_SLOT as f64;
            self.load.push(self.slot.0 * LOAD_SLOT, per_s);
        }
    }
}

//! How long the network and the nodes have been left alone. Labs whose nodes only converge
//! when nothing breaks (the longest chain, a proof-of-stake ranking) check their *eventually*
//! properties only once the run has settled: no partition or cut in force, and no fault for
//! a while.

use super::trace::TraceKind;
use crate::Time;

/// Watches the trace for faults: partitions and cuts in force, and when the last fault (a
/// partition, cut or heal; a crash, restart, pause or resume) happened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultWatch {
    partitioned: bool,
    /// Links cut (one way or both) and not healed.
    cuts: u64,
    last_fault: Time,
}

impl FaultWatch {
    /// Takes in one trace record's kind, at time `t`.
    pub fn observe(&mut self, kind: &TraceKind, t: Time) {
        match kind {
            TraceKind::Partition { .. } => self.partitioned = true,
            TraceKind::HealAll => {
                self.partitioned = false;
                self.cuts = 0;
            }
            TraceKind::Cut { .. } | TraceKind::CutOneWay { .. } => self.cuts += 1,
            TraceKind::Heal { .. } | TraceKind::HealOneWay { .. } => {
                self.cuts = self.cuts.saturating_sub(1)
            }
            TraceKind::Crash { .. }
            | TraceKind::Restart { .. }
            | TraceKind::Pause { .. }
            | TraceKind::Resume { .. } => {}
            _ => return,
        }
        self.last_fault = t;
    }

    /// Whether no partition or cut is in force and no fault happened in the last `quiet`.
    pub fn settled(&self, now: Time, quiet: Time) -> bool {
        !self.partitioned && self.cuts == 0 && now >= self.last_fault.saturating_add(quiet)
    }
}

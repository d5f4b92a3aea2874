//! The two-tier ring's checkers and counters, fed with every trace record.
//!
//! - `mutual-exclusion` (always): at no moment are two processes that are not down in the
//!   critical section (a paused process inside it still holds the resource).
//! - `every-request-granted` (eventually): in a run without faults (no crash, pause, cut,
//!   partition, drop or clock change), no process has a request waiting longer than its bound:
//!   one lap of the global token per request ahead of it, plus two (see
//!   [`super::Config::round_bound`]). A run with faults is not judged: tokens lost in a crash
//!   or a drop are never regenerated (the lab's lesson).
//!
//! Counters for the stats panel: messages of each token, entries and their waiting times.

use super::{Msg, Node};
use crate::sim::{Found, Message, NodeStatus, Observed, TraceKind};
use crate::{Time, MS};

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Local-token messages sent (hops inside a LAN).
    pub local_msgs: u64,
    /// Global-token messages sent (hops between LANs).
    pub global_msgs: u64,
    /// Critical-section entries, their total and longest wait (ms).
    pub entries: u64,
    pub wait_total_ms: u64,
    pub wait_max_ms: u64,
    /// Time of the last entry.
    pub last_entry: Option<Time>,
    /// A fault happened (the eventually-property is not judged).
    pub faulty: bool,
    /// Two or more in the critical section right now (reported once per overlap).
    overlap: bool,
    /// Overlaps seen.
    pub overlaps: u64,
}

impl Monitor {
    pub fn observe(&mut self, seen: &Observed<Node>, found: &mut Found) {
        let now = seen.record.time;
        match &seen.record.kind {
            TraceKind::Send { kind, .. } => {
                if *kind == (Msg::GlobalToken { seq: 0 }).kind() {
                    self.global_msgs += 1;
                } else {
                    self.local_msgs += 1;
                }
            }
            TraceKind::Note { key, value, .. } if *key == "twotier.enter" => {
                self.entries += 1;
                self.wait_total_ms += value;
                self.wait_max_ms = self.wait_max_ms.max(*value);
                self.last_entry = Some(now);
            }
            TraceKind::Crash { .. }
            | TraceKind::Pause { .. }
            | TraceKind::Cut { .. }
            | TraceKind::CutOneWay { .. }
            | TraceKind::Partition { .. }
            | TraceKind::Slow { .. }
            | TraceKind::Clock { .. }
            | TraceKind::Drop { .. } => self.faulty = true,
            _ => {}
        }
        let inside = |p: &&Node| p.in_cs.is_some() && seen.status[p.id] != NodeStatus::Down;
        if seen.nodes.iter().filter(inside).count() > 1 {
            if !self.overlap {
                let inside: Vec<&Node> = seen.nodes.iter().filter(inside).collect();
                self.overlap = true;
                self.overlaps += 1;
                let who: Vec<String> = inside
                    .iter()
                    .map(|p| format!("n{} (LAN {})", p.id + 1, p.lan + 1))
                    .collect();
                found.push((
                    "mutual-exclusion",
                    format!("{} in the critical section at once", who.join(" and ")),
                ));
            }
        } else {
            self.overlap = false;
        }
    }

    pub fn check_eventually(
        &self,
        now: Time,
        nodes: &[Node],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        if self.faulty {
            return;
        }
        for p in nodes {
            if status.get(p.id) != Some(&NodeStatus::Up) {
                continue;
            }
            if let Some(req) = p.pending.front() {
                let age = now.saturating_sub(req.at);
                let bound = (u64::from(req.ahead) + 2) * p.cfg.round_bound();
                if age > bound {
                    found.push((
                        "every-request-granted",
                        format!(
                            "n{} has waited {} ms for the critical section (bound {} ms)",
                            p.id + 1,
                            age / MS,
                            bound / MS
                        ),
                    ));
                }
            }
        }
    }

    /// Mean wait in ms.
    pub fn wait_mean_ms(&self) -> f64 {
        if self.entries == 0 {
            0.0
        } else {
            self.wait_total_ms as f64 / self.entries as f64
        }
    }

    /// Messages per entry: (local, global, total); zeros before the first entry.
    pub fn per_entry(&self) -> (f64, f64, f64) {
        if self.entries == 0 {
            return (0.0, 0.0, 0.0);
        }
        let e = self.entries as f64;
        (
            self.local_msgs as f64 / e,
            self.global_msgs as f64 / e,
            (self.local_msgs + self.global_msgs) as f64 / e,
        )
    }
}

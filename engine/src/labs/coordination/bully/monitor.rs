//! The bully lab's history-aware checker and counters.
//!
//! - **one-coordinator** (always; the lab's lesson): no two live nodes act as coordinator for
//!   longer than a handover takes. When a higher id wins, the coordinator it replaces hears its
//!   `Victory` within one latency, or its next heartbeat, so an overlap longer than
//!   `max(timeout_min, 2 × heartbeat + latency_max)` means two coordinators that cannot hear
//!   each other: a partition (or a one-way cut).
//! - **highest-coordinator** (eventually, once quiet): every live node follows the highest live
//!   id it can reach, and that node is coordinator. "Quiet" means nothing but heartbeats for
//!   [`Config::settle`] (every stale view would have timed out and started an election by then);
//!   "reach" means the same side of a partition. This is what bully promises: it holds under
//!   crashes, restarts, pauses, lost messages and clean partitions alike. With single links cut
//!   (reachability that is not an equivalence) the algorithm promises nothing and the check
//!   says nothing.
//!
//! The counters: election messages (Election, Alive, Victory) in total and per election, an
//! election being an episode from the first election message or start until no live node is
//! electing, every live node knows a coordinator and no election message is on the wire; and
//! coordinator switches.

use std::collections::BTreeSet;

use super::{Bully, Config, Role, ELECTION_KINDS};
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{NodeId, Time};

/// One election, from its first message to the cluster's settling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Episode {
    pub start: Time,
    pub end: Option<Time>,
    /// Election, Alive and Victory messages sent during it.
    pub messages: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Partition group per node (empty: the network is whole).
    groups: Vec<u32>,
    /// Directed links cut one by one.
    cuts: BTreeSet<(NodeId, NodeId)>,
    /// Election, Alive and Victory messages on the wire.
    inflight: BTreeSet<u64>,
    /// Last record other than heartbeats.
    last_activity: Time,
    /// Since when two or more live nodes have been coordinator, and whether it was reported.
    overlap_since: Option<Time>,
    overlap_reported: bool,
    pub episodes: Vec<Episode>,
    pub election_messages: u64,
    pub switches: u64,
    /// The coordinator the cluster last settled on (the last to win, or whom it stepped down to).
    pub established: Option<NodeId>,
    pub first_victory: Option<Time>,
}

fn grace(cfg: &Config) -> Time {
    cfg.timeout_min.max(2 * cfg.heartbeat + cfg.latency_max)
}

fn name(n: NodeId) -> String {
    format!("n{}", n + 1)
}

impl Monitor {
    fn open(&mut self, now: Time) {
        if self.episodes.last().is_none_or(|e| e.end.is_some()) {
            self.episodes.push(Episode {
                start: now,
                end: None,
                messages: 0,
            });
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<Bully>, found: &mut Found) {
        let now = seen.record.time;
        let mut activity = true;
        match &seen.record.kind {
            TraceKind::Send { kind, msg, .. } if ELECTION_KINDS.contains(kind) => {
                self.open(now);
                self.inflight.insert(*msg);
                self.election_messages += 1;
                if let Some(e) = self.episodes.last_mut() {
                    e.messages += 1;
                }
            }
            TraceKind::Duplicate { kind, msg, .. } if ELECTION_KINDS.contains(kind) => {
                self.inflight.insert(*msg);
            }
            TraceKind::Deliver { kind, msg, .. } | TraceKind::Drop { kind, msg, .. }
                if ELECTION_KINDS.contains(kind) =>
            {
                self.inflight.remove(msg);
            }
            TraceKind::Send { kind, .. }
            | TraceKind::Deliver { kind, .. }
            | TraceKind::Duplicate { kind, .. }
            | TraceKind::Drop { kind, .. }
                if *kind == "Heartbeat" =>
            {
                activity = false
            }
            TraceKind::Timer { name, .. } if *name == "heartbeat" => activity = false,
            TraceKind::Violation { .. } => activity = false,
            TraceKind::Note { node, key, value } => match *key {
                "bully.election" => self.open(now),
                "bully.victory" => {
                    self.first_victory.get_or_insert(now);
                    if self.established != Some(*node) {
                        self.switches += u64::from(self.established.is_some());
                        self.established = Some(*node);
                    }
                }
                "bully.step_down" if self.established == Some(*node) => {
                    self.switches += 1;
                    self.established = (*value as usize).checked_sub(1);
                }
                _ => {}
            },
            TraceKind::Partition { groups } => self.groups = groups.clone(),
            TraceKind::HealAll => {
                self.groups.clear();
                self.cuts.clear();
            }
            TraceKind::Cut { a, b } => {
                self.cuts.insert((*a, *b));
                self.cuts.insert((*b, *a));
            }
            TraceKind::Heal { a, b } => {
                self.cuts.remove(&(*a, *b));
                self.cuts.remove(&(*b, *a));
            }
            TraceKind::CutOneWay { from, to } => {
                self.cuts.insert((*from, *to));
            }
            TraceKind::HealOneWay { from, to } => {
                self.cuts.remove(&(*from, *to));
            }
            _ => {}
        }
        if activity {
            self.last_activity = now;
        }
        let up = |i: usize| seen.status[i] == NodeStatus::Up;
        let live = || seen.nodes.iter().filter(|p| up(p.id));
        // Close the open election once nobody is electing, everybody knows a coordinator and
        // no election message is left on the wire.
        // (Not at a handler's own notes and sends: the states seen are those after the whole
        // handler, so a node that starts and wins at once would look settled at its first note.)
        let closing = !matches!(
            seen.record.kind,
            TraceKind::Note { .. }
                | TraceKind::Send { .. }
                | TraceKind::Duplicate { .. }
                | TraceKind::Command { .. }
        );
        if let Some(e) = self
            .episodes
            .last_mut()
            .filter(|e| closing && e.end.is_none())
        {
            if self.inflight.is_empty()
                && live().all(|p| {
                    !matches!(p.role, Role::Electing | Role::Waiting) && p.coordinator.is_some()
                })
            {
                e.end = Some(now);
            }
        }
        let mut coordinators = live().filter(|p| p.role == Role::Coordinator).map(|p| p.id);
        let (Some(a), Some(b)) = (coordinators.next(), coordinators.next()) else {
            self.overlap_since = None;
            self.overlap_reported = false;
            return;
        };
        let since = *self.overlap_since.get_or_insert(now);
        let limit = seen.nodes.first().map_or(0, |p| grace(&p.cfg));
        if !self.overlap_reported && now.saturating_sub(since) > limit {
            self.overlap_reported = true;
            found.push((
                "one-coordinator",
                format!(
                    "{} and {} have both been coordinator for {} ms",
                    name(a),
                    name(b),
                    (now - since) / crate::MS
                ),
            ));
        }
    }

    /// Whether nothing but heartbeats has happened for the settling time.
    pub fn quiet(&self, now: Time, cfg: &Config) -> bool {
        now >= self.last_activity + cfg.settle()
    }

    pub(super) fn check_quiet(
        &self,
        now: Time,
        nodes: &[Bully],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        let Some(cfg) = nodes.first().map(|p| &p.cfg) else {
            return;
        };
        if !self.quiet(now, cfg) || !self.cuts.is_empty() {
            return;
        }
        let group = |i: NodeId| self.groups.get(i).copied().unwrap_or(0);
        let up = |i: NodeId| status.get(i) == Some(&NodeStatus::Up);
        for p in nodes.iter().filter(|p| up(p.id)) {
            let Some(h) = (0..nodes.len())
                .filter(|&v| up(v) && group(v) == group(p.id))
                .max()
            else {
                continue;
            };
            let ok = if h == p.id {
                p.role == Role::Coordinator
            } else {
                p.role == Role::Follower && p.coordinator == Some(h)
            };
            if !ok {
                found.push((
                    "highest-coordinator",
                    format!(
                        "{} ({:?}) follows {}, but the highest live node it can reach is {}",
                        name(p.id),
                        p.role,
                        p.coordinator.map_or("nobody".into(), name),
                        name(h)
                    ),
                ));
            }
        }
    }
}

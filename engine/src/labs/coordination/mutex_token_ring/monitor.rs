//! The token ring's checkers and counters. Properties:
//! - *mutual-exclusion* (always): at most one process that is not down is in the critical
//!   section (a paused one still is);
//! - *one-token* (always): tokens held by processes that are not down plus Token messages on
//!   the wire number at most one, counted between events (a handler takes the token and
//!   sends it on as one step);
//! - *every-request-granted* (eventually): no up process has waited longer than a bound
//!   (two loss timeouts plus a slow rotation) without entering, while it has requests.
//!
//! Each always-property is reported once per episode (when it starts to fail), not at every
//! record while it stays broken. The counters (messages, entries, waits by ring position)
//! feed the lab's stats and summary.

use std::collections::BTreeSet;

use super::RingNode;
use crate::sim::{Found, NodeStatus, Observed, TraceKind};
use crate::{NodeId, Time, MS};

/// History and counters of one run.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Token messages on the wire (message ids).
    inflight: BTreeSet<u64>,
    two_in_cs: bool,
    two_tokens: bool,
    /// Messages sent, all kinds.
    pub messages: u64,
    /// Token messages sent.
    pub token_passes: u64,
    pub entries: u64,
    /// Per process: (entries, total wait).
    pub waits: Vec<(u64, Time)>,
    pub max_wait: Time,
    /// Per process: when it last entered (or started, or had no request).
    last_served: Vec<Time>,
    pub regenerations: u64,
    pub skips: u64,
    pub stale: u64,
    /// Times mutual exclusion / one-token started to fail.
    pub exclusion_breaks: u64,
    pub token_breaks: u64,
}

impl Monitor {
    fn grow(&mut self, n: usize) {
        if self.waits.len() < n {
            self.waits.resize(n, (0, 0));
            self.last_served.resize(n, 0);
        }
    }

    pub(super) fn observe(&mut self, seen: &Observed<RingNode>, found: &mut Found) {
        let r = seen.record;
        self.grow(seen.nodes.len());
        let effect = matches!(
            r.kind,
            TraceKind::Send { .. }
                | TraceKind::Duplicate { .. }
                | TraceKind::Note { .. }
                | TraceKind::Invoke { .. }
                | TraceKind::Return { .. }
        );
        if !effect {
            // A new event: the previous handler's sends are all on the wire now.
            self.count_tokens(seen, found);
        }
        match &r.kind {
            TraceKind::Send { msg, kind, .. } => {
                self.messages += 1;
                if *kind == "Token" {
                    self.token_passes += 1;
                    self.inflight.insert(*msg);
                }
            }
            TraceKind::Duplicate { msg, kind, .. } if *kind == "Token" => {
                self.inflight.insert(*msg);
            }
            TraceKind::Deliver { msg, .. } | TraceKind::Drop { msg, .. } => {
                self.inflight.remove(msg);
            }
            TraceKind::Note { node, key, value } => self.note(*node, key, *value, r.time),
            TraceKind::Restart { node } => {
                if let Some(t) = self.last_served.get_mut(*node) {
                    *t = r.time;
                }
            }
            _ => {}
        }
        let alive = |i: &NodeId| seen.status.get(*i).is_some_and(|s| *s != NodeStatus::Down);
        let in_cs: Vec<NodeId> = (0..seen.nodes.len())
            .filter(|i| alive(i) && seen.nodes[*i].in_cs)
            .collect();
        let broken = in_cs.len() > 1;
        if broken && !self.two_in_cs {
            self.exclusion_breaks += 1;
            let names: Vec<String> = in_cs.iter().map(|i| format!("n{}", i + 1)).collect();
            found.push((
                "mutual-exclusion",
                format!("{} are in the critical section at once", names.join(", ")),
            ));
        }
        self.two_in_cs = broken;
    }

    /// One-token, counted between events (within a handler the token may be taken and
    /// not yet sent on).
    fn count_tokens(&mut self, seen: &Observed<RingNode>, found: &mut Found) {
        let alive = |i: &NodeId| seen.status.get(*i).is_some_and(|s| *s != NodeStatus::Down);
        let held = (0..seen.nodes.len())
            .filter(|i| alive(i) && seen.nodes[*i].holding.is_some())
            .count();
        let tokens = held + self.inflight.len();
        let broken = tokens > 1;
        if broken && !self.two_tokens {
            self.token_breaks += 1;
            found.push((
                "one-token",
                format!(
                    "{tokens} tokens exist: {held} held, {} on the wire",
                    self.inflight.len()
                ),
            ));
        }
        self.two_tokens = broken;
    }

    fn note(&mut self, node: NodeId, key: &str, value: u64, now: Time) {
        match key {
            "tokenring.enter" => {
                self.entries += 1;
                let wait = value * MS;
                if let Some(w) = self.waits.get_mut(node) {
                    w.0 += 1;
                    w.1 += wait;
                }
                if let Some(t) = self.last_served.get_mut(node) {
                    *t = now;
                }
                self.max_wait = self.max_wait.max(wait);
            }
            "tokenring.regenerate" => self.regenerations += 1,
            "tokenring.skip" => self.skips += 1,
            "tokenring.stale" => self.stale += 1,
            _ => {}
        }
    }

    /// Token messages on the wire now.
    pub fn tokens_on_wire(&self) -> usize {
        self.inflight.len()
    }

    /// Mean wait of process `i` in ms (0 if it never entered).
    pub fn mean_wait_ms(&self, i: NodeId) -> f64 {
        match self.waits.get(i) {
            Some(&(k, total)) if k > 0 => total as f64 / k as f64 / MS as f64,
            _ => 0.0,
        }
    }

    /// Mean wait over all entries, in ms.
    pub fn overall_wait_ms(&self) -> f64 {
        let (k, total) = self
            .waits
            .iter()
            .fold((0, 0), |(k, t), &(a, b)| (k + a, t + b));
        if k == 0 {
            0.0
        } else {
            total as f64 / k as f64 / MS as f64
        }
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[RingNode],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        for p in nodes {
            if status.get(p.id) != Some(&NodeStatus::Up) {
                continue;
            }
            let Some(&oldest) = p.pending.front() else {
                continue;
            };
            let c = &p.cfg;
            let rotation = p.n as Time * (c.cs * Time::from(c.weight) + 2 * c.ack_timeout);
            let bound = 2 * c.regen_timeout + rotation;
            let served = self.last_served.get(p.id).copied().unwrap_or(0).max(oldest);
            if now.saturating_sub(served) > bound {
                found.push((
                    "every-request-granted",
                    format!(
                        "n{} has waited {} ms without entering the critical section",
                        p.id + 1,
                        now.saturating_sub(served) / MS
                    ),
                ));
            }
        }
    }
}

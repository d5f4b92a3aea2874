//! The lab's checker and counters. *mutual-exclusion* (always): no process enters the critical
//! section while another holds it, checked on the processes' states after every event.
//! Counters (from the trace): entries, the Request and OK messages that belong to each entered
//! request (2(n−1) in a fault-free run with the toggles off), all messages by kind.

use std::collections::BTreeMap;

use super::{Ricart, State};
use crate::sim::{Found, Observed, TraceKind};
use crate::{NodeId, Time};

/// History the checker keeps.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Who holds the critical section, as last seen.
    holding: Vec<bool>,
    /// Critical-section entries.
    pub entries: u64,
    /// Entries while another process held the critical section.
    pub overlaps: u64,
    /// Request and OK messages of entered requests, counted when the request enters.
    pub entry_messages: u64,
    /// Request and OK messages sent so far for each (requester, timestamp) not yet entered.
    open: BTreeMap<(NodeId, u64), u64>,
    /// Messages sent, by kind.
    pub requests: u64,
    pub oks: u64,
    pub heartbeats: u64,
    /// Requests made.
    pub requested: u64,
    pub first_entry: Option<Time>,
    pub last_entry: Option<Time>,
    /// Time of each entry (for tests and the summary), with the process.
    pub entry_log: Vec<(Time, NodeId)>,
}

/// Most entries kept in [`Monitor::entry_log`] (a long run keeps counting without it).
const ENTRY_LOG: usize = 10_000;

impl Monitor {
    pub(super) fn check(&mut self, now: Time, node: NodeId, nodes: &[Ricart]) -> Found {
        let mut found = Found::new();
        if self.holding.len() < nodes.len() {
            self.holding.resize(nodes.len(), false);
        }
        let Some(p) = nodes.get(node) else {
            return found;
        };
        let held = p.state == State::Held;
        if held && !self.holding[node] {
            self.entries += 1;
            self.first_entry.get_or_insert(now);
            self.last_entry = Some(now);
            if self.entry_log.len() < ENTRY_LOG {
                self.entry_log.push((now, node));
            }
            let others: Vec<String> = (0..nodes.len())
                .filter(|&i| i != node && self.holding[i])
                .map(|i| format!("n{}", i + 1))
                .collect();
            if !others.is_empty() {
                self.overlaps += 1;
                found.push((
                    "mutual-exclusion",
                    format!(
                        "n{} entered the critical section while {} held it",
                        node + 1,
                        others.join(", ")
                    ),
                ));
            }
        }
        self.holding[node] = held;
        found
    }

    pub(super) fn observe(&mut self, seen: &Observed<Ricart>) {
        match &seen.record.kind {
            TraceKind::Send { from, to, kind, .. } => {
                // The request a message belongs to: the requester's current one (the sender's
                // for a Request, the receiver's for an OK), read from the states after the
                // handler that sent it.
                let requester = match *kind {
                    "Request" => {
                        self.requests += 1;
                        Some(*from)
                    }
                    "OK" => {
                        self.oks += 1;
                        Some(*to)
                    }
                    _ => {
                        self.heartbeats += 1;
                        None
                    }
                };
                if let Some(r) = requester.and_then(|r| seen.nodes.get(r)) {
                    if r.state == State::Wanted {
                        *self.open.entry((r.id, r.req_ts)).or_insert(0) += 1;
                    }
                }
            }
            TraceKind::Note { node, key, value } => match *key {
                "ricart.request" => self.requested += 1,
                "ricart.enter" => {
                    self.entry_messages += self.open.remove(&(*node, *value)).unwrap_or(0);
                    // Older requests of this process will never enter.
                    let stale: Vec<(NodeId, u64)> = self
                        .open
                        .range((*node, 0)..(*node, *value))
                        .map(|(k, _)| *k)
                        .collect();
                    for k in stale {
                        self.open.remove(&k);
                    }
                }
                _ => {}
            },
            _ => {}
        }
    }

    /// Request and OK messages per entered request.
    pub fn messages_per_entry(&self) -> f64 {
        if self.entries == 0 {
            0.0
        } else {
            self.entry_messages as f64 / self.entries as f64
        }
    }

    /// All messages sent.
    pub fn messages(&self) -> u64 {
        self.requests + self.oks + self.heartbeats
    }
}

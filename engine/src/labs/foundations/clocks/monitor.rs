//! The checker of the clocks lab: it rebuilds the TRUE happened-before relation from the trace
//! alone (program order on each process; a message's send before its delivery, matched by
//! message id) and holds the clocks the processes stamped against it.
//!
//! Every event of a process is announced by a `clocks.lamport` note, recorded after the
//! handler that made it, so the process's newest history entry is that event. A `Deliver`
//! record before it says the event is a receive (and of which message); a `Send` record after
//! it says the event sent that message.
//!
//! - **lamport-consistent** (e → f implies L(e) < L(f)) is checked on each event's immediate
//!   predecessors (its process's previous event and, for a receive, the send); by
//!   transitivity that covers every causal chain.
//! - **vector-exact** (V(e) < V(f) exactly when e → f): the checker keeps each event's true
//!   causal history as a count vector P (how many events of each process precede or are it).
//!   While every stamped V equals its P the property holds (the vector-clock theorem); once
//!   one differs, each new event is compared pairwise with the recent events of every process
//!   ([`WINDOW`] each), and a pair whose vector order disagrees with the true order is
//!   reported.
//! - **physical-order** (a lesson): no receive is stamped, on its process's local physical
//!   clock, earlier than its send was stamped on the sender's clock. It holds while clocks
//!   agree, and breaks as soon as one is skewed.

use std::collections::{BTreeMap, VecDeque};

use super::{vector_less, Clocks, Event};
use crate::sim::{Found, Observed, TraceKind};
use crate::{NodeId, Time, MS};

/// Recent events per process the pairwise vector check compares with.
pub const WINDOW: usize = 32;

/// What the checker knows of a message on the wire.
#[derive(Clone, Debug)]
struct Sent {
    node: NodeId,
    seq: u64,
    lamport: u64,
    physical: Time,
    past: Vec<u64>,
}

/// One checked event and its stamped vector.
#[derive(Clone, Debug)]
struct Seen {
    node: NodeId,
    seq: u64,
    vector: Vec<u64>,
}

/// The checker's history.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Per process: the true causal history (count vector) of its latest event.
    past: Vec<Vec<u64>>,
    /// Per process: Lamport time and physical stamp of its latest event.
    last: Vec<Option<(u64, Time)>>,
    /// Per process: a message delivered whose receive event is still to be announced.
    pending: Vec<Option<Sent>>,
    /// Messages on the wire, by id.
    wire: BTreeMap<u64, Sent>,
    /// Recent events per process, for the pairwise check.
    recent: Vec<VecDeque<Seen>>,
    /// Whether every event so far carried exactly its true causal history as its vector.
    diverged: bool,
    /// Events checked, and messages sent.
    pub events: u64,
    pub messages: u64,
}

fn label(node: NodeId, seq: u64) -> String {
    format!("p{}#{seq}", node + 1)
}

fn show(v: &[u64]) -> String {
    let parts: Vec<String> = v.iter().map(u64::to_string).collect();
    format!("({})", parts.join(","))
}

impl Monitor {
    fn ensure(&mut self, n: usize) {
        if self.past.len() != n {
            self.past = vec![vec![0; n]; n];
            self.last = vec![None; n];
            self.pending = vec![None; n];
            self.recent = vec![VecDeque::new(); n];
        }
    }

    /// Sees one trace record.
    pub fn observe(&mut self, seen: &Observed<Clocks>, found: &mut Found) {
        self.ensure(seen.nodes.len());
        match &seen.record.kind {
            TraceKind::Deliver { msg, to, .. } => {
                if let (Some(sent), Some(slot)) = (self.wire.remove(msg), self.pending.get_mut(*to))
                {
                    *slot = Some(sent);
                }
            }
            TraceKind::Drop { msg, .. } => {
                self.wire.remove(msg);
            }
            TraceKind::Send { msg, from, .. } => {
                if let (Some(past), Some(Some((lamport, physical)))) =
                    (self.past.get(*from), self.last.get(*from))
                {
                    self.messages += 1;
                    let seq = past.get(*from).copied().unwrap_or(0);
                    let sent = Sent {
                        node: *from,
                        seq,
                        lamport: *lamport,
                        physical: *physical,
                        past: past.clone(),
                    };
                    self.wire.insert(*msg, sent);
                }
            }
            TraceKind::Duplicate { msg, of, .. } => {
                if let Some(sent) = self.wire.get(of).cloned() {
                    self.wire.insert(*msg, sent);
                }
            }
            TraceKind::Note { node, key, .. } if *key == super::NOTE_EVENT => {
                if let Some(ev) = seen.nodes.get(*node).and_then(|p| p.history.back()) {
                    self.event(*node, ev, found);
                }
            }
            _ => {}
        }
    }

    /// A new event `ev` of process `node`.
    fn event(&mut self, node: NodeId, ev: &Event, found: &mut Found) {
        self.events += 1;
        let received = self.pending.get_mut(node).and_then(Option::take);
        let mut past = self.past[node].clone();
        if let Some(sent) = &received {
            for (p, s) in past.iter_mut().zip(&sent.past) {
                *p = (*p).max(*s);
            }
        }
        past[node] += 1;
        let seq = past[node];
        let me = label(node, seq);

        // lamport-consistent, on the immediate predecessors.
        if let Some((prev, _)) = self.last[node] {
            if prev >= ev.lamport {
                found.push((
                    "lamport-consistent",
                    format!(
                        "{} → {me} (program order) but L = {prev} then {}",
                        label(node, seq - 1),
                        ev.lamport
                    ),
                ));
            }
        }
        if let Some(sent) = &received {
            if sent.lamport >= ev.lamport {
                found.push((
                    "lamport-consistent",
                    format!(
                        "send {} → receive {me} but L = {} then {}",
                        label(sent.node, sent.seq),
                        sent.lamport,
                        ev.lamport
                    ),
                ));
            }
            // physical-order: the receive is not stamped before its send.
            if ev.physical < sent.physical {
                found.push((
                    "physical-order",
                    format!(
                        "receive {me} stamped {:.1} ms on its clock, before its send {} \
                         stamped {:.1} ms",
                        ev.physical as f64 / MS as f64,
                        label(sent.node, sent.seq),
                        sent.physical as f64 / MS as f64
                    ),
                ));
            }
        }

        // vector-exact.
        if ev.vector != past {
            self.diverged = true;
        }
        if self.diverged {
            if let Some(text) = self.witness(node, seq, &ev.vector, &past) {
                found.push(("vector-exact", text));
            }
        }

        self.last[node] = Some((ev.lamport, ev.physical));
        let recent = &mut self.recent[node];
        recent.push_back(Seen {
            node,
            seq,
            vector: ev.vector.clone(),
        });
        if recent.len() > WINDOW {
            recent.pop_front();
        }
        self.past[node] = past;
    }

    /// A recent event whose vector order with the new event `f` disagrees with the true order.
    fn witness(&self, node: NodeId, seq: u64, v: &[u64], past: &[u64]) -> Option<String> {
        let f = label(node, seq);
        for e in self.recent.iter().flatten() {
            // Earlier events never come after f; e → f exactly when f's history counts e.
            let truly = past.get(e.node).is_some_and(|&c| e.seq <= c);
            let before = vector_less(&e.vector, v);
            let after = vector_less(v, &e.vector);
            let name = label(e.node, e.seq);
            if truly && !before {
                return Some(format!(
                    "{name} → {f} but V{} is not below V{}",
                    show(&e.vector),
                    show(v)
                ));
            }
            if !truly && (before || after) {
                return Some(format!(
                    "{name} and {f} are concurrent but V{} and V{} are ordered",
                    show(&e.vector),
                    show(v)
                ));
            }
        }
        None
    }
}

/// Whether `a` happened before `b` by their vector clocks (exact: the lab checks that vector
/// order is causal order).
pub fn happened_before(a: &Event, b: &Event) -> bool {
    vector_less(&a.vector, &b.vector)
}

/// Whether two distinct events are concurrent: neither happened before the other.
pub fn concurrent(a: &Event, b: &Event) -> bool {
    (a.node, a.seq) != (b.node, b.seq) && !happened_before(a, b) && !happened_before(b, a)
}

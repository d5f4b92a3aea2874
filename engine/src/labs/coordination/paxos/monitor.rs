//! Paxos's checker and counters (Paxos Made Simple §2.1, the safety requirements).
//!
//! Read from the trace with the node states:
//! - `paxos.agreement` (always): at most one value is chosen per slot. A value is *chosen*
//!   when a majority of acceptors have accepted it under one proposal number; each acceptor's
//!   `paxos.accept` note adds it to that proposal's set.
//! - `paxos.validity` (always): a chosen value was proposed (a `paxos.propose` note), or is the
//!   no-op a Multi-Paxos leader fills a hole with.
//! - `paxos.learned-chosen` (always): a learner learns (`paxos.learn`) only a chosen value.
//! - `paxos.progress` (eventually, in runs without faults): no proposer has had a value waiting
//!   longer than [`super::Config::patience`]. Dueling proposers without back-off break it.

use std::collections::{BTreeMap, BTreeSet};

use super::{label, value_text, Ballot, Paxos, ACCEPTOR, LEARNER, NOOP, PROPOSER};
use crate::sim::{Found, NodeStatus, Observed, Protocol, TraceKind};
use crate::Time;

/// The history the checks and the stats need.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// Some fault was injected (so `paxos.progress` is not checked).
    pub faults: bool,
    /// Values proposed.
    pub proposed: BTreeSet<u64>,
    /// Per (slot, number): the value and the acceptors that accepted it.
    votes: BTreeMap<(u64, Ballot), (u64, u64)>,
    /// The chosen value of each slot (the first one chosen, if a broken run chose two).
    pub chosen: BTreeMap<u64, u64>,
    /// Messages sent, and those telling learners (`Learn`, `Chosen`).
    pub messages: u64,
    pub learn_messages: u64,
    /// Phase 1 rounds started, and rounds abandoned after a Nack.
    pub rounds: u64,
    pub preempted: u64,
    /// Values placed without phase 1 (Multi-Paxos).
    pub skipped: u64,
    /// Learnings by learners (one per learner and slot).
    pub learned: u64,
    /// Messages the network duplicated.
    pub duplicates: u64,
    pub violations: u64,
}

impl Monitor {
    pub(super) fn observe(&mut self, seen: &Observed<Paxos>, found: &mut Found) {
        match &seen.record.kind {
            TraceKind::Send { kind, .. } => {
                self.messages += 1;
                if matches!(*kind, "Learn" | "Chosen") {
                    self.learn_messages += 1;
                }
            }
            TraceKind::Note { key, node, value } => {
                let Some(p) = seen.nodes.get(*node) else {
                    return;
                };
                match *key {
                    "paxos.propose" => {
                        self.proposed.insert(*value);
                    }
                    "paxos.prepare" => self.rounds += 1,
                    "paxos.preempted" => self.preempted += 1,
                    "paxos.skip_phase1" => self.skipped += 1,
                    "paxos.accept" if p.kind() == ACCEPTOR => self.accepted(p, *value, found),
                    "paxos.learn" if p.kind() == LEARNER => {
                        self.learned += 1;
                        let Some(&v) = p.log.get(value) else {
                            return;
                        };
                        if self.chosen.get(value) != Some(&v) {
                            self.violations += 1;
                            found.push((
                                "paxos.learned-chosen",
                                format!(
                                    "{} learned {} for slot {value}, which is not chosen there (chosen: {})",
                                    p.label(),
                                    value_text(v),
                                    self.chosen.get(value).map_or("nothing".into(), |&c| value_text(c))
                                ),
                            ));
                        }
                    }
                    _ => {}
                }
            }
            TraceKind::Duplicate { .. } => {
                self.faults = true;
                self.duplicates += 1;
            }
            k if k.is_fault() => self.faults = true,
            _ => {}
        }
    }

    /// Acceptor `p` accepted a proposal for `slot`.
    fn accepted(&mut self, p: &Paxos, slot: u64, found: &mut Found) {
        let Some(vote) = p.accepted.get(&slot) else {
            return;
        };
        let bit = p.config().acceptor_bit(p.id);
        let e = self
            .votes
            .entry((slot, vote.ballot))
            .or_insert((vote.value, 0));
        if e.0 != vote.value {
            // Two values under one number: the proposer broke uniqueness.
            self.violations += 1;
            found.push((
                "paxos.agreement",
                format!(
                    "proposal {} carries two values for slot {slot}: {} and {}",
                    vote.ballot,
                    value_text(e.0),
                    value_text(vote.value)
                ),
            ));
            return;
        }
        e.1 |= bit;
        if e.1.count_ones() < p.config().majority() {
            return;
        }
        let v = vote.value;
        match self.chosen.get(&slot) {
            None => {
                self.chosen.insert(slot, v);
                if v != NOOP && !self.proposed.contains(&v) {
                    self.violations += 1;
                    found.push((
                        "paxos.validity",
                        format!(
                            "{} is chosen for slot {slot} but nobody proposed it",
                            value_text(v)
                        ),
                    ));
                }
            }
            Some(&c) if c != v => {
                self.violations += 1;
                found.push((
                    "paxos.agreement",
                    format!(
                        "two values chosen for slot {slot}: {} earlier, and now {} (a majority accepted [n={}, v={}])",
                        value_text(c),
                        value_text(v),
                        vote.ballot,
                        value_text(v)
                    ),
                ));
            }
            Some(_) => {}
        }
    }

    pub(super) fn check_eventually(
        &self,
        now: Time,
        nodes: &[Paxos],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        if self.faults {
            return;
        }
        for p in nodes.iter().filter(|p| p.kind() == PROPOSER) {
            if status.get(p.id) != Some(&NodeStatus::Up) {
                continue;
            }
            let patience = p.config().patience;
            if let Some(since) = p.busy_since.filter(|&s| now.saturating_sub(s) > patience) {
                found.push((
                    "paxos.progress",
                    format!(
                        "{} has waited {} ms for its value to be chosen ({} rounds so far, nothing chosen for it)",
                        label(p.config(), p.id),
                        now.saturating_sub(since) / 1_000,
                        p.rounds
                    ),
                ));
            }
        }
    }
}

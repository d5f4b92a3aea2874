//! The ZAB election's checks and counters.
//!
//! - **one-leader-per-epoch**: at most one server is ever an established leader of an epoch
//!   (established: a majority of voters acknowledged its epoch);
//! - **leader-has-highest-zxid**: when a leader is established, no voter of the quorum that
//!   elected it (whose votes made its decision) or acknowledged its epoch holds a newer zxid —
//!   read from those servers' own states, not from what the messages said.
//!
//! Counters: notifications (`Vote` messages) sent by LOOKING voters, in total and per round —
//! the notes' `n·(n−1)` messages of one broadcast wave.

use std::collections::BTreeMap;

use super::{State, Zab};
use crate::sim::{Found, Observed, TraceKind};
use crate::{NodeId, Time};

/// What the checker has seen.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// epoch → (leader, time it was established)
    pub leaders: BTreeMap<u64, (NodeId, Time)>,
    /// Notifications sent by LOOKING voters, by the sender's round.
    pub votes_by_round: BTreeMap<u64, u64>,
    pub notifications: u64,
    /// Times a server entered LOOKING.
    pub lookings: u64,
    /// Servers that joined an established leader without an election.
    pub joins: u64,
    /// (epoch, node) pairs already reported, so a violation is reported once.
    reported: Vec<(u64, NodeId)>,
}

impl Monitor {
    pub(super) fn check(
        &mut self,
        now: Time,
        node: NodeId,
        nodes: &[Zab],
    ) -> Vec<(&'static str, String)> {
        let mut found = Vec::new();
        let Some(p) = nodes.get(node) else {
            return found;
        };
        if p.state != State::Leading || !p.established {
            return found;
        }
        let epoch = p.current_epoch;
        match self.leaders.get(&epoch) {
            Some(&(other, _)) if other != node => {
                if !self.reported.contains(&(epoch, node)) {
                    self.reported.push((epoch, node));
                    found.push((
                        "one-leader-per-epoch",
                        format!("n{} and n{} both lead epoch {epoch}", other + 1, node + 1),
                    ));
                }
            }
            Some(_) => {}
            None => {
                self.leaders.insert(epoch, (node, now));
                let quorum = p
                    .elected_by
                    .iter()
                    .copied()
                    .chain((0..p.voters).filter(|&i| p.acks.get(i) == Some(&true)));
                for i in quorum {
                    let Some(q) = nodes.get(i) else { continue };
                    if q.zxid > p.zxid && !self.reported.contains(&(epoch, i)) {
                        self.reported.push((epoch, i));
                        found.push((
                            "leader-has-highest-zxid",
                            format!(
                                "n{} leads epoch {epoch} with zxid {}, but n{} of its quorum has zxid {}",
                                node + 1,
                                p.zxid,
                                i + 1,
                                q.zxid
                            ),
                        ));
                    }
                }
            }
        }
        found
    }

    pub(super) fn observe(&mut self, seen: &Observed<Zab>, _found: &mut Found) {
        match &seen.record.kind {
            TraceKind::Send { from, kind, .. } if *kind == "Vote" => {
                if let Some(p) = seen.nodes.get(*from) {
                    if p.state == State::Looking && !p.observer {
                        self.notifications += 1;
                        *self.votes_by_round.entry(p.round).or_insert(0) += 1;
                    }
                }
            }
            TraceKind::Note { key, .. } if *key == "zab.looking" => self.lookings += 1,
            TraceKind::Note { key, .. } if *key == "zab.join" => self.joins += 1,
            _ => {}
        }
    }

    /// Notifications sent in the highest round so far.
    pub fn last_round_votes(&self) -> u64 {
        self.votes_by_round.values().last().copied().unwrap_or(0)
    }
}

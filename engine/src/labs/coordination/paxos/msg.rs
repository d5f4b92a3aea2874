//! Paxos's proposal numbers and messages (Lamport, *Paxos Made Simple*, §2.2–2.3; seed 004,
//! "Paxos · 执行过程").

use std::fmt;

use crate::sim::{Message, TraceHasher};
use crate::NodeId;

/// A proposal number. Numbers are unique per proposer: two proposers may both use round 2,
/// but (2, P1) and (2, P2) are different numbers, ordered by round first, then by proposer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ballot {
    pub round: u64,
    pub proposer: NodeId,
}

impl Ballot {
    pub const fn new(round: u64, proposer: NodeId) -> Ballot {
        Ballot { round, proposer }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        h.u64(self.round);
        h.u64(self.proposer as u64);
    }
}

impl fmt::Display for Ballot {
    /// `2.P1`: round 2 of proposer P1 (the notes write just `n=2`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.P{}", self.round, self.proposer + 1)
    }
}

/// The value of a slot that a new leader found empty between used slots (Multi-Paxos): it is
/// filled with "no operation" so the log has no holes.
pub const NOOP: u64 = u64::MAX;

/// How a value is shown: its number, or `no-op`.
pub fn value_text(v: u64) -> String {
    if v == NOOP {
        "no-op".into()
    } else {
        v.to_string()
    }
}

/// A proposal an acceptor accepted: for slot `slot`, number `ballot`, value `value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vote {
    pub slot: u64,
    pub ballot: Ballot,
    pub value: u64,
}

/// Messages. Single-decree Paxos uses slot 0 only; Multi-Paxos numbers slots 0, 1, 2, ….
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// Proposer → acceptors, phase 1a: promise not to accept numbers below `ballot`, and tell
    /// me what you have accepted in slots `from` and above.
    Prepare { ballot: Ballot, from: u64 },
    /// Acceptor → proposer, phase 1b: promised; `accepted` holds, per slot from `from`, the
    /// highest-numbered proposal this acceptor has *accepted* (not merely promised).
    Promise { ballot: Ballot, accepted: Vec<Vote> },
    /// Acceptor → proposer: refused `ballot`, having promised `promised` (the optimization of
    /// Paxos Made Simple §2.3, "abandon the proposal"; the notes' acceptor discards silently).
    Nack { ballot: Ballot, promised: Ballot },
    /// Proposer → acceptors, phase 2a: accept `value` for `slot` under `ballot`.
    Accept {
        ballot: Ballot,
        slot: u64,
        value: u64,
    },
    /// Acceptor → proposer, phase 2b: accepted.
    Accepted {
        ballot: Ballot,
        slot: u64,
        value: u64,
    },
    /// Acceptor → learner(s): I accepted this proposal.
    Learn {
        ballot: Ballot,
        slot: u64,
        value: u64,
    },
    /// The distinguished learner → the other learners: this value is chosen.
    Chosen { slot: u64, value: u64 },
    /// A proposer → the distinguished proposer (the leader): please propose this value.
    Forward { value: u64 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Prepare { .. } => "Prepare",
            Msg::Promise { .. } => "Promise",
            Msg::Nack { .. } => "Nack",
            Msg::Accept { .. } => "Accept",
            Msg::Accepted { .. } => "Accepted",
            Msg::Learn { .. } => "Learn",
            Msg::Chosen { .. } => "Chosen",
            Msg::Forward { .. } => "Forward",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Prepare { ballot, from } => {
                ballot.hash_into(h);
                h.u64(*from);
            }
            Msg::Promise { ballot, accepted } => {
                ballot.hash_into(h);
                h.u64(accepted.len() as u64);
                for v in accepted {
                    h.u64(v.slot);
                    v.ballot.hash_into(h);
                    h.u64(v.value);
                }
            }
            Msg::Nack { ballot, promised } => {
                ballot.hash_into(h);
                promised.hash_into(h);
            }
            Msg::Accept {
                ballot,
                slot,
                value,
            }
            | Msg::Accepted {
                ballot,
                slot,
                value,
            }
            | Msg::Learn {
                ballot,
                slot,
                value,
            } => {
                ballot.hash_into(h);
                h.u64(*slot);
                h.u64(*value);
            }
            Msg::Chosen { slot, value } => {
                h.u64(*slot);
                h.u64(*value);
            }
            Msg::Forward { value } => h.u64(*value),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Prepare { ballot, from } => {
                vec![("n", ballot.to_string()), ("from_slot", from.to_string())]
            }
            Msg::Promise { ballot, accepted } => {
                let prev = if accepted.is_empty() {
                    "no previous".to_string()
                } else {
                    accepted
                        .iter()
                        .map(|v| format!("s{}:[n={}, v={}]", v.slot, v.ballot, value_text(v.value)))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                vec![("n", ballot.to_string()), ("accepted", prev)]
            }
            Msg::Nack { ballot, promised } => {
                vec![
                    ("n", ballot.to_string()),
                    ("promised", promised.to_string()),
                ]
            }
            Msg::Accept {
                ballot,
                slot,
                value,
            }
            | Msg::Accepted {
                ballot,
                slot,
                value,
            }
            | Msg::Learn {
                ballot,
                slot,
                value,
            } => vec![
                ("n", ballot.to_string()),
                ("slot", slot.to_string()),
                ("v", value_text(*value)),
            ],
            Msg::Chosen { slot, value } => {
                vec![("slot", slot.to_string()), ("v", value_text(*value))]
            }
            Msg::Forward { value } => vec![("v", value_text(*value))],
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::Promise { accepted, .. } => accepted.capacity() * std::mem::size_of::<Vote>(),
            _ => 0,
        }
    }
}

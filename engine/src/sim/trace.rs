//! The trace: every send, delivery, drop, timer and fault as a numbered record.
//!
//! The event log, the space-time diagram, JSON export and the tests all read the same trace.
//! Every record is also fed into a SHA-256 hash in a fixed binary encoding, so two runs can be
//! compared by one string, natively and in wasm.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::{NodeId, Time};

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DropReason {
    /// Random loss (`loss` parameter).
    Loss,
    /// The link between the two nodes is cut.
    LinkCut,
    /// The two nodes are in different partition groups.
    Partition,
    /// The receiver was crashed when the message arrived.
    NodeDown,
    /// The user dropped it in flight.
    User,
}

impl DropReason {
    pub fn id(self) -> &'static str {
        match self {
            DropReason::Loss => "loss",
            DropReason::LinkCut => "link-cut",
            DropReason::Partition => "partition",
            DropReason::NodeDown => "node-down",
            DropReason::User => "user",
        }
    }
}

/// What happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum TraceKind {
    Send {
        msg: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
    },
    Duplicate {
        msg: u64,
        of: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
    },
    Deliver {
        msg: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
    },
    Drop {
        msg: u64,
        from: NodeId,
        to: NodeId,
        kind: &'static str,
        reason: DropReason,
    },
    Timer {
        node: NodeId,
        name: &'static str,
    },
    Command {
        node: NodeId,
        name: String,
    },
    Note {
        node: NodeId,
        text: String,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    Pause {
        node: NodeId,
    },
    Resume {
        node: NodeId,
    },
    Cut {
        a: NodeId,
        b: NodeId,
    },
    Heal {
        a: NodeId,
        b: NodeId,
    },
    Slow {
        a: NodeId,
        b: NodeId,
        extra: Time,
    },
    Partition {
        groups: Vec<u32>,
    },
    HealAll,
    Violation {
        invariant: &'static str,
        text: String,
    },
}

impl TraceKind {
    /// The node this record belongs to on a space-time diagram, if any.
    pub fn node(&self) -> Option<NodeId> {
        match self {
            TraceKind::Send { from, .. } | TraceKind::Duplicate { from, .. } => Some(*from),
            TraceKind::Deliver { to, .. } => Some(*to),
            TraceKind::Drop { to, .. } => Some(*to),
            TraceKind::Timer { node, .. }
            | TraceKind::Command { node, .. }
            | TraceKind::Note { node, .. }
            | TraceKind::Crash { node }
            | TraceKind::Restart { node }
            | TraceKind::Pause { node }
            | TraceKind::Resume { node } => Some(*node),
            _ => None,
        }
    }
}

/// One entry of the trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceRecord {
    pub id: u64,
    pub time: Time,
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// An invariant violation, with the record that revealed it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Violation {
    pub invariant: &'static str,
    pub time: Time,
    pub record: u64,
    pub text: String,
}

/// Incremental SHA-256 over a fixed binary encoding of the trace.
#[derive(Clone, Default)]
pub struct TraceHasher {
    h: Sha256,
}

impl std::fmt::Debug for TraceHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TraceHasher")
    }
}

impl TraceHasher {
    pub fn u64(&mut self, v: u64) {
        self.h.update(v.to_le_bytes());
    }

    pub fn node(&mut self, v: NodeId) {
        self.u64(v as u64);
    }

    pub fn str(&mut self, s: &str) {
        self.u64(s.len() as u64);
        self.h.update(s.as_bytes());
    }

    pub fn hex(&self) -> String {
        self.h
            .clone()
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub(crate) fn record(&mut self, r: &TraceRecord) {
        self.u64(r.id);
        self.u64(r.time);
        match &r.kind {
            TraceKind::Send {
                msg,
                from,
                to,
                kind,
            } => self.tagged(1, &[*msg, *from as u64, *to as u64], kind),
            TraceKind::Duplicate {
                msg,
                of,
                from,
                to,
                kind,
            } => self.tagged(2, &[*msg, *of, *from as u64, *to as u64], kind),
            TraceKind::Deliver {
                msg,
                from,
                to,
                kind,
            } => self.tagged(3, &[*msg, *from as u64, *to as u64], kind),
            TraceKind::Drop {
                msg,
                from,
                to,
                kind,
                reason,
            } => {
                self.tagged(4, &[*msg, *from as u64, *to as u64], kind);
                self.str(reason.id());
            }
            TraceKind::Timer { node, name } => self.tagged(5, &[*node as u64], name),
            TraceKind::Command { node, name } => self.tagged(6, &[*node as u64], name),
            TraceKind::Note { node, text } => self.tagged(7, &[*node as u64], text),
            TraceKind::Crash { node } => self.tagged(8, &[*node as u64], ""),
            TraceKind::Restart { node } => self.tagged(9, &[*node as u64], ""),
            TraceKind::Pause { node } => self.tagged(10, &[*node as u64], ""),
            TraceKind::Resume { node } => self.tagged(11, &[*node as u64], ""),
            TraceKind::Cut { a, b } => self.tagged(12, &[*a as u64, *b as u64], ""),
            TraceKind::Heal { a, b } => self.tagged(13, &[*a as u64, *b as u64], ""),
            TraceKind::Slow { a, b, extra } => self.tagged(14, &[*a as u64, *b as u64, *extra], ""),
            TraceKind::Partition { groups } => {
                let g: Vec<u64> = groups.iter().map(|&g| g as u64).collect();
                self.tagged(15, &g, "")
            }
            TraceKind::HealAll => self.tagged(16, &[], ""),
            TraceKind::Violation { invariant, text } => {
                self.tagged(17, &[], invariant);
                self.str(text);
            }
        }
    }

    fn tagged(&mut self, tag: u64, nums: &[u64], s: &str) {
        self.u64(tag);
        for &n in nums {
            self.u64(n);
        }
        self.str(s);
    }
}

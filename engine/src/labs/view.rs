//! The view model a lab hands the app: what to draw, and nothing of protocol internals.

use serde::Serialize;

use crate::{NodeId, Time};

/// One node as drawn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    pub id: NodeId,
    /// Role key for colour and legend (`"leader"`); the app translates it.
    pub role: &'static str,
    /// `"up"`, `"down"` or `"paused"`.
    pub status: &'static str,
    /// Short badge under the id (raft: the term, `"T3"`).
    pub badge: String,
    /// The timer drawn as an arc around the node: (set at, fires at).
    pub timer: Option<(Time, Time)>,
    /// (field key, value) rows for the node's panel; keys are translated by the app.
    pub details: Vec<(&'static str, String)>,
    /// The node's replicated log, for labs that have one.
    pub log: Option<LogView>,
    /// A leader's view of each follower's replication progress (raft: nextIndex, matchIndex).
    pub progress: Vec<PeerProgress>,
}

/// The end of a node's log as drawn: entries are 1-based; `tail[i]` is the term of entry
/// `start + i`. Only the last [`LOG_TAIL`] entries are included, so a long log costs nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LogView {
    pub len: u64,
    pub commit: u64,
    pub applied: u64,
    pub start: u64,
    pub tail: Vec<u64>,
}

/// How many entries of each log the view carries.
pub const LOG_TAIL: usize = 64;

/// A leader's replication state for one follower.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PeerProgress {
    pub peer: NodeId,
    pub next: u64,
    pub matched: u64,
}

/// A link between two nodes that is not in its normal state.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LinkView {
    pub a: NodeId,
    pub b: NodeId,
    pub cut: bool,
    /// Extra one-way latency.
    pub slow: Time,
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MsgView {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: &'static str,
    pub sent_at: Time,
    pub deliver_at: Time,
}

impl MsgView {
    /// How far along its link the message is at `now`, 0..=1.
    pub fn progress(&self, now: Time) -> f64 {
        let span = self.deliver_at.saturating_sub(self.sent_at).max(1) as f64;
        (now.saturating_sub(self.sent_at) as f64 / span).clamp(0.0, 1.0)
    }
}

/// Everything drawn for one frame.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct View {
    pub time: Time,
    pub nodes: Vec<NodeView>,
    /// Links that are cut or slowed (all others are normal).
    pub links: Vec<LinkView>,
    pub messages: Vec<MsgView>,
    /// Partition group per node (all equal when the network is whole).
    pub groups: Vec<u32>,
}

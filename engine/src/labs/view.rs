//! The view model a lab hands the app: what to draw, and nothing of protocol internals.

use serde::Serialize;

use crate::sim::Shape;
use crate::{NodeId, Time};

/// One node as drawn.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeView {
    pub id: NodeId,
    /// The node's kind (`"client"`, `"server"`); translated as `kind.<id>`.
    pub kind: &'static str,
    #[serde(skip)]
    pub shape: Shape,
    /// The node's name as drawn (`n3`, `C1`).
    pub label: String,
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
    /// Generic panels for the node's inspector.
    pub panels: Vec<Panel>,
}

/// The end of a node's log as drawn: entries are 1-based; `tail[i]` is the term of entry
/// `start + i`. Only the last [`LOG_TAIL`] entries are included, so a long log costs nothing.
/// A compacted log has a snapshot: entries up to `snapshot` (of term `snapshot_term`) are in
/// it and no longer in the log (0: no snapshot).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct LogView {
    pub len: u64,
    pub commit: u64,
    pub applied: u64,
    pub start: u64,
    pub tail: Vec<u64>,
    pub snapshot: u64,
    pub snapshot_term: u64,
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
    /// Cut both ways.
    pub cut: bool,
    /// Cut one way only: the sender whose messages are lost on this link.
    pub one_way: Option<NodeId>,
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
    pub layout: Layout,
    /// Events the lab marks and labels on the nodes' lanes of the space-time diagram, oldest
    /// first (the clocks lab: each event's Lamport time and vector clock); empty for most labs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<LaneEvent>,
}

/// Names an event a lab marks on a lane: its node and its 1-based number on that node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct EventRef {
    pub node: NodeId,
    pub seq: u64,
}

/// One event marked on a node's lane of the space-time diagram.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaneEvent {
    pub at: EventRef,
    /// When it happened (true simulation time: where it sits on the lane).
    pub time: Time,
    /// Its short label (`3 (2,1,0)`), drawn beside it as is.
    pub label: String,
}

/// How two events are ordered by causality (happened-before, after Lamport).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Causality {
    /// The first happened before the second.
    Before,
    /// The second happened before the first.
    After,
    /// Neither happened before the other.
    Concurrent,
    /// The same event twice.
    Same,
}

/// A lab's verdict on two lane events: their causal order, and lines that explain it (keys
/// of the lab's texts with `{0}` arguments, like [`Headline`]: the clocks lab compares both
/// clocks).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventOrder {
    pub order: Causality,
    pub why: Vec<Headline>,
}

/// How the nodes are placed on the canvas.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Layout {
    /// Evenly on a circle, in id order (the default).
    #[default]
    Circle,
    /// On a circle in the order given (a token ring's successor order), with the ring drawn.
    Ring { order: Vec<NodeId> },
    /// Columns by kind, left to right (clients | servers | storage).
    Tiers { kinds: Vec<&'static str> },
    /// Groups of nodes drawn as small circles of their own (a two-tier ring's LANs); the
    /// cluster of each node.
    Clusters { of: Vec<u32> },
}

/// A generic panel of a node's inspector; titles and column names are translation keys.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Panel {
    Rows {
        title: &'static str,
        rows: Vec<(&'static str, String)>,
    },
    Table {
        title: &'static str,
        columns: Vec<&'static str>,
        rows: Vec<Vec<String>>,
    },
    /// Front first.
    Queue {
        title: &'static str,
        items: Vec<String>,
    },
    List {
        title: &'static str,
        items: Vec<String>,
    },
}

/// A lab counter for the stats panel and the runner's summary (`messages_per_entry`);
/// translated as `stat.<key>`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stat {
    pub key: &'static str,
    pub value: f64,
}

impl Stat {
    pub fn new(key: &'static str, value: f64) -> Stat {
        Stat { key, value }
    }
}

/// The status line: a translation key of the lab's, with `{0}`, `{1}` … filled by `args`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Headline {
    pub key: &'static str,
    pub args: Vec<String>,
}

/// A lab's colours (CSS), by role key and by message kind; the app falls back to a palette.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Looks {
    pub roles: &'static [(&'static str, &'static str)],
    pub messages: &'static [(&'static str, &'static str)],
}

impl Looks {
    pub const NONE: Looks = Looks {
        roles: &[],
        messages: &[],
    };

    pub fn role(&self, role: &str) -> Option<&'static str> {
        self.roles.iter().find(|(r, _)| *r == role).map(|(_, c)| *c)
    }

    pub fn message(&self, kind: &str) -> Option<&'static str> {
        self.messages
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, c)| *c)
    }
}

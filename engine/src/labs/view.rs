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
///
/// Values (row values, cells, items) are shown as written, except that a word of them that
/// is a translation key (`borg.prio.prod`, see [`key_words`]) is shown translated: so a queue
/// item `t3 j1 borg.prio.prod 500m` reads `t3 j1 production 500m` or `t3 j1 生产 500m`, and
/// the runner's JSON keeps the stable key. The same holds for headline arguments, curve names
/// and bar labels.
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

/// How a time series is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeriesKind {
    /// Points joined by straight lines (a sampled gauge: φ, a Gini coefficient).
    #[default]
    Line,
    /// A value that holds until the next point (a count, a state).
    Step,
    /// Unjoined dots: one measurement per event (each order's inconsistency window).
    Scatter,
}

/// A time series a networked lab declares ([`crate::labs::NetLab::SERIES`]): one chart of
/// the lab's chart panel. `key` is a translation key of the lab's `TEXTS` (`series.<key>` is
/// the chart's title, checked by the contract tests), `unit` the values' unit as a symbol
/// drawn on the y axis as is (`ms`, `%`, or empty).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SeriesSpec {
    pub key: &'static str,
    pub unit: &'static str,
    pub kind: SeriesKind,
    /// A horizontal threshold line (φ's suspicion threshold), in the values' unit.
    pub threshold: Option<f64>,
}

impl SeriesSpec {
    pub const fn new(key: &'static str, unit: &'static str, kind: SeriesKind) -> SeriesSpec {
        SeriesSpec {
            key,
            unit,
            kind,
            threshold: None,
        }
    }

    pub const fn line(key: &'static str, unit: &'static str) -> SeriesSpec {
        SeriesSpec::new(key, unit, SeriesKind::Line)
    }

    pub const fn step(key: &'static str, unit: &'static str) -> SeriesSpec {
        SeriesSpec::new(key, unit, SeriesKind::Step)
    }

    pub const fn scatter(key: &'static str, unit: &'static str) -> SeriesSpec {
        SeriesSpec::new(key, unit, SeriesKind::Scatter)
    }

    /// The same with a threshold line at `v` (a configuration-dependent threshold is given
    /// per run in [`Series::threshold`] instead).
    pub const fn threshold(self, v: f64) -> SeriesSpec {
        SeriesSpec {
            threshold: Some(v),
            ..self
        }
    }
}

/// At most this many points of one series reach the app and the runner (see
/// [`downsample`]); a chart a few hundred pixels wide shows no more.
pub const SERIES_POINTS: usize = 400;

/// One curve of a chart, as of now: the points of [`SeriesSpec`] `key` (time in µs, value in
/// the spec's unit), oldest first. Several curves with the same key share one chart, told
/// apart by `name` (a node's label, `c2`, drawn as is; empty for a chart's only curve).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Series {
    pub key: &'static str,
    pub name: String,
    pub unit: &'static str,
    pub kind: SeriesKind,
    pub threshold: Option<f64>,
    pub points: Vec<(Time, f64)>,
}

impl Series {
    /// A curve of `spec` with its points (downsampled by the session, see [`downsample`]).
    pub fn of(spec: &SeriesSpec, name: impl Into<String>, points: Vec<(Time, f64)>) -> Series {
        Series {
            key: spec.key,
            name: name.into(),
            unit: spec.unit,
            kind: spec.kind,
            threshold: spec.threshold,
            points,
        }
    }
}

/// Keeps at most `cap` of `points` (oldest first), deterministically: the points are cut
/// into `cap` runs of consecutive points and each run keeps its first and its most extreme
/// point (the one furthest from the run's first), so spikes (a window of several seconds,
/// φ crossing its threshold) survive. The first and the last point are always kept. Below
/// `cap` points nothing changes.
pub fn downsample(points: &mut Vec<(Time, f64)>, cap: usize) {
    let n = points.len();
    if n <= cap || cap < 4 {
        return;
    }
    let runs = cap / 2;
    let last = points[n - 1];
    let mut out = Vec::with_capacity(cap);
    for r in 0..runs {
        let (a, b) = (r * (n - 1) / runs, (r + 1) * (n - 1) / runs);
        let run = &points[a..b.max(a + 1)];
        let first = run[0];
        out.push(first);
        let far = run
            .iter()
            .skip(1)
            .max_by(|x, y| (x.1 - first.1).abs().total_cmp(&(y.1 - first.1).abs()));
        if let Some(&p) = far {
            out.push(p);
        }
    }
    out.push(last);
    *points = out;
}

/// A bounded record of one series, for a lab to keep in its monitor when the points are not
/// otherwise in its state (a φ value sampled on every heartbeat, a Gini coefficient after
/// every move, a cohort's time in doubt). It lives in the simulation's state, so a checkpoint
/// copies it and seeking restores it with the rest: the curve after a seek is the curve of a
/// straight run. It keeps one point per slot of `every` µs, the slot's peak (the value
/// furthest from zero, at its own time), and at most `cap` points: when full, neighbours are
/// merged in pairs (the peak of each pair stays) and the slots double (or grow to the merged
/// points' grain, if coarser), so the record spans the whole run at a coarser grain. All of
/// it deterministic, and without allocating once the record is full.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesBuf {
    points: Vec<(Time, f64)>,
    cap: usize,
    /// The slot width (0: a point per push until full).
    every: Time,
}

impl Default for SeriesBuf {
    fn default() -> Self {
        SeriesBuf::new(256, 0)
    }
}

impl SeriesBuf {
    /// A record of at most `cap` points (at least 4), one per slot of `every` µs.
    pub fn new(cap: usize, every: Time) -> SeriesBuf {
        SeriesBuf {
            points: Vec::new(),
            cap: cap.max(4),
            every,
        }
    }

    fn slot(&self, t: Time) -> Time {
        t.checked_div(self.every).unwrap_or(t)
    }

    /// Records `value` at `t` (times never go back). In the last point's slot it replaces
    /// that point if it is further from zero (a peak is never lost), else it is dropped.
    pub fn push(&mut self, t: Time, value: f64) {
        if let Some(&(lt, lv)) = self.points.last() {
            if self.every > 0 && self.slot(t) == self.slot(lt) {
                if value.abs() > lv.abs() {
                    let n = self.points.len();
                    self.points[n - 1] = (t, value);
                }
                return;
            }
        }
        if self.points.len() >= self.cap {
            self.merge();
        }
        self.points.push((t, value));
    }

    /// Halves the record in place: each pair of neighbours becomes its peak.
    fn merge(&mut self) {
        let n = self.points.len();
        let span = self.points[n - 1].0 - self.points[0].0;
        for i in 0..n.div_ceil(2) {
            let a = self.points[2 * i];
            let b = self.points.get(2 * i + 1).copied().unwrap_or(a);
            self.points[i] = if b.1.abs() > a.1.abs() { b } else { a };
        }
        self.points.truncate(n.div_ceil(2));
        // New points come at the grain of the merged old ones.
        self.every = self
            .every
            .saturating_mul(2)
            .max(span / (self.cap as Time / 2));
    }

    pub fn points(&self) -> &[(Time, f64)] {
        &self.points
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }
}

/// The words of a shown value that are written as translation keys: maximal runs of
/// `[a-z0-9._-]` that start with a letter, contain a dot and do not end with one
/// (`mesos.fw.whole` in `a3 (mesos.fw.whole)`), as byte ranges. A number (`0.5`) or a plain
/// word is not one. The app translates them; the translation tests require each to be a key.
pub fn key_words(s: &str) -> Vec<std::ops::Range<usize>> {
    let is_key_char = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(&c);
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_key_char(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_key_char(b[i]) {
            i += 1;
        }
        let word = &b[start..i];
        let preceded = start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] >= 0x80);
        if !preceded
            && word[0].is_ascii_lowercase()
            && word.contains(&b'.')
            && word[word.len() - 1] != b'.'
        {
            out.push(start..i);
        }
    }
    out
}

#[cfg(test)]
mod key_word_tests {
    use super::key_words;

    #[test]
    fn keys_are_found_and_numbers_and_words_are_not() {
        let s = "t3 j1 borg.prio.prod 500m/512Mi (mesos.fw.whole) 0.5 x.y. plain";
        let words: Vec<&str> = key_words(s).into_iter().map(|r| &s[r]).collect();
        assert_eq!(words, ["borg.prio.prod", "mesos.fw.whole"]);
    }
}

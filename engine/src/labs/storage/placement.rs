//! Data placement: which node stores a key, and how many keys a membership change moves.
//!
//! One [`Placement`] holds a cluster (nodes with weights, some perhaps removed or failed), a
//! fixed key set (`key-0`, `key-1`, ... hashed once up front) and the owner of every key under
//! one [`Strategy`]:
//!
//! - [`Strategy::Mod`]: `hash(key) mod N` (weighted: `mod Σw` over weight-sized slot ranges);
//! - [`Strategy::Ring`]: a consistent-hash ring, one point per node; a key goes clockwise to
//!   the first point at or after its hash;
//! - [`Strategy::VNodes`]: the ring with `vnodes × weight` virtual points per node;
//! - [`Strategy::Bounded`]: consistent hashing with bounded loads (Mirrokni, Thorup and
//!   Zadimoghaddam): keys are placed in key order and a key whose node already holds
//!   `⌈c·m·w/Σw⌉` keys walks on clockwise to the next node below its cap;
//! - [`Strategy::Rendezvous`]: highest random weight (weighted: `w / -ln u`);
//! - [`Strategy::Jump`]: Lamping and Veach's jump consistent hash over node slots; a key that
//!   lands on a removed or failed slot is rehashed and jumps again.
//!
//! # Removing versus failing a node
//!
//! A node is *live*, *failed* or *removed* ([`NodeInfo`]).
//!
//! - `remove:i` is a planned decommission: the node leaves the membership and its keys are
//!   handed to whoever owns them without it. The layout changes: mod-N divides by one fewer,
//!   jump shrinks when the highest slot leaves, and a node added later is a *new* node (a new
//!   name, so new ring points and new rendezvous scores).
//! - `fail:i` is a crash: the node stays a member, so the layout does not change (N stays N,
//!   jump keeps its slot count, the ring keeps its name and points), but it serves nothing.
//!   Every key whose owner is the failed node falls back to the next live node: the next live
//!   point clockwise on a ring (for bounded loads, the next live one below its cap, with caps
//!   over the live nodes since they bound the load actually served), the next live member in
//!   slot order for mod-N, the next-highest score for rendezvous, a rehash for jump. Keys of
//!   live nodes never move, so only live nodes receive keys.
//! - `recover:i` brings a failed node back. The owners are a function of the membership and of
//!   which members are down, so every key returns exactly to where it was before the failure.
//!
//! For the consistent schemes the keys a failure moves are the keys a removal would move —
//! that is their point; the difference shows when the node comes back (recover returns them
//! all, remove-then-add moves a different set) and, for mod-N, at once: a failure moves only
//! the failed node's keys, a removal almost all of them.
//!
//! Statistics always cover every key. Ring positions and ownership arcs are exposed as plain
//! data ([`RingView`]) so the app can draw them; the engine never draws. Everything is
//! deterministic: the same configuration and changes give the same owners on every target.

use crate::labs::plot_params::{
    check_placement, BOUNDED_TEXTS, HASH_TEXTS, PLACEMENT_PARAMS, RING_TEXTS, VNODES_PARAMS,
    VNODES_TEXTS,
};
use crate::labs::{Group, LabDef, ModelView};
use crate::params::{ParamSpec, Params, TextSpec};
use std::fmt;
use std::hash::Hasher;

/// The most node slots a placement may have (including removed and failed ones).
pub const MAX_NODES: u32 = 256;
/// The most keys a placement may hold.
pub const MAX_KEYS: u32 = 1_000_000;
/// The most virtual nodes per unit of weight.
pub const MAX_VNODES: u32 = 1000;
/// The largest node weight.
pub const MAX_WEIGHT: u32 = 100;
/// The most points a ring may have (`vnodes × Σ weights`).
pub const MAX_POINTS: u64 = 1 << 20;
/// Bounded-load factor range, in thousandths (c = 1.000 ..= 3.000).
pub const C_MILLI_RANGE: std::ops::RangeInclusive<u32> = 1000..=3000;

/// A full turn of the ring: positions are `u64`, so the ring has 2^64 positions.
pub const FULL_RING: u128 = 1 << 64;

/// A real hash function used for keys and node names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashFn {
    /// XXH3, 64-bit (xxhash-rust).
    Xxh3,
    /// CRC-32 (IEEE), 32-bit (crc32fast).
    Crc32,
    /// FNV-1a, 64-bit (fnv).
    Fnv,
}

impl HashFn {
    pub const ALL: [HashFn; 3] = [HashFn::Xxh3, HashFn::Crc32, HashFn::Fnv];

    pub fn parse(s: &str) -> Option<HashFn> {
        match s.trim().to_ascii_lowercase().as_str() {
            "xxh3" => Some(HashFn::Xxh3),
            "crc32" => Some(HashFn::Crc32),
            "fnv" | "fnv1a" => Some(HashFn::Fnv),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HashFn::Xxh3 => "xxh3",
            HashFn::Crc32 => "crc32",
            HashFn::Fnv => "fnv",
        }
    }

    /// How many bits the hash value has.
    pub fn bits(self) -> u32 {
        match self {
            HashFn::Crc32 => 32,
            HashFn::Xxh3 | HashFn::Fnv => 64,
        }
    }

    /// The hash value (`0 ..< 2^bits`).
    pub fn hash(self, bytes: &[u8]) -> u64 {
        match self {
            HashFn::Xxh3 => xxhash_rust::xxh3::xxh3_64(bytes),
            HashFn::Crc32 => crc32fast::hash(bytes) as u64,
            HashFn::Fnv => {
                let mut h = fnv::FnvHasher::default();
                h.write(bytes);
                h.finish()
            }
        }
    }

    /// Where a hash value sits on the 2^64 ring: a 32-bit hash is scaled up so that every
    /// hash function spans the whole circle.
    pub fn ring_pos(self, value: u64) -> u64 {
        value << (64 - self.bits())
    }
}

/// How keys are placed on nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    Mod,
    Ring,
    Bounded,
    VNodes,
    Rendezvous,
    Jump,
}

impl Strategy {
    pub const ALL: [Strategy; 6] = [
        Strategy::Mod,
        Strategy::Ring,
        Strategy::Bounded,
        Strategy::VNodes,
        Strategy::Rendezvous,
        Strategy::Jump,
    ];

    pub fn parse(s: &str) -> Option<Strategy> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mod" | "hash" => Some(Strategy::Mod),
            "ring" => Some(Strategy::Ring),
            "bounded" => Some(Strategy::Bounded),
            "vnodes" => Some(Strategy::VNodes),
            "rendezvous" | "hrw" => Some(Strategy::Rendezvous),
            "jump" => Some(Strategy::Jump),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Strategy::Mod => "mod",
            Strategy::Ring => "ring",
            Strategy::Bounded => "bounded",
            Strategy::VNodes => "vnodes",
            Strategy::Rendezvous => "rendezvous",
            Strategy::Jump => "jump",
        }
    }

    /// Whether keys live on a drawn ring of points.
    pub fn has_ring(self) -> bool {
        matches!(self, Strategy::Ring | Strategy::VNodes | Strategy::Bounded)
    }

    /// Whether unequal node weights mean something to this strategy.
    pub fn supports_weights(self) -> bool {
        !matches!(self, Strategy::Ring | Strategy::Jump)
    }
}

/// Everything that defines a placement before any membership change.
#[derive(Clone, Debug, PartialEq)]
pub struct PlacementConfig {
    pub strategy: Strategy,
    pub hash: HashFn,
    /// Initial node count, `1 ..= MAX_NODES`.
    pub nodes: u32,
    /// Key count, `0 ..= MAX_KEYS`.
    pub keys: u32,
    /// Virtual nodes per unit of weight (vnodes and bounded), `1 ..= MAX_VNODES`.
    pub vnodes: u32,
    /// Bounded-load factor c in thousandths, `1000 ..= 3000`.
    pub c_milli: u32,
    /// Node weights, `1 ..= MAX_WEIGHT` each; empty means all 1.
    pub weights: Vec<u32>,
    /// Picks the key set: 0 names keys `key-<i>`, any other seed `s<seed>-key-<i>`.
    pub seed: u64,
}

impl Default for PlacementConfig {
    fn default() -> Self {
        PlacementConfig {
            strategy: Strategy::Ring,
            hash: HashFn::Xxh3,
            nodes: 4,
            keys: 10_000,
            vnodes: 100,
            c_milli: 1250,
            weights: Vec::new(),
            seed: 0,
        }
    }
}

/// Why a configuration or a change was refused. `Display` is one English line.
#[derive(Clone, Debug, PartialEq)]
pub enum PlacementError {
    NodesOutOfRange(u32),
    KeysOutOfRange(u32),
    VNodesOutOfRange(u32),
    LoadFactorOutOfRange(u32),
    WeightsLength { weights: usize, nodes: u32 },
    WeightOutOfRange(u32),
    WeightsUnsupported(Strategy),
    TooManyPoints(u64),
    NoSuchNode(u32),
    NodeAlreadyGone(u32),
    NodeAlreadyFailed(u32),
    NotFailed(u32),
    LastNode,
}

impl fmt::Display for PlacementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlacementError::NodesOutOfRange(n) => {
                write!(f, "{n} nodes is outside 1..{MAX_NODES}")
            }
            PlacementError::KeysOutOfRange(n) => write!(f, "{n} keys is more than {MAX_KEYS}"),
            PlacementError::VNodesOutOfRange(n) => {
                write!(f, "{n} virtual nodes is outside 1..{MAX_VNODES}")
            }
            PlacementError::LoadFactorOutOfRange(c) => {
                write!(
                    f,
                    "load factor c={} is outside 1.0..3.0",
                    *c as f64 / 1000.0
                )
            }
            PlacementError::WeightsLength { weights, nodes } => {
                write!(f, "{weights} weights given for {nodes} nodes")
            }
            PlacementError::WeightOutOfRange(w) => {
                write!(f, "weight {w} is outside 1..{MAX_WEIGHT}")
            }
            PlacementError::WeightsUnsupported(s) => write!(
                f,
                "strategy `{}` has no node weights (use vnodes, bounded, rendezvous or mod)",
                s.name()
            ),
            PlacementError::TooManyPoints(p) => {
                write!(f, "{p} ring points is more than {MAX_POINTS}")
            }
            PlacementError::NoSuchNode(i) => write!(f, "there is no node {i}"),
            PlacementError::NodeAlreadyGone(i) => write!(f, "node {i} is already gone"),
            PlacementError::NodeAlreadyFailed(i) => write!(f, "node {i} has already failed"),
            PlacementError::NotFailed(i) => {
                write!(
                    f,
                    "node {i} has not failed (only a failed node can recover)"
                )
            }
            PlacementError::LastNode => write!(f, "the last node cannot leave"),
        }
    }
}

impl std::error::Error for PlacementError {}

/// A membership change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A new node joins with this weight (it gets the next free id).
    Add { weight: u32 },
    /// A node leaves on purpose (a live or a failed one): it is no longer a member.
    Remove { node: u32 },
    /// A live node crashes: still a member, but its keys fall back to the next live node.
    Fail { node: u32 },
    /// A failed node comes back and takes back exactly the keys it had.
    Recover { node: u32 },
}

impl Change {
    /// `add`, `add:<weight>`, `remove`, `remove:<i>`, `fail:<i>`, `recover:<i>` (node ids are
    /// 0-based).
    /// Plain `remove` takes the newest live node; resolve it with [`Placement::resolve`].
    pub fn parse(s: &str) -> Option<ChangeSpec> {
        let s = s.trim();
        let (word, arg) = match s.split_once(':') {
            Some((w, a)) => (w, Some(a.trim().parse::<u32>().ok()?)),
            None => (s, None),
        };
        match (word, arg) {
            ("add", w) => Some(ChangeSpec::Add(w.unwrap_or(1))),
            ("remove", None) => Some(ChangeSpec::RemoveNewest),
            ("remove", Some(i)) => Some(ChangeSpec::Exact(Change::Remove { node: i })),
            ("fail", Some(i)) => Some(ChangeSpec::Exact(Change::Fail { node: i })),
            ("recover", Some(i)) => Some(ChangeSpec::Exact(Change::Recover { node: i })),
            _ => None,
        }
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Add { weight } => write!(f, "add:{weight}"),
            Change::Remove { node } => write!(f, "remove:{node}"),
            Change::Fail { node } => write!(f, "fail:{node}"),
            Change::Recover { node } => write!(f, "recover:{node}"),
        }
    }
}

/// A parsed change that may still need the cluster to say which node it means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeSpec {
    Add(u32),
    RemoveNewest,
    Exact(Change),
}

/// One node slot. Removed and failed nodes keep their slot (and id) with `alive == false`;
/// a failed node also has `failed == true` (it is still a member), a removed one not.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct NodeInfo {
    pub id: u32,
    /// Shown to users and hashed for the node's ring points: `n1`, `n2`, ...
    pub name: String,
    pub weight: u32,
    /// Up and serving keys.
    pub alive: bool,
    /// Down but still a member (until it recovers or is removed).
    pub failed: bool,
}

impl NodeInfo {
    /// Live or failed: part of the layout (mod-N's N, jump's slot count).
    pub fn is_member(&self) -> bool {
        self.alive || self.failed
    }
}

/// One point on the ring.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct RingPoint {
    pub node: u32,
    /// Virtual-node number within its node, 1-based.
    pub vnode: u32,
    pub pos: u64,
    /// Position as a fraction of a full turn, `0.0 ..< 1.0`, clockwise from the top.
    pub turn: f64,
}

/// The arc a point owns: keys in `(previous point, this point]` go to it.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct OwnedArc {
    pub node: u32,
    pub vnode: u32,
    /// Start of the arc (the previous point) as a fraction of a turn.
    pub start: f64,
    /// Length as a fraction of a turn (an arc may wrap past 1.0).
    pub len: f64,
}

/// What the app draws for a ring: points at their hash angles, ownership arcs, and each
/// node's share of the circle.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RingView {
    pub points: Vec<RingPoint>,
    pub arcs: Vec<OwnedArc>,
    /// Fraction of the circle owned, by node id.
    pub ownership: Vec<f64>,
}

/// A sorted ring of points over a circle of `space` positions (2^64 for hashes; any size for
/// worked examples). Lookups are a binary search; whole key sets use a merge walk.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Ring {
    space: u128,
    pos: Vec<u64>,
    node: Vec<u32>,
    vnode: Vec<u32>,
}

impl Ring {
    /// Builds a ring from `(position, node, vnode)` points; positions are taken mod `space`.
    pub fn from_points(space: u128, mut points: Vec<(u64, u32, u32)>) -> Ring {
        let space = space.clamp(1, FULL_RING);
        for p in &mut points {
            p.0 = (p.0 as u128 % space) as u64;
        }
        points.sort_unstable();
        Ring {
            space,
            pos: points.iter().map(|p| p.0).collect(),
            node: points.iter().map(|p| p.1).collect(),
            vnode: points.iter().map(|p| p.2).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.pos.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pos.is_empty()
    }

    /// Index of the first point at or clockwise after `pos` (wrapping to the first point).
    pub fn successor(&self, pos: u64) -> Option<usize> {
        if self.pos.is_empty() {
            return None;
        }
        let i = self.pos.partition_point(|&p| p < pos);
        Some(if i == self.pos.len() { 0 } else { i })
    }

    /// The node owning position `pos`.
    pub fn owner(&self, pos: u64) -> Option<u32> {
        self.successor(pos).map(|i| self.node[i])
    }

    fn turn(&self, pos: u64) -> f64 {
        pos as f64 / self.space as f64
    }

    /// Length of the arc point `i` owns, in positions.
    fn arc_len(&self, i: usize) -> u128 {
        let prev = if i == 0 { self.pos.len() - 1 } else { i - 1 };
        let (a, b) = (self.pos[prev] as u128, self.pos[i] as u128);
        if i == 0 {
            self.space - a + b
        } else {
            b - a
        }
    }

    /// Points, arcs and per-node ownership for `nodes` node ids.
    pub fn view(&self, nodes: usize) -> RingView {
        let mut ownership = vec![0.0; nodes];
        let n = self.pos.len();
        let mut points = Vec::with_capacity(n);
        let mut arcs = Vec::with_capacity(n);
        for i in 0..n {
            let (node, vnode) = (self.node[i], self.vnode[i]);
            points.push(RingPoint {
                node,
                vnode,
                pos: self.pos[i],
                turn: self.turn(self.pos[i]),
            });
            let len = self.arc_len(i) as f64 / self.space as f64;
            let prev = if i == 0 { n - 1 } else { i - 1 };
            arcs.push(OwnedArc {
                node,
                vnode,
                start: self.turn(self.pos[prev]),
                len,
            });
            if let Some(o) = ownership.get_mut(node as usize) {
                *o += len;
            }
        }
        RingView {
            points,
            arcs,
            ownership,
        }
    }
}

/// Load statistics over all keys. Means and deviations are over live nodes only.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LoadStats {
    pub keys: u64,
    pub live_nodes: u32,
    /// Keys per node, by node id (0 for removed and failed nodes).
    pub per_node: Vec<u64>,
    pub max: u64,
    pub min: u64,
    pub mean: f64,
    pub max_over_mean: f64,
    /// Population standard deviation of keys per live node.
    pub stddev: f64,
    /// `stddev / mean` (0 when there are no keys).
    pub relative_stddev: f64,
    /// Whether the live nodes' weights differ (then the `*_ratio` figures, not `max_over_mean`
    /// and `stddev`, say how balanced the placement is).
    pub weighted: bool,
    /// Each node's expected share of the keys, `weight / Σ live weights × keys`, by node id
    /// (0 for removed and failed nodes).
    pub expected: Vec<f64>,
    /// Load per weight: keys over expected share, by node id (0 for removed and failed nodes;
    /// 1.0 is a perfect share). Equals `keys / mean` when the weights are equal.
    pub load_ratio: Vec<f64>,
    /// Largest and smallest load ratio over live nodes (`max_ratio == max_over_mean` when the
    /// weights are equal).
    pub max_ratio: f64,
    pub min_ratio: f64,
    /// Population standard deviation of the load ratio over live nodes (equals
    /// `relative_stddev` when the weights are equal).
    pub ratio_stddev: f64,
}

impl LoadStats {
    fn of(per_node: Vec<u64>, nodes: &[NodeInfo]) -> LoadStats {
        let live: Vec<u64> = nodes
            .iter()
            .filter(|n| n.alive)
            .map(|n| per_node[n.id as usize])
            .collect();
        let keys: u64 = per_node.iter().sum();
        let count = live.len().max(1) as f64;
        let mean = keys as f64 / count;
        let var = live
            .iter()
            .map(|&k| (k as f64 - mean) * (k as f64 - mean))
            .sum::<f64>()
            / count;
        let stddev = var.sqrt();
        let ratio = |x: f64| if mean > 0.0 { x / mean } else { 0.0 };
        // Load per weight, against each live node's expected share.
        let live_nodes = || nodes.iter().filter(|n| n.alive);
        let total_weight: u64 = live_nodes().map(|n| n.weight as u64).sum();
        let first = live_nodes().next().map(|n| n.weight);
        let weighted = live_nodes().any(|n| Some(n.weight) != first);
        let mut expected = vec![0.0; per_node.len()];
        let mut load_ratio = vec![0.0; per_node.len()];
        for n in live_nodes() {
            let i = n.id as usize;
            let e = keys as f64 * n.weight as f64 / total_weight.max(1) as f64;
            expected[i] = e;
            load_ratio[i] = if e > 0.0 { per_node[i] as f64 / e } else { 0.0 };
        }
        let ratios: Vec<f64> = live_nodes().map(|n| load_ratio[n.id as usize]).collect();
        let ratio_mean = ratios.iter().sum::<f64>() / count;
        let ratio_var = ratios
            .iter()
            .map(|&r| (r - ratio_mean) * (r - ratio_mean))
            .sum::<f64>()
            / count;
        LoadStats {
            weighted,
            max_ratio: ratios.iter().copied().fold(0.0, f64::max),
            min_ratio: ratios.iter().copied().reduce(f64::min).unwrap_or(0.0),
            ratio_stddev: ratio_var.sqrt(),
            expected,
            load_ratio,
            keys,
            live_nodes: live.len() as u32,
            max: live.iter().copied().max().unwrap_or(0),
            min: live.iter().copied().min().unwrap_or(0),
            mean,
            max_over_mean: ratio(live.iter().copied().max().unwrap_or(0) as f64),
            stddev,
            relative_stddev: ratio(stddev),
            per_node,
        }
    }
}

/// What one membership change did.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ChangeReport {
    /// The change, as `add:1`, `remove:3`, `fail:0`.
    pub change: String,
    pub before: LoadStats,
    pub after: LoadStats,
    /// Keys whose owner changed.
    pub moved: u64,
    pub moved_fraction: f64,
    /// Keys that left each node, by node id.
    pub moved_from: Vec<u64>,
    /// Keys that arrived at each node, by node id.
    pub moved_to: Vec<u64>,
}

/// A sampled key for drawing: where it sits and who owns it now and before the last change.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct KeyDot {
    pub key: u32,
    pub turn: f64,
    pub owner: u32,
    pub previous_owner: u32,
}

/// A typed key: its hash, its place on the ring and its owner.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct KeyLookup {
    pub key: String,
    pub hash: u64,
    pub turn: f64,
    pub owner: u32,
    /// The ring point it lands on (ring strategies), as (node, vnode).
    pub point: Option<(u32, u32)>,
}

/// A cluster, a key set and the owner of every key under one strategy.
#[derive(Clone, Debug)]
pub struct Placement {
    strategy: Strategy,
    hash: HashFn,
    vnodes: u32,
    c_milli: u32,
    seed: u64,
    nodes: Vec<NodeInfo>,
    /// Hash of each node's name (rendezvous and jump retries).
    node_hash: Vec<u64>,
    /// Hash value of every key, by key index.
    key_hash: Vec<u64>,
    /// Key indices sorted by ring position, and those positions (for the ring's merge walk,
    /// which then reads memory in order).
    by_pos: Vec<u32>,
    sorted_pos: Vec<u64>,
    ring: Ring,
    owner: Vec<u32>,
    previous: Vec<u32>,
    last: Option<ChangeReport>,
}

/// Writes `key-<i>` (or `s<seed>-key-<i>`) into `buf` and returns the used part.
fn key_name(seed: u64, i: u32, buf: &mut [u8; 48]) -> &[u8] {
    let mut len = 0;
    let mut put = |b: &[u8]| {
        buf[len..len + b.len()].copy_from_slice(b);
        len += b.len();
    };
    if seed != 0 {
        put(b"s");
        put(digits(seed, &mut [0; 20]));
        put(b"-");
    }
    put(b"key-");
    put(digits(i as u64, &mut [0; 20]));
    &buf[..len]
}

/// Decimal digits of `v` without allocating.
fn digits(mut v: u64, out: &mut [u8; 20]) -> &[u8] {
    let mut i = out.len();
    loop {
        i -= 1;
        out[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            return &out[i..];
        }
    }
}

/// The key's name as a string (for display).
pub fn key_label(seed: u64, i: u32) -> String {
    String::from_utf8_lossy(key_name(seed, i, &mut [0; 48])).into_owned()
}

/// A 64-bit finalizer (MurmurHash3's fmix64): mixes two hashes into a well-spread score.
fn mix64(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// Jump consistent hash (Lamping and Veach 2014): a bucket in `0 .. buckets`.
pub fn jump_hash(mut key: u64, buckets: u32) -> u32 {
    let (mut b, mut j) = (-1i64, 0i64);
    while j < buckets as i64 {
        b = j;
        key = key.wrapping_mul(2_862_933_555_777_941_757).wrapping_add(1);
        j = ((b + 1) as f64 * ((1u64 << 31) as f64 / ((key >> 33) + 1) as f64)) as i64;
    }
    b.max(0) as u32
}

/// Natural logarithm from `+ - * /` only, so it gives the same bits natively and in wasm
/// (platform `ln` may differ in the last place). Accurate to about 1e-15 for `x > 0`.
pub fn det_ln(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NEG_INFINITY;
    }
    // x = m · 2^e with m in [1/√2, √2).
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    if e == -1023 {
        // Subnormal: normalise through a multiply.
        return det_ln(x * (1u64 << 52) as f64) - 52.0 * std::f64::consts::LN_2;
    }
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    // ln m = 2·atanh(s), s = (m-1)/(m+1), |s| < 0.172.
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    let mut term = s;
    let mut sum = 0.0;
    let mut k = 1.0;
    while k < 40.0 {
        sum += term / k;
        term *= s2;
        k += 2.0;
    }
    2.0 * sum + e as f64 * std::f64::consts::LN_2
}

/// The rendezvous winner for key hash `h` among `live` (id, name hash, weight) in id order:
/// the highest mixed hash, or with unequal weights the highest `w / -ln u` (ties: lowest id).
fn rendezvous_best(live: &[(u32, u64, u32)], h: u64, uniform: bool) -> u32 {
    let mut best = (0, 0u64, f64::NEG_INFINITY);
    for (i, &(id, nh, w)) in live.iter().enumerate() {
        let mixed = mix64(h ^ nh);
        if uniform {
            if i == 0 || mixed > best.1 {
                best = (id, mixed, 0.0);
            }
        } else {
            let score = weighted_score(mixed, w);
            if score > best.2 {
                best = (id, mixed, score);
            }
        }
    }
    best.0
}

/// Weighted rendezvous score: `w / -ln u` with `u` in (0, 1) from the mixed hash.
fn weighted_score(mixed: u64, weight: u32) -> f64 {
    let u = ((mixed >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
    weight as f64 / -det_ln(u)
}

impl Placement {
    /// Builds the cluster, hashes every key and places it.
    pub fn new(cfg: &PlacementConfig) -> Result<Placement, PlacementError> {
        Self::check(cfg)?;
        let weights: Vec<u32> = if cfg.weights.is_empty() {
            vec![1; cfg.nodes as usize]
        } else {
            cfg.weights.clone()
        };
        let mut p = Placement {
            strategy: cfg.strategy,
            hash: cfg.hash,
            vnodes: cfg.vnodes,
            c_milli: cfg.c_milli,
            seed: cfg.seed,
            nodes: Vec::new(),
            node_hash: Vec::new(),
            key_hash: Vec::new(),
            by_pos: Vec::new(),
            sorted_pos: Vec::new(),
            ring: Ring::default(),
            owner: Vec::new(),
            previous: Vec::new(),
            last: None,
        };
        for w in weights {
            p.push_node(w);
        }
        p.check_points()?;
        p.hash_keys(cfg.keys);
        p.rebuild_ring();
        p.owner = vec![0; cfg.keys as usize];
        p.assign_all();
        p.previous = p.owner.clone();
        Ok(p)
    }

    fn check(cfg: &PlacementConfig) -> Result<(), PlacementError> {
        if !(1..=MAX_NODES).contains(&cfg.nodes) {
            return Err(PlacementError::NodesOutOfRange(cfg.nodes));
        }
        if cfg.keys > MAX_KEYS {
            return Err(PlacementError::KeysOutOfRange(cfg.keys));
        }
        if !(1..=MAX_VNODES).contains(&cfg.vnodes) {
            return Err(PlacementError::VNodesOutOfRange(cfg.vnodes));
        }
        if !C_MILLI_RANGE.contains(&cfg.c_milli) {
            return Err(PlacementError::LoadFactorOutOfRange(cfg.c_milli));
        }
        if !cfg.weights.is_empty() {
            if cfg.weights.len() != cfg.nodes as usize {
                return Err(PlacementError::WeightsLength {
                    weights: cfg.weights.len(),
                    nodes: cfg.nodes,
                });
            }
            if let Some(&w) = cfg
                .weights
                .iter()
                .find(|&&w| !(1..=MAX_WEIGHT).contains(&w))
            {
                return Err(PlacementError::WeightOutOfRange(w));
            }
            let uneven = cfg.weights.iter().any(|&w| w != cfg.weights[0]);
            if uneven && !cfg.strategy.supports_weights() {
                return Err(PlacementError::WeightsUnsupported(cfg.strategy));
            }
        }
        Ok(())
    }

    fn push_node(&mut self, weight: u32) {
        let id = self.nodes.len() as u32;
        let name = format!("n{}", id + 1);
        self.node_hash.push(self.hash.hash(name.as_bytes()));
        self.nodes.push(NodeInfo {
            id,
            name,
            weight,
            alive: true,
            failed: false,
        });
    }

    /// Ring points per live node.
    fn points_of(&self, node: &NodeInfo) -> u32 {
        match self.strategy {
            Strategy::Ring => 1,
            Strategy::VNodes | Strategy::Bounded => self.vnodes * node.weight,
            _ => 0,
        }
    }

    fn check_points(&self) -> Result<(), PlacementError> {
        let total: u64 = self
            .nodes
            .iter()
            .filter(|n| n.alive)
            .map(|n| self.points_of(n) as u64)
            .sum();
        if total > MAX_POINTS {
            return Err(PlacementError::TooManyPoints(total));
        }
        Ok(())
    }

    fn hash_keys(&mut self, keys: u32) {
        let mut buf = [0u8; 48];
        self.key_hash = (0..keys)
            .map(|i| self.hash.hash(key_name(self.seed, i, &mut buf)))
            .collect();
        if self.strategy.has_ring() {
            let mut order: Vec<(u64, u32)> =
                (0..keys).map(|i| (self.key_hash[i as usize], i)).collect();
            order.sort_unstable();
            self.by_pos = order.iter().map(|&(_, i)| i).collect();
            self.sorted_pos = order.iter().map(|&(h, _)| self.hash.ring_pos(h)).collect();
        }
    }

    fn rebuild_ring(&mut self) {
        if !self.strategy.has_ring() {
            return;
        }
        let mut points = Vec::new();
        for n in self.nodes.iter().filter(|n| n.alive) {
            if self.strategy == Strategy::Ring {
                points.push((self.hash.ring_pos(self.node_hash[n.id as usize]), n.id, 1));
                continue;
            }
            for v in 1..=self.points_of(n) {
                let label = format!("{}#{v}", n.name);
                let pos = self.hash.ring_pos(self.hash.hash(label.as_bytes()));
                points.push((pos, n.id, v));
            }
        }
        self.ring = Ring::from_points(FULL_RING, points);
    }

    /// Places every key from scratch into `self.owner`.
    fn assign_all(&mut self) {
        match self.strategy {
            Strategy::Mod => self.assign_mod(),
            Strategy::Ring | Strategy::VNodes => self.assign_ring_points(true),
            Strategy::Bounded => self.assign_bounded(),
            Strategy::Rendezvous => self.assign_rendezvous(),
            Strategy::Jump => self.assign_jump(),
        }
    }

    /// Mod-N over the members (live and failed, so a failure leaves N alone); a key whose slot
    /// belongs to a failed member goes to the next live member in slot order.
    fn assign_mod(&mut self) {
        let members: Vec<u32> = self
            .nodes
            .iter()
            .filter(|n| n.is_member())
            .map(|n| n.id)
            .collect();
        let m = members.len();
        let live: Vec<u32> = (0..m)
            .map(|j| {
                (0..m)
                    .map(|d| members[(j + d) % m])
                    .find(|&id| self.nodes[id as usize].alive)
                    .unwrap_or(members[j])
            })
            .collect();
        let weights: Vec<u64> = members
            .iter()
            .map(|&i| self.nodes[i as usize].weight as u64)
            .collect();
        let uniform = weights.iter().all(|&w| w == weights[0]);
        let cumulative: Vec<u64> = weights
            .iter()
            .scan(0, |acc, &w| {
                *acc += w;
                Some(*acc)
            })
            .collect();
        let total = *cumulative.last().unwrap_or(&1);
        let n = live.len() as u64;
        for (o, &h) in self.owner.iter_mut().zip(&self.key_hash) {
            *o = if uniform {
                live[(h % n) as usize]
            } else {
                let slot = h % total;
                live[cumulative.partition_point(|&c| c <= slot)]
            };
        }
    }

    /// The merge walk: keys in ring order meet points in ring order. With `owners` the owner
    /// array gets node ids; without, it gets point indices (for the bounded pass).
    fn assign_ring_points(&mut self, owners: bool) {
        let (pos, node) = (&self.ring.pos, &self.ring.node);
        let n = pos.len();
        let mut p = 0usize;
        for (&k, &kp) in self.by_pos.iter().zip(&self.sorted_pos) {
            while p < n && pos[p] < kp {
                p += 1;
            }
            let point = if p == n { 0 } else { p };
            self.owner[k as usize] = if owners { node[point] } else { point as u32 };
        }
    }

    /// Per-node caps `⌈c·m·w/Σw⌉`, in exact integer arithmetic.
    pub fn caps(&self) -> Vec<u64> {
        let m = self.key_hash.len() as u128;
        let total: u128 = self
            .nodes
            .iter()
            .filter(|n| n.alive)
            .map(|n| n.weight as u128)
            .sum();
        self.nodes
            .iter()
            .map(|n| {
                if !n.alive || total == 0 {
                    return 0;
                }
                let num = self.c_milli as u128 * m * n.weight as u128;
                num.div_ceil(1000 * total) as u64
            })
            .collect()
    }

    /// Bounded loads: keys in key order take the first point clockwise whose node is below its
    /// cap. Full nodes' points are linked to their successors (union-find with path halving)
    /// so each key skips them in near-constant time.
    fn assign_bounded(&mut self) {
        self.assign_ring_points(false);
        let caps = self.caps();
        let n = self.ring.len();
        let mut points_of: Vec<Vec<u32>> = vec![Vec::new(); self.nodes.len()];
        for (i, &nd) in self.ring.node.iter().enumerate() {
            points_of[nd as usize].push(i as u32);
        }
        let mut next: Vec<u32> = (0..n as u32).collect();
        let mut load = vec![0u64; self.nodes.len()];
        for k in 0..self.owner.len() {
            let mut x = self.owner[k] as usize;
            // Σ caps ≥ m, so some node is below its cap while keys remain.
            while next[x] as usize != x {
                let up = next[next[x] as usize];
                next[x] = up;
                x = up as usize;
            }
            let nd = self.ring.node[x];
            self.owner[k] = nd;
            load[nd as usize] += 1;
            if load[nd as usize] == caps[nd as usize] {
                for &q in &points_of[nd as usize] {
                    next[q as usize] = ((q as usize + 1) % n) as u32;
                }
            }
        }
    }

    fn uniform_live_weights(&self) -> bool {
        let mut live = self.nodes.iter().filter(|n| n.alive);
        let first = live.next().map(|n| n.weight);
        live.all(|n| Some(n.weight) == first)
    }

    /// Live nodes as (id, name hash, weight), in id order.
    fn live_hashes(&self) -> Vec<(u32, u64, u32)> {
        self.nodes
            .iter()
            .filter(|n| n.alive)
            .map(|n| (n.id, self.node_hash[n.id as usize], n.weight))
            .collect()
    }

    fn assign_rendezvous(&mut self) {
        let live = self.live_hashes();
        let uniform = self.uniform_live_weights();
        for (o, &h) in self.owner.iter_mut().zip(&self.key_hash) {
            *o = rendezvous_best(&live, h, uniform);
        }
    }

    /// Rendezvous after a change touches only the keys that must move: on a join, keys the
    /// newcomer outbids; on a leave, the keys the leaver held. Same result as from scratch.
    fn update_rendezvous(&mut self, change: Change) {
        let uniform = self.uniform_live_weights();
        match change {
            Change::Add { .. } if !uniform => self.assign_rendezvous(),
            Change::Add { .. } => {
                let new = self.nodes.len() as u32 - 1;
                let nh = self.node_hash[new as usize];
                for (o, &h) in self.owner.iter_mut().zip(&self.key_hash) {
                    if mix64(h ^ nh) > mix64(h ^ self.node_hash[*o as usize]) {
                        *o = new;
                    }
                }
            }
            Change::Recover { .. } if !uniform => self.assign_rendezvous(),
            Change::Recover { node } => {
                // Ties go to the lower id, as in `rendezvous_best`.
                let nh = self.node_hash[node as usize];
                for (o, &h) in self.owner.iter_mut().zip(&self.key_hash) {
                    let (mine, theirs) = (mix64(h ^ nh), mix64(h ^ self.node_hash[*o as usize]));
                    if mine > theirs || (mine == theirs && node < *o) {
                        *o = node;
                    }
                }
            }
            // A failed node holds no keys, so removing it moves none.
            Change::Remove { node } | Change::Fail { node } => {
                let live = self.live_hashes();
                for (o, &h) in self.owner.iter_mut().zip(&self.key_hash) {
                    if *o == node {
                        *o = rendezvous_best(&live, h, uniform);
                    }
                }
            }
        }
    }

    /// Jump over the slots up to the highest member (a failed one still counts, so a failure
    /// never shrinks the slot count); a key on a removed or failed slot rehashes and jumps again.
    fn assign_jump(&mut self) {
        let alive: Vec<bool> = self.nodes.iter().map(|n| n.alive).collect();
        let buckets = self
            .nodes
            .iter()
            .rposition(|n| n.is_member())
            .map_or(1, |i| i + 1) as u32;
        for (o, &h) in self.owner.iter_mut().zip(&self.key_hash) {
            let mut key = h;
            let mut b = jump_hash(key, buckets);
            while !alive[b as usize] {
                key = mix64(key ^ 0x9e37_79b9_7f4a_7c15);
                b = jump_hash(key, buckets);
            }
            *o = b;
        }
    }

    /// Which node a plain `remove` takes (the newest live one), or checks an exact change.
    pub fn resolve(&self, spec: ChangeSpec) -> Result<Change, PlacementError> {
        let change = match spec {
            ChangeSpec::Add(weight) => Change::Add { weight },
            ChangeSpec::RemoveNewest => Change::Remove {
                node: self
                    .nodes
                    .iter()
                    .rev()
                    .find(|n| n.alive)
                    .map_or(0, |n| n.id),
            },
            ChangeSpec::Exact(c) => c,
        };
        self.check_change(change)?;
        Ok(change)
    }

    /// Whether `change` is allowed now (the rules [`Placement::apply`] enforces, without
    /// applying it): e.g. the last live node can neither fail nor leave
    /// ([`PlacementError::LastNode`]) and a failed node cannot fail again
    /// ([`PlacementError::NodeAlreadyFailed`]). A change that passes can still be refused by
    /// `apply` if it would make the ring too large ([`PlacementError::TooManyPoints`]).
    pub fn check_change(&self, change: Change) -> Result<(), PlacementError> {
        match change {
            Change::Add { weight } => {
                if self.nodes.len() as u32 >= MAX_NODES {
                    return Err(PlacementError::NodesOutOfRange(self.nodes.len() as u32 + 1));
                }
                if !(1..=MAX_WEIGHT).contains(&weight) {
                    return Err(PlacementError::WeightOutOfRange(weight));
                }
                let first = self.nodes.iter().find(|n| n.alive).map(|n| n.weight);
                if !self.strategy.supports_weights() && first.is_some_and(|w| w != weight) {
                    return Err(PlacementError::WeightsUnsupported(self.strategy));
                }
            }
            Change::Remove { node } | Change::Fail { node } | Change::Recover { node } => {
                let n = self
                    .nodes
                    .get(node as usize)
                    .ok_or(PlacementError::NoSuchNode(node))?;
                let last_live = n.alive && self.nodes.iter().filter(|n| n.alive).count() == 1;
                match change {
                    _ if !n.is_member() => return Err(PlacementError::NodeAlreadyGone(node)),
                    Change::Recover { .. } if !n.failed => {
                        return Err(PlacementError::NotFailed(node))
                    }
                    Change::Fail { .. } if n.failed => {
                        return Err(PlacementError::NodeAlreadyFailed(node))
                    }
                    Change::Remove { .. } | Change::Fail { .. } if last_live => {
                        return Err(PlacementError::LastNode)
                    }
                    _ => {}
                }
            }
        }
        Ok(())
    }

    /// Sets a node's (alive, failed) state and returns the old one.
    fn set_state(&mut self, node: u32, state: (bool, bool)) -> (bool, bool) {
        let n = &mut self.nodes[node as usize];
        let old = (n.alive, n.failed);
        (n.alive, n.failed) = state;
        old
    }

    /// Applies a membership change, re-places the keys and reports what moved.
    pub fn apply(&mut self, change: Change) -> Result<&ChangeReport, PlacementError> {
        self.check_change(change)?;
        let before = self.stats();
        let old = match change {
            Change::Add { weight } => {
                self.push_node(weight);
                None
            }
            Change::Remove { node } => Some((node, self.set_state(node, (false, false)))),
            Change::Fail { node } => Some((node, self.set_state(node, (false, true)))),
            Change::Recover { node } => Some((node, self.set_state(node, (true, false)))),
        };
        if let Err(e) = self.check_points() {
            match old {
                Some((node, state)) => {
                    self.set_state(node, state);
                }
                None => {
                    self.nodes.pop();
                    self.node_hash.pop();
                }
            }
            return Err(e);
        }
        std::mem::swap(&mut self.owner, &mut self.previous);
        self.rebuild_ring();
        if self.strategy == Strategy::Rendezvous {
            self.owner.copy_from_slice(&self.previous);
            self.update_rendezvous(change);
        } else {
            self.assign_all();
        }
        let report = self.report(change, before);
        Ok(self.last.insert(report))
    }

    fn report(&self, change: Change, before: LoadStats) -> ChangeReport {
        let slots = self.nodes.len();
        let (mut from, mut to) = (vec![0u64; slots], vec![0u64; slots]);
        let mut moved = 0u64;
        for (&a, &b) in self.previous.iter().zip(&self.owner) {
            if a != b {
                moved += 1;
                from[a as usize] += 1;
                to[b as usize] += 1;
            }
        }
        let keys = self.owner.len().max(1) as f64;
        ChangeReport {
            change: change.to_string(),
            before,
            after: self.stats(),
            moved,
            moved_fraction: moved as f64 / keys,
            moved_from: from,
            moved_to: to,
        }
    }

    /// Statistics over all keys right now.
    pub fn stats(&self) -> LoadStats {
        let mut per_node = vec![0u64; self.nodes.len()];
        for &o in &self.owner {
            per_node[o as usize] += 1;
        }
        LoadStats::of(per_node, &self.nodes)
    }

    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    pub fn hash_fn(&self) -> HashFn {
        self.hash
    }

    pub fn nodes(&self) -> &[NodeInfo] {
        &self.nodes
    }

    pub fn key_count(&self) -> u32 {
        self.owner.len() as u32
    }

    /// Owners by key index.
    pub fn owners(&self) -> &[u32] {
        &self.owner
    }

    /// Owners by key index before the last change (equal to [`Self::owners`] before any).
    pub fn previous_owners(&self) -> &[u32] {
        &self.previous
    }

    /// The report of the last change, if any.
    pub fn last_change(&self) -> Option<&ChangeReport> {
        self.last.as_ref()
    }

    /// Ring points and arcs (empty for mod, rendezvous and jump).
    pub fn ring_view(&self) -> RingView {
        self.ring.view(self.nodes.len())
    }

    /// Where key `i` sits as a fraction of a turn.
    pub fn key_turn(&self, i: u32) -> f64 {
        self.hash.ring_pos(self.key_hash[i as usize]) as f64 / FULL_RING as f64
    }

    /// At most `max` evenly strided keys for drawing (always the same ones for a key set).
    pub fn key_dots(&self, max: u32) -> Vec<KeyDot> {
        let m = self.key_count();
        if m == 0 || max == 0 {
            return Vec::new();
        }
        let stride = m.div_ceil(max).max(1);
        (0..m)
            .step_by(stride as usize)
            .map(|k| KeyDot {
                key: k,
                turn: self.key_turn(k),
                owner: self.owner[k as usize],
                previous_owner: self.previous[k as usize],
            })
            .collect()
    }

    /// Hash and owner of any key. For bounded loads, a new key goes to the first node below
    /// its cap clockwise, given the current loads.
    pub fn lookup(&self, key: &str) -> KeyLookup {
        let h = self.hash.hash(key.as_bytes());
        let pos = self.hash.ring_pos(h);
        let mut point = None;
        let owner = match self.strategy {
            Strategy::Mod | Strategy::Jump | Strategy::Rendezvous => {
                let mut tmp = self.clone_for_one(h);
                tmp.assign_all();
                tmp.owner[0]
            }
            Strategy::Ring | Strategy::VNodes | Strategy::Bounded => {
                let mut i = self.ring.successor(pos).unwrap_or(0);
                if self.strategy == Strategy::Bounded {
                    let (caps, load) = (self.caps(), self.stats().per_node);
                    for _ in 0..self.ring.len() {
                        let nd = self.ring.node[i] as usize;
                        if load[nd] < caps[nd] {
                            break;
                        }
                        i = (i + 1) % self.ring.len();
                    }
                }
                point = Some((self.ring.node[i], self.ring.vnode[i]));
                self.ring.node[i]
            }
        };
        KeyLookup {
            key: key.to_string(),
            hash: h,
            turn: pos as f64 / FULL_RING as f64,
            owner,
            point,
        }
    }

    /// A copy with the same cluster and one key of hash `h` (for key-by-key strategies).
    fn clone_for_one(&self, h: u64) -> Placement {
        Placement {
            strategy: self.strategy,
            hash: self.hash,
            vnodes: self.vnodes,
            c_milli: self.c_milli,
            seed: self.seed,
            nodes: self.nodes.clone(),
            node_hash: self.node_hash.clone(),
            key_hash: vec![h],
            by_pos: vec![0],
            sorted_pos: vec![self.hash.ring_pos(h)],
            ring: Ring::default(),
            owner: vec![0],
            previous: vec![0],
            last: None,
        }
    }
}

/// Figures of one reassignment benchmark.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PlacementBench {
    pub strategy: Strategy,
    pub hash: HashFn,
    pub nodes: u32,
    pub vnodes: u32,
    pub keys: u32,
    /// Wall milliseconds of each timed change (alternately a join and that node leaving).
    pub runs_ms: Vec<f64>,
    pub best_ms: f64,
    pub median_ms: f64,
    pub keys_per_second: f64,
}

/// Times re-placing every key after a membership change: `runs` changes, alternately a node
/// joining and the same node leaving. Building the placement and hashing the keys is not
/// timed. `time` runs the closure it is given and returns the wall seconds it took (the caller
/// owns the clock, so the engine itself never reads one).
pub fn bench_reassign(
    cfg: &PlacementConfig,
    runs: u32,
    time: &mut dyn FnMut(&mut dyn FnMut()) -> f64,
) -> Result<PlacementBench, PlacementError> {
    let mut p = Placement::new(cfg)?;
    let mut runs_ms = Vec::new();
    for r in 0..runs.max(1) {
        let change = if r % 2 == 0 {
            Change::Add { weight: 1 }
        } else {
            Change::Remove {
                node: p.nodes.len() as u32 - 1,
            }
        };
        p.check_change(change)?;
        let mut result = Ok(());
        let secs = time(&mut || result = p.apply(change).map(|_| ()));
        result?;
        runs_ms.push(secs * 1000.0);
    }
    let mut sorted = runs_ms.clone();
    sorted.sort_by(f64::total_cmp);
    let best = sorted[0];
    Ok(PlacementBench {
        strategy: cfg.strategy,
        hash: cfg.hash,
        nodes: cfg.nodes,
        vnodes: cfg.vnodes,
        keys: cfg.keys,
        median_ms: sorted[sorted.len() / 2],
        best_ms: best,
        keys_per_second: cfg.keys as f64 / (best / 1000.0).max(1e-12),
        runs_ms,
    })
}

/// The placement labs' rows in the lab registry: one model, four default strategies.
pub const HASH_LAB: LabDef = placement_lab("placement-hash", &PLACEMENT_PARAMS, &HASH_TEXTS);
pub const RING_LAB: LabDef = placement_lab("placement-ring", &PLACEMENT_PARAMS, &RING_TEXTS);
pub const BOUNDED_LAB: LabDef =
    placement_lab("placement-bounded", &PLACEMENT_PARAMS, &BOUNDED_TEXTS);
pub const VNODES_LAB: LabDef = placement_lab("placement-vnodes", &VNODES_PARAMS, &VNODES_TEXTS);

const fn placement_lab(
    id: &'static str,
    params: &'static [ParamSpec],
    texts: &'static [TextSpec],
) -> LabDef {
    LabDef::model(
        id,
        Group::Storage,
        params,
        texts,
        check_placement,
        calc_command,
        ModelView::Placement,
    )
}

/// The runner's command for a placement lab: the model with the lab's parameters.
fn calc_command(p: &Params) -> String {
    let mut cmd = format!(
        "placement --strategy {} --nodes {} --vnodes {} --keys {} --c {} --hash {}",
        p.text("strategy"),
        p.get("nodes"),
        p.get("vnodes"),
        p.get("keys"),
        p.get("c"),
        p.text("hash")
    );
    for (key, flag) in [("weights", "--weights"), ("changes", "--change")] {
        let v = p.text(key).trim();
        if !v.is_empty() {
            cmd.push_str(&format!(" {flag} {v}"));
        }
    }
    cmd.push_str(" --seed 0");
    cmd
}

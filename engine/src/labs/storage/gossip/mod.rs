//! Gossip (流言 / 病毒感染 / 谣言传播算法), as the course notes describe it: seed 004
//! ("Gossip": peer nodes in an unstructured network, spreading 一传十、十传百 in about log N
//! rounds; its weaknesses 消息的延迟 and 消息冗余), seed 002 ("病毒感染算法"、"谣言传播算法":
//! every node talks to random others until all agree) and seed 001 (Akka's data transfer:
//! every period each node picks k random nodes and sends its data, the newest timestamp
//! wins, and after a few periods all nodes agree). The modes follow Demers et al.,
//! "Epidemic Algorithms for Replicated Database Maintenance" (PODC 1987).
//!
//! N peer nodes each hold a versioned key→value store (`store.rs`); a `write` at a node makes a
//! new version of a key there. Every `period` ms each node picks `fanout` random peers and,
//! depending on `mode`:
//!
//! - **push** (anti-entropy): sends its digest (each key's version) and the entries it does
//!   not know the peer to hold (what it learned from the peer's own digests). Without
//!   feedback it keeps sending to peers that already have everything: redundant messages.
//! - **pull**: sends its digest; the peer answers with the entries the asker lacks (or
//!   nothing).
//! - **push-pull**: both in one exchange.
//! - **rumor** (rumor mongering): a node that learns a new update becomes *hot* about it and
//!   pushes only its hot rumors. With `stop=counter` the receiver says which it already
//!   knew, and after `k` such pushes the sender loses interest; with `stop=coin` it loses
//!   interest with probability 1/k after each push. Cheap, but a rumor can die before
//!   reaching everyone (the residue), and nothing repairs that.
//!
//! A message that brings the receiver nothing new (or a request it has nothing to answer) is
//! counted **redundant**; the others **useful**. The monitor (`monitor.rs`) follows the newest
//! write: how many nodes hold it (the infection curve), the rounds until all do, and checks
//! `gossip.monotonic` (always: a node's versions never go back) and `gossip.converged`
//! (eventually, once the network is healed and quiet: every up node holds the newest version
//! of every key any up node holds; for rumor mongering this is the lesson that breaks).

mod monitor;
mod msg;
mod scenarios;
pub mod store;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::Msg;
pub use store::{Entry, Key, Store, Version};

use std::collections::BTreeMap;

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{Arg, CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// The modes, as the `mode` parameter names them.
pub const MODES: &[&str] = &["push", "pull", "push-pull", "rumor"];
/// How a rumor monger loses interest (`stop`).
pub const STOPS: &[&str] = &["counter", "coin"];

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 8.0, 2.0, 16.0),
    ParamSpec::named("mode", 2, MODES),
    ParamSpec::int("fanout", 1.0, 1.0, 8.0),
    ParamSpec::int("period", 200.0, 20.0, 5_000.0),
    ParamSpec::int("k", 2.0, 1.0, 10.0),
    ParamSpec::named("stop", 0, STOPS),
    ParamSpec::float("writes", 0.0, 0.0, 50.0),
    ParamSpec::int("keys", 4.0, 1.0, 26.0),
];

/// How nodes exchange.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    Push,
    Pull,
    #[default]
    PushPull,
    Rumor,
}

impl Mode {
    pub fn from_index(i: u64) -> Mode {
        match i {
            0 => Mode::Push,
            1 => Mode::Pull,
            3 => Mode::Rumor,
            _ => Mode::PushPull,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Push => MODES[0],
            Mode::Pull => MODES[1],
            Mode::PushPull => MODES[2],
            Mode::Rumor => MODES[3],
        }
    }

    /// Anti-entropy (every mode but rumor mongering): repairs everything, eventually.
    pub fn anti_entropy(self) -> bool {
        self != Mode::Rumor
    }
}

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub nodes: usize,
    pub mode: Mode,
    pub fanout: usize,
    pub period: Time,
    /// Rumor mongering: pushes to peers who knew (counter) or 1/k odds (coin).
    pub k: u64,
    pub coin: bool,
    /// Random writes per second over the whole cluster, on keys a, b, … (`keys` of them).
    pub writes: f64,
    pub keys: usize,
    /// The network's loss rate (0..1): the convergence check waits longer, or not at all.
    pub loss: f64,
    /// Test only: the merge takes any version it has not got, older ones too.
    #[doc(hidden)]
    pub broken_keep_older: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        let nodes = (p.get_u64("nodes") as usize).clamp(2, 16);
        Config {
            nodes,
            mode: Mode::from_index(p.get_u64("mode")),
            fanout: (p.get_u64("fanout") as usize).clamp(1, nodes - 1),
            period: p.get_u64("period").max(1) * MS,
            k: p.get_u64("k").max(1),
            coin: p.get_u64("stop") == 1,
            writes: p.get("writes").max(0.0),
            keys: (p.get_u64("keys") as usize).clamp(1, 26),
            loss: (p.get("loss") / 100.0).clamp(0.0, 1.0),
            broken_keep_older: false,
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Gossip> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Gossip> {
    NetSession::new(cfg.nodes, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Gossip>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A gossip round: contact `fanout` random peers.
    Round,
    /// A random write (parameter `writes`).
    Write,
}

/// A rumor a node is hot about, and how many peers told it they already knew.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hot {
    pub key: Key,
    pub version: Version,
    pub misses: u64,
}

/// One gossip node.
#[derive(Clone, Debug)]
pub struct Gossip {
    pub id: NodeId,
    cfg: Config,
    // Persistent (on disk): the store, this node's writes and counters.
    pub store: Store,
    /// Writes made at this node, and the last one.
    pub writes: u64,
    pub last_write: Option<(Key, Version)>,
    /// Changes to the store (writes and merges), for the monitor.
    pub changes: u64,
    /// Messages this node sent, and received ones that were useful or redundant.
    pub sent: u64,
    pub useful: u64,
    pub redundant: u64,
    pub rounds: u64,
    // Volatile.
    /// What each peer is known to hold (from its digests and the entries it sent).
    pub known: Vec<BTreeMap<Key, Version>>,
    /// Rumor mongering: the updates this node is hot about.
    pub hot: Vec<Hot>,
}

/// `n3` for node 2.
pub fn name(n: NodeId) -> String {
    format!("n{}", n + 1)
}

impl Gossip {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// `fanout` distinct random peers.
    fn peers(&self, ctx: &mut Ctx<Self>) -> Vec<NodeId> {
        let mut all: Vec<NodeId> = (0..self.cfg.nodes).filter(|&i| i != self.id).collect();
        let k = self.cfg.fanout.min(all.len());
        for i in 0..k {
            let j = i + ctx.random_index(all.len() - i);
            all.swap(i, j);
        }
        all.truncate(k);
        all
    }

    fn write(&mut self, key: Key, ctx: &mut Ctx<Self>) {
        let value = ctx.random_between(0, 999);
        let version = self.store.write(key, self.id, value);
        self.writes += 1;
        self.changes += 1;
        self.last_write = Some((key, version));
        ctx.note("gossip.write", version.seq);
        if self.cfg.mode == Mode::Rumor {
            self.make_hot(key, version);
        }
    }

    fn make_hot(&mut self, key: Key, version: Version) {
        self.hot.retain(|h| h.key != key);
        self.hot.push(Hot {
            key,
            version,
            misses: 0,
        });
    }

    fn learn_known(&mut self, peer: NodeId, items: impl Iterator<Item = (Key, Version)>) {
        let Some(map) = self.known.get_mut(peer) else {
            return;
        };
        for (k, v) in items {
            let slot = map.entry(k).or_insert(v);
            if v > *slot {
                *slot = v;
            }
        }
    }

    /// Replies to `from` with what its `digest` shows it lacks (nothing if it lacks nothing);
    /// returns whether there was anything to send.
    fn answer(&mut self, from: NodeId, digest: &[(Key, Version)], ctx: &mut Ctx<Self>) -> bool {
        let missing = self.store.newer_than(&store::known_of(digest));
        if missing.is_empty() {
            return false;
        }
        let digest = self.store.digest();
        self.send(
            from,
            Msg::Reply {
                digest,
                entries: missing,
            },
            ctx,
        );
        true
    }

    /// Merges entries from `from`; returns whether anything was new.
    fn merge(&mut self, from: NodeId, entries: &[(Key, Entry)], ctx: &mut Ctx<Self>) -> bool {
        self.learn_known(from, entries.iter().map(|(k, e)| (*k, e.version)));
        let changed = self.store.merge(entries, self.cfg.broken_keep_older);
        if changed.is_empty() {
            return false;
        }
        self.changes += 1;
        ctx.note("gossip.learn", changed.len() as u64);
        if self.cfg.mode == Mode::Rumor {
            for k in changed {
                if let Some(e) = self.store.get(&k).copied() {
                    self.make_hot(k, e.version);
                }
            }
        }
        true
    }

    fn count(&mut self, useful: bool) {
        if useful {
            self.useful += 1;
        } else {
            self.redundant += 1;
        }
    }

    fn send(&mut self, to: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        self.sent += 1;
        ctx.send(to, msg);
    }

    fn round(&mut self, ctx: &mut Ctx<Self>) {
        self.rounds += 1;
        if self.cfg.mode == Mode::Rumor {
            self.rumor_round(ctx);
            return;
        }
        for peer in self.peers(ctx) {
            let digest = self.store.digest();
            let entries = || self.store.newer_than(&self.known[peer]);
            let msg = match self.cfg.mode {
                Mode::Push => Msg::Push {
                    entries: entries(),
                    digest,
                },
                Mode::Pull => Msg::Pull { digest },
                _ => Msg::PushPull {
                    entries: entries(),
                    digest,
                },
            };
            self.send(peer, msg, ctx);
        }
    }

    fn rumor_round(&mut self, ctx: &mut Ctx<Self>) {
        if self.hot.is_empty() {
            return;
        }
        for peer in self.peers(ctx) {
            let entries: Vec<(Key, Entry)> = self
                .hot
                .iter()
                .filter_map(|h| self.store.get(&h.key).map(|e| (h.key, *e)))
                .collect();
            self.send(peer, Msg::Rumor { entries }, ctx);
            if self.cfg.coin {
                // Blind coin: after each push, lose interest with odds 1/k.
                let k = self.cfg.k as usize;
                let mut keep = Vec::with_capacity(self.hot.len());
                for h in std::mem::take(&mut self.hot) {
                    if ctx.random_index(k) == 0 {
                        ctx.note("gossip.cold", h.version.seq);
                    } else {
                        keep.push(h);
                    }
                }
                self.hot = keep;
            }
        }
    }

    /// Feedback: `from` already knew these; after `k` such answers a rumor goes cold.
    fn on_known(&mut self, versions: &[(Key, Version)], ctx: &mut Ctx<Self>) {
        let k = self.cfg.k;
        for (key, v) in versions {
            if let Some(h) = self
                .hot
                .iter_mut()
                .find(|h| h.key == *key && h.version <= *v)
            {
                h.misses += 1;
                if h.misses >= k {
                    ctx.note("gossip.cold", h.version.seq);
                    let key = h.key;
                    self.hot.retain(|h| h.key != key);
                }
            }
        }
    }

    fn schedule_write(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.writes > 0.0 {
            let per_node = self.cfg.writes / self.cfg.nodes as f64;
            let mean = (1_000_000.0 / per_node).min(1e12) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Write, d.max(1));
        }
    }
}

/// The `write` command: a new version of a key at this node.
const WRITE: CommandSpec = CommandSpec {
    name: "write",
    arg: Arg::Text { default: "x" },
};

impl Protocol for Gossip {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("gossip.monotonic"),
        Property::eventually("gossip.converged"),
    ];
    const KINDS: &'static [NodeKind] =
        &[NodeKind::new("gossip.node", "n", Shape::Circle, &[WRITE])];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        Gossip {
            id,
            cfg: cfg.clone(),
            store: Store::default(),
            writes: 0,
            last_write: None,
            changes: 0,
            sent: 0,
            useful: 0,
            redundant: 0,
            rounds: 0,
            known: vec![BTreeMap::new(); n],
            hot: Vec::new(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        // Rounds are not in step: each node's first comes at a random point of a period.
        let first = ctx.random_between(1, self.cfg.period);
        ctx.set_timer(Timer::Round, first);
        self.schedule_write(ctx);
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        if let Some(d) = msg.digest() {
            self.learn_known(from, d.iter().copied());
        }
        match msg {
            Msg::Push { entries, .. } | Msg::Reply { entries, .. } => {
                let new = self.merge(from, &entries, ctx);
                self.count(new);
            }
            Msg::Pull { digest } => {
                let useful = self.answer(from, &digest, ctx);
                self.count(useful);
            }
            Msg::PushPull { digest, entries } => {
                let new = self.merge(from, &entries, ctx);
                let answer = self.answer(from, &digest, ctx);
                self.count(new || answer);
            }
            Msg::Rumor { entries } => {
                let knew: Vec<(Key, Version)> = entries
                    .iter()
                    .filter(|(k, e)| self.store.has(k, e.version))
                    .map(|(k, e)| (*k, e.version))
                    .collect();
                let new = self.merge(from, &entries, ctx);
                if !knew.is_empty() && !self.cfg.coin {
                    self.send(from, Msg::Known { versions: knew }, ctx);
                }
                self.count(new);
            }
            Msg::Known { versions } => {
                self.on_known(&versions, ctx);
                self.count(false);
            }
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Round => {
                self.round(ctx);
                ctx.set_timer(Timer::Round, self.cfg.period);
            }
            Timer::Write => {
                let i = ctx.random_index(self.cfg.keys);
                let name = [b'a' + i as u8];
                if let Some(key) = std::str::from_utf8(&name).ok().and_then(Key::new) {
                    self.write(key, ctx);
                }
                self.schedule_write(ctx);
            }
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == WRITE.name {
            if let Some(key) = arg.and_then(Key::new) {
                self.write(key, ctx);
            }
        }
    }

    fn on_crash(&mut self) {
        // The store is on disk; what the node knew of its peers and its hot rumors are lost.
        for m in &mut self.known {
            m.clear();
        }
        self.hot.clear();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Round => "gossip.round",
            Timer::Write => "gossip.write",
        }
    }

    crate::monitor_hooks!(check, observe, check_eventually);
}

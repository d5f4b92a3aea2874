//! Decentralized cluster membership, Akka style (非集中式结构: Akka 集群), as seed 001
//! describes it ("非集中式结构", "集群组建及管理", "保活机制", lines ~655–735):
//!
//! - **Joining through seed nodes.** Every node knows the seed list (nodes 1..=`seeds`). The
//!   first seed node forms the cluster around itself; the other seeds ask the first seed to
//!   join and only it (no answer, no cluster: the `arch-akka-no-first-seed` preset); an
//!   ordinary node asks any seed, trying them in turn. As in Akka, a first seed that starts
//!   (or restarts) first asks the other seeds whether a cluster already exists (`InitJoin`)
//!   and joins it if so, forming its own only when every other seed says no or after
//!   `seed_timeout`.
//! - **Gossip.** Every `gossip` ms each member sends its state (members and their status,
//!   the reachability marks, a vector clock and the seen-by set) to a random member,
//!   preferring ones that have not seen its version; the receiver merges (status forward,
//!   newest row per observer; `gossip.rs`). Once every member has seen the same state the
//!   cluster has **converged**.
//! - **The leader** is the first reachable up member by node id. Only on convergence does it
//!   move members: joining → up, leaving → exiting → removed, down → removed. A member
//!   leaves by marking itself leaving (the `akka_leave` command).
//! - **Failure detection on a ring** (`ring.rs`): members sit on a ring ordered by a hash of
//!   the node id; each is watched by the `k` members after it (k = n − 1 when n < 6, else 5,
//!   unless the parameter `k` sets it). A watcher that misses `misses` heartbeat answers in a
//!   row marks the node **unreachable** in its own reachability row, and gossip spreads the
//!   mark. An unreachable member blocks convergence, so the leader makes no moves (the
//!   `arch-akka-partition` preset) until it is reachable again or **down**: the leader downs
//!   a member unreachable for `down_after` ms (Akka's auto-downing; 0 = only by the
//!   `akka_down` command), and a down member no longer blocks convergence.
//!
//! Properties (`monitor.rs`, history-aware): `arch-akka.converged-moves` (the leader moves
//! members only on a state every up and leaving member has actually held, with no member
//! unreachable unless down or exiting), `arch-akka.one-leader` (one leader per converged
//! state) and `arch-akka.forward` (in every node's view a member's status only moves
//! forward).

mod gossip;
mod monitor;
mod msg;
mod node;
pub mod ring;
mod scenarios;
mod texts;
mod view;

pub use gossip::{Gossip, Member, Status};
pub use monitor::Monitor;
pub use msg::Msg;

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Parameters: the cluster's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 8.0, 1.0, 16.0),
    ParamSpec::int("seeds", 3.0, 1.0, 16.0),
    ParamSpec::int("gossip", 200.0, 20.0, 5_000.0),
    ParamSpec::int("heartbeat", 100.0, 10.0, 5_000.0),
    ParamSpec::int("misses", 4.0, 1.0, 20.0),
    ParamSpec::int("k", 0.0, 0.0, 15.0),
    ParamSpec::int("down_after", 2_000.0, 0.0, 60_000.0),
    ParamSpec::int("stagger", 100.0, 0.0, 5_000.0),
    ParamSpec::int("retry", 400.0, 20.0, 10_000.0),
    ParamSpec::int("seed_timeout", 1_000.0, 20.0, 20_000.0),
];

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub nodes: usize,
    /// Nodes 1..=seeds are the seed nodes (at most all of them: a larger value is cut).
    pub seeds: usize,
    pub gossip: Time,
    pub heartbeat: Time,
    pub misses: u64,
    /// Watchers per node (0: the notes' rule).
    pub k: usize,
    /// Auto-down after this long unreachable (0: never).
    pub down_after: Time,
    /// Node i first starts at i × stagger.
    pub stagger: Time,
    pub retry: Time,
    pub seed_timeout: Time,
    /// Test only: the leader moves members without waiting for convergence.
    #[doc(hidden)]
    pub broken_no_convergence: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        let nodes = (p.get_u64("nodes") as usize).clamp(1, 16);
        Config {
            nodes,
            seeds: (p.get_u64("seeds") as usize).clamp(1, nodes),
            gossip: p.get_u64("gossip").max(1) * MS,
            heartbeat: p.get_u64("heartbeat").max(1) * MS,
            misses: p.get_u64("misses").max(1),
            k: p.get_u64("k") as usize,
            down_after: p.get_u64("down_after") * MS,
            stagger: p.get_u64("stagger") * MS,
            retry: p.get_u64("retry").max(1) * MS,
            seed_timeout: p.get_u64("seed_timeout").max(1) * MS,
            broken_no_convergence: false,
        }
    }

    /// How long a watcher waits for a heartbeat answer before marking a node unreachable.
    pub fn detect(&self) -> Time {
        self.misses * self.heartbeat
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<ArchAkka> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<ArchAkka> {
    NetSession::new(cfg.nodes, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<ArchAkka>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A node's first start (staggered).
    Boot,
    /// No answer to a join request: try again (the next seed).
    Retry,
    /// The first seed's wait for the other seeds' InitJoin answers.
    SeedWait,
    /// Send gossip to one member.
    Gossip,
    /// The leader's actions (moves on convergence, auto-downing).
    Tick,
    /// Heartbeats to the watched nodes and the failure detector's check.
    Heartbeat,
    /// An exiting member shuts down.
    Shutdown,
}

/// Where a node is in its life.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Phase {
    /// Not started yet, or crashed.
    #[default]
    Off,
    /// The first seed, waiting for the other seeds' InitJoin answers.
    Asking,
    /// Asked a node to join (`to`), waiting for Welcome.
    Joining { to: NodeId },
    /// In the cluster.
    Member,
    /// Left the cluster (exited, or found itself down): shut down until restarted.
    Left,
}

/// A watcher's failure detector for one watched node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Detector {
    pub watching: bool,
    pub uid: u64,
    /// Local time of the last answer (or of the start of watching).
    pub heard: Time,
    pub marked: bool,
}

/// One cluster node.
#[derive(Clone, Debug)]
pub struct ArchAkka {
    pub id: NodeId,
    cfg: Config,
    // Persistent: boots (the incarnation number) and this node's own vector-clock counter.
    pub boots: u64,
    vc_own: u64,
    // Volatile.
    pub phase: Phase,
    pub g: Gossip,
    pub fd: Vec<Detector>,
    /// Local time since which each node is unreachable in this node's view (leader's
    /// auto-down).
    pub unreachable_since: Vec<Option<Time>>,
    pub attempts: u64,
    pub nacks: u64,
    pub hb_seq: u64,
}

impl ArchAkka {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn uid(&self) -> u64 {
        self.boots
    }

    pub fn is_seed(&self) -> bool {
        self.id < self.cfg.seeds
    }

    /// This node's own member entry, if it is in the cluster.
    pub fn me(&self) -> Option<&Member> {
        self.g.get(self.id, self.uid())
    }

    /// A member of a cluster (joining to exiting), not shut down.
    pub fn in_cluster(&self) -> bool {
        self.phase == Phase::Member && self.me().is_some_and(|m| m.status.active())
    }

    /// The leader in this node's view.
    pub fn leader(&self) -> Option<NodeId> {
        if self.in_cluster() {
            self.g.leader()
        } else {
            None
        }
    }

    pub fn is_leader(&self) -> bool {
        self.leader() == Some(self.id)
    }

    /// Watchers per node on this node's ring.
    pub fn k(&self) -> usize {
        ring::k_for(ring::of(&self.g).len(), self.cfg.k)
    }
}

/// Node name as drawn.
pub fn name(id: NodeId) -> String {
    format!("n{}", id + 1)
}

pub const NODE: usize = 0;

impl Protocol for ArchAkka {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("arch-akka.converged-moves"),
        Property::always("arch-akka.one-leader"),
        Property::always("arch-akka.forward"),
    ];
    const KINDS: &'static [NodeKind] = &[NodeKind::new(
        "arch-akka.node",
        "n",
        Shape::Circle,
        &[
            CommandSpec::plain("akka_leave"),
            CommandSpec::int("akka_down", 1, 16, 1),
        ],
    )];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        ArchAkka {
            id,
            cfg: cfg.clone(),
            boots: 0,
            vc_own: 0,
            phase: Phase::Off,
            g: Gossip::default(),
            fd: vec![Detector::default(); n],
            unreachable_since: vec![None; n],
            attempts: 0,
            nacks: 0,
            hb_seq: 0,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        let delay = if self.boots == 1 {
            self.cfg.stagger * self.id as u64
        } else {
            0
        };
        if delay == 0 {
            self.boot(ctx);
        } else {
            ctx.set_timer(Timer::Boot, delay);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        self.handle(from, msg, ctx);
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        self.timer(timer, ctx);
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        self.command(command, arg, ctx);
    }

    fn on_crash(&mut self) {
        let n = self.fd.len();
        self.phase = Phase::Off;
        self.g = Gossip::default();
        self.fd = vec![Detector::default(); n];
        self.unreachable_since = vec![None; n];
        self.attempts = 0;
        self.nacks = 0;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Boot => "arch-akka.boot",
            Timer::Retry => "arch-akka.retry",
            Timer::SeedWait => "arch-akka.seed_wait",
            Timer::Gossip => "arch-akka.gossip",
            Timer::Tick => "arch-akka.tick",
            Timer::Heartbeat => "heartbeat",
            Timer::Shutdown => "arch-akka.shutdown",
        }
    }

    crate::monitor_hooks!(check, observe);
}

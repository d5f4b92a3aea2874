//! Redis Cluster (Redis 集群), as seed 001 describes it ("Redis 集群是去中心化结构 … 集群节点同样能
//! 自动发现其他节点, 检测故障的节点, 并在需要的时候在从节点中推选出主节点"; "集群内置 16384 个哈希槽 …
//! HASH_SLOT = CRC16(key) mod 16384"; "节点 A 包含 0 到 5500 号哈希槽 …") and seed 004 ("redis
//! cluster 会在整个集群节点中分布 16384 个虚拟 slot … 当一个节点挂了时, 就会把这个节点上的 slot 迁移到其他
//! 节点上"), with the mechanisms of the real thing:
//!
//! - **Slots** ([`slots`]): CRC16/XMODEM of the key or its `{hash tag}`, mod 16384; masters
//!   `M1…` own ranges (the notes' three: 0–5500, 5501–11000, 11001–16383), each claim with the
//!   owner's config epoch.
//! - **Clients** (`c…`) compute a key's slot and ask the node their table names (none at
//!   first: any master). A node that does not own the slot answers `MOVED slot node`; the
//!   client updates its table and retries there. `lookup` shows a key's slot and owner (after
//!   `CLUSTER SLOTS`).
//! - **Resharding** (`reshard` on the target master): the target marks the slot IMPORTING, the
//!   owner MIGRATING and moves its keys one by one; a key already moved is answered with
//!   `ASK` (the client retries that one command at the target, with ASKING); the key being
//!   moved with `TRYAGAIN`. When the slot is empty the target claims it with a new config
//!   epoch.
//! - **Failure detection** (cluster bus, [`node`]): every node pings every other each `ping`
//!   ms; a node silent for `node_timeout` is PFAIL; PINGs carry each node's suspects, and a
//!   node that sees a majority of masters suspect one marks it FAIL and broadcasts it.
//! - **Failover**: the failed master's replica (`R…`, replication is asynchronous) waits a
//!   random moment, bumps the current epoch and asks the masters for votes; each master votes
//!   at most once per epoch; with a majority it becomes master with that epoch as its config
//!   epoch and claims the slots, which beat the old, lower-epoch claim everywhere. The old
//!   master, back, finds its slots claimed and becomes a replica of the new one.
//! - **CLUSTERDOWN**: a slot whose owner is FAIL and not replaced is refused.
//!
//! Persistent (nodes.conf and AOF): roles, epochs, the last vote, the slot table, MIGRATING /
//! IMPORTING, the data. Volatile: failure-detection state, the election, clients' tables and
//! pending commands. The property (always): every slot has one owner per config epoch — no two
//! nodes' tables give one slot to two owners with the same epoch.

mod client;
mod data;
mod monitor;
pub mod msg;
mod node;
mod scenarios;
pub mod slots;
mod texts;
mod view;

use std::collections::BTreeMap;

pub use monitor::Monitor;
pub use msg::{Msg, Op};
pub use slots::{crc16, hash_tag, key_slot, SlotMap, SLOTS};

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{Arg, CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("masters", 3.0, 3.0, 5.0),
    ParamSpec::int("replicas", 3.0, 0.0, 5.0),
    ParamSpec::int("clients", 2.0, 1.0, 4.0),
    ParamSpec::int("auto", 1.0, 0.0, 1.0),
    ParamSpec::int("think", 300.0, 10.0, 10_000.0),
    ParamSpec::int("node_timeout", 500.0, 50.0, 10_000.0),
    ParamSpec::int("ping", 100.0, 10.0, 2_000.0),
    ParamSpec::int("migrate", 100.0, 1.0, 5_000.0),
];

/// Node kinds by index.
pub const MASTER: usize = 0;
pub const REPLICA: usize = 1;
pub const CLIENT: usize = 2;

/// The property.
pub const ONE_OWNER: &str = "redis-cluster.one-owner-per-epoch";

/// Keys the automatic clients use (two share the hash tag `{user1000}`).
pub const AUTO_KEYS: &[&str] = &[
    "foo",
    "bar",
    "hello",
    "{user1000}.following",
    "{user1000}.followers",
    "counter",
    "alpha",
    "beta",
];

const KEY_ARG: Arg = Arg::Text { default: "foo" };
const CLIENT_CMDS: &[CommandSpec] = &[
    CommandSpec {
        name: "rc_set",
        arg: KEY_ARG,
    },
    CommandSpec {
        name: "rc_get",
        arg: KEY_ARG,
    },
    CommandSpec {
        name: "rc_lookup",
        arg: KEY_ARG,
    },
];
const NODE_CMDS: &[CommandSpec] = &[CommandSpec::int("rc_reshard", 0, 16_383, 12_182)];

/// The lab's configuration (times in µs).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub masters: usize,
    /// Masters `0..replicas` have one replica each.
    pub replicas: usize,
    pub clients: usize,
    pub auto: bool,
    pub think: Time,
    pub node_timeout: Time,
    pub ping: Time,
    /// Pause between two keys of a migrating slot.
    pub migrate: Time,
    /// How long a client (or a migrating master) waits for an answer.
    pub wait: Time,
    /// Test only: a promoted replica keeps its old master's config epoch instead of the
    /// election's, so two owners of its slots share one epoch.
    #[doc(hidden)]
    pub broken_keep_epoch: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        let masters = p.get_u64("masters").clamp(3, 5) as usize;
        Config {
            masters,
            replicas: (p.get_u64("replicas") as usize).min(masters),
            clients: p.get_u64("clients").clamp(1, 4) as usize,
            auto: p.get_u64("auto") > 0,
            think: p.get_u64("think").max(1) * MS,
            node_timeout: p.get_u64("node_timeout").max(1) * MS,
            ping: p.get_u64("ping").max(1) * MS,
            migrate: p.get_u64("migrate").max(1) * MS,
            wait: 4 * p.get_u64("latency_max") * MS + 50 * MS,
            broken_keep_epoch: false,
        }
    }

    /// Cluster nodes (masters and replicas); clients follow.
    pub fn cluster(&self) -> usize {
        self.masters + self.replicas
    }

    pub fn n(&self) -> usize {
        self.cluster() + self.clients
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<RedisCluster> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<RedisCluster> {
    NetSession::new(cfg.n(), cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<RedisCluster>();

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The cluster bus: ping everyone, look for silent nodes.
    Gossip,
    /// A replica whose master is FAIL starts its election.
    Election,
    /// The election got no majority in time: try again with a new epoch.
    ElectionTimeout,
    /// The migrating master moves its next key (or re-sends one).
    Migrate,
    /// A client had no answer.
    Wait,
    /// A client retries after TRYAGAIN.
    Retry,
    /// An automatic client's next command.
    Next,
}

/// What a node believes of another.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Flag {
    #[default]
    Ok,
    /// Silent for more than node_timeout (this node's own opinion).
    PFail,
    /// A majority of masters agree.
    Fail,
}

/// A replica's election in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Election {
    pub epoch: u64,
    pub voters: Vec<NodeId>,
}

/// An importing master's request for a new config epoch (its resharded slot's claim).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    pub slot: u16,
    pub from: NodeId,
    pub epoch: u64,
    pub voters: Vec<NodeId>,
    pub since: Time,
}

/// A client's command in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub id: u64,
    pub key: String,
    pub op: Op,
    pub slot: u16,
    pub to: NodeId,
    pub asking: bool,
    pub redirects: u32,
    pub since: Time,
}

/// A client's last `lookup`: key, slot, owner once known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lookup {
    pub key: String,
    pub slot: u16,
    pub owner: Option<NodeId>,
}

/// One node: a cluster node (master or replica) or a client.
#[derive(Clone, Debug)]
pub struct RedisCluster {
    pub id: NodeId,
    cfg: Config,
    pub boots: u64,
    // ---- cluster node, persistent ----
    pub replica_of: Option<NodeId>,
    pub current_epoch: u64,
    pub config_epoch: u64,
    pub last_vote_epoch: u64,
    pub slots: SlotMap,
    /// Bumped on every change of `slots` (the checker compares only changed tables).
    pub slots_version: u64,
    /// Who each node replicates, as last heard (None: a master).
    pub roles: Vec<Option<NodeId>>,
    pub data: BTreeMap<String, u64>,
    /// MIGRATING slot → importing node; IMPORTING slot → migrating node.
    pub migrating: Vec<(u16, NodeId)>,
    pub importing: Vec<(u16, NodeId)>,
    /// The key sent and not yet acknowledged.
    pub in_flight: Option<(u16, String)>,
    // ---- cluster node, volatile ----
    pub last_seen: Vec<Time>,
    pub flags: Vec<Flag>,
    /// reports[x][m]: when master m last gossiped that x is down (0: it did not).
    pub reports: Vec<Vec<Time>>,
    pub election: Option<Election>,
    pub election_due: bool,
    pub claiming: Option<Claim>,
    // ---- client ----
    pub seq: u64,
    pub cache: BTreeMap<u16, NodeId>,
    pub table: Vec<(u16, u16, NodeId)>,
    pub pending: Option<Pending>,
    pub lookup: Option<Lookup>,
    pub last: Option<(String, String)>,
    pub ok: u64,
    pub failed: u64,
}

impl RedisCluster {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn is_client(&self) -> bool {
        self.id >= self.cfg.cluster()
    }

    pub fn is_master(&self) -> bool {
        !self.is_client() && self.replica_of.is_none()
    }
}

impl Protocol for RedisCluster {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[Property::always(ONE_OWNER)];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new("redis-cluster.master", "M", Shape::Hexagon, NODE_CMDS),
        NodeKind::new("redis-cluster.replica", "R", Shape::Diamond, NODE_CMDS),
        NodeKind::new("client", "c", Shape::Circle, CLIENT_CMDS),
    ];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        let cluster = cfg.cluster().min(n);
        let roles = (0..cluster)
            .map(|i| (i >= cfg.masters).then(|| i - cfg.masters))
            .collect::<Vec<_>>();
        let is_cluster = id < cluster;
        RedisCluster {
            id,
            cfg: cfg.clone(),
            boots: 0,
            replica_of: roles.get(id).copied().flatten(),
            current_epoch: if is_cluster { cfg.masters as u64 } else { 0 },
            config_epoch: if id < cfg.masters { id as u64 + 1 } else { 0 },
            last_vote_epoch: 0,
            slots: if is_cluster {
                SlotMap::initial(cfg.masters)
            } else {
                SlotMap::default()
            },
            slots_version: 0,
            roles: if is_cluster { roles } else { Vec::new() },
            data: BTreeMap::new(),
            migrating: Vec::new(),
            importing: Vec::new(),
            in_flight: None,
            last_seen: Vec::new(),
            flags: Vec::new(),
            reports: Vec::new(),
            election: None,
            election_due: false,
            claiming: None,
            seq: 0,
            cache: BTreeMap::new(),
            table: Vec::new(),
            pending: None,
            lookup: None,
            last: None,
            ok: 0,
            failed: 0,
        }
    }

    fn kind(&self) -> usize {
        if self.id < self.cfg.masters {
            MASTER
        } else if self.id < self.cfg.cluster() {
            REPLICA
        } else {
            CLIENT
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if self.is_client() {
            self.schedule_next(ctx);
        } else {
            self.node_start(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        if self.is_client() {
            self.client_msg(from, msg, ctx);
        } else {
            self.node_msg(from, msg, ctx);
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Gossip => self.gossip_tick(ctx),
            Timer::Election => self.start_election(ctx),
            Timer::ElectionTimeout => {
                if self.election.take().is_some() {
                    ctx.note("redis-cluster.election_timeout", self.current_epoch);
                    self.maybe_schedule_election(ctx);
                }
            }
            Timer::Migrate => self.migrate_next(ctx),
            Timer::Wait => self.client_timeout(ctx),
            Timer::Retry => self.client_resend(ctx),
            Timer::Next => self.auto_next(ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        match (command, arg) {
            ("rc_reshard", Some(a)) => match a.parse::<u16>() {
                Ok(slot) if slot < SLOTS => self.reshard(slot, ctx),
                _ => ctx.note("redis-cluster.bad_slot", 0),
            },
            ("rc_set", Some(key)) => {
                self.seq += 1;
                let value = (self.id as u64 + 1) * 1_000 + self.seq;
                self.begin(key, Op::Set(value), ctx)
            }
            ("rc_get", Some(key)) => self.begin(key, Op::Get, ctx),
            ("rc_lookup", Some(key)) => self.look_up(key, ctx),
            _ => {}
        }
    }

    fn on_crash(&mut self) {
        self.last_seen.clear();
        self.flags.clear();
        self.reports.clear();
        self.election = None;
        self.election_due = false;
        self.claiming = None;
        self.cache.clear();
        self.table.clear();
        self.pending = None;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Gossip => "redis-cluster.gossip",
            Timer::Election => "redis-cluster.election",
            Timer::ElectionTimeout => "redis-cluster.election_timeout",
            Timer::Migrate => "redis-cluster.migrate",
            Timer::Wait => "redis-cluster.wait",
            Timer::Retry => "redis-cluster.retry",
            Timer::Next => "redis-cluster.next",
        }
    }

    fn check(
        monitor: &mut Monitor,
        _now: Time,
        node: NodeId,
        nodes: &[Self],
    ) -> Vec<(&'static str, String)> {
        monitor.check(node, nodes)
    }

    fn observe(
        monitor: &mut Monitor,
        seen: &crate::sim::Observed<Self>,
        _found: &mut crate::sim::Found,
    ) {
        monitor.observe(seen);
    }
}

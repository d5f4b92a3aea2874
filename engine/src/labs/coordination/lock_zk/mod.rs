//! A distributed lock on a ZooKeeper-like server, as seeds 001 and 004 describe it (基于
//! ZooKeeper 实现分布式锁: "在与该方法对应的持久节点 shared_lock 的目录下, 为每个进程创建一个临时
//! 顺序节点 … 确定自己的编号是否是 … 最小的，若最小，则获得锁"; 004: "否则监听自己的前一个子节
//! 点"), with the herd effect (羊群效应), session expiry (会话超时) and the read/write lock.
//!
//! Nodes: the **ZooKeeper server** Z1 (one server: the ensemble's replication is the `zab`
//! lab's subject), the **storage** S2 (the shared resource, see [`super::lock_storage`]) and
//! `clients` clients c3, c4, …. The server keeps a tree of znodes — persistent, persistent
//! sequential, ephemeral and ephemeral sequential — and sessions: a client opens one and keeps
//! it alive with heartbeats every timeout/3; a session not heard from for its timeout (on the
//! server's clock) expires, and its ephemeral znodes are deleted. Watches are one-shot: an
//! exists watch fires when its znode is deleted, a child watch when a child is created or
//! deleted. Every change is a transaction with a new zxid; a znode keeps its creation zxid.
//!
//! The lock: a client creates an ephemeral sequential child of the persistent `/lock`
//! (`lock-0000000003`, or `read-0000000004` for a read lock), lists the children, and holds
//! the lock when no earlier child conflicts with it (a write conflicts with every earlier
//! child, a read only with earlier writes). Otherwise it waits: with `herd` off it watches the
//! last conflicting child before its own (an exists watch), with `herd` on it watches the whole
//! directory (a child watch), so every change wakes every waiter, who all list the children
//! again. Holding the lock, it runs its critical section (`steps` writes — reads for a reader —
//! `work` apart, with the znode's czxid as the fencing token when `fencing` is on) and deletes
//! its znode. A client never looks at a clock to decide it still holds the lock: it believes so
//! until it deletes its znode or the server tells it its session expired.
//!
//! Links are FIFO (a session is one TCP connection): a watch event and the answers on a session
//! arrive in the order the server sent them.
//!
//! The server's tree and sessions are on disk (a restart gives every session a full timeout
//! again); its watches are in memory (clients register them again when a heartbeat's answer
//! shows a new incarnation).

mod client;
mod monitor;
mod scenarios;
mod section;
mod server;
mod texts;
mod view;

pub use client::{blocker, parse_child};
pub use monitor::Monitor;
pub use msg::{Code, Event, Mode, Msg};
pub use server::{Session, Znode};
pub mod msg;

use std::collections::BTreeMap;

use crate::input::Params;
use crate::labs::coordination::lock_node;
use crate::labs::coordination::lock_storage::{section_id, Storage, StorageKeys};
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// The storage's keys under this lab's prefix.
pub const KEYS: StorageKeys = crate::lock_storage_keys!("lock-zk");

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("clients", 3.0, 2.0, 8.0),
    ParamSpec::int("session", 600.0, 100.0, 60_000.0),
    ParamSpec::int("herd", 0.0, 0.0, 1.0),
    ParamSpec::int("steps", 3.0, 1.0, 20.0),
    ParamSpec::int("work", 100.0, 0.0, 10_000.0),
    ParamSpec::int("think", 300.0, 0.0, 10_000.0),
    ParamSpec::int("auto", 1.0, 0.0, 1.0),
    ParamSpec::int("reads", 0.0, 0.0, 100.0),
    ParamSpec::int("fencing", 0.0, 0.0, 1.0),
];

/// Node kinds by index.
pub const SERVER: usize = 0;
pub const STORAGE: usize = 1;
pub const CLIENT: usize = 2;
/// Node ids of the server and the storage; clients follow.
pub const SERVER_NODE: NodeId = 0;
pub const STORAGE_NODE: NodeId = 1;
pub const FIRST_CLIENT: NodeId = 2;

/// The lock's directory.
pub const LOCK_DIR: &str = "/lock";
/// The directory the node-type demonstration creates under.
pub const APP_DIR: &str = "/app";

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub clients: usize,
    /// The session timeout.
    pub session: Time,
    /// Waiters watch the whole directory (true) or their last conflicting predecessor.
    pub herd: bool,
    pub steps: u32,
    pub work: Time,
    pub think: Time,
    pub auto: bool,
    /// Per cent of `auto` acquisitions that take a read lock.
    pub reads: u64,
    pub fencing: bool,
    /// How long a client waits for a reply before asking again.
    pub wait: Time,
    /// Test only: the storage accepts every access whatever its token.
    #[doc(hidden)]
    pub broken_storage_ignores_tokens: bool,
    /// Test only: a waiter holds the lock without checking for earlier children.
    #[doc(hidden)]
    pub broken_skip_check: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            clients: p.get_u64("clients").clamp(2, 8) as usize,
            session: p.get_u64("session").max(1) * MS,
            herd: p.get_u64("herd") > 0,
            steps: p.get_u64("steps").clamp(1, 20) as u32,
            work: p.get_u64("work") * MS,
            think: p.get_u64("think") * MS,
            auto: p.get_u64("auto") > 0,
            reads: p.get_u64("reads").min(100),
            fencing: p.get_u64("fencing") > 0,
            wait: 4 * p.get_u64("latency_max") * MS + 50 * MS,
            broken_storage_ignores_tokens: false,
            broken_skip_check: false,
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<LockZk> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<LockZk> {
    NetSession::new(FIRST_CLIENT + cfg.clients, cfg, net(p), seed)
}

/// The network: FIFO links, as a ZooKeeper session runs over one TCP connection (a watch
/// event reaches the client before the answer to any later request, never after it).
pub fn net(p: &Params) -> crate::sim::NetConfig {
    let mut net = net_config(p);
    net.fifo = true;
    net
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<LockZk>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The server's next session deadline (its local clock).
    Sessions,
    /// A client's heartbeat.
    Ping,
    /// A client has had no answer to its request.
    ReqWait,
    /// A client's next acquire (`auto`).
    Next,
    /// A holder's next access.
    Step,
    /// A holder has had no answer from the storage.
    WriteWait,
}

/// Where a client is in the lock recipe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// Creating its ephemeral sequential znode.
    Creating {
        since: Time,
    },
    /// Listing `/lock`'s children.
    Listing {
        since: Time,
    },
    /// Asking whether the conflicting predecessor `on` exists (setting a watch).
    Checking {
        since: Time,
        on: String,
    },
    /// Waiting for a watch on `on` (a predecessor, or `/lock` itself with `herd`).
    Waiting {
        since: Time,
        on: String,
    },
    /// Believes it holds the lock: fencing token (its znode's czxid), steps done.
    Holding {
        token: u64,
        step: u32,
        since: Time,
    },
    /// Deleting its znode.
    Releasing,
}

/// One node: the server, the storage or a client.
#[derive(Clone, Debug)]
pub struct LockZk {
    pub id: NodeId,
    cfg: Config,
    pub boots: u64,
    // ---- server (tree and sessions on disk, watches in memory) ----
    pub zxid: u64,
    pub tree: BTreeMap<String, Znode>,
    pub sessions: BTreeMap<u64, Session>,
    pub next_session: u64,
    /// Exists watches: path → sessions; child watches: path → sessions.
    pub data_watches: BTreeMap<String, Vec<u64>>,
    pub child_watches: BTreeMap<String, Vec<u64>>,
    // ---- storage ----
    pub storage: Storage,
    // ---- client (only `seq` and the counters on disk) ----
    pub seq: u64,
    pub req: u64,
    pub session: Option<u64>,
    /// The server incarnation and the watch events seen on this session.
    pub boot_seen: u64,
    pub events_seen: u64,
    pub phase: Phase,
    /// The current acquisition is a read lock.
    pub read: bool,
    /// An acquire asked for while there was no session.
    pub want: bool,
    /// The lock znode: its path and creation zxid.
    pub node: Option<(String, u64)>,
    /// The request awaiting an answer (re-sent on `ReqWait`).
    pub pending: Option<Msg>,
    pub grants: u64,
}

impl LockZk {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The section id of the client's current acquisition.
    pub fn owner(&self) -> u64 {
        section_id(self.id, self.seq)
    }

    pub fn holding(&self) -> bool {
        matches!(self.phase, Phase::Holding { .. })
    }
}

impl Protocol for LockZk {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[Property::always(KEYS.property)];
    const KINDS: &'static [NodeKind] = &lock_node::kinds(
        NodeKind::new("lock-zk.server", "Z", Shape::Hexagon, &[]),
        &KEYS,
        &[
            CommandSpec::plain("zk_lock"),
            CommandSpec::plain("zk_read"),
            CommandSpec::int("zk_create", 0, 3, 0),
        ],
    );

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let storage = lock_node::storage(cfg.fencing, cfg.broken_storage_ignores_tokens);
        let mut node = LockZk {
            id,
            cfg: cfg.clone(),
            boots: 0,
            zxid: 0,
            tree: BTreeMap::new(),
            sessions: BTreeMap::new(),
            next_session: 1,
            data_watches: BTreeMap::new(),
            child_watches: BTreeMap::new(),
            storage,
            seq: 0,
            req: 0,
            session: None,
            boot_seen: 0,
            events_seen: 0,
            phase: Phase::Idle,
            read: false,
            want: false,
            node: None,
            pending: None,
            grants: 0,
        };
        if id == SERVER_NODE {
            node.init_tree();
        }
        node
    }

    fn kind(&self) -> usize {
        self.id.min(CLIENT)
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        match self.kind() {
            SERVER => self.server_start(ctx),
            CLIENT => self.client_start(ctx),
            _ => {}
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            SERVER => self.server_msg(from, msg, ctx),
            STORAGE => {
                if let Msg::Store(m) = msg {
                    self.storage.handle(&KEYS, from, m, ctx, Msg::Store);
                }
            }
            _ => self.client_msg(msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Sessions => self.check_sessions(ctx),
            Timer::Ping => self.ping(ctx),
            Timer::ReqWait => self.resend(ctx),
            Timer::Next => {
                if self.phase == Phase::Idle && !self.want {
                    let read = ctx.random_index(100) < self.cfg.reads as usize;
                    self.acquire(read, ctx);
                }
            }
            Timer::Step => self.access_step(ctx),
            Timer::WriteWait => self.write_timeout(ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if self.kind() != CLIENT {
            return;
        }
        match command {
            "zk_lock" | "zk_read" => {
                if self.phase == Phase::Idle && !self.want {
                    self.acquire(command == "zk_read", ctx);
                } else {
                    ctx.note("lock-zk.busy", 0);
                }
            }
            "zk_create" => {
                let i = arg.and_then(|a| a.trim().parse::<u64>().ok()).unwrap_or(0);
                self.create_demo(Mode::from_index(i), ctx);
            }
            _ => {}
        }
    }

    fn on_crash(&mut self) {
        // The server's tree and sessions are on disk, its watches in memory. A client's
        // session and work in progress are in memory (its sequence number is on disk).
        self.data_watches.clear();
        self.child_watches.clear();
        self.session = None;
        self.phase = Phase::Idle;
        self.want = false;
        self.node = None;
        self.pending = None;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Sessions => "lock-zk.sessions",
            Timer::Ping => "lock-zk.ping",
            Timer::ReqWait => "lock-zk.req_wait",
            Timer::Next => "lock-zk.next",
            Timer::Step => "lock-zk.step",
            Timer::WriteWait => "lock-zk.write_wait",
        }
    }

    crate::monitor_hooks!(observe);
}

//! A distributed lock on one Redis node, as seeds 001 and 004 describe it (分布式锁 · 基于缓存
//! 实现: "使用的是 setnx(key, value) … 如果在 value 的时间内未释放锁，系统就会主动释放锁";
//! "EXPIRE 指令可以为一个键值对设置一个过期时间"), with the weaknesses the notes name ("锁失效
//! 时间的控制不稳定") and the usual remedies, each a toggle.
//!
//! Nodes: the **Redis** node R1, the **storage** S2 (the shared resource, see
//! [`super::lock_storage`]) and `clients` clients c3, c4, …. A client acquires with
//! `SET lock <value> NX PX <ttl>` (the value names the client and this acquisition), and the
//! Redis node hands out a fencing token from an `INCR` counter with each grant (one script).
//! The key expires `ttl` after it was set, on the Redis node's **local** clock (a clock fault
//! moves it). A refused SET is retried after an exponential back-off with jitter (`backoff`).
//! Holding the lock, the client runs its critical section: `steps` writes to the storage,
//! `work` apart, each sent after the previous one was acknowledged; then it releases and,
//! with `auto`, acquires again after a random think time.
//!
//! Toggles: `fencing` (the client sends its token with each write and the storage rejects a
//! token older than the highest it accepted); `release` (0: a plain `DEL lock`, which deletes
//! whoever's lock is there; 1: `if GET lock == value then DEL lock`, one script); `watchdog`
//! (every ttl/3 the holder runs `if GET lock == value then PEXPIRE lock ttl`, so a long section
//! keeps its lock while the holder lives — a paused holder's watchdog is paused too); `queue`
//! (seed 001's "基于队列来维持进程访问共享资源先后顺序 … 这样避免的不断重试": a refused client is
//! queued on the Redis node and granted in FIFO order when the key is deleted or expires,
//! instead of retrying).
//!
//! The Redis node's data (key, counter, queue) is persisted (AOF, fsync always): a restart
//! keeps it, and re-arms the key's expiry. The storage's history is checked by the shared
//! `lock-redis.mutual-exclusion` property; it is a lesson without fencing (a holder paused
//! past the expiry writes after the next holder began) and a bug with it.

mod client;
mod monitor;
mod redis;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::Msg;
pub mod msg;

use std::collections::VecDeque;

use crate::input::Params;
use crate::labs::coordination::lock_node;
use crate::labs::coordination::lock_storage::{Storage, StorageKeys};
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// The storage's keys under this lab's prefix.
pub const KEYS: StorageKeys = crate::lock_storage_keys!("lock-redis");

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("clients", 3.0, 2.0, 8.0),
    ParamSpec::int("ttl", 500.0, 20.0, 60_000.0),
    ParamSpec::int("steps", 3.0, 1.0, 20.0),
    ParamSpec::int("work", 100.0, 0.0, 10_000.0),
    ParamSpec::int("think", 300.0, 0.0, 10_000.0),
    ParamSpec::int("auto", 1.0, 0.0, 1.0),
    ParamSpec::int("backoff", 50.0, 1.0, 10_000.0),
    ParamSpec::int("fencing", 0.0, 0.0, 1.0),
    ParamSpec::int("release", 1.0, 0.0, 1.0),
    ParamSpec::int("watchdog", 0.0, 0.0, 1.0),
    ParamSpec::int("queue", 0.0, 0.0, 1.0),
];

/// Node kinds by index.
pub const REDIS: usize = 0;
pub const STORAGE: usize = 1;
pub const CLIENT: usize = 2;
/// Node ids of the Redis node and the storage; clients follow.
pub const REDIS_NODE: NodeId = 0;
pub const STORAGE_NODE: NodeId = 1;
pub const FIRST_CLIENT: NodeId = 2;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub clients: usize,
    /// The key's expiry (PX).
    pub ttl: Time,
    /// Writes per critical section, and the wait between them.
    pub steps: u32,
    pub work: Time,
    /// Mean pause between a release and the next acquire (`auto`).
    pub think: Time,
    pub auto: bool,
    /// The first retry's back-off; it doubles with each refusal (up to 32×), with jitter.
    pub backoff: Time,
    pub fencing: bool,
    /// Release with compare-the-owner-then-delete (false: plain DEL).
    pub compare_del: bool,
    pub watchdog: bool,
    pub queue: bool,
    /// How long a client waits for a reply before asking again.
    pub wait: Time,
    /// Test only: the storage accepts every write whatever its token.
    #[doc(hidden)]
    pub broken_storage_ignores_tokens: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            clients: p.get_u64("clients").clamp(2, 8) as usize,
            ttl: p.get_u64("ttl").max(1) * MS,
            steps: p.get_u64("steps").clamp(1, 20) as u32,
            work: p.get_u64("work") * MS,
            think: p.get_u64("think") * MS,
            auto: p.get_u64("auto") > 0,
            backoff: p.get_u64("backoff").max(1) * MS,
            fencing: p.get_u64("fencing") > 0,
            compare_del: p.get_u64("release") > 0,
            watchdog: p.get_u64("watchdog") > 0,
            queue: p.get_u64("queue") > 0,
            wait: 4 * p.get_u64("latency_max") * MS + 50 * MS,
            broken_storage_ignores_tokens: false,
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<LockRedis> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<LockRedis> {
    NetSession::new(FIRST_CLIENT + cfg.clients, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<LockRedis>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A client's next acquire (`auto`).
    Next,
    /// A client tries SET NX again after a back-off.
    Retry,
    /// A client has had no answer to its SET NX.
    AcquireWait,
    /// A holder's next write.
    Step,
    /// A holder has had no answer to its write.
    WriteWait,
    /// The watchdog's renewal.
    Renew,
    /// The Redis node's key expires (on its local clock).
    Expire,
}

/// The lock key on the Redis node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The value: the owner's section id.
    pub owner: u64,
    /// The fencing token handed out with it.
    pub token: u64,
    /// Local time (Redis's clock) at which it expires.
    pub expire_at: Time,
}

/// Where a client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// SET NX sent (or waiting for the back-off), since the given time.
    Acquiring {
        since: Time,
    },
    /// In the Redis node's queue.
    Queued {
        since: Time,
        position: u64,
    },
    /// Believes it holds the lock: token, steps written so far.
    Holding {
        token: u64,
        step: u32,
        since: Time,
    },
}

/// One node: the Redis node, the storage or a client.
#[derive(Clone, Debug)]
pub struct LockRedis {
    pub id: NodeId,
    cfg: Config,
    pub boots: u64,
    // ---- Redis (persisted) ----
    pub key: Option<Entry>,
    /// The INCR counter behind the fencing tokens.
    pub fence: u64,
    /// The queue variant's waiters: (client, owner value), front first.
    pub queue: VecDeque<(NodeId, u64)>,
    // ---- storage ----
    pub storage: Storage,
    // ---- client ----
    /// Persistent: acquisitions started (a fresh lock value each).
    pub seq: u64,
    pub phase: Phase,
    /// Refusals since this acquire began (the back-off's exponent).
    pub attempts: u32,
    /// Counters of this client: grants received, refusals.
    pub grants: u64,
    pub refusals: u64,
}

impl LockRedis {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The lock value of the client's current acquisition.
    pub fn owner(&self) -> u64 {
        crate::labs::coordination::lock_storage::section_id(self.id, self.seq)
    }

    pub fn holding(&self) -> bool {
        matches!(self.phase, Phase::Holding { .. })
    }
}

impl Protocol for LockRedis {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[Property::always(KEYS.property)];
    const KINDS: &'static [NodeKind] = &lock_node::kinds(
        NodeKind::new("lock-redis.redis", "R", Shape::Hexagon, &[]),
        &KEYS,
        &[CommandSpec::plain("redis_lock")],
    );

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let storage = lock_node::storage(cfg.fencing, cfg.broken_storage_ignores_tokens);
        LockRedis {
            id,
            cfg: cfg.clone(),
            boots: 0,
            key: None,
            fence: 0,
            queue: VecDeque::new(),
            storage,
            seq: 0,
            phase: Phase::Idle,
            attempts: 0,
            grants: 0,
            refusals: 0,
        }
    }

    fn kind(&self) -> usize {
        self.id.min(CLIENT)
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        match self.kind() {
            REDIS => self.redis_start(ctx),
            CLIENT => self.schedule_next(ctx),
            _ => {}
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            REDIS => self.redis_msg(from, msg, ctx),
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
            Timer::Expire => self.redis_expire(ctx),
            Timer::Next => {
                if self.phase == Phase::Idle {
                    self.acquire(ctx);
                }
            }
            Timer::Retry | Timer::AcquireWait => self.send_set(ctx),
            Timer::Step => self.write_step(ctx),
            Timer::WriteWait => self.write_timeout(ctx),
            Timer::Renew => self.renew(ctx),
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "redis_lock" && self.kind() == CLIENT {
            if self.phase == Phase::Idle {
                self.acquire(ctx);
            } else {
                ctx.note("lock-redis.busy", 0);
            }
        }
    }

    fn on_crash(&mut self) {
        // The Redis node's data and the storage are on disk; a client's work in progress is
        // in memory (its sequence number is on disk, so its next lock value is fresh).
        self.phase = Phase::Idle;
        self.attempts = 0;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "lock-redis.next",
            Timer::Retry => "lock-redis.retry",
            Timer::AcquireWait => "lock-redis.acquire_wait",
            Timer::Step => "lock-redis.step",
            Timer::WriteWait => "lock-redis.write_wait",
            Timer::Renew => "lock-redis.renew",
            Timer::Expire => "lock-redis.expire",
        }
    }

    crate::monitor_hooks!(observe);
}

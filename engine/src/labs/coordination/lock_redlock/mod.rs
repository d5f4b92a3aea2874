//! Redlock: a distributed lock on N independent Redis instances, as seed 004 describes it
//! (Redis 的 RedLock 算法: "使用了多个 Redis 实例来实现分布式锁，这是为了保证在发生单点故障时
//! 仍然可用 · 尝试从 N 个互相独立 Redis 实例获取锁 · 计算获取锁消耗的时间，只有当这个时间小于锁的
//! 过期时间，并且从大多数（N / 2 + 1）实例上获取了锁，那么就认为锁获取成功了 · 如果锁获取失败，就到
//! 每个实例上释放锁").
//!
//! Nodes: `instances` Redis instances R1…RN (nodes 0…N−1, no replication between them), the
//! **storage** (node N, the shared resource, see [`super::lock_storage`]) and `clients`
//! clients. A client acquires with a fresh value: `SET lock <value> NX PX <ttl>` on each
//! instance, one by one (each with a per-instance `timeout`) or all at once (`parallel`).
//! It has the lock if a majority granted it and the *validity time* — the TTL minus the time
//! acquiring took (on the client's clock) minus a clock-drift allowance (`drift`% of the TTL
//! plus 2 ms) — is still positive; otherwise it releases on every instance and retries after a
//! random delay (`backoff`). Holding the lock it writes its critical section to the storage
//! (`steps` writes `work` apart) and releases on every instance (compare-the-value-then-DEL,
//! one script). Each instance expires its key on its **own** clock.
//!
//! Weaknesses shown: an instance that crashes and restarts without persistence (`persist`
//! off) forgets the key, so another client can assemble a majority; a clock jump on an
//! instance expires the key early; a holder paused past its validity keeps writing. Remedies:
//! `persist` (AOF with fsync), `restart_delay` (a restarted instance refuses every SET for
//! one TTL), and `fencing` (a token from a counter beside the resource — Redlock's instances
//! have no common counter — and the storage rejects an older token). The storage's history is
//! checked by the shared `lock-redlock.mutual-exclusion` property: a lesson without fencing.

mod client;
mod instance;
mod monitor;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::Msg;
pub mod msg;

use crate::input::Params;
use crate::labs::coordination::lock_node;
use crate::labs::coordination::lock_storage::{Storage, StorageKeys};
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// The storage's keys under this lab's prefix.
pub const KEYS: StorageKeys = crate::lock_storage_keys!("lock-redlock");

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("instances", 5.0, 1.0, 9.0),
    ParamSpec::int("clients", 2.0, 2.0, 6.0),
    ParamSpec::int("ttl", 500.0, 20.0, 60_000.0),
    ParamSpec::int("timeout", 50.0, 1.0, 10_000.0),
    ParamSpec::int("parallel", 0.0, 0.0, 1.0),
    ParamSpec::int("drift", 1.0, 0.0, 50.0),
    ParamSpec::int("steps", 3.0, 1.0, 20.0),
    ParamSpec::int("work", 100.0, 0.0, 10_000.0),
    ParamSpec::int("think", 300.0, 0.0, 10_000.0),
    ParamSpec::int("auto", 1.0, 0.0, 1.0),
    ParamSpec::int("backoff", 100.0, 1.0, 10_000.0),
    ParamSpec::int("persist", 0.0, 0.0, 1.0),
    ParamSpec::int("restart_delay", 0.0, 0.0, 1.0),
    ParamSpec::int("fencing", 0.0, 0.0, 1.0),
];

/// Node kinds by index.
pub const INSTANCE: usize = 0;
pub const STORAGE: usize = 1;
pub const CLIENT: usize = 2;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub instances: usize,
    pub clients: usize,
    /// The keys' expiry (PX).
    pub ttl: Time,
    /// How long a client waits for one instance (sequential) or for all (parallel).
    pub timeout: Time,
    pub parallel: bool,
    /// The clock-drift allowance, in percent of the TTL (plus 2 ms).
    pub drift_pct: u64,
    pub steps: u32,
    pub work: Time,
    pub think: Time,
    pub auto: bool,
    /// Mean delay before a failed acquisition is tried again (random, ±50%).
    pub backoff: Time,
    /// Instances keep their keys across a restart (AOF, fsync always).
    pub persist: bool,
    /// A restarted instance refuses every SET for one TTL.
    pub restart_delay: bool,
    pub fencing: bool,
    /// How long a holder waits for the storage.
    pub wait: Time,
    /// Test only: the storage accepts every write whatever its token.
    #[doc(hidden)]
    pub broken_storage_ignores_tokens: bool,
    /// Test only: a client takes the lock with a single instance's grant.
    #[doc(hidden)]
    pub broken_any_grant: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            instances: p.get_u64("instances").clamp(1, 9) as usize,
            clients: p.get_u64("clients").clamp(2, 6) as usize,
            ttl: p.get_u64("ttl").max(1) * MS,
            timeout: p.get_u64("timeout").max(1) * MS,
            parallel: p.get_u64("parallel") > 0,
            drift_pct: p.get_u64("drift").min(50),
            steps: p.get_u64("steps").clamp(1, 20) as u32,
            work: p.get_u64("work") * MS,
            think: p.get_u64("think") * MS,
            auto: p.get_u64("auto") > 0,
            backoff: p.get_u64("backoff").max(1) * MS,
            persist: p.get_u64("persist") > 0,
            restart_delay: p.get_u64("restart_delay") > 0,
            fencing: p.get_u64("fencing") > 0,
            wait: 4 * p.get_u64("latency_max") * MS + 50 * MS,
            broken_storage_ignores_tokens: false,
            broken_any_grant: false,
        }
    }

    /// Grants needed: N / 2 + 1.
    pub fn majority(&self) -> usize {
        self.instances / 2 + 1
    }

    /// The clock-drift allowance: `drift`% of the TTL plus 2 ms (the reference
    /// implementation's `ttl × 0.01 + 2`).
    pub fn drift_allowance(&self) -> Time {
        self.ttl * self.drift_pct / 100 + 2 * MS
    }

    /// The storage's node id; instances come before it, clients after it.
    pub fn storage_node(&self) -> NodeId {
        self.instances
    }

    pub fn first_client(&self) -> NodeId {
        self.instances + 1
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<LockRedlock> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<LockRedlock> {
    NetSession::new(cfg.first_client() + cfg.clients, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<LockRedlock>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A client's next acquire (`auto`).
    Next,
    /// A failed acquisition is tried again.
    Retry,
    /// No answer from the instance asked (sequential) or from every instance (parallel).
    InstanceWait,
    /// A holder's next write.
    Step,
    /// A holder has had no answer from the storage.
    WriteWait,
    /// A holder's validity time has run out (on its clock): a note, nothing more.
    Validity,
    /// An instance's key expires (on the instance's clock).
    Expire,
}

/// The lock key on an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The value: the owner's section id.
    pub owner: u64,
    /// Local time (the instance's clock) at which it expires.
    pub expire_at: Time,
}

/// Where a client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// An acquisition round: begun at `start` (the client's clock), instances that granted
    /// and that answered (bit masks), the next instance to ask (sequential).
    Acquiring {
        start: Time,
        granted: u32,
        answered: u32,
        next: usize,
    },
    /// A failed round was released everywhere; waiting to try again.
    Backoff,
    /// Believes it holds the lock: instances granted, validity end (its clock), fencing token
    /// (0 until the storage's counter answers), steps written.
    Holding {
        granted: u32,
        valid_until: Time,
        token: u64,
        step: u32,
    },
}

/// One node: an instance, the storage or a client.
#[derive(Clone, Debug)]
pub struct LockRedlock {
    pub id: NodeId,
    cfg: Config,
    pub boots: u64,
    // ---- instance ----
    /// The key (on disk only with `persist`).
    pub key: Option<Entry>,
    /// With `restart_delay`: refuses every SET until this local time.
    pub quiet_until: Time,
    // ---- storage ----
    pub storage: Storage,
    /// The fencing counter beside the resource (on disk).
    pub fence: u64,
    // ---- client ----
    /// Persistent: acquisition rounds started (a fresh lock value each).
    pub seq: u64,
    pub phase: Phase,
    /// When the current acquisition was asked for (true time, for the waits).
    pub asked: Time,
    /// Rounds, rounds won, and the last won round's duration (the client's clock).
    pub rounds: u64,
    pub grants: u64,
    pub last_round: Time,
}

impl LockRedlock {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// This client's current lock value.
    pub fn owner(&self) -> u64 {
        crate::labs::coordination::lock_storage::section_id(self.id, self.seq)
    }

    pub fn holding(&self) -> bool {
        matches!(self.phase, Phase::Holding { .. })
    }
}

impl Protocol for LockRedlock {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[Property::always(KEYS.property)];
    const KINDS: &'static [NodeKind] = &lock_node::kinds(
        NodeKind::new("lock-redlock.instance", "R", Shape::Hexagon, &[]),
        &KEYS,
        &[CommandSpec::plain("redlock_lock")],
    );

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let storage = lock_node::storage(cfg.fencing, cfg.broken_storage_ignores_tokens);
        LockRedlock {
            id,
            cfg: cfg.clone(),
            boots: 0,
            key: None,
            quiet_until: 0,
            storage,
            fence: 0,
            seq: 0,
            phase: Phase::Idle,
            asked: 0,
            rounds: 0,
            grants: 0,
            last_round: 0,
        }
    }

    fn kind(&self) -> usize {
        match self.id.cmp(&self.cfg.instances) {
            std::cmp::Ordering::Less => INSTANCE,
            std::cmp::Ordering::Equal => STORAGE,
            std::cmp::Ordering::Greater => CLIENT,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        match self.kind() {
            INSTANCE => self.instance_start(ctx),
            CLIENT => self.schedule_next(ctx),
            _ => {}
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            INSTANCE => self.instance_msg(from, msg, ctx),
            STORAGE => match msg {
                Msg::Store(m) => self.storage.handle(&KEYS, from, m, ctx, Msg::Store),
                Msg::Fence { owner } => {
                    self.fence += 1;
                    ctx.note("lock-redlock.fence", self.fence);
                    ctx.send(
                        from,
                        Msg::FenceToken {
                            owner,
                            token: self.fence,
                        },
                    );
                }
                _ => {}
            },
            _ => self.client_msg(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Expire => self.instance_expire(ctx),
            Timer::Next => {
                if self.phase == Phase::Idle {
                    self.acquire(ctx);
                }
            }
            Timer::Retry => {
                if self.phase == Phase::Backoff {
                    self.start_round(ctx);
                }
            }
            Timer::InstanceWait => self.instance_timeout(ctx),
            Timer::Step => self.write_step(ctx),
            Timer::WriteWait => self.write_timeout(ctx),
            Timer::Validity => {
                if self.holding() {
                    ctx.note("lock-redlock.validity_over", self.seq);
                }
            }
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "redlock_lock" && self.kind() == CLIENT {
            if self.phase == Phase::Idle {
                self.acquire(ctx);
            } else {
                ctx.note("lock-redlock.busy", 0);
            }
        }
    }

    fn on_crash(&mut self) {
        // An instance without persistence loses its key (Redis keeps data in memory); the
        // storage is on disk; a client's work in progress is in memory (its sequence number
        // is on disk, so its next lock value is fresh).
        if !self.cfg.persist {
            self.key = None;
        }
        self.phase = Phase::Idle;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "lock-redlock.next",
            Timer::Retry => "lock-redlock.retry",
            Timer::InstanceWait => "lock-redlock.instance_wait",
            Timer::Step => "lock-redlock.step",
            Timer::WriteWait => "lock-redlock.write_wait",
            Timer::Validity => "lock-redlock.validity",
            Timer::Expire => "lock-redlock.expire",
        }
    }

    crate::monitor_hooks!(observe);
}

//! `lock-db`: a distributed lock on one relational database (seeds 001 and 004, 数据库的唯一
//! 索引). The database node has a lock table under a unique index on the resource: acquire =
//! `INSERT INTO lock (resource, holder, …)`, which fails with a duplicate-key error when the row
//! exists; release = `DELETE FROM lock WHERE resource = … AND holder = …`. The `holder` column is
//! the acquisition's id (like the UUID a Redis client puts in its value): a retried INSERT whose
//! first reply was lost finds its own row, and a late DELETE never removes another client's row.
//!
//! Clients are nodes. The lock is non-blocking ("只能是非阻塞锁，插入失败直接就报错了"): a client
//! whose INSERT fails polls — it inserts again every `poll` ms — and the polling load is counted.
//! Holding the lock it runs its critical section on the shared storage service
//! ([`lock_storage`](crate::labs::coordination::lock_storage)): `steps` writes `work` apart, each
//! sent again until acknowledged; then it deletes its row (again until the database answers)
//! and, with `auto`, acquires again after a random think time.
//!
//! The notes' problems, each a preset: the lock has no expiry, so a holder that crashes leaves
//! its row and every other client polls forever (the stuck waiting queue); polling load; not
//! re-entrant (`reenter`: the holder acquires again after its first write — without the owner
//! column its own row makes the INSERT fail, and it waits for itself forever); the database is a
//! single point (`persist`: the lock table on disk, so a restart keeps the rows and everyone only
//! stalls; off, a MEMORY table loses them and a second client gets the lock while the first
//! still writes). Mitigations as options: `expiry` (an `expires_at` column, a job deleting
//! expired rows every `sweep` ms — the crashed holder's row goes, but a *paused* holder's goes
//! too, and it wakes up to write beside the next holder) and `owner` (an owner column with a
//! count: the same client incarnation inserting again increments the count, each release
//! decrements it, the row goes at zero).
//!
//! The storage's history is checked by the shared `lock-db.mutual-exclusion` property. It holds
//! under any faults with no expiry and a persistent table (a row exists from the grant to the
//! holder's delete); it is a lesson when `expiry` is on or `persist` off.

mod client;
mod db;
mod monitor;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::Msg;
pub mod msg;

use std::collections::BTreeMap;

use crate::input::Params;
use crate::labs::coordination::lock_node;
use crate::labs::coordination::lock_storage::{section_id, Storage, StorageKeys};
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// The storage's keys under this lab's prefix.
pub const KEYS: StorageKeys = crate::lock_storage_keys!("lock-db");

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("clients", 3.0, 2.0, 8.0),
    ParamSpec::int("steps", 3.0, 1.0, 20.0),
    ParamSpec::int("work", 100.0, 0.0, 10_000.0),
    ParamSpec::int("think", 300.0, 0.0, 10_000.0),
    ParamSpec::int("auto", 1.0, 0.0, 1.0),
    ParamSpec::int("poll", 50.0, 1.0, 10_000.0),
    ParamSpec::int("expiry", 0.0, 0.0, 1.0),
    ParamSpec::int("ttl", 500.0, 20.0, 60_000.0),
    ParamSpec::int("sweep", 100.0, 10.0, 10_000.0),
    ParamSpec::int("owner", 0.0, 0.0, 1.0),
    ParamSpec::int("reenter", 0.0, 0.0, 1.0),
    ParamSpec::int("persist", 1.0, 0.0, 1.0),
];

/// Node kinds by index.
pub const DB: usize = 0;
pub const STORAGE: usize = 1;
pub const CLIENT: usize = 2;
/// Node ids of the database and the storage; clients follow.
pub const DB_NODE: NodeId = 0;
pub const STORAGE_NODE: NodeId = 1;
pub const FIRST_CLIENT: NodeId = 2;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub clients: usize,
    /// Writes per critical section, and the wait between them.
    pub steps: u32,
    pub work: Time,
    /// Mean pause between a release and the next acquire (`auto`).
    pub think: Time,
    pub auto: bool,
    /// A failed INSERT is retried after this long.
    pub poll: Time,
    /// The expiry column and the sweeping job; a row's lifetime; the job's period.
    pub expiry: bool,
    pub ttl: Time,
    pub sweep: Time,
    /// The owner column with a count (re-entrancy).
    pub owner: bool,
    /// The holder acquires the lock a second time after its first write.
    pub reenter: bool,
    /// The lock table is on disk (false: a MEMORY table, lost on a restart).
    pub persist: bool,
    /// How long a client waits for a reply before asking again.
    pub wait: Time,
    /// Test only: the unique index is not enforced, so every INSERT succeeds.
    #[doc(hidden)]
    pub broken_no_unique_index: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            clients: p.get_u64("clients").clamp(2, 8) as usize,
            steps: p.get_u64("steps").clamp(1, 20) as u32,
            work: p.get_u64("work") * MS,
            think: p.get_u64("think") * MS,
            auto: p.get_u64("auto") > 0,
            poll: p.get_u64("poll").max(1) * MS,
            expiry: p.get_u64("expiry") > 0,
            ttl: p.get_u64("ttl").max(1) * MS,
            sweep: p.get_u64("sweep").max(1) * MS,
            owner: p.get_u64("owner") > 0,
            reenter: p.get_u64("reenter") > 0,
            persist: p.get_u64("persist") > 0,
            wait: 4 * p.get_u64("latency_max") * MS + 50 * MS,
            broken_no_unique_index: false,
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<LockDb> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<LockDb> {
    NetSession::new(FIRST_CLIENT + cfg.clients, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<LockDb>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A client's next acquire (`auto`).
    Next,
    /// A client inserts again: after a duplicate-key error (`poll`) or no answer (`wait`).
    Poll,
    /// A holder's next write.
    Step,
    /// A holder has had no answer to its write: it sends it again.
    WriteWait,
    /// A client's DELETE has had no answer: it sends it again.
    ReleaseWait,
    /// The database's job deleting expired rows.
    Sweep,
}

/// One row of the lock table (one resource, so at most one row under the unique index).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The `holder` column: the acquisition ids counted in this row (one without the owner
    /// column; with it, one per re-entrant acquire, the count being their number).
    pub holders: Vec<u64>,
    /// The owner column: the client's incarnation (node, boot).
    pub owner: u64,
    /// Inserted at, and expires at (database's clock; `expiry` only).
    pub inserted_at: Time,
    pub expires_at: Option<Time>,
}

/// A client waiting for the lock, as the database sees it (its failed inserts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waiter {
    pub holder: u64,
    pub since: Time,
    pub last: Time,
    pub fails: u64,
}

/// Where a client is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// INSERT sent (or waiting to poll again), since the given time.
    Acquiring {
        since: Time,
    },
    /// Holds the lock: steps written so far; the re-entrant acquire's state.
    Holding {
        step: u32,
        since: Time,
        nested: Nested,
    },
}

/// The holder's second acquire (`reenter`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nested {
    None,
    /// Inserting again, since the given time.
    Asking(Time),
    Held,
}

/// One node: the database, the storage or a client.
#[derive(Clone, Debug)]
pub struct LockDb {
    pub id: NodeId,
    cfg: Config,
    pub boots: u64,
    // ---- database ----
    /// The lock table (on disk with `persist`).
    pub rows: Vec<Row>,
    /// Clients whose inserts failed, by node (in memory).
    pub waiters: BTreeMap<NodeId, Waiter>,
    pub inserts: u64,
    pub failed: u64,
    pub swept: u64,
    // ---- storage ----
    pub storage: Storage,
    // ---- client ----
    /// Persistent: acquisitions started (a fresh holder id each).
    pub seq: u64,
    pub phase: Phase,
    /// DELETEs not yet answered.
    pub pending: Vec<u64>,
    pub grants: u64,
    pub fails: u64,
}

impl LockDb {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The holder id of the client's current acquisition (also its section on the storage).
    pub fn holder(&self) -> u64 {
        section_id(self.id, self.seq)
    }

    /// The holder id of its re-entrant (second) acquire.
    pub fn nested_holder(&self) -> u64 {
        section_id(self.id, self.seq | 0x8000_0000)
    }

    /// The owner column's value: this client's incarnation.
    pub fn owner_id(&self) -> u64 {
        ((self.id as u64) << 16) | (self.boots & 0xFFFF)
    }

    pub fn holding(&self) -> bool {
        matches!(self.phase, Phase::Holding { .. })
    }
}

impl Protocol for LockDb {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[Property::always(KEYS.property)];
    const KINDS: &'static [NodeKind] = &lock_node::kinds(
        NodeKind::new("lock-db.db", "D", Shape::Hexagon, &[]),
        &KEYS,
        &[CommandSpec::plain("db_lock")],
    );

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        LockDb {
            id,
            cfg: cfg.clone(),
            boots: 0,
            rows: Vec::new(),
            waiters: BTreeMap::new(),
            inserts: 0,
            failed: 0,
            swept: 0,
            storage: Storage::new(false),
            seq: 0,
            phase: Phase::Idle,
            pending: Vec::new(),
            grants: 0,
            fails: 0,
        }
    }

    fn kind(&self) -> usize {
        self.id.min(CLIENT)
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        match self.kind() {
            DB => self.db_start(ctx),
            CLIENT => self.schedule_next(ctx),
            _ => {}
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            DB => self.db_msg(from, msg, ctx),
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
            Timer::Sweep => self.sweep(ctx),
            Timer::Next => {
                if self.phase == Phase::Idle {
                    self.acquire(ctx);
                }
            }
            Timer::Poll => self.send_insert(ctx),
            Timer::Step => self.write_step(ctx),
            Timer::WriteWait => self.write_again(ctx),
            Timer::ReleaseWait => self.send_deletes(ctx),
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "db_lock" && self.kind() == CLIENT {
            if self.phase == Phase::Idle {
                self.acquire(ctx);
            } else {
                ctx.note("lock-db.busy", 0);
            }
        }
    }

    fn on_crash(&mut self) {
        // The database's table is on disk with `persist` (a MEMORY table is lost); its view of
        // the waiters is in memory. The storage is on disk. A client's work in progress and
        // its unanswered DELETEs are in memory (its sequence number is on disk).
        if !self.cfg.persist {
            self.rows.clear();
        }
        self.waiters.clear();
        self.phase = Phase::Idle;
        self.pending.clear();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "lock-db.next",
            Timer::Poll => "lock-db.poll",
            Timer::Step => "lock-db.step",
            Timer::WriteWait => "lock-db.write_wait",
            Timer::ReleaseWait => "lock-db.release_wait",
            Timer::Sweep => "lock-db.sweep",
        }
    }

    crate::monitor_hooks!(observe);
}

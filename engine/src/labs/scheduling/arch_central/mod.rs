//! Centralized cluster architecture (集中式结构: Borg, Kubernetes, Mesos), as seed 001's
//! "资源管理与调度 --- 分布式体系结构: 集中式结构" describes it: one **master** manages the
//! cluster; **workers** (节点服务器) report their resources and their tasks' states to it by
//! heartbeat (Master 与 Slave 保活: 心跳机制); the master places submitted tasks on workers
//! with room. The master runs "one primary, two standbys" (一主两备, parameter `standbys`).
//!
//! - Workers send a `Heartbeat` to every master node every `period` ms: free slots, running
//!   and finished tasks, the highest master epoch they know. The active master answers `Ack`,
//!   which renews the worker's **lease** (counted from the heartbeat's send time, for
//!   `k·period − period/2`): a worker that hears no ack for that long stops its tasks, so it
//!   never runs them past the moment the master declares it lost.
//! - The master declares a worker **lost** after `k` periods without a heartbeat and puts its
//!   tasks back in the queue; they are placed on other workers with room (the `worker-loss`
//!   preset). A lost worker that reports again is alive again; a task it reports that runs
//!   elsewhere now is killed.
//! - The active master sends `MasterBeat` to the standbys every `period`. A standby that hears
//!   none for `failover` ms (the first standby; the next one after twice that, and so on)
//!   takes over with **epoch + 1**, tells the others (who follow it) and the workers
//!   (`Takeover`), and places nothing for `k` periods while the workers' reports rebuild its
//!   view (the `master-crash` preset).
//! - **What survives a master crash**: its epoch and its job list (task ids, done or not), on
//!   disk, and kept on the standbys too (the client submits to every master node). **What is
//!   rebuilt from worker reports**: where each task runs, which workers are alive and their
//!   free slots. A restarted master comes back as a standby (or, alone, in a new epoch).
//! - **Fencing** (`fencing=1`): each worker remembers the highest epoch it has seen (on disk)
//!   and refuses orders (and acks) of a lower one with `Fenced`, which makes the old master
//!   step down. A partition that cuts the master off from its standbys only, while the workers
//!   still see both, gives two masters (`split-fenced`); the workers obey only the new one.
//!   With `fencing=0` both command the workers and the same task runs twice (`split-unfenced`).
//!
//! Properties (in `monitor.rs`): `arch-central.one-epoch` (history-aware: after obeying an
//! order of epoch e a worker never obeys one of a lower epoch) and `arch-central.one-worker`
//! (a task runs on at most one worker holding a valid lease). Both are the lesson with
//! `fencing=0`; `one-worker` is a lesson with fencing too. With fencing, `one-epoch` holds
//! under any faults (checked as a bug); `one-worker` holds under
//! crashes and message loss, but not when a partition splits the master group so that each
//! side has a master and workers (that needs a quorum among the masters, as Mesos' ZAB
//! election gives; here a standby takes over on a timeout alone), nor when a paused master
//! wakes up with stale heartbeats and declares a live worker lost.

mod master;
mod monitor;
mod msg;
mod scenarios;
mod texts;
mod view;
mod worker;

pub use monitor::Monitor;
pub use msg::{Epoch, Msg};

use std::collections::{BTreeMap, BTreeSet};

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, NodeStatus, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Parameters: the network's plus the cluster's size, the workload and the detectors.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("standbys", 2.0, 0.0, 4.0),
    ParamSpec::int("workers", 4.0, 1.0, 32.0),
    ParamSpec::int("slots", 4.0, 1.0, 16.0),
    ParamSpec::float("rate", 2.0, 0.0, 50.0),
    ParamSpec::int("duration", 4_000.0, 0.0, 60_000.0),
    ParamSpec::int("period", 100.0, 10.0, 5_000.0),
    ParamSpec::int("k", 3.0, 2.0, 20.0),
    ParamSpec::int("failover", 300.0, 20.0, 20_000.0),
    ParamSpec::int("fencing", 1.0, 0.0, 1.0),
];

/// Node kinds by index.
pub const MASTER: usize = 0;
pub const WORKER: usize = 1;
pub const CLIENT: usize = 2;

/// The lab's configuration, shared by all nodes. Nodes: the master group (node 0 is the
/// first master, then the standbys), the workers, then one client.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub masters: usize,
    pub workers: usize,
    pub slots: u64,
    /// Tasks submitted per simulated second (0 = only on the `submit` command).
    pub rate: f64,
    /// How long a task runs (0 = until killed).
    pub duration: Time,
    pub period: Time,
    pub k: u64,
    pub failover: Time,
    pub fencing: bool,
    /// The longest network delay (a placement not yet reported is given time to show up).
    pub hop: Time,
    /// Test only: a worker claims fencing but obeys orders of any epoch.
    #[doc(hidden)]
    pub broken_ignore_epoch: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            masters: 1 + p.get_u64("standbys") as usize,
            workers: p.get_u64("workers").max(1) as usize,
            slots: p.get_u64("slots").max(1),
            rate: p.get("rate"),
            duration: p.get_u64("duration") * MS,
            period: p.get_u64("period").max(1) * MS,
            k: p.get_u64("k").max(2),
            failover: p.get_u64("failover") * MS,
            fencing: p.get_u64("fencing") > 0,
            hop: p.get_u64("latency_max") * MS,
            ..Config::default()
        }
    }

    /// A worker's lease after a heartbeat it sent: shorter than the master's `k·period`.
    pub fn lease(&self) -> Time {
        self.k * self.period - self.period / 2
    }

    pub fn client(&self) -> NodeId {
        self.masters + self.workers
    }

    pub fn first_worker(&self) -> NodeId {
        self.masters
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<ArchCentral> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<ArchCentral> {
    NetSession::new(cfg.client() + 1, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<ArchCentral>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A worker's heartbeat; the active master's MasterBeat.
    Beat,
    /// The master's lost-worker check, every period.
    Check,
    /// A standby's watch on the master.
    Watch,
    /// A new master's wait for worker reports before it places tasks.
    Recover,
    /// A worker's lease runs out.
    Lease,
    /// A worker's task finishes.
    Finish(u64),
    /// The client's next submission.
    Next,
}

/// A task as a master knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Job {
    Pending,
    /// Placed on worker `on` at local time `at`.
    Placed {
        on: NodeId,
        at: Time,
    },
    Done,
}

/// A master's view of one worker (rebuilt from heartbeats; volatile).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorkerView {
    pub alive: bool,
    pub heard: Time,
    pub seq: u64,
    pub free: u64,
}

/// One node: a master (active or standby), a worker or the client.
#[derive(Clone, Debug)]
pub struct ArchCentral {
    pub id: NodeId,
    cfg: Config,
    // Master state. Persistent: active (cleared by a crash when there are standbys), epoch,
    // the job list's tasks and which are done. Volatile: placements, worker views.
    pub active: bool,
    pub epoch: Epoch,
    pub jobs: BTreeMap<u64, Job>,
    pub views: Vec<WorkerView>,
    pub recovering: bool,
    /// A master that was fenced by the workers: while they report being led by the epoch it
    /// knows, it does not take over (the new master is alive, only out of its sight).
    pub trust_workers: bool,
    pub boots: u64,
    // Worker state. Persistent: the highest epoch seen, finished tasks, heartbeat numbers.
    // Volatile: running tasks and the lease.
    pub highest: Epoch,
    pub running: BTreeSet<u64>,
    pub finished: BTreeSet<u64>,
    pub seq: u64,
    /// Lease end on the worker's own clock, and the same instant in simulated time (the
    /// checker's view).
    pub lease_local: Time,
    pub lease_until: Time,
    /// The last ack accepted came from the highest epoch known.
    pub led: bool,
    pub obeyed: u64,
    pub refused: u64,
    // Client state (persistent): tasks submitted.
    pub submitted: u64,
}

impl ArchCentral {
    pub fn is_master(&self) -> bool {
        self.id < self.cfg.masters
    }

    pub fn is_worker(&self) -> bool {
        !self.is_master() && self.id < self.cfg.client()
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Tasks this worker runs under a valid lease at simulated time `now`.
    pub fn leased(&self, now: Time) -> bool {
        self.is_worker() && !self.running.is_empty() && (self.lease_until > now)
    }

    fn submit(&mut self, ctx: &mut Ctx<Self>) {
        self.submitted += 1;
        ctx.note("arch-central.submit", self.submitted);
        for m in 0..self.cfg.masters {
            ctx.send(
                m,
                Msg::Submit {
                    task: self.submitted,
                },
            );
        }
    }

    fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000_000.0 / self.cfg.rate) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }
}

/// Node name as drawn: M1.., w.., c.
pub fn name(cfg: &Config, id: NodeId) -> String {
    if id < cfg.masters {
        format!("M{}", id + 1)
    } else if id < cfg.client() {
        format!("w{}", id + 1)
    } else {
        "c".into()
    }
}

impl Protocol for ArchCentral {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("arch-central.one-epoch"),
        Property::always("arch-central.one-worker"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new("arch-central.master", "M", Shape::Hexagon, &[]),
        NodeKind::new("arch-central.worker", "w", Shape::Square, &[]),
        NodeKind::new(
            "client",
            "c",
            Shape::Circle,
            &[CommandSpec::plain("ac_submit")],
        ),
    ];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        let first = Epoch { n: 1, by: 0 };
        ArchCentral {
            id,
            cfg: cfg.clone(),
            active: id == 0,
            epoch: first,
            jobs: BTreeMap::new(),
            views: vec![WorkerView::default(); n],
            recovering: false,
            trust_workers: false,
            boots: 0,
            highest: first,
            running: BTreeSet::new(),
            finished: BTreeSet::new(),
            seq: 0,
            lease_local: 0,
            lease_until: 0,
            led: false,
            obeyed: 0,
            refused: 0,
            submitted: 0,
        }
    }

    fn kind(&self) -> usize {
        if self.is_master() {
            MASTER
        } else if self.is_worker() {
            WORKER
        } else {
            CLIENT
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        match self.kind() {
            MASTER => self.master_start(ctx),
            WORKER => self.worker_beat(ctx),
            _ => self.schedule_next(ctx),
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            MASTER => self.master_msg(from, msg, ctx),
            WORKER => self.worker_msg(from, msg, ctx),
            _ => {}
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Next => {
                self.submit(ctx);
                self.schedule_next(ctx);
            }
            Timer::Lease | Timer::Finish(_) => self.worker_timer(timer, ctx),
            Timer::Beat if self.is_worker() => self.worker_beat(ctx),
            _ => self.master_timer(timer, ctx),
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "ac_submit" && self.kind() == CLIENT {
            self.submit(ctx);
        }
    }

    fn on_crash(&mut self) {
        if self.is_master() {
            self.master_crash();
        } else {
            // A worker's tasks die with it; its lease is gone.
            self.running.clear();
            self.lease_local = 0;
            self.lease_until = 0;
            self.led = false;
        }
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Beat => "heartbeat",
            Timer::Check => "arch-central.check",
            Timer::Watch => "arch-central.watch",
            Timer::Recover => "arch-central.recover",
            Timer::Lease => "arch-central.lease",
            Timer::Finish(_) => "arch-central.finish",
            Timer::Next => "arch-central.next",
        }
    }

    fn check(
        monitor: &mut Monitor,
        now: Time,
        _node: NodeId,
        nodes: &[Self],
    ) -> Vec<(&'static str, String)> {
        monitor.check(now, nodes)
    }

    crate::monitor_hooks!(observe);

    fn check_eventually(
        _monitor: &Monitor,
        _now: Time,
        _nodes: &[Self],
        _status: &[NodeStatus],
        _found: &mut crate::sim::Found,
    ) {
    }
}

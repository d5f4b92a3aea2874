//! Centralized mutual exclusion (集中式算法 / 中央服务器算法), as the course notes describe it
//! (seed 000, "分布式互斥 · 集中式算法"; seed 001, "分布式协调与同步 --- 分布式互斥 (1)").
//!
//! A **coordinator** node keeps the lock and a FIFO queue. Before entering the critical
//! section a **client** sends `Request`; if nobody holds the lock the coordinator answers
//! `Grant` at once, otherwise it queues the request in arrival order (先来后到). When the
//! client leaves the critical section (after `cs` ms) it sends `Release`, and the coordinator
//! grants the front of the queue. One entry costs exactly three messages (请求、授权、释放),
//! and every one of them passes through the coordinator, so its load grows linearly with the
//! number of clients (the notes' first weakness, 性能瓶颈). If the coordinator fails, nobody
//! enters any more (the second, 单点故障): requests pile up until it returns (its lock table
//! is on disk: holder, queue and the last request number per client survive a crash).
//!
//! The notes' remedy, 主备 (a standby coordinator, parameter `standby`), is here too: the
//! active coordinator streams its lock table to the standby with every change and with
//! heartbeats every `heartbeat` ms; a standby that hears nothing for `failover` ms takes over
//! in a higher epoch and tells the clients (`Takeover`), who re-send what the new coordinator
//! may not know (a pending request, their last release). A missed heartbeat does not mean a
//! dead coordinator, though: when the old coordinator is only cut off, both grant the lock,
//! and mutual exclusion breaks (the `central-split-brain` preset). When they meet again the lower
//! epoch steps down.
//!
//! Clients are real nodes: a client that crashes leaves the critical section and, on restart,
//! sends `Release` for the request it had (its request counter survives), so the lock is not
//! lost; a client whose request or grant was lost re-sends its request after `retry` (twice
//! the longest fault-free wait, so never in a fault-free run). Requests carry a per-client
//! number, so duplicates and stale messages are recognised.
//!
//! Properties (in `monitor.rs`): `mutual-exclusion` (always; marked as the lab's lesson, since
//! the standby's takeover under a partition is the fault that breaks it) and
//! `every-request-granted` (eventually, checked only in runs without faults).

mod monitor;
mod msg;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::{Msg, Table};

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Parameters: the network's plus clients, request rate, critical-section time and standby.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("clients", 4.0, 1.0, 16.0),
    ParamSpec::float("rate", 2.0, 0.0, 100.0),
    ParamSpec::int("cs", 100.0, 1.0, 10_000.0),
    ParamSpec::int("standby", 0.0, 0.0, 1.0),
    ParamSpec::int("heartbeat", 50.0, 5.0, 5_000.0),
    ParamSpec::int("failover", 200.0, 10.0, 10_000.0),
];

/// Node kinds by index: coordinators (the first one or two nodes) and clients.
pub const COORDINATOR: usize = 0;
pub const CLIENT: usize = 1;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Number of coordinator nodes: 1, or 2 with a standby.
    pub coordinators: usize,
    pub clients: usize,
    /// Requests per simulated second per client (0 = only on the `request` command).
    pub rate: f64,
    /// Time in the critical section.
    pub cs: Time,
    pub heartbeat: Time,
    /// Silence after which the standby takes over.
    pub failover: Time,
    /// The longest a request waits in a fault-free run: every client ahead in the queue holds
    /// the lock for `cs`, plus a Release and a Grant crossing the network each time.
    pub patience: Time,
    /// Test only: the coordinator grants every request at once, even while the lock is held.
    #[doc(hidden)]
    pub broken_grant_while_held: bool,
    /// Test only: a request that arrives while the lock is held is forgotten, not queued.
    #[doc(hidden)]
    pub broken_no_queue: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let clients = p.get_u64("clients").max(1) as usize;
        let cs = p.get_u64("cs") * MS;
        let hop = p.get_u64("latency_max") * MS;
        Config {
            coordinators: 1 + (p.get_u64("standby") > 0) as usize,
            clients,
            rate: p.get("rate"),
            cs,
            heartbeat: p.get_u64("heartbeat") * MS,
            failover: p.get_u64("failover") * MS,
            patience: (clients as u64 + 1) * (cs + 2 * hop) + hop + 10 * MS,
            ..Config::default()
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<MutexCentral> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<MutexCentral> {
    let n = cfg.coordinators + cfg.clients;
    NetSession::new(n, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<MutexCentral>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A client's next request.
    Next,
    /// A client leaves the critical section.
    Cs,
    /// A client's request has waited too long: send it again.
    Retry,
    /// The active coordinator's heartbeat to the standby.
    Heartbeat,
    /// The standby's failure detector.
    Watch,
    /// A new coordinator's wait for the clients' answers before it grants.
    Recover,
}

/// A client's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientState {
    Idle,
    /// Sent request `seq` at `since` and waits for its grant.
    Waiting {
        seq: u64,
        since: Time,
    },
    /// In the critical section with request `seq`.
    Holding {
        seq: u64,
    },
}

/// One node: a coordinator or a client.
#[derive(Clone, Debug)]
pub struct MutexCentral {
    pub id: NodeId,
    cfg: Config,
    // Coordinator state (persistent).
    /// Granting the lock (the primary from the start; the standby after a takeover).
    pub active: bool,
    pub epoch: u64,
    pub table: Table,
    /// The coordinator this standby last heard from.
    pub known_active: Option<NodeId>,
    /// Grants this coordinator sent.
    pub grants: u64,
    /// A standby that just took over: it waits `failover` for the clients to say who holds
    /// the lock before granting anything.
    pub recovering: bool,
    /// Persistent: how many times the node started.
    pub boots: u64,
    // Client state.
    pub state: ClientState,
    /// Persistent: the last request number used, the coordinator and its epoch.
    pub seq: u64,
    pub coordinator: NodeId,
    pub client_epoch: u64,
    /// The last request released (re-sent to a new coordinator).
    pub last_released: Option<u64>,
    /// Persistent: the request held or awaited when the client crashed (cancelled on restart).
    pub cancel: Option<u64>,
    /// Critical-section entries of this client.
    pub entries: u64,
}

impl MutexCentral {
    pub fn is_coordinator(&self) -> bool {
        self.id < self.cfg.coordinators
    }

    pub fn holding(&self) -> bool {
        matches!(self.state, ClientState::Holding { .. })
    }

    pub fn waiting_since(&self) -> Option<Time> {
        match self.state {
            ClientState::Waiting { since, .. } => Some(since),
            _ => None,
        }
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    // ---- clients ----

    fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000_000.0 / self.cfg.rate) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    fn request(&mut self, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        self.state = ClientState::Waiting {
            seq: self.seq,
            since: ctx.now,
        };
        ctx.note("mutex-central.request", self.seq);
        ctx.send(self.coordinator, Msg::Request { seq: self.seq });
        ctx.set_timer(Timer::Retry, 2 * self.cfg.patience);
    }

    fn client_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Grant { seq } => match self.state {
                ClientState::Waiting { seq: w, .. } if w == seq => {
                    self.state = ClientState::Holding { seq };
                    self.entries += 1;
                    ctx.cancel_timer(Timer::Retry);
                    ctx.note("mutex-central.enter", seq);
                    ctx.set_timer(Timer::Cs, self.cfg.cs);
                }
                ClientState::Holding { seq: h } if h == seq => {}
                // A grant for a request this client no longer wants: give it back.
                _ => {
                    ctx.note("mutex-central.stale_grant", seq);
                    ctx.send(from, Msg::Release { seq });
                }
            },
            // A higher epoch, or the same epoch from a lower id (two standbys that took over
            // at once: the lower id wins, as between the coordinators themselves).
            Msg::Takeover { epoch, coordinator }
                if epoch > self.client_epoch
                    || (epoch == self.client_epoch && coordinator < self.coordinator) =>
            {
                self.client_epoch = epoch;
                self.coordinator = coordinator;
                ctx.note("mutex-central.follow", coordinator as u64 + 1);
                match self.state {
                    ClientState::Waiting { seq, .. } => {
                        ctx.send(coordinator, Msg::Request { seq });
                    }
                    ClientState::Idle => {
                        if let Some(seq) = self.last_released {
                            ctx.send(coordinator, Msg::Release { seq });
                        }
                    }
                    ClientState::Holding { seq } => {
                        ctx.send(coordinator, Msg::Held { seq });
                    }
                }
            }
            _ => {}
        }
    }

    // ---- coordinators ----

    fn grant_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.table.holder.is_some() || self.recovering {
            return;
        }
        if let Some((c, s)) = self.table.queue.pop_front() {
            self.grant(c, s, ctx);
        }
    }

    fn grant(&mut self, c: NodeId, seq: u64, ctx: &mut Ctx<Self>) {
        self.table.holder = Some((c, seq));
        self.grants += 1;
        ctx.note("mutex-central.grant", c as u64 + 1);
        ctx.send(c, Msg::Grant { seq });
    }

    /// Sends the lock table to the other coordinator(s).
    fn replicate(&self, ctx: &mut Ctx<Self>) {
        for to in 0..self.cfg.coordinators {
            if to != self.id {
                ctx.send(
                    to,
                    Msg::Heartbeat {
                        epoch: self.epoch,
                        table: self.table.clone(),
                    },
                );
            }
        }
    }

    fn on_request(&mut self, c: NodeId, seq: u64, ctx: &mut Ctx<Self>) {
        let last = self.table.last_seq.get(c).copied().unwrap_or(0);
        if self.table.holder == Some((c, seq)) {
            // The grant was lost (or went to the old coordinator): grant again.
            ctx.send(c, Msg::Grant { seq });
            return;
        }
        if self.table.queue.contains(&(c, seq)) || seq <= last {
            return;
        }
        if let Some(slot) = self.table.last_seq.get_mut(c) {
            *slot = seq;
        }
        // A client asks again only once it has left the critical section: a newer request from
        // the holder releases the older grant (whose Release was lost, say while this
        // coordinator was down).
        if matches!(self.table.holder, Some((h, s)) if h == c && s < seq) {
            self.table.holder = None;
        }
        // A client has one request at a time: a newer one replaces an older one still queued.
        self.table.queue.retain(|&(q, _)| q != c);
        let free = self.table.holder.is_none() && !self.recovering;
        if free || self.cfg.broken_grant_while_held {
            self.grant(c, seq, ctx);
        } else if self.cfg.broken_no_queue {
            // Forgotten.
        } else {
            self.table.queue.push_back((c, seq));
            ctx.note("mutex-central.queued", self.table.queue.len() as u64);
        }
    }

    fn on_release(&mut self, c: NodeId, seq: u64, ctx: &mut Ctx<Self>) {
        if let Some(slot) = self.table.last_seq.get_mut(c) {
            *slot = (*slot).max(seq);
        }
        if self.table.holder == Some((c, seq)) {
            self.table.holder = None;
            self.grant_next(ctx);
        } else {
            self.table.queue.retain(|&e| e != (c, seq));
        }
    }

    fn coordinator_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Request { .. } | Msg::Release { .. } | Msg::Held { .. } if !self.active => {
                // Not in charge: point the client at the coordinator this one knows.
                if let Some(a) = self.known_active.filter(|&a| a != self.id) {
                    ctx.send(
                        from,
                        Msg::Takeover {
                            epoch: self.epoch,
                            coordinator: a,
                        },
                    );
                }
            }
            Msg::Request { seq } => {
                self.on_request(from, seq, ctx);
                self.replicate(ctx);
            }
            Msg::Release { seq } => {
                self.on_release(from, seq, ctx);
                self.replicate(ctx);
            }
            Msg::Held { seq } => {
                if let Some(slot) = self.table.last_seq.get_mut(from) {
                    *slot = (*slot).max(seq);
                }
                self.table.queue.retain(|&e| e != (from, seq));
                if self.table.holder.is_none() {
                    self.table.holder = Some((from, seq));
                    ctx.note("mutex-central.held", from as u64 + 1);
                    self.replicate(ctx);
                }
            }
            Msg::Heartbeat { epoch, table } => {
                let newer = epoch > self.epoch || (epoch == self.epoch && from < self.id);
                if !newer && (epoch < self.epoch || self.active) {
                    return;
                }
                if self.active {
                    self.active = false;
                    self.recovering = false;
                    ctx.note("mutex-central.step_down", epoch);
                    ctx.cancel_timer(Timer::Heartbeat);
                    ctx.cancel_timer(Timer::Recover);
                }
                self.epoch = epoch;
                self.table = table;
                self.known_active = Some(from);
                ctx.set_timer(Timer::Watch, self.cfg.failover);
            }
            _ => {}
        }
    }

    /// Tells the clients that this node is in charge from a new epoch on; they answer with
    /// what it may not know (a pending request, the lock they hold, their last release).
    fn announce(&mut self, ctx: &mut Ctx<Self>) {
        self.epoch += 1;
        self.known_active = Some(self.id);
        ctx.broadcast_kind(
            CLIENT,
            Msg::Takeover {
                epoch: self.epoch,
                coordinator: self.id,
            },
        );
    }

    /// The standby takes over. Its copy of the lock table may be behind (a grant or release
    /// after the last copy), so it forgets the holder and grants nothing for `failover` while
    /// the clients report: a client in the critical section answers `Held`. A client that
    /// cannot answer (cut off, not dead) is taken for idle: that is where split brain begins.
    fn take_over(&mut self, ctx: &mut Ctx<Self>) {
        self.active = true;
        self.announce(ctx);
        ctx.note("mutex-central.takeover", self.epoch);
        self.table.holder = None;
        self.recovering = true;
        ctx.set_timer(Timer::Recover, self.cfg.failover);
        self.replicate(ctx);
        ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
    }
}

impl Protocol for MutexCentral {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("mutual-exclusion").lesson(),
        Property::eventually("every-request-granted"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new("mutex-central.coordinator", "C", Shape::Hexagon, &[]),
        NodeKind::new(
            "mutex-central.client",
            "p",
            Shape::Circle,
            &[CommandSpec::plain("request")],
        ),
    ];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        MutexCentral {
            id,
            cfg: cfg.clone(),
            active: id == 0,
            epoch: 1,
            table: Table {
                last_seq: vec![0; n],
                ..Table::default()
            },
            known_active: Some(0),
            grants: 0,
            recovering: false,
            boots: 0,
            state: ClientState::Idle,
            seq: 0,
            coordinator: 0,
            client_epoch: 1,
            last_released: None,
            cancel: None,
            entries: 0,
        }
    }

    fn kind(&self) -> usize {
        if self.is_coordinator() {
            COORDINATOR
        } else {
            CLIENT
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if self.is_coordinator() {
            if self.cfg.coordinators > 1 {
                // A restarted coordinator comes back as a standby: someone may have taken over.
                if self.active {
                    self.replicate(ctx);
                    ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
                } else {
                    ctx.set_timer(Timer::Watch, self.cfg.failover);
                }
            } else if self.boots > 1 {
                // The only coordinator restarts with its lock table from disk, which is
                // authoritative; the clients' answers fill in what was lost while it was down
                // (releases and requests sent to a dead node), then the queue moves again.
                ctx.note("mutex-central.recovered", self.epoch + 1);
                self.announce(ctx);
                self.grant_next(ctx);
            }
            return;
        }
        if let Some(seq) = self.cancel.take() {
            ctx.note("mutex-central.cancel", seq);
            self.last_released = Some(seq);
            ctx.send(self.coordinator, Msg::Release { seq });
        }
        self.schedule_next(ctx);
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        if self.is_coordinator() {
            self.coordinator_msg(from, msg, ctx);
        } else {
            self.client_msg(from, msg, ctx);
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Next => {
                if self.state == ClientState::Idle {
                    self.request(ctx);
                }
            }
            Timer::Cs => {
                if let ClientState::Holding { seq } = self.state {
                    self.state = ClientState::Idle;
                    self.last_released = Some(seq);
                    ctx.note("mutex-central.leave", seq);
                    ctx.send(self.coordinator, Msg::Release { seq });
                    self.schedule_next(ctx);
                }
            }
            Timer::Retry => {
                if let ClientState::Waiting { seq, .. } = self.state {
                    ctx.note("mutex-central.retry", seq);
                    ctx.send(self.coordinator, Msg::Request { seq });
                    ctx.set_timer(Timer::Retry, 2 * self.cfg.patience);
                }
            }
            Timer::Heartbeat => {
                if self.active {
                    self.replicate(ctx);
                    ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
                }
            }
            Timer::Watch => {
                if !self.active {
                    self.take_over(ctx);
                }
            }
            Timer::Recover => {
                if self.active && self.recovering {
                    self.recovering = false;
                    ctx.note("mutex-central.recovered", self.epoch);
                    self.grant_next(ctx);
                    self.replicate(ctx);
                }
            }
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "request" && !self.is_coordinator() {
            if self.state == ClientState::Idle {
                self.request(ctx);
            } else {
                ctx.note("mutex-central.busy", self.seq);
            }
        }
    }

    fn on_crash(&mut self) {
        // A coordinator's lock table, epoch and role are on disk. A client leaves the critical
        // section (or gives up waiting) and remembers to cancel that request when it restarts.
        if self.is_coordinator() {
            self.recovering = false;
            if self.cfg.coordinators > 1 {
                self.active = false;
            }
        } else {
            self.cancel = match self.state {
                ClientState::Idle => None,
                ClientState::Waiting { seq, .. } | ClientState::Holding { seq } => Some(seq),
            };
            self.state = ClientState::Idle;
        }
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "mutex-central.next",
            Timer::Cs => "mutex-central.cs",
            Timer::Retry => "mutex-central.retry",
            Timer::Heartbeat => "heartbeat",
            Timer::Watch => "mutex-central.watch",
            Timer::Recover => "mutex-central.recover",
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

    crate::monitor_hooks!(observe, check_eventually);
}

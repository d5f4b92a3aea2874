//! `mutex-two-tier-ring`: the two-tier token ring for mutual exclusion in large systems, from
//! the course notes (seed 001, 分布式互斥 (4) "适用大规模的系统　两层结构的分布式令牌环算法"):
//! a wide-area network is made of LANs; each LAN holds several local processes and one
//! coordinator process. The processes of a LAN form a local ring with a local token *T*; the
//! coordinators form the global ring, the WAN's, with one global token.
//!
//! The reading implemented here (the notes give the structure, not the steps):
//!
//! 1. The global token goes round the coordinators, LAN 1 → LAN 2 → … → LAN 1 (`GlobalToken`,
//!    with a hop counter `seq`).
//! 2. While a LAN's coordinator holds the global token, its local token makes one tour of the
//!    LAN: the coordinator first, then each process in ring order (`LocalToken`, with the
//!    global hop it belongs to and its own hop number), back to the coordinator.
//! 3. A process enters the critical section only while it holds the local token, and the local
//!    token only moves while its LAN holds the global token; a process that wants to enter
//!    does so once per visit (for `cs` ms) and then passes the token on; one that does not
//!    passes it at once (the notes' flat ring: every process sees the token each round).
//! 4. When the local token is back at the coordinator, the coordinator passes the global
//!    token to the next LAN; the local token stays parked at the coordinator.
//!
//! With `lans = 1` the lab is the notes' flat token ring (no global token at all), which the
//! tests use for the comparison. Tokens carry hop counters, so a duplicated or stale token is
//! discarded. There is no token regeneration: a crash loses the token the node held (or the
//! one sent to it while it was down), and the lesson is that a crashed coordinator — or any
//! crashed process on the token's path — stalls its LAN and with it the whole global ring
//! (the preset `twotier-coordinator-crash`).
//!
//! Properties: `mutual-exclusion` (always; never two processes in the critical section) and
//! `every-request-granted` (eventually, in runs without faults). Module layout: this file the
//! protocol, `monitor.rs` the checkers and counters, `lab.rs` the registry row and what the
//! app draws, `scenarios.rs` the presets.

mod lab;
mod monitor;
mod scenarios;

use std::collections::VecDeque;

pub use lab::{config, global_holder, session_with, LAB, PARAMS};
pub use monitor::Monitor;

use crate::sim::{CommandSpec, Ctx, Message, NodeKind, Property, Protocol, Shape, TraceHasher};
use crate::{NodeId, Time, MS};

/// Most requests a process keeps waiting; more are refused (note `twotier.queue_full`).
pub const MAX_PENDING: usize = 16;

/// Node kinds by index.
pub const MEMBER: usize = 0;
pub const COORDINATOR: usize = 1;

/// The two tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// The WAN's token, passed from coordinator to coordinator; `seq` counts its hops.
    GlobalToken { seq: u64 },
    /// A LAN's token on its tour: `round` is the global hop that let it out, `hop` its own
    /// hop number in this tour (1 = first member after the coordinator).
    LocalToken { round: u64, hop: u32 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::GlobalToken { .. } => "GlobalToken",
            Msg::LocalToken { .. } => "LocalToken",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::GlobalToken { seq } => {
                h.u64(0);
                h.u64(*seq);
            }
            Msg::LocalToken { round, hop } => {
                h.u64(1);
                h.u64(*round);
                h.u64(u64::from(*hop));
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::GlobalToken { seq } => vec![("seq", seq.to_string())],
            Msg::LocalToken { round, hop } => {
                vec![("round", round.to_string()), ("hop", hop.to_string())]
            }
        }
    }
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The next random request of this process.
    Request,
    /// The critical section ends.
    CsDone,
}

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Number of LANs (1 = a flat ring).
    pub lans: usize,
    /// Processes per LAN, the coordinator included.
    pub per_lan: usize,
    /// Requests per process per second (Poisson).
    pub rate: f64,
    /// Time in the critical section.
    pub cs: Time,
    /// The network's largest one-way latency (bounds how long a request may wait).
    pub latency_max: Time,
    /// Test only: the local token circulates whether or not the LAN holds the global token.
    #[doc(hidden)]
    pub broken_ignore_global: bool,
    /// Test only: the last process of each LAN never enters (it passes the token on).
    #[doc(hidden)]
    pub broken_starve_last: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            lans: 3,
            per_lan: 3,
            rate: 0.5,
            cs: 50 * MS,
            latency_max: 30 * MS,
            broken_ignore_global: false,
            broken_starve_last: false,
        }
    }
}

impl Config {
    pub fn n(&self) -> usize {
        self.lans.max(1) * self.per_lan.max(2)
    }

    /// An upper bound on one lap of the global token with everyone entering once.
    pub fn round_bound(&self) -> Time {
        let n = self.n() as Time;
        let hops = n + if self.lans > 1 { self.lans as Time } else { 0 };
        hops * (self.latency_max + MS) + n * (self.cs + MS)
    }
}

/// One waiting request: when it was made and how many requests of this process were ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request {
    pub at: Time,
    pub ahead: u32,
}

/// One process (member or coordinator) of the two-tier ring.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: NodeId,
    /// Its LAN, 0-based.
    pub lan: usize,
    /// Its place in the LAN's ring; 0 is the coordinator.
    pub pos: usize,
    pub cfg: Config,
    /// Persistent: whether it ever started (the first coordinator makes the global token once).
    pub booted: bool,
    /// Persistent: the highest global hop seen (discards duplicates and stale tokens).
    pub seen_global: u64,
    /// Persistent: the highest (round, hop) local token seen.
    pub seen_local: (u64, u32),
    /// Volatile: a coordinator's global token (its hop number) while its LAN holds it.
    pub global: Option<u64>,
    /// Volatile: the local token held here, as (round, hop).
    pub local: Option<(u64, u32)>,
    /// Volatile: a coordinator's local token is out on its tour of the LAN.
    pub touring: bool,
    /// Volatile: in the critical section since.
    pub in_cs: Option<Time>,
    /// Volatile: waiting requests, oldest first.
    pub pending: VecDeque<Request>,
    /// Entries into the critical section (statistics, kept over crashes).
    pub entries: u64,
    pub wait_total: Time,
}

impl Node {
    pub fn is_coordinator(&self) -> bool {
        self.pos == 0
    }

    fn per_lan(&self) -> usize {
        self.cfg.per_lan.max(2)
    }

    fn lans(&self) -> usize {
        self.cfg.lans.max(1)
    }

    /// The next process of the local ring.
    pub fn local_next(&self) -> NodeId {
        self.lan * self.per_lan() + (self.pos + 1) % self.per_lan()
    }

    /// The next coordinator of the global ring.
    pub fn global_next(&self) -> NodeId {
        ((self.lan + 1) % self.lans()) * self.per_lan()
    }

    fn add_request(&mut self, ctx: &mut Ctx<Self>) {
        if self.pending.len() >= MAX_PENDING {
            ctx.note("twotier.queue_full", self.pending.len() as u64);
            return;
        }
        self.pending.push_back(Request {
            at: ctx.now,
            ahead: self.pending.len() as u32,
        });
    }

    fn schedule_request(&self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate <= 0.0 {
            return;
        }
        // Exponential inter-arrival time from a uniform draw in (0, 1].
        let u = ctx.random_between(1, 1_000_000) as f64 / 1_000_000.0;
        let mean = 1_000.0 * MS as f64 / self.cfg.rate;
        let after = (-u.ln() * mean).clamp(MS as f64, 3_600_000.0 * MS as f64) as Time;
        ctx.set_timer(Timer::Request, after);
    }

    /// The global token arrives at this coordinator: the LAN's turn begins.
    fn take_global(&mut self, seq: u64, ctx: &mut Ctx<Self>) {
        self.global = Some(seq);
        self.start_tour(seq, ctx);
    }

    /// A coordinator lets its local token out for one tour, starting with itself.
    fn start_tour(&mut self, round: u64, ctx: &mut Ctx<Self>) {
        self.touring = true;
        self.local = Some((round, 0));
        self.seen_local = self.seen_local.max((round, 0));
        ctx.note("twotier.tour", self.lan as u64 + 1);
        self.visit(ctx);
    }

    /// The local token is here: enter if a request waits, else pass it on.
    fn visit(&mut self, ctx: &mut Ctx<Self>) {
        let starved = self.cfg.broken_starve_last && self.pos + 1 == self.per_lan();
        let next = if starved {
            None
        } else {
            self.pending.pop_front()
        };
        if let Some(req) = next {
            let wait = ctx.now.saturating_sub(req.at);
            self.entries += 1;
            self.wait_total += wait;
            self.in_cs = Some(ctx.now);
            ctx.note("twotier.enter", wait / MS);
            ctx.set_timer(Timer::CsDone, self.cfg.cs);
        } else {
            self.pass_local(ctx);
        }
    }

    /// Passes the local token to the next process of the LAN.
    fn pass_local(&mut self, ctx: &mut Ctx<Self>) {
        let Some((round, hop)) = self.local.take() else {
            return;
        };
        ctx.send(
            self.local_next(),
            Msg::LocalToken {
                round,
                hop: hop + 1,
            },
        );
    }

    /// The tour is over: the coordinator passes the global token to the next LAN.
    fn pass_global(&mut self, ctx: &mut Ctx<Self>) {
        let Some(seq) = self.global.take() else {
            return;
        };
        if self.lans() == 1 {
            // A flat ring: there is no one to pass the global token to; next tour at once.
            self.global = Some(seq + 1);
            self.seen_global = seq + 1;
            self.start_tour(seq + 1, ctx);
            return;
        }
        ctx.send(self.global_next(), Msg::GlobalToken { seq: seq + 1 });
    }

    fn on_local_token(&mut self, round: u64, hop: u32, ctx: &mut Ctx<Self>) {
        if (round, hop) <= self.seen_local {
            ctx.note("twotier.stale", u64::from(hop));
            return;
        }
        self.seen_local = (round, hop);
        if self.is_coordinator() {
            // The token is back from its tour.
            if !self.touring {
                ctx.note("twotier.stale", u64::from(hop));
                return;
            }
            self.touring = false;
            self.local = Some((round, hop));
            if self.cfg.broken_ignore_global {
                // Broken: another tour at once, global token or not.
                self.local = None;
                self.start_tour(round + 1, ctx);
            } else {
                self.pass_global(ctx);
            }
        } else {
            self.local = Some((round, hop));
            self.visit(ctx);
        }
    }
}

impl Protocol for Node {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("mutual-exclusion"),
        Property::eventually("every-request-granted"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "twotier.member",
            "n",
            Shape::Circle,
            &[CommandSpec::plain("request")],
        ),
        NodeKind::new(
            "twotier.coordinator",
            "n",
            Shape::Square,
            &[CommandSpec::plain("request")],
        ),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let per_lan = cfg.per_lan.max(2);
        Node {
            id,
            lan: id / per_lan,
            pos: id % per_lan,
            cfg: cfg.clone(),
            booted: false,
            seen_global: 0,
            seen_local: (0, 0),
            global: None,
            local: None,
            touring: false,
            in_cs: None,
            pending: VecDeque::new(),
            entries: 0,
            wait_total: 0,
        }
    }

    fn kind(&self) -> usize {
        if self.is_coordinator() {
            COORDINATOR
        } else {
            MEMBER
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.schedule_request(ctx);
        let first = !self.booted;
        self.booted = true;
        if first && self.cfg.broken_ignore_global && self.is_coordinator() {
            // Broken: every LAN's local token tours at once, and there is no global token.
            self.start_tour(1, ctx);
        } else if first && self.id == 0 {
            // The first coordinator makes the one global token, once in the system's life.
            self.seen_global = 1;
            self.take_global(1, ctx);
        }
    }

    fn on_msg(&mut self, _from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::GlobalToken { seq } => {
                if !self.is_coordinator() || seq <= self.seen_global {
                    ctx.note("twotier.stale", seq);
                    return;
                }
                self.seen_global = seq;
                self.take_global(seq, ctx);
            }
            Msg::LocalToken { round, hop } => self.on_local_token(round, hop, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Request => {
                self.add_request(ctx);
                self.schedule_request(ctx);
            }
            Timer::CsDone => {
                if self.in_cs.take().is_some() {
                    ctx.note("twotier.exit", self.entries);
                    self.pass_local(ctx);
                }
            }
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "request" {
            self.add_request(ctx);
        }
    }

    fn on_crash(&mut self) {
        self.global = None;
        self.local = None;
        self.touring = false;
        self.in_cs = None;
        self.pending.clear();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Request => "twotier.request",
            Timer::CsDone => "twotier.cs_done",
        }
    }

    fn observe(m: &mut Monitor, seen: &crate::sim::Observed<Self>, found: &mut crate::sim::Found) {
        m.observe(seen, found);
    }

    fn check_eventually(
        m: &Monitor,
        now: Time,
        nodes: &[Self],
        status: &[crate::sim::NodeStatus],
        found: &mut crate::sim::Found,
    ) {
        m.check_eventually(now, nodes, status, found);
    }
}

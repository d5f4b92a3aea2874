//! Logical clocks: Lamport clocks and vector clocks on n processes that do local events and
//! exchange messages (course notes, seed 003, "时间与顺序 — Lamport 时钟" and "分布式基本问题 (1)
//! 分布式时钟, 又叫 Lamport Clock"; L. Lamport, "Time, Clocks, and the Ordering of Events in a
//! Distributed System", CACM 1978, §2–3; vector clocks after Fidge and Mattern, 1988).
//!
//! Every process keeps a Lamport clock L and a vector clock V and stamps each of its events:
//!
//! - a local event or a send: `L += 1`, `V[i] += 1`; a send carries (L, V);
//! - a receive of (Lm, Vm): `L = max(L, Lm) + 1`, `V = max(V, Vm)` element-wise, `V[i] += 1`.
//!
//! Each event is also stamped with the process's *physical* local clock, which a clock fault
//! (drift, offset: `t<node>-<drift>-<offset>`) skews. The workload is random (`rate` events per
//! process per simulated second, `send_pct` of them sends to a random other process) or drawn
//! by the learner with the `local` and `send <process>` commands. Clocks live on stable
//! storage: a crash keeps them (a process that forgot its clock would break monotonicity).
//!
//! The checker ([`monitor`]) rebuilds the true happened-before relation from the trace and
//! checks *lamport-consistent* (e → f ⇒ L(e) < L(f)), *vector-exact* (V(e) < V(f) ⇔ e → f) and
//! the lesson *physical-order* (a receive is never stamped, in physical time, before its send),
//! which clock skew breaks. The converse of Lamport's condition does not hold: L(e) < L(f) for
//! concurrent events is common, which is what vector clocks add.
//!
//! The space-time diagram labels every kept event with both clocks, and the learner picks two
//! to see whether one happened before the other or they are concurrent ([`lanes`]).

mod lanes;
pub mod monitor;
mod scenarios;
mod texts;

use std::collections::VecDeque;

use serde_json::json;

pub use monitor::{concurrent, happened_before, Monitor};

use crate::input::Params;
use crate::labs::{
    lab_def, net_config, EventOrder, EventRef, Group, Headline, LabDef, LaneEvent, Looks, NetLab,
    NetSession, Panel, ParamSpec, Stat,
};
use crate::sim::{
    CommandSpec, Ctx, Found, Message, NetConfig, NodeKind, Observed, Property, Protocol, Shape,
    Sim, TraceHasher,
};
use crate::{NodeId, Time, MS};

/// The lab's parameters: processes, the workload, and the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 3.0, 2.0, 8.0),
    ParamSpec::float("rate", 1.0, 0.0, 20.0),
    ParamSpec::int("send_pct", 50.0, 0.0, 100.0),
];

/// The note that announces each event (its value: the event's Lamport time).
pub const NOTE_EVENT: &str = "clocks.lamport";

/// Events each process keeps in its history (the panel shows the newest [`PANEL_ROWS`]).
pub const HISTORY: usize = 64;
pub const PANEL_ROWS: usize = 12;

/// The workload and test-only breakage.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Config {
    /// Random events per process per simulated second (0: only the learner's commands).
    pub rate: f64,
    /// Percentage of random events that are sends.
    pub send_pct: u64,
    /// Test only: a receive ignores the message's clocks (no max, no merge).
    #[doc(hidden)]
    pub broken_no_merge: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            rate: p.get("rate").max(0.0),
            send_pct: p.get_u64("send_pct").min(100),
            broken_no_merge: false,
        }
    }
}

/// The one message: the sender's clocks at its send event.
#[derive(Clone, Debug, PartialEq)]
pub struct Msg {
    pub lamport: u64,
    pub vector: Vec<u64>,
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        "Msg"
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        h.u64(self.lamport);
        h.u64(self.vector.len() as u64);
        for v in &self.vector {
            h.u64(*v);
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("L", self.lamport.to_string()),
            ("V", show_vector(&self.vector)),
        ]
    }

    fn heap_bytes(&self) -> usize {
        self.vector.len() * std::mem::size_of::<u64>()
    }
}

/// The workload's timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    Work,
}

/// What an event was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    Local,
    Send { to: NodeId },
    Receive { from: NodeId },
}

/// One stamped event of a process.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub node: NodeId,
    /// 1-based position on its process.
    pub seq: u64,
    pub kind: EventKind,
    pub lamport: u64,
    pub vector: Vec<u64>,
    /// The process's physical local clock when it happened.
    pub physical: Time,
    /// True (simulation) time when it happened: where the space-time diagram draws it.
    pub at: Time,
}

impl Event {
    /// The event's name in the panel: `#3 ·` (local), `#3 →p2` (send), `#3 ←p1` (receive).
    pub fn name(&self) -> String {
        match self.kind {
            EventKind::Local => format!("#{} ·", self.seq),
            EventKind::Send { to } => format!("#{} →p{}", self.seq, to + 1),
            EventKind::Receive { from } => format!("#{} ←p{}", self.seq, from + 1),
        }
    }
}

/// `V < W`: every entry at most, and the vectors differ.
pub fn vector_less(v: &[u64], w: &[u64]) -> bool {
    v.len() == w.len() && v.iter().zip(w).all(|(a, b)| a <= b) && v != w
}

/// `(2,1,0)`.
pub fn show_vector(v: &[u64]) -> String {
    let parts: Vec<String> = v.iter().map(u64::to_string).collect();
    format!("({})", parts.join(","))
}

/// One process.
#[derive(Clone, Debug)]
pub struct Clocks {
    pub id: NodeId,
    pub n: usize,
    /// Persistent: the Lamport clock.
    pub lamport: u64,
    /// Persistent: the vector clock.
    pub vector: Vec<u64>,
    /// Persistent: events so far, messages sent and received.
    pub events: u64,
    pub sent: u64,
    pub received: u64,
    /// The newest [`HISTORY`] events.
    pub history: VecDeque<Event>,
    cfg: Config,
}

impl Clocks {
    /// Stamps a new event (after the clocks were advanced) and announces it in the trace.
    fn stamp(&mut self, kind: EventKind, ctx: &mut Ctx<Self>) {
        self.events += 1;
        let ev = Event {
            node: self.id,
            seq: self.events,
            kind,
            lamport: self.lamport,
            vector: self.vector.clone(),
            physical: ctx.local_now(),
            at: ctx.now,
        };
        self.history.push_back(ev);
        if self.history.len() > HISTORY {
            self.history.pop_front();
        }
        ctx.note(NOTE_EVENT, self.lamport);
    }

    /// The clock rule of a local event or a send.
    fn tick(&mut self) {
        self.lamport += 1;
        self.vector[self.id] += 1;
    }

    fn local(&mut self, ctx: &mut Ctx<Self>) {
        self.tick();
        self.stamp(EventKind::Local, ctx);
    }

    fn send(&mut self, to: NodeId, ctx: &mut Ctx<Self>) {
        self.tick();
        self.sent += 1;
        self.stamp(EventKind::Send { to }, ctx);
        let msg = Msg {
            lamport: self.lamport,
            vector: self.vector.clone(),
        };
        ctx.send(to, msg);
    }

    fn schedule_work(&self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            // Uniform in [0, 2/rate]: on average `rate` events a second.
            let mean = (1_000.0 * MS as f64 / self.cfg.rate) as Time;
            let after = ctx.random_between(1, 2 * mean.max(1));
            ctx.set_timer(Timer::Work, after);
        }
    }
}

/// Index of the one node kind.
pub const PROCESS: usize = 0;

impl Protocol for Clocks {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("lamport-consistent"),
        Property::always("vector-exact"),
        Property::always("physical-order").lesson(),
    ];
    const KINDS: &'static [NodeKind] = &[NodeKind::new(
        "process",
        "p",
        Shape::Circle,
        &[
            CommandSpec::plain("local"),
            CommandSpec::int("send", 1, 8, 2),
        ],
    )];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        Clocks {
            id,
            n,
            lamport: 0,
            vector: vec![0; n],
            events: 0,
            sent: 0,
            received: 0,
            history: VecDeque::new(),
            cfg: cfg.clone(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.schedule_work(ctx);
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        if !self.cfg.broken_no_merge {
            self.lamport = self.lamport.max(msg.lamport);
            for (v, m) in self.vector.iter_mut().zip(&msg.vector) {
                *v = (*v).max(*m);
            }
        }
        self.tick();
        self.received += 1;
        self.stamp(EventKind::Receive { from }, ctx);
    }

    fn on_timer(&mut self, _t: Timer, ctx: &mut Ctx<Self>) {
        let others = self.n.saturating_sub(1);
        if others > 0 && (ctx.random_index(100) as u64) < self.cfg.send_pct {
            // A random other process.
            let k = ctx.random_index(others);
            let to = if k >= self.id { k + 1 } else { k };
            self.send(to, ctx);
        } else {
            self.local(ctx);
        }
        self.schedule_work(ctx);
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        match command {
            "local" => self.local(ctx),
            "send" => {
                // 1-based process number, checked against 1..=8 by the kernel but not
                // against this run's n, nor against the sender itself.
                let to = arg
                    .and_then(|a| a.parse::<usize>().ok())
                    .and_then(|t| t.checked_sub(1));
                match to {
                    Some(to) if to < self.n && to != self.id => self.send(to, ctx),
                    _ => ctx.note(
                        "clocks.no_target",
                        arg.and_then(|a| a.parse().ok()).unwrap_or(0),
                    ),
                }
            }
            _ => {}
        }
    }

    fn on_crash(&mut self) {}

    fn timer_name(_t: Timer) -> &'static str {
        "work"
    }

    fn observe(m: &mut Monitor, seen: &Observed<Self>, found: &mut Found) {
        m.observe(seen, found);
    }
}

/// The clocks lab's row in the registry.
pub const LAB: LabDef = lab_def::<Clocks>();

/// A session with an explicit configuration (the tests use it for the broken variant); the
/// process count and the network still come from `p`.
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Clocks> {
    let n = p.get_u64("nodes").max(1) as usize;
    NetSession::new(n, cfg, net_config(p), seed)
}

const LOOKS: Looks = Looks {
    roles: &[("process", "#5b8def")],
    messages: &[("Msg", "#2bb5b8")],
};

impl NetLab for Clocks {
    const ID: &'static str = "clocks";
    const GROUP: Group = Group::Foundations;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [crate::labs::Text] = texts::TEXTS;
    const LOOKS: Looks = LOOKS;

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        let n = p.get_u64("nodes").max(1) as usize;
        (Config::from_params(p), net_config(p), n)
    }

    fn role(&self) -> &'static str {
        "process"
    }

    fn badge(&self) -> String {
        format!("L{}", self.lamport)
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let physical = self.history.back().map_or("-".to_string(), |e| {
            format!("{:.1} ms", e.physical as f64 / MS as f64)
        });
        vec![
            ("clocks.lamport", self.lamport.to_string()),
            ("clocks.vector", show_vector(&self.vector)),
            ("clocks.physical", physical),
            ("clocks.events", self.events.to_string()),
            ("clocks.sent", self.sent.to_string()),
            ("clocks.received", self.received.to_string()),
        ]
    }

    fn panels(&self) -> Vec<Panel> {
        let rows = self
            .history
            .iter()
            .rev()
            .take(PANEL_ROWS)
            .map(|e| vec![e.name(), e.lamport.to_string(), show_vector(&e.vector)])
            .collect();
        vec![Panel::Table {
            title: "clocks.panel.events",
            columns: vec![
                "clocks.col.event",
                "clocks.col.lamport",
                "clocks.col.vector",
            ],
            rows,
        }]
    }

    fn arc_timer(_t: Timer) -> bool {
        false
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let nodes = sim.nodes();
        json!({
            "lamport": nodes.iter().map(|p| p.lamport).collect::<Vec<_>>(),
            "vectors": nodes.iter().map(|p| p.vector.clone()).collect::<Vec<_>>(),
            "events": sim.monitor().events,
            "messages": sim.monitor().messages,
            "received": nodes.iter().map(|p| p.received).sum::<u64>(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let m = sim.monitor();
        let max = sim.nodes().iter().map(|p| p.lamport).max().unwrap_or(0);
        Headline {
            key: "clocks.headline",
            args: vec![
                m.events.to_string(),
                m.messages.to_string(),
                max.to_string(),
            ],
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        vec![
            Stat::new("clocks.events", m.events as f64),
            Stat::new("clocks.messages", m.messages as f64),
        ]
    }

    const LANE_EVENTS: bool = true;

    fn lane_events(sim: &Sim<Self>) -> Vec<LaneEvent> {
        lanes::lane_events(sim)
    }

    fn event_order(sim: &Sim<Self>, a: EventRef, b: EventRef) -> Option<EventOrder> {
        lanes::event_order(sim, a, b)
    }

    fn causal_past(sim: &Sim<Self>, e: EventRef) -> Vec<EventRef> {
        lanes::causal_past(sim, e)
    }
}

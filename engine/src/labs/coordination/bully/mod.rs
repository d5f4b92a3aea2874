//! The bully election (Garcia-Molina, 1982), as the course notes describe it: seed 000's
//! "分布式选择算法 › Bully" (长者为大: the three messages and a recovering process's rules 1–5)
//! and seed 001's "分布式选举 › Bully 算法" (steps 1–4, and the weakness that a node with a
//! higher id joining or recovering triggers a new election and takes over: 频繁切主).
//!
//! Every node knows every id (the notes' premise); the highest live id should lead.
//!
//! - **Noticing the coordinator is gone**: the coordinator sends `Heartbeat` to the lower ids
//!   every `heartbeat` ms; a node that hears none for its detection timeout (drawn in
//!   `timeout_min..=timeout_max` at each reset) starts an election. A node that has just booted
//!   knows no coordinator and waits the same timeout; a node **recovering from a crash** starts
//!   an election at once (seed 000: 当一个进程P从失败中恢复 …).
//! - **Step 1**: a node with the highest id of all sends `Victory` to every lower id and is
//!   coordinator. Otherwise **step 2**: it sends `Election` to every higher id and waits
//!   `answer` ms for an `Alive`.
//! - **Step 3**: no `Alive` in time → it declares itself coordinator and sends `Victory` to every
//!   lower id. An `Alive` from a higher id → it waits `victory` ms for that `Victory` (and
//!   starts over if none comes).
//! - **Step 4**: a node that gets `Election` from a lower id answers `Alive` ("I am bigger than
//!   you") and starts its own election, unless it is already in one; a coordinator answers
//!   `Alive` and repeats its `Victory` to that node.
//! - A `Victory` (or heartbeat) from a higher id makes the sender the node's coordinator; a
//!   coordinator that hears one steps down. One from a lower id makes the node bully: it starts
//!   an election.
//!
//! So a higher id that restarts always takes over, and each switch is counted (the notes'
//! 频繁切主). A partition gives each side its own coordinator: the `one-coordinator` property
//! is the lab's lesson. What bully does promise is `highest-coordinator` (checked once quiet,
//! see `monitor.rs`): every live node follows the highest live id it can reach. The messages of
//! each election are counted; when the lowest id starts, they number Θ(n²).

mod monitor;
mod scenarios;
mod texts;

pub use monitor::{Episode, Monitor};

use serde_json::json;

use crate::input::Params;
use crate::labs::{
    lab_def, net_config, Group, Headline, LabDef, Looks, NetLab, NetSession, Panel, ParamSpec,
    Stat, Text,
};
use crate::params::InputError;
use crate::sim::{
    CommandSpec, Ctx, Message, NetConfig, NodeKind, NodeStatus, Property, Protocol, Shape, Sim,
    TraceHasher,
};
use crate::{NodeId, Time, MS};

/// The lab's parameters: the network's plus its timeouts (milliseconds).
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 5.0, 3.0, 12.0),
    ParamSpec::int("heartbeat", 50.0, 5.0, 5_000.0),
    ParamSpec::int("timeout_min", 150.0, 10.0, 10_000.0),
    ParamSpec::int("timeout_max", 300.0, 10.0, 10_000.0),
    ParamSpec::int("answer", 100.0, 1.0, 10_000.0),
    ParamSpec::int("victory", 200.0, 1.0, 10_000.0),
];

/// Timing, and the tests' deliberately broken variant.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Config {
    /// How often a coordinator sends `Heartbeat` to the lower ids.
    pub heartbeat: Time,
    /// The detection timeout (no heartbeat from the coordinator) is drawn in this range.
    pub timeout_min: Time,
    pub timeout_max: Time,
    /// How long a node that sent `Election` waits for an `Alive`.
    pub answer: Time,
    /// How long a node that got an `Alive` waits for the `Victory`.
    pub victory: Time,
    /// The network's longest one-way latency (the monitor's notion of "quiet" uses it).
    pub latency_max: Time,
    /// Test only: a coordinator never steps down, even for a higher id's `Victory` or
    /// heartbeat, so a higher id that returns leaves two coordinators. Nothing outside the
    /// tests sets it (no URL or command-line parameter reaches it).
    #[doc(hidden)]
    pub broken_never_step_down: bool,
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            heartbeat: p.get_u64("heartbeat") * MS,
            timeout_min: p.get_u64("timeout_min") * MS,
            timeout_max: p.get_u64("timeout_max") * MS,
            answer: p.get_u64("answer") * MS,
            victory: p.get_u64("victory") * MS,
            latency_max: p.get_u64("latency_max") * MS,
            broken_never_step_down: false,
        }
    }

    /// How long nothing but heartbeats must happen before the monitor calls the run quiet:
    /// long enough for any node with a stale view to have timed out and started an election.
    pub fn settle(&self) -> Time {
        self.timeout_max + self.answer + self.victory + self.heartbeat + 2 * self.latency_max
    }
}

/// A session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Bully> {
    session_with(p, &Config::from_params(p), seed)
}

/// A session with an explicit configuration (the tests' broken variant); the node count and
/// the network still come from `p`.
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Bully> {
    let n = p.get_u64("nodes").max(1) as usize;
    NetSession::new(n, cfg, net_config(p), seed)
}

/// The lab's row in the registry.
pub const LAB: LabDef = lab_def::<Bully>();

const LOOKS: Looks = Looks {
    roles: &[
        ("bully.coordinator", "#2eb872"),
        ("bully.electing", "#f0a030"),
        ("bully.waiting", "#d1b34a"),
        ("follower", "#7b86a8"),
        ("bully.idle", "#4a5070"),
    ],
    messages: &[
        ("Election", "#f0a030"),
        ("Alive", "#d16ba5"),
        ("Victory", "#2eb872"),
        ("Heartbeat", "#5b8def"),
    ],
};

/// The bully algorithm's messages (seed 000: 选举消息, 应答消息, 选举成功消息) and the
/// coordinator's heartbeat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Msg {
    Election,
    Alive,
    Victory,
    Heartbeat,
}

impl Msg {
    /// Election, Alive and Victory: the messages an election costs.
    pub fn is_election(self) -> bool {
        self != Msg::Heartbeat
    }
}

/// Message kinds that belong to an election (for counting from the trace).
pub const ELECTION_KINDS: [&str; 3] = ["Election", "Alive", "Victory"];

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Election => "Election",
            Msg::Alive => "Alive",
            Msg::Victory => "Victory",
            Msg::Heartbeat => "Heartbeat",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        h.u64(match self {
            Msg::Election => 1,
            Msg::Alive => 2,
            Msg::Victory => 3,
            Msg::Heartbeat => 4,
        });
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The coordinator's heartbeat period.
    Heartbeat,
    /// No word from the coordinator for this long: it is gone.
    Watch,
    /// Sent `Election`, waiting for an `Alive`.
    Answer,
    /// Got an `Alive`, waiting for the `Victory`.
    Victory,
}

/// Where a node is in the algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Booted, knows no coordinator yet.
    Idle,
    /// Follows a coordinator.
    Follower,
    /// Sent `Election` to the higher ids, waits for an `Alive` (step 2).
    Electing,
    /// Got an `Alive`: a higher id takes over, waits for its `Victory` (step 3).
    Waiting,
    Coordinator,
}

/// The one node kind, with its command.
pub const KIND: NodeKind = NodeKind::new(
    "bully.node",
    "n",
    Shape::Circle,
    &[CommandSpec::plain("start")],
);

/// One process of the bully algorithm.
#[derive(Clone, Debug)]
pub struct Bully {
    pub id: NodeId,
    pub n: usize,
    pub role: Role,
    /// The coordinator this node follows (itself when it is coordinator).
    pub coordinator: Option<NodeId>,
    /// Persistent: how many times the node started (1 after boot; more after restarts).
    pub boots: u64,
    /// Persistent: elections this node started.
    pub elections: u64,
    cfg: Config,
}

impl Bully {
    fn highest(&self) -> bool {
        self.id + 1 == self.n
    }

    fn set_watch(&self, ctx: &mut Ctx<Self>) {
        let t = ctx.random_between(self.cfg.timeout_min, self.cfg.timeout_max);
        ctx.set_timer(Timer::Watch, t);
    }

    fn send_lower(&self, msg: Msg, ctx: &mut Ctx<Self>) {
        for to in 0..self.id {
            ctx.send(to, msg);
        }
    }

    /// Steps 1 and 2.
    fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        self.elections += 1;
        ctx.note("bully.election", (self.n - self.id - 1) as u64);
        ctx.cancel_timer(Timer::Watch);
        ctx.cancel_timer(Timer::Victory);
        if self.highest() {
            self.become_coordinator(ctx);
            return;
        }
        self.role = Role::Electing;
        for to in self.id + 1..self.n {
            ctx.send(to, Msg::Election);
        }
        ctx.set_timer(Timer::Answer, self.cfg.answer);
    }

    /// Step 3: no `Alive` in time (or the highest id): Victory to every lower id.
    fn become_coordinator(&mut self, ctx: &mut Ctx<Self>) {
        self.role = Role::Coordinator;
        self.coordinator = Some(self.id);
        ctx.note("bully.victory", self.id as u64);
        ctx.cancel_timer(Timer::Answer);
        ctx.cancel_timer(Timer::Victory);
        ctx.cancel_timer(Timer::Watch);
        self.send_lower(Msg::Victory, ctx);
        ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
    }

    /// Follows `c`, a higher id that won (or leads).
    fn follow(&mut self, c: NodeId, ctx: &mut Ctx<Self>) {
        if self.role == Role::Coordinator {
            ctx.note("bully.step_down", c as u64 + 1);
            ctx.cancel_timer(Timer::Heartbeat);
        } else if self.coordinator != Some(c) {
            ctx.note("bully.follow", c as u64 + 1);
        }
        self.role = Role::Follower;
        self.coordinator = Some(c);
        ctx.cancel_timer(Timer::Answer);
        ctx.cancel_timer(Timer::Victory);
        self.set_watch(ctx);
    }

    fn electing(&self) -> bool {
        matches!(self.role, Role::Electing | Role::Waiting)
    }
}

impl Protocol for Bully {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("one-coordinator").lesson(),
        Property::eventually("highest-coordinator"),
    ];
    const KINDS: &'static [NodeKind] = &[KIND];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        Bully {
            id,
            n,
            role: Role::Idle,
            coordinator: None,
            boots: 0,
            elections: 0,
            cfg: cfg.clone(),
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if self.boots > 1 {
            // Recovering from a crash: an election at once (seed 000's rule).
            self.start_election(ctx);
        } else {
            self.set_watch(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Election if from < self.id => {
                // Step 4: "I am bigger than you".
                ctx.send(from, Msg::Alive);
                if self.role == Role::Coordinator {
                    ctx.send(from, Msg::Victory);
                } else if !self.electing() {
                    self.start_election(ctx);
                }
            }
            Msg::Alive if from > self.id && self.role == Role::Electing => {
                self.role = Role::Waiting;
                ctx.cancel_timer(Timer::Answer);
                ctx.set_timer(Timer::Victory, self.cfg.victory);
            }
            Msg::Victory | Msg::Heartbeat if from > self.id => {
                if self.role == Role::Coordinator && self.cfg.broken_never_step_down {
                    return;
                }
                // A Victory always names the new coordinator (the one before may be dead);
                // a heartbeat from below the coordinator followed is stale.
                let stale = msg == Msg::Heartbeat
                    && self.role != Role::Coordinator
                    && self.coordinator.is_some_and(|c| c > from);
                if !stale {
                    self.follow(from, ctx);
                }
            }
            Msg::Victory | Msg::Heartbeat if from < self.id && !self.electing() => {
                // A lower id claims to lead: bully it.
                ctx.note("bully.bullies", from as u64 + 1);
                self.start_election(ctx);
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Heartbeat if self.role == Role::Coordinator => {
                self.send_lower(Msg::Heartbeat, ctx);
                ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
            }
            Timer::Watch if matches!(self.role, Role::Idle | Role::Follower) => {
                ctx.note(
                    "bully.coordinator_lost",
                    self.coordinator.map_or(0, |c| c as u64 + 1),
                );
                self.start_election(ctx);
            }
            Timer::Answer if self.role == Role::Electing => self.become_coordinator(ctx),
            Timer::Victory if self.role == Role::Waiting => {
                ctx.note("bully.no_victory", 0);
                self.start_election(ctx);
            }
            _ => {}
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "start" {
            ctx.cancel_timer(Timer::Heartbeat);
            self.start_election(ctx);
        }
    }

    fn on_crash(&mut self) {
        self.role = Role::Idle;
        self.coordinator = None;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Heartbeat => "heartbeat",
            Timer::Watch => "bully.watch",
            Timer::Answer => "bully.answer",
            Timer::Victory => "bully.victory",
        }
    }

    fn observe(m: &mut Monitor, seen: &crate::sim::Observed<Self>, found: &mut crate::sim::Found) {
        m.observe(seen, found);
    }

    fn check_eventually(
        m: &Monitor,
        now: Time,
        nodes: &[Self],
        status: &[NodeStatus],
        found: &mut crate::sim::Found,
    ) {
        m.check_quiet(now, nodes, status, found);
    }
}

fn who(n: Option<NodeId>) -> String {
    n.map_or("-".to_string(), |n| format!("n{}", n + 1))
}

impl NetLab for Bully {
    const ID: &'static str = "election-bully";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = texts::TEXTS;
    const LOOKS: Looks = LOOKS;

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        p.order_pair("timeout_min", "timeout_max", errors);
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        (
            Config::from_params(p),
            net_config(p),
            p.get_u64("nodes").max(1) as usize,
        )
    }

    fn role(&self) -> &'static str {
        match self.role {
            Role::Idle => "bully.idle",
            Role::Follower => "follower",
            Role::Electing => "bully.electing",
            Role::Waiting => "bully.waiting",
            Role::Coordinator => "bully.coordinator",
        }
    }

    fn badge(&self) -> String {
        match self.coordinator {
            Some(c) if c == self.id => "★".into(),
            Some(c) => format!("→n{}", c + 1),
            None => "?".into(),
        }
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        vec![
            ("bully.coordinator", who(self.coordinator)),
            ("bully.elections", self.elections.to_string()),
            ("bully.restarts", self.boots.saturating_sub(1).to_string()),
        ]
    }

    fn panels(&self) -> Vec<Panel> {
        vec![Panel::List {
            title: "panel.bully.higher",
            items: (self.id + 1..self.n)
                .map(|i| format!("n{}", i + 1))
                .collect(),
        }]
    }

    fn arc_timer(timer: Timer) -> bool {
        matches!(timer, Timer::Watch | Timer::Answer | Timer::Victory)
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        json!({
            "coordinators": Self::coordinators(sim).iter().map(|c| c + 1).collect::<Vec<_>>(),
            "current_coordinator": Self::leader(sim).map(|n| n + 1),
            "first_coordinator_ms": m.first_victory.map(|t| t as f64 / MS as f64),
            "elections": m.episodes.len(),
            "election_messages": m.election_messages,
            "switches": m.switches,
            "messages_per_election": m.episodes.iter().map(|e| e.messages).collect::<Vec<_>>(),
        })
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        let cs = Self::coordinators(sim);
        match cs.as_slice() {
            [] => Headline {
                key: "bully.headline.none",
                args: Vec::new(),
            },
            [c] => Headline {
                key: "bully.headline.one",
                args: vec![format!("n{}", c + 1)],
            },
            many => Headline {
                key: "bully.headline.many",
                args: vec![many
                    .iter()
                    .map(|c| format!("n{}", c + 1))
                    .collect::<Vec<_>>()
                    .join(", ")],
            },
        }
    }

    fn stats(sim: &Sim<Self>) -> Vec<Stat> {
        let m = sim.monitor();
        let done: Vec<u64> = m
            .episodes
            .iter()
            .filter(|e| e.end.is_some())
            .map(|e| e.messages)
            .collect();
        let mean = if done.is_empty() {
            0.0
        } else {
            done.iter().sum::<u64>() as f64 / done.len() as f64
        };
        vec![
            Stat::new("bully.elections", m.episodes.len() as f64),
            Stat::new(
                "bully.last_election_messages",
                m.episodes.last().map_or(0, |e| e.messages) as f64,
            ),
            Stat::new("bully.messages_per_election", (mean * 10.0).round() / 10.0),
            Stat::new("bully.election_messages", m.election_messages as f64),
            Stat::new("bully.switches", m.switches as f64),
        ]
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        Self::coordinators(sim).last().copied()
    }
}

impl Bully {
    /// The up nodes that consider themselves coordinator, in id order.
    pub fn coordinators(sim: &Sim<Self>) -> Vec<NodeId> {
        (0..sim.n())
            .filter(|&i| sim.status(i) == NodeStatus::Up && sim.node(i).role == Role::Coordinator)
            .collect()
    }
}

//! `Pinger`: the kernel's small test protocol, and the running example of
//! `docs/writing-a-lab.md`. Its traffic is easy to predict, so kernel tests (faults, the
//! trace, FIFO links, clocks, checkers) use it instead of a real lab.
//!
//! Two node kinds. **Pingers** (the first `n − clients` nodes) broadcast `Ping(seq)` to the
//! other pingers every `period` of their local clock. **Clients** (the last `clients` nodes)
//! send `Ask(v)` to the first pinger on the `ask` command (an argument) and wait for its
//! `Answer`. Properties: *fifo-order* (always; a history check: on every directed link,
//! messages arrive in the order they were sent, which only FIFO links promise) and
//! *every-ask-answered* (eventually: no client is still waiting when the run ends).

use super::linearizability::{Op, Ret};
use super::protocol::Shape;
use super::protocol::{CommandSpec, Ctx, Found, Message, NodeKind, Observed, Property, Protocol};
use super::{NodeStatus, TraceHasher, TraceKind};
use crate::{NodeId, Time};

/// The test protocol's messages.
#[derive(Clone, Debug, PartialEq)]
pub enum Ping {
    Ping(u64),
    Ask(i64),
    Answer(i64),
}

impl Message for Ping {
    fn kind(&self) -> &'static str {
        match self {
            Ping::Ping(_) => "Ping",
            Ping::Ask(_) => "Ask",
            Ping::Answer(_) => "Answer",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Ping::Ping(seq) => h.u64(*seq),
            Ping::Ask(v) | Ping::Answer(v) => h.u64(*v as u64),
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Ping::Ping(seq) => vec![("seq", seq.to_string())],
            Ping::Ask(v) | Ping::Answer(v) => vec![("value", v.to_string())],
        }
    }
}

/// The one timer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tick {
    Tick,
}

/// The period and how many of the nodes are clients.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub period: Time,
    pub clients: usize,
}

impl Config {
    /// Pingers only.
    pub fn pingers(period: Time) -> Config {
        Config { period, clients: 0 }
    }
}

/// One node of the test protocol.
#[derive(Clone, Debug)]
pub struct Pinger {
    pub id: NodeId,
    pub client: bool,
    /// Persistent: how many times on_start ran.
    pub boots: u64,
    /// Volatile: messages received since the last start.
    pub received: u64,
    /// Volatile: ticks since the last start.
    pub ticks: u64,
    /// A client's question still unanswered, with its call id in the client history.
    pub waiting: Option<(i64, u64)>,
    /// A client's answers.
    pub answers: Vec<i64>,
    period: Time,
}

/// Kinds by index.
pub const PINGER: usize = 0;
pub const CLIENT: usize = 1;

/// The history-aware checker: the last message id delivered on each directed link.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    last: std::collections::BTreeMap<(NodeId, NodeId), u64>,
}

impl Protocol for Pinger {
    type Msg = Ping;
    type Timer = Tick;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("fifo-order"),
        Property::eventually("every-ask-answered"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "pinger",
            "p",
            Shape::Circle,
            &[
                CommandSpec::plain("ping"),
                CommandSpec::int("echo", 0, 99, 7),
            ],
        ),
        NodeKind::new(
            "client",
            "c",
            Shape::Square,
            &[CommandSpec::int("ask", -1000, 1000, 1)],
        ),
    ];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        Pinger {
            id,
            client: id >= n.saturating_sub(cfg.clients),
            boots: 0,
            received: 0,
            ticks: 0,
            waiting: None,
            answers: Vec::new(),
            period: cfg.period,
        }
    }

    fn kind(&self) -> usize {
        if self.client {
            CLIENT
        } else {
            PINGER
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if !self.client {
            ctx.set_timer(Tick::Tick, self.period);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Ping, ctx: &mut Ctx<Self>) {
        self.received += 1;
        match msg {
            Ping::Ping(_) => {}
            Ping::Ask(v) => ctx.send(from, Ping::Answer(v)),
            Ping::Answer(v) => {
                if let Some((asked, call)) = self.waiting {
                    if asked == v {
                        self.waiting = None;
                        ctx.respond(call, Ret::Ok);
                    }
                }
                self.answers.push(v);
            }
        }
    }

    fn on_timer(&mut self, _t: Tick, ctx: &mut Ctx<Self>) {
        self.ticks += 1;
        ctx.broadcast_kind(PINGER, Ping::Ping(self.ticks));
        ctx.set_timer(Tick::Tick, self.period);
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        let value = arg.and_then(|a| a.parse::<i64>().ok()).unwrap_or(0);
        match command {
            "ping" => ctx.broadcast_kind(PINGER, Ping::Ping(0)),
            // A message to itself: traced and delivered like any other.
            "echo" => ctx.send(ctx.id, Ping::Ping(value as u64)),
            "ask" => {
                let server = ctx.nodes_of(PINGER).next();
                if let Some(server) = server {
                    // For history checkers, an ask is a write of its value to register 0.
                    let call = ctx.invoke(0, Op::Write(value as u64));
                    self.waiting = Some((value, call));
                    ctx.send(server, Ping::Ask(value));
                }
            }
            _ => {}
        }
    }

    fn on_crash(&mut self) {
        self.received = 0;
        self.ticks = 0;
    }

    fn timer_name(_t: Tick) -> &'static str {
        "tick"
    }

    fn observe(m: &mut Monitor, seen: &Observed<Self>, found: &mut Found) {
        if let TraceKind::Deliver { msg, from, to, .. } = seen.record.kind {
            let last = m.last.entry((from, to)).or_insert(0);
            if msg < *last {
                found.push((
                    "fifo-order",
                    format!("message #{msg} from n{} overtook #{last}", from + 1),
                ));
            }
            *last = (*last).max(msg);
        }
    }

    fn check_eventually(
        _m: &Monitor,
        _now: Time,
        nodes: &[Self],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        for p in nodes {
            if let (Some((v, _)), NodeStatus::Up) = (p.waiting, status[p.id]) {
                found.push((
                    "every-ask-answered",
                    format!("c{} still waits for the answer to {v}", p.id + 1),
                ));
            }
        }
    }
}

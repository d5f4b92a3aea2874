//! Idempotency (幂等性): a client's request times out, and retrying it is only safe if the
//! server can tell a retry from a new request (course notes, seed 002: "幂等性：就是用户对于同一
//! 操作发起的一次请求或者多次请求的结果是一致的，不会因为多次点击而产生了副作用", and §4 "不可靠的网络":
//! "节点A向节点B发出请求，在约定的时间内没有收到节点B的响应，那么B是否处理了请求，这个是不确定的
//! …… 是否要重试请求，节点B会不会多次处理同一个请求").
//!
//! Two kinds of node: one **server** (node 0, `S1`) holding an account balance, and `clients`
//! **clients** (nodes 1, 2, …: `c2`, `c3`, …). A client deposits an amount (the `deposit`
//! command, or `rate` random deposits a second): it sends `Request` and waits `timeout` ms
//! for the `Reply`. No reply in time: it cannot tell whether the request was lost (it did not
//! run) or the reply was (it ran) — its panel says *unknown*. It waits `backoff` ms and sends
//! the same request again, at most `retries` times; then it gives up and the outcome stays
//! unknown until a late reply tells it. Each client works through its deposits one at a time
//! (the others wait in its queue).
//!
//! With `ids` off the server applies every request it receives: a retry of a request that had
//! run runs again (a blind retry double-applies). With `ids` on, the client sends the
//! request's number as an idempotency key and the server keeps a **dedupe table** — key →
//! the reply it gave — written with the balance in one local transaction; a request whose key
//! is in the table is not applied again, it gets the stored reply. The table keeps an entry
//! for `retention` ms. A copy of a request that arrives after its entry expired is taken for
//! a new one and applied twice; so the retention must outlast the *retry horizon*: the last
//! retry leaves at most `retries × (timeout + backoff)` after the first attempt (the client
//! never retries later than that, even after a crash), and arrives at most `latency_max`
//! later (a paused server or a slowed link can hold it longer: that is a retention too short
//! too).
//!
//! Crashes: the server's balance and dedupe table are on disk (persistent); a client keeps its
//! request numbers, its outstanding request and its queue on disk too, so a restarted client
//! retries with the same key while it is within the horizon, and gives up otherwise.
//!
//! Properties (in `monitor.rs`), both lessons (`ids` off, or a retention shorter than the
//! horizon, breaks them): `never-twice` (always: no request takes effect more than once) and
//! `answered-once` (eventually: every request whose client got a reply took effect exactly
//! once).

mod client;
mod monitor;
mod msg;
mod scenarios;
mod server;
mod texts;
mod view;

pub use client::{Client, Finished, Outcome, Outstanding, ReqState, MAX_QUEUE};
pub use monitor::Monitor;
pub use msg::Msg;
pub use server::{Entry, Server};

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, NodeStatus, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Most clients (the bench runs a lab at 51 "nodes": clamped to this).
pub const MAX_CLIENTS: usize = 32;

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("clients", 2.0, 1.0, MAX_CLIENTS as f64),
    ParamSpec::float("rate", 1.0, 0.0, 20.0),
    ParamSpec::int("timeout", 300.0, 10.0, 10_000.0),
    ParamSpec::int("retries", 3.0, 0.0, 10.0),
    ParamSpec::int("backoff", 100.0, 0.0, 10_000.0),
    ParamSpec::int("ids", 1.0, 0.0, 1.0),
    ParamSpec::int("retention", 5_000.0, 10.0, 600_000.0),
];

/// Node kinds by index.
pub const SERVER: usize = 0;
pub const CLIENT: usize = 1;

/// The server is node 0; the clients follow.
pub const SERVER_NODE: NodeId = 0;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub clients: usize,
    /// Random deposits per client per simulated second (0: only the `deposit` command).
    pub rate: f64,
    /// A client's wait for a reply, per attempt.
    pub timeout: Time,
    /// Most retries per request (attempts = 1 + retries).
    pub retries: u64,
    /// A client's wait between a timeout and its retry.
    pub backoff: Time,
    /// Requests carry an idempotency key and the server keeps a dedupe table.
    pub ids: bool,
    /// How long the server keeps a dedupe table entry.
    pub retention: Time,
    /// The network's longest one-way delay (for the retry horizon).
    pub latency_max: Time,
    /// Test only: the server's dedupe table is keyed by the request's amount instead of its key
    /// (two different deposits of the same amount are taken for one).
    #[doc(hidden)]
    pub broken_key_by_amount: bool,
    /// Test only: the dedupe table is kept in memory, not on disk (a crash empties it).
    #[doc(hidden)]
    pub broken_volatile_table: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        Config {
            clients: (p.get_u64("clients") as usize).clamp(1, MAX_CLIENTS),
            rate: p.get("rate").max(0.0),
            timeout: p.get_u64("timeout").max(1) * MS,
            retries: p.get_u64("retries"),
            backoff: p.get_u64("backoff") * MS,
            ids: p.get_u64("ids") > 0,
            retention: p.get_u64("retention").max(1) * MS,
            latency_max: p.get_u64("latency_max") * MS,
            ..Config::default()
        }
    }

    /// The latest a client sends a copy of a request, after its first attempt.
    pub fn retry_span(&self) -> Time {
        self.retries.saturating_mul(self.timeout + self.backoff)
    }

    /// The retry horizon: the latest a copy of a request can reach the server after its first
    /// attempt left (the last retry plus the longest network delay).
    pub fn horizon(&self) -> Time {
        self.retry_span().saturating_add(self.latency_max)
    }

    /// Whether the dedupe table makes retries safe: ids on, and entries kept longer than the
    /// retry horizon.
    pub fn safe(&self) -> bool {
        self.ids && self.retention > self.horizon()
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Idem> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Idem> {
    NetSession::new(1 + cfg.clients, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Idem>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A client's next random deposit.
    Next,
    /// A client's wait for the reply to request `req`.
    Timeout(u64),
    /// A client's back-off before retrying request `req`.
    Retry(u64),
    /// The server drops expired dedupe table entries.
    Expire,
}

/// One node: the server or a client.
#[derive(Clone, Debug)]
pub struct Idem {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    /// The server's state (empty on clients).
    pub server: Server,
    /// A client's state (empty on the server).
    pub client: Client,
}

impl Idem {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn is_server(&self) -> bool {
        self.id == SERVER_NODE
    }
}

impl Protocol for Idem {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("never-twice").lesson(),
        Property::eventually("answered-once").lesson(),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new("idempotency.server", "S", Shape::Hexagon, &[]),
        NodeKind::new(
            "client",
            "c",
            Shape::Square,
            &[CommandSpec::int("deposit", 1, 1_000, 10)],
        ),
    ];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        Idem {
            id,
            cfg: cfg.clone(),
            boots: 0,
            server: Server::default(),
            client: Client::new(id, n.saturating_sub(1).max(1)),
        }
    }

    fn kind(&self) -> usize {
        if self.is_server() {
            SERVER
        } else {
            CLIENT
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if self.is_server() {
            self.server_start(ctx);
        } else {
            self.client_start(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Request { req, amount, key } if self.is_server() => {
                self.serve(from, req, amount, key, ctx)
            }
            Msg::Reply {
                req,
                balance,
                replayed,
            } if !self.is_server() => self.reply(req, balance, replayed, ctx),
            _ => {}
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Next => self.auto_deposit(ctx),
            Timer::Timeout(req) => self.timed_out(req, ctx),
            Timer::Retry(req) => self.retry(req, ctx),
            Timer::Expire => self.expire(ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "deposit" && !self.is_server() {
            match arg.and_then(|a| a.parse::<i64>().ok()) {
                Some(amount) if (1..=1_000).contains(&amount) => self.deposit(amount, ctx),
                _ => ctx.note("idempotency.bad_amount", 0),
            }
        }
    }

    fn on_crash(&mut self) {
        // Timers are the kernel's and die with the node; everything the server and the
        // clients keep is on disk, except (test only) a dedupe table kept in memory.
        if self.cfg.broken_volatile_table {
            self.server.table.clear();
            self.server.order.clear();
        }
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "idempotency.next",
            Timer::Timeout(_) => "idempotency.timeout",
            Timer::Retry(_) => "idempotency.retry",
            Timer::Expire => "idempotency.expire",
        }
    }

    crate::monitor_hooks!(observe);

    fn check_eventually(
        monitor: &Monitor,
        _now: Time,
        _nodes: &[Self],
        _status: &[NodeStatus],
        found: &mut crate::sim::Found,
    ) {
        monitor.check_eventually(found);
    }
}

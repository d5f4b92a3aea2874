//! The local message table (本地消息表, 异步确保), the eBay-style outbox pattern of the course
//! notes (seed 001, "基于分布式消息的最终一致性方案": "在 eBay 的分布式系统架构中 … 将需要分布式
//! 处理的事务通过消息或者日志的方式异步执行 … 再通过业务规则进行失败重试"; seed 004, "本地消息表
//! (异步确保)": the message table sits in the same database as the business table so one local
//! transaction writes both, the messages are forwarded to a queue and retried until forwarding
//! succeeds, and the other side reads the queue and performs the operation).
//!
//! Four nodes: a **client** that places orders (`lm_order` with a quantity, or `rate` orders a
//! second); the **order service**, whose database holds the orders table and the outbox
//! (the local message table); the **broker**, a durable queue; the **inventory service**, whose
//! database holds the stock and the processed-message table.
//!
//! The relay is a timer on the order service, not a node of its own: the outbox lives in the
//! order service's database and the relay reads it with a local query, so a separate node
//! would only add a remote database read; and crashing the order service stops its relay too,
//! which is exactly the crash between commit and publish that the pattern has to survive.
//!
//! Order → the order service runs a local transaction lasting `db` ms that writes the order row
//! and an outbox row together (a crash before it commits leaves neither), answers `Placed`,
//! and publishes the message at once; every `relay` ms the relay publishes again each outbox
//! row the broker has not acknowledged (at-least-once), marking a row *sent* only on the
//! broker's `PubAck`. The broker appends every `Publish` to its log (a repeat becomes a second
//! entry), delivers it, and redelivers an entry not acknowledged within `redeliver` ms, and
//! all its unacknowledged entries after a restart. The inventory service applies a delivery
//! (stock − qty) and records its message id in the processed table in one local transaction,
//! then acknowledges; a message id it has seen before is acknowledged without being applied
//! (`idempotent` = 1; at 0 it is applied again). Every database — orders, outbox, broker log,
//! stock and processed table — survives crashes; open transactions do not.
//!
//! `mode` replaces the outbox by the naive ways: 1 commits the order and then publishes from
//! memory (a crash after the commit loses the message: an order never applied), 2 publishes
//! first and then commits (a crash in between applies an order that was never placed).
//!
//! Properties (in `monitor.rs`): `tx-local-message.at-most-once` (always: no order is applied
//! to the inventory twice) and `tx-local-message.exactly-once` (eventually: the inventory has
//! applied exactly the committed orders, each once).

mod broker;
mod inventory;
mod monitor;
mod msg;
mod order;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::Msg;

use std::collections::BTreeMap;

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("stock", 1_000.0, 0.0, 1_000_000.0),
    ParamSpec::float("rate", 2.0, 0.0, 20.0),
    ParamSpec::int("db", 30.0, 1.0, 2_000.0),
    ParamSpec::int("relay", 200.0, 20.0, 10_000.0),
    ParamSpec::int("redeliver", 400.0, 20.0, 20_000.0),
    ParamSpec::int("idempotent", 1.0, 0.0, 1.0),
    ParamSpec::int("mode", 0.0, 0.0, 2.0),
];

/// Node kinds, which are also the node ids (one node of each).
pub const CLIENT: usize = 0;
pub const ORDER: usize = 1;
pub const BROKER: usize = 2;
pub const INVENTORY: usize = 3;
/// How many nodes run.
pub const NODES: usize = 4;

/// Most units one order takes.
pub const MAX_QTY: u64 = 9;

/// How the order service gets its message to the broker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// The order and its outbox row in one local transaction; the relay retries from the
    /// outbox until the broker acknowledges.
    #[default]
    Outbox,
    /// Naive: commit the order, then publish, retrying from memory.
    CommitThenPublish,
    /// Naive: publish, then commit the order.
    PublishThenCommit,
}

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// The inventory's starting stock.
    pub stock: i64,
    /// Orders per simulated second placed by the client (0 = only on `lm_order`).
    pub rate: f64,
    /// How long the order service's local transaction takes.
    pub db: Time,
    /// The relay's period: it publishes again rows unacknowledged for this long.
    pub relay: Time,
    /// The broker redelivers an entry not acknowledged within this.
    pub redeliver: Time,
    /// The consumer skips messages its processed table already holds.
    pub idempotent: bool,
    pub mode: Mode,
    /// How long a committed order takes at most to reach the inventory once nothing fails.
    pub patience: Time,
    /// Test only: the relay marks an outbox row sent as it publishes it, before the broker
    /// acknowledged, so a lost `Publish` is never sent again.
    #[doc(hidden)]
    pub broken_mark_before_ack: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let db = p.get_u64("db") * MS;
        let relay = p.get_u64("relay") * MS;
        let redeliver = p.get_u64("redeliver") * MS;
        let hop = p.get_u64("latency_max") * MS;
        Config {
            stock: p.get_u64("stock") as i64,
            rate: p.get("rate"),
            db,
            relay,
            redeliver,
            idempotent: p.get_u64("idempotent") > 0,
            mode: match p.get_u64("mode") {
                1 => Mode::CommitThenPublish,
                2 => Mode::PublishThenCommit,
                _ => Mode::Outbox,
            },
            patience: db + 2 * relay + redeliver + 8 * hop + 100 * MS,
            broken_mark_before_ack: false,
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<TxLocalMessage> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<TxLocalMessage> {
    NetSession::new(NODES, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<TxLocalMessage>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The client's next order.
    Next,
    /// The order service's local transaction for an order commits.
    Commit(u64),
    /// The relay's poll of the outbox.
    Relay,
    /// The broker's wait for the acknowledgement of a queue entry.
    Redeliver(u64),
}

/// A row of the order service's orders table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrderRow {
    pub qty: u64,
    /// When it was committed.
    pub at: Time,
}

/// A row of the outbox (the local message table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    pub qty: u64,
    /// The broker acknowledged it.
    pub sent: bool,
    /// Times the relay published it.
    pub attempts: u32,
    /// When it was last published.
    pub last: Time,
}

/// An entry of the broker's log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub tag: u64,
    pub msg: u64,
    pub qty: u64,
    pub acked: bool,
    /// Times delivered.
    pub deliveries: u32,
}

/// An order at the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientOrder {
    pub qty: u64,
    pub since: Time,
    /// When the order service said it was committed.
    pub placed: Option<Time>,
}

/// One node: the client, the order service, the broker or the inventory service.
#[derive(Clone, Debug)]
pub struct TxLocalMessage {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    // ---- client (its ledger persists) ----
    pub seq: u64,
    pub ledger: BTreeMap<u64, ClientOrder>,
    // ---- order service ----
    /// Persistent: the orders table and the outbox, one database.
    pub orders: BTreeMap<u64, OrderRow>,
    pub outbox: BTreeMap<u64, OutboxRow>,
    /// Volatile: open local transactions (order → qty), rolled back by a crash.
    pub open: BTreeMap<u64, u64>,
    /// Volatile: messages the naive commit-then-publish service retries from memory.
    pub unsent: BTreeMap<u64, (u64, Time)>,
    // ---- broker (its log persists) ----
    pub queue: Vec<Entry>,
    // ---- inventory service (its database persists) ----
    pub stock: i64,
    /// The processed-message table: message id → when it was first applied.
    pub processed: BTreeMap<u64, Time>,
    /// Deliveries applied (including repeats when not idempotent).
    pub applied: u64,
}

impl TxLocalMessage {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Queue entries not yet acknowledged.
    pub fn unacked(&self) -> impl Iterator<Item = &Entry> {
        self.queue.iter().filter(|e| !e.acked)
    }

    /// Outbox rows the broker has not acknowledged.
    pub fn pending(&self) -> usize {
        self.outbox.values().filter(|r| !r.sent).count()
    }
}

impl Protocol for TxLocalMessage {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("tx-local-message.at-most-once"),
        Property::eventually("tx-local-message.exactly-once"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "client",
            "c",
            Shape::Square,
            &[CommandSpec::int("lm_order", 1, MAX_QTY as i64, 1)],
        ),
        NodeKind::new("tx-local-message.order", "O", Shape::Circle, &[]),
        NodeKind::new("tx-local-message.broker", "B", Shape::Hexagon, &[]),
        NodeKind::new("tx-local-message.inventory", "I", Shape::Circle, &[]),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        TxLocalMessage {
            id,
            cfg: cfg.clone(),
            boots: 0,
            seq: 0,
            ledger: BTreeMap::new(),
            orders: BTreeMap::new(),
            outbox: BTreeMap::new(),
            open: BTreeMap::new(),
            unsent: BTreeMap::new(),
            queue: Vec::new(),
            stock: if id == INVENTORY { cfg.stock } else { 0 },
            processed: BTreeMap::new(),
            applied: 0,
        }
    }

    fn kind(&self) -> usize {
        self.id.min(INVENTORY)
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        match self.kind() {
            CLIENT => self.schedule_next(ctx),
            ORDER => ctx.set_timer(Timer::Relay, self.cfg.relay),
            BROKER if self.boots > 1 => self.broker_recover(ctx),
            _ => {}
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            CLIENT => {
                if let Msg::Placed { order } = msg {
                    if let Some(o) = self.ledger.get_mut(&order) {
                        if o.placed.is_none() {
                            o.placed = Some(ctx.now);
                            ctx.note("tx-local-message.placed", order);
                        }
                    }
                }
            }
            ORDER => self.order_msg(from, msg, ctx),
            BROKER => self.broker_msg(from, msg, ctx),
            _ => self.inventory_msg(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Next => {
                let qty = 1 + ctx.random_index(3) as u64;
                self.place(qty, ctx);
                self.schedule_next(ctx);
            }
            Timer::Commit(order) => self.commit(order, ctx),
            Timer::Relay => self.relay(ctx),
            Timer::Redeliver(tag) => self.redeliver(tag, ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "lm_order" && self.id == CLIENT {
            match arg.and_then(|a| a.trim().parse::<u64>().ok()) {
                Some(qty) if (1..=MAX_QTY).contains(&qty) => self.place(qty, ctx),
                _ => ctx.note("tx-local-message.bad_qty", 0),
            }
        }
    }

    fn on_crash(&mut self) {
        // Databases (orders, outbox, broker log, stock, processed table, the client's ledger)
        // are on disk; open transactions and the naive service's in-memory retries are lost.
        self.open.clear();
        self.unsent.clear();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "tx-local-message.next",
            Timer::Commit(_) => "tx-local-message.commit",
            Timer::Relay => "tx-local-message.relay",
            Timer::Redeliver(_) => "tx-local-message.redeliver",
        }
    }

    crate::monitor_hooks!(observe, check_eventually);
}

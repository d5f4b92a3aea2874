//! TCC — Try / Confirm / Cancel, the compensating transaction (补偿事务) of the course notes
//! (seed 000, "分布式事物 · TCC"; seed 004, "分布式事务 · 补偿事务(TCC)", whose example is the
//! purchase: "在下单场景下，库存和订单如果不在同一个节点上，就涉及分布式事务"). The notes
//! name the pattern only; the pitfalls shown here (idempotent Confirm/Cancel, 空回滚 empty
//! rollback, 悬挂 suspension) are the well-known ones every TCC framework documents.
//!
//! Five nodes: a **client** that buys `qty` units (the `tcc_buy` command, or `rate` purchases
//! a second), a **coordinator** (the transaction manager) and three services, each with its
//! own database: the **order** service holds the buyer's purchase quota, the **inventory**
//! service the stock, the **account** service the buyer's money (`price` per unit). Each
//! service keeps its resource in three columns — *available*, *frozen* (reserved by a Try)
//! and *spent* (taken by a Confirm) — and a branch table (the transaction control table) with
//! each transaction's state there: tried, confirmed, cancelled, or an empty-rollback marker.
//!
//! The coordinator logs `BEGIN` and sends `Try` to the three services at once. A service
//! reserves: available → frozen, branch *tried*, `TryOk`; or it cannot (not enough left, a
//! refusal with chance `fail`, or armed by `tcc_fail_try`) and answers `TryFail`. All three
//! `TryOk` → the coordinator logs `CONFIRM` and sends `Confirm` (frozen → spent); a `TryFail`
//! or no answer within `timeout` → it logs `CANCEL` and sends `Cancel` to all three (frozen →
//! available). The client hears the outcome when it is logged. The coordinator re-sends the
//! decision every `timeout` to each service that has not acknowledged it, until all have,
//! then logs `END`. Its log survives crashes: restarted, it re-sends logged decisions and
//! cancels transactions it had begun without deciding.
//!
//! Retries and a lossy network make the services see the same `Confirm` or `Cancel` twice,
//! and a `Cancel` before (or without) its `Try`. The services' answers are toggles:
//! `idempotent` (a repeated Confirm/Cancel is recognised from the branch table and changes
//! nothing; off, it is applied again — charged twice), and `guard`: 2 records a Cancel that
//! finds no Try as an empty-rollback marker, answers OK, and refuses a later Try for that
//! transaction (the suspension guard); 1 answers OK but records nothing, so a Try that arrives
//! after its Cancel reserves for good (悬挂); 0 releases the amount the Cancel names whether
//! it was reserved or not (the naive compensation: stock and money made from nothing).
//!
//! Properties (in `monitor.rs`): `tx-tcc.conservation` (always: at each service available +
//! frozen + spent is its starting total, frozen is what its tried branches hold and spent what
//! its confirmed ones do), `tx-tcc.all-or-nothing` (always: no transaction is confirmed at
//! one service and cancelled at another) and `tx-tcc.nothing-left-frozen` (eventually: no
//! reservation is left frozen after its transaction ended).

mod client;
mod coordinator;
mod monitor;
mod msg;
mod scenarios;
mod service;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::{Msg, Rec, Wal};

use std::collections::BTreeMap;

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("price", 10.0, 1.0, 1_000.0),
    ParamSpec::int("quota", 200.0, 0.0, 100_000.0),
    ParamSpec::int("stock", 300.0, 0.0, 100_000.0),
    ParamSpec::int("balance", 5_000.0, 0.0, 1_000_000.0),
    ParamSpec::float("rate", 1.0, 0.0, 20.0),
    ParamSpec::float("fail", 5.0, 0.0, 100.0),
    ParamSpec::int("timeout", 300.0, 20.0, 20_000.0),
    ParamSpec::int("idempotent", 1.0, 0.0, 1.0),
    ParamSpec::int("guard", 2.0, 0.0, 2.0),
];

/// Node kinds by index; a node's id is its kind's index (one node of each).
pub const CLIENT: usize = 0;
pub const COORDINATOR: usize = 1;
pub const ORDER: usize = 2;
pub const INVENTORY: usize = 3;
pub const ACCOUNT: usize = 4;

/// Node ids.
pub const CLIENT_NODE: NodeId = CLIENT;
pub const COORDINATOR_NODE: NodeId = COORDINATOR;
/// The services' node ids, in order: order, inventory, account.
pub const SERVICES: [NodeId; 3] = [ORDER, INVENTORY, ACCOUNT];
/// How many nodes run.
pub const NODES: usize = 5;

/// Most units one purchase buys.
pub const MAX_QTY: u64 = 9;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Money per unit.
    pub price: i64,
    /// Starting totals of the order (quota), inventory (stock) and account (money) services.
    pub initial: [i64; 3],
    /// Purchases per simulated second issued by the client (0 = only on `tcc_buy`).
    pub rate: f64,
    /// Chance that a service refuses a Try, in parts per 10,000.
    pub fail_per_10k: usize,
    /// The coordinator's wait for the Try answers, and its retry interval for Confirm/Cancel.
    pub timeout: Time,
    /// A repeated Confirm or Cancel changes nothing (off: it is applied again).
    pub idempotent: bool,
    /// 2: empty rollback recorded, a Try after its Cancel refused; 1: empty rollback answered
    /// OK but not recorded; 0: a Cancel releases what it names, reserved or not.
    pub guard: u8,
    /// The longest a transaction lasts in a fault-free run.
    pub patience: Time,
    /// Test only: the coordinator sends its decision without logging it, so a crash makes it
    /// forget the decision and presume Cancel on restart.
    #[doc(hidden)]
    pub broken_unlogged_decision: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let timeout = p.get_u64("timeout") * MS;
        let hop = p.get_u64("latency_max") * MS;
        Config {
            price: p.get_u64("price").max(1) as i64,
            initial: [
                p.get_u64("quota") as i64,
                p.get_u64("stock") as i64,
                p.get_u64("balance") as i64,
            ],
            rate: p.get("rate"),
            fail_per_10k: (p.get("fail") * 100.0).round() as usize,
            timeout,
            idempotent: p.get_u64("idempotent") > 0,
            guard: p.get_u64("guard").min(2) as u8,
            patience: timeout + 6 * hop + 50 * MS,
            broken_unlogged_decision: false,
        }
    }

    /// What a purchase of `qty` units reserves at service node `s`.
    pub fn amount(&self, s: NodeId, qty: u64) -> i64 {
        let qty = qty as i64;
        if s == ACCOUNT {
            qty * self.price
        } else {
            qty
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<TxTcc> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variant).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<TxTcc> {
    NetSession::new(NODES, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<TxTcc>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The client's next purchase.
    Next,
    /// The client re-sends `Buy` for purchases without an outcome.
    Retry,
    /// The coordinator's wait for a transaction's Try answers.
    TryWait(u64),
    /// The coordinator re-sends a transaction's decision to services that have not
    /// acknowledged it.
    Resend(u64),
}

/// Where a transaction's branch stands at a service (a row of its branch table).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BState {
    /// Reserved: the amount is frozen.
    Tried,
    /// Spent.
    Confirmed,
    /// Released.
    Cancelled,
    /// A Cancel found no Try: nothing was released, the marker stops a later Try.
    EmptyRollback,
}

/// A row of a service's branch table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Branch {
    pub state: BState,
    pub amount: i64,
    /// When the branch last changed state.
    pub since: Time,
}

/// A transaction at the coordinator. The decision and `ended` are in its log; the answers
/// and acknowledgements collected are volatile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoTx {
    pub qty: u64,
    /// None while the Trys are out.
    pub decision: Option<bool>,
    /// A bit per service that answered TryOk.
    pub ok: u8,
    /// A bit per service that acknowledged the decision.
    pub acked: u8,
    pub ended: bool,
}

/// A purchase at the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTx {
    pub qty: u64,
    pub since: Time,
    /// None while the client waits for it.
    pub outcome: Option<bool>,
}

/// A service's resource, in its database (survives crashes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Books {
    pub available: i64,
    pub frozen: i64,
    pub spent: i64,
}

/// One node: the client, the coordinator or a service.
#[derive(Clone, Debug)]
pub struct TxTcc {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    // ---- service (its database: all persistent) ----
    pub books: Books,
    /// The branch table, by transaction.
    pub branches: BTreeMap<u64, Branch>,
    /// Sums over the branch table, kept by [`TxTcc::set_branch`]: what tried branches hold
    /// and what confirmed ones took (the checker compares them with the books).
    pub tried_sum: i64,
    pub confirmed_sum: i64,
    /// The next Try is refused (the `tcc_fail_try` command; volatile).
    pub fail_next: bool,
    // ---- coordinator ----
    /// Persistent: the transaction log.
    pub wal: Vec<Wal>,
    /// Transactions (decisions and ends persistent, being logged; the rest volatile).
    pub txs: BTreeMap<u64, CoTx>,
    // ---- client ----
    /// Persistent: the last transaction number used, and the client's ledger.
    pub seq: u64,
    pub ledger: BTreeMap<u64, ClientTx>,
}

impl TxTcc {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn is_service(&self) -> bool {
        SERVICES.contains(&self.id)
    }

    /// The service's starting total (0 for other nodes).
    pub fn initial(&self) -> i64 {
        service_index(self.id).map_or(0, |i| self.cfg.initial[i])
    }

    /// Purchases the client still waits for.
    pub fn pending(&self) -> usize {
        self.ledger.values().filter(|t| t.outcome.is_none()).count()
    }
}

/// The index (0 order, 1 inventory, 2 account) of a service node.
pub fn service_index(id: NodeId) -> Option<usize> {
    SERVICES.iter().position(|&s| s == id)
}

const FAIL_TRY: CommandSpec = CommandSpec::plain("tcc_fail_try");

impl Protocol for TxTcc {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("tx-tcc.conservation"),
        Property::always("tx-tcc.all-or-nothing"),
        Property::eventually("tx-tcc.nothing-left-frozen"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "client",
            "c",
            Shape::Square,
            &[CommandSpec::int("tcc_buy", 1, MAX_QTY as i64, 1)],
        ),
        NodeKind::new("tx-tcc.coordinator", "C", Shape::Hexagon, &[]),
        NodeKind::new("tx-tcc.order", "O", Shape::Circle, &[FAIL_TRY]),
        NodeKind::new("tx-tcc.inventory", "I", Shape::Circle, &[FAIL_TRY]),
        NodeKind::new("tx-tcc.account", "A", Shape::Circle, &[FAIL_TRY]),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let available = service_index(id).map_or(0, |i| cfg.initial[i]);
        TxTcc {
            id,
            cfg: cfg.clone(),
            boots: 0,
            books: Books {
                available,
                frozen: 0,
                spent: 0,
            },
            branches: BTreeMap::new(),
            tried_sum: 0,
            confirmed_sum: 0,
            fail_next: false,
            wal: Vec::new(),
            txs: BTreeMap::new(),
            seq: 0,
            ledger: BTreeMap::new(),
        }
    }

    fn kind(&self) -> usize {
        self.id.min(ACCOUNT)
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        match self.kind() {
            CLIENT => {
                if self.pending() > 0 {
                    ctx.set_timer(Timer::Retry, self.retry_after());
                }
                self.schedule_next(ctx);
            }
            COORDINATOR if self.boots > 1 => self.coordinator_recover(ctx),
            _ => {}
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            CLIENT => self.client_msg(msg, ctx),
            COORDINATOR => self.coordinator_msg(from, msg, ctx),
            _ => self.service_msg(msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Next => {
                let qty = 1 + ctx.random_index(3) as u64;
                self.buy(qty, ctx);
                self.schedule_next(ctx);
            }
            Timer::Retry => self.client_retry(ctx),
            Timer::TryWait(tx) => self.try_timeout(tx, ctx),
            Timer::Resend(tx) => self.resend(tx, ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        match command {
            "tcc_buy" if self.id == CLIENT_NODE => {
                match arg.and_then(|a| a.trim().parse::<u64>().ok()) {
                    Some(qty) if (1..=MAX_QTY).contains(&qty) => self.buy(qty, ctx),
                    _ => ctx.note("tx-tcc.bad_qty", 0),
                }
            }
            "tcc_fail_try" if self.is_service() => {
                self.fail_next = true;
                ctx.note("tx-tcc.armed_fail", 0);
            }
            _ => {}
        }
    }

    fn on_crash(&mut self) {
        // A service's database, the coordinator's log (the decisions and ends it holds) and
        // the client's ledger are on disk; the coordinator's collected answers and
        // acknowledgements and an armed refusal are in memory and lost.
        self.fail_next = false;
        let forget = self.cfg.broken_unlogged_decision;
        for t in self.txs.values_mut() {
            t.ok = 0;
            t.acked = 0;
            if forget && !t.ended {
                t.decision = None;
            }
        }
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "tx-tcc.next",
            Timer::Retry => "tx-tcc.retry",
            Timer::TryWait(_) => "tx-tcc.try_wait",
            Timer::Resend(_) => "tx-tcc.resend",
        }
    }

    fn check(
        monitor: &mut Monitor,
        _now: Time,
        node: NodeId,
        nodes: &[Self],
    ) -> Vec<(&'static str, String)> {
        monitor.check_books(node, nodes)
    }

    crate::monitor_hooks!(observe, check_eventually);
}

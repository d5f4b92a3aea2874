//! Two-phase commit (二阶段提交, XA), as the course notes describe it (seed 001, "分布式事务 ·
//! 基于 XA 协议的二阶段提交方法"; seed 002, "2PC"; seed 000, "基于XA的二阶段提交").
//!
//! Three kinds of node: a **client** (the application, AP) that issues transactions, a
//! **coordinator** (the transaction manager, TM) and `cohorts` **cohorts** (resource managers,
//! RM), each holding the same `rows` rows, each row with a lock. A transaction `T` writes one row
//! on every cohort (its value becomes `T`).
//!
//! Phase 1 (voting): the coordinator logs `BEGIN` and sends `CanCommit`; each cohort locks the
//! row (or waits for the lock: a second transaction on the same row is *blocked* by the first
//! for as long as the first is undecided — the notes' 同步阻塞), executes the write for `exec`
//! ms, logs `PREPARED` (redo and undo) and votes `Yes`; or it aborts and votes `No` (with
//! probability `abort`, or because the `vote_no` command armed it). Phase 2 (commit): on all
//! Yes votes the coordinator logs `COMMIT`, otherwise (a No, or `timeout` without every vote)
//! `ABORT`, and sends `DoCommit` / `DoAbort` to the cohorts one at a time, `gap` ms apart (it
//! writes to each connection in turn: a crash midway informs only some). A cohort applies the
//! decision, logs it, releases its lock and answers `HaveCommitted`; when all have, the
//! coordinator logs `END` and the transaction is over. The client hears the outcome as soon as
//! the decision is logged.
//!
//! A cohort that voted Yes is **in doubt**: it may neither commit nor abort on its own, and
//! keeps its locks. After `timeout` it asks the coordinator (`Query`) again and again; with
//! `cooperative` on it also asks the other cohorts (the cooperative termination protocol): one
//! that knows the outcome tells it, one that has not voted yet aborts on the spot and says so,
//! one that voted Yes too can only answer `Uncertain`. So when the coordinator and the only
//! cohort it told both crash, the others cannot learn the outcome even from each other (the
//! notes' fourth problem).
//!
//! Every node keeps a write-ahead log on disk (it survives crashes; everything else about
//! transactions in progress is volatile and rebuilt from it). A restarted cohort re-takes the
//! locks of its in-doubt transactions and asks the coordinator at once; a restarted coordinator
//! finishes what its log says: a logged decision is sent again to every cohort, a transaction
//! begun without a decision is aborted (presumed abort: nobody can have committed it).
//!
//! Properties (in `monitor.rs`): `atomicity` (always: no node commits a transaction that
//! another aborts) and `every-transaction-ends` (eventually, in runs without faults).
//!
//! The rows with their locks, the log record, the atomicity checker, the message count and the
//! view helpers are shared with three-phase commit (`tx-3pc`) in `super::tx_common`.

mod cohort;
mod coordinator;
mod monitor;
mod msg;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::{Msg, Rec, Wal};

use std::collections::BTreeMap;

use super::tx_common::Rows;

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Most cohorts (the per-cohort counters in the stats panel are declared for this many).
pub const MAX_COHORTS: usize = 12;

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("cohorts", 3.0, 1.0, MAX_COHORTS as f64),
    ParamSpec::int("rows", 4.0, 1.0, 8.0),
    ParamSpec::float("rate", 1.0, 0.0, 50.0),
    ParamSpec::float("abort", 10.0, 0.0, 100.0),
    ParamSpec::int("exec", 20.0, 0.0, 5_000.0),
    ParamSpec::int("gap", 5.0, 0.0, 2_000.0),
    ParamSpec::int("timeout", 500.0, 20.0, 20_000.0),
    ParamSpec::int("cooperative", 0.0, 0.0, 1.0),
];

/// Node kinds by index.
pub const CLIENT: usize = 0;
pub const COORDINATOR: usize = 1;
pub const COHORT: usize = 2;

/// Node ids: the client is node 0, the coordinator node 1, the cohorts follow.
pub const CLIENT_NODE: NodeId = 0;
pub const COORDINATOR_NODE: NodeId = 1;
pub const FIRST_COHORT: NodeId = 2;

/// The lab's configuration, shared by all nodes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub cohorts: usize,
    pub rows: usize,
    /// Transactions per simulated second issued by the client (0 = only on `begin_tx`).
    pub rate: f64,
    /// Chance that a cohort votes No, in parts per 10,000.
    pub abort_per_10k: usize,
    /// Time a cohort takes to execute its write before voting.
    pub exec: Time,
    /// Time between two decision messages the coordinator sends.
    pub gap: Time,
    /// The coordinator's wait for votes; how often an in-doubt cohort asks and the coordinator
    /// re-sends an unacknowledged decision.
    pub timeout: Time,
    /// In-doubt cohorts ask each other too.
    pub cooperative: bool,
    /// The longest a transaction lasts in a fault-free run: the vote timeout, execution, the
    /// decision sent to every cohort, and the messages between.
    pub patience: Time,
    /// Test only: a cohort in doubt past the timeout commits on its own (a heuristic decision).
    #[doc(hidden)]
    pub broken_commit_on_timeout: bool,
    /// Test only: the coordinator sends its decision without logging it first.
    #[doc(hidden)]
    pub broken_unlogged_decision: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let cohorts = (p.get_u64("cohorts") as usize).clamp(1, MAX_COHORTS);
        let exec = p.get_u64("exec") * MS;
        let gap = p.get_u64("gap") * MS;
        let timeout = p.get_u64("timeout") * MS;
        let hop = p.get_u64("latency_max") * MS;
        Config {
            cohorts,
            rows: (p.get_u64("rows") as usize).max(1),
            rate: p.get("rate"),
            abort_per_10k: (p.get("abort") * 100.0).round() as usize,
            exec,
            gap,
            timeout,
            cooperative: p.get_u64("cooperative") > 0,
            patience: timeout + exec + cohorts as Time * gap + 6 * hop + 50 * MS,
            ..Config::default()
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Tx2pc> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Tx2pc> {
    NetSession::new(FIRST_COHORT + cfg.cohorts, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Tx2pc>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The client's next transaction.
    Next,
    /// The client re-sends `Begin` for transactions without an outcome.
    Retry,
    /// The coordinator's wait for the votes of a transaction.
    Votes(u64),
    /// The coordinator sends a transaction's decision to its next cohort.
    Send(u64),
    /// The coordinator re-sends decisions not yet acknowledged.
    Resend,
    /// A cohort finishes executing a transaction's write.
    Exec(u64),
    /// An in-doubt cohort asks for the outcome.
    Ask,
}

/// Where a transaction stands at a cohort.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CState {
    /// Queued for the row's lock since the time given.
    Waiting {
        row: usize,
        since: Time,
    },
    /// Holds the lock and executes the write.
    Executing {
        row: usize,
    },
    /// Logged and voted Yes: in doubt until the decision arrives.
    Prepared {
        row: usize,
    },
    Committed,
    Aborted,
}

/// Where a transaction stands at the coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Collecting votes: a bit per cohort that voted Yes.
    Voting { yes: u64 },
    /// Decision logged and being delivered: a bit per cohort that acknowledged.
    Decided { commit: bool, acked: u64 },
    /// Every cohort acknowledged.
    Ended { commit: bool },
}

/// A transaction at the coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CoTx {
    pub row: usize,
    pub phase: Phase,
}

/// A transaction at the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientTx {
    pub row: usize,
    pub since: Time,
    /// None while the client waits for it.
    pub outcome: Option<bool>,
}

/// One node: the client, the coordinator or a cohort.
#[derive(Clone, Debug)]
pub struct Tx2pc {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    /// Persistent: the write-ahead log (coordinator and cohorts).
    pub wal: Vec<Wal>,
    // ---- cohort ----
    /// The rows (shared with `tx-3pc`): per row the committed value (the transaction that last
    /// wrote it, 0: none; on disk), the transaction holding its lock and those queued for it
    /// (in memory; locks re-taken from the log on restart).
    pub data: Rows,
    /// Transactions this cohort has seen (volatile; rebuilt from the log on restart).
    pub txs: BTreeMap<u64, CState>,
    /// Persistent (an index over the log): in-doubt transactions and when they were prepared.
    pub doubt: BTreeMap<u64, Time>,
    /// In doubt past the timeout: it asked and nobody could answer.
    pub blocked: bool,
    /// Persistent counters: time spent in doubt by transactions since decided, and time
    /// transactions waited for a lock here.
    pub doubt_total: Time,
    pub lock_wait_total: Time,
    /// The next vote is No (the `vote_no` command).
    pub vote_no: bool,
    // ---- coordinator ----
    /// Transactions (volatile; rebuilt from the log on restart).
    pub co: BTreeMap<u64, CoTx>,
    /// Decisions being sent, one cohort every `gap`: per transaction, the index of the next
    /// cohort to tell (volatile: lost in a crash).
    pub outbox: BTreeMap<u64, usize>,
    // ---- client ----
    /// Persistent: the last transaction number used, and the client's ledger.
    pub seq: u64,
    pub ledger: BTreeMap<u64, ClientTx>,
}

impl Tx2pc {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    pub fn is_client(&self) -> bool {
        self.id == CLIENT_NODE
    }

    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR_NODE
    }

    pub fn is_cohort(&self) -> bool {
        self.id >= FIRST_COHORT
    }

    /// The cohorts' node ids.
    pub fn cohort_ids(&self) -> std::ops::Range<NodeId> {
        FIRST_COHORT..FIRST_COHORT + self.cfg.cohorts
    }

    /// Time this cohort has spent in doubt up to `now`, counting transactions still in doubt.
    pub fn doubt_time(&self, now: Time) -> Time {
        self.doubt_total
            + self
                .doubt
                .values()
                .map(|&since| now.saturating_sub(since))
                .sum::<Time>()
    }

    /// Transactions the client still waits for.
    pub fn pending(&self) -> usize {
        self.ledger.values().filter(|t| t.outcome.is_none()).count()
    }

    fn log(&mut self, tx: u64, rec: Rec, ctx: &Ctx<Self>) {
        self.wal.push(Wal {
            tx,
            rec,
            at: ctx.now,
        });
    }

    // ---- client ----

    fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            let mean = (1_000_000.0 / self.cfg.rate) as Time;
            let d = ctx.random_between(mean / 2, mean + mean / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    fn begin(&mut self, row: usize, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        let tx = self.seq;
        self.ledger.insert(
            tx,
            ClientTx {
                row,
                since: ctx.now,
                outcome: None,
            },
        );
        ctx.note("tx-2pc.begin", tx);
        ctx.send(COORDINATOR_NODE, Msg::Begin { tx, row });
        ctx.set_timer(Timer::Retry, self.retry_after());
    }

    fn retry_after(&self) -> Time {
        4 * self.cfg.timeout
    }

    fn client_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        if let Msg::Outcome { tx, committed } = msg {
            if let Some(t) = self.ledger.get_mut(&tx) {
                if t.outcome.is_none() {
                    t.outcome = Some(committed);
                    let key = if committed {
                        "tx-2pc.client_committed"
                    } else {
                        "tx-2pc.client_aborted"
                    };
                    ctx.note(key, tx);
                }
            }
        }
    }

    fn client_retry(&mut self, ctx: &mut Ctx<Self>) {
        let late: Vec<(u64, usize)> = self
            .ledger
            .iter()
            .filter(|(_, t)| t.outcome.is_none())
            .map(|(&tx, t)| (tx, t.row))
            .collect();
        for &(tx, row) in &late {
            ctx.note("tx-2pc.client_retry", tx);
            ctx.send(COORDINATOR_NODE, Msg::Begin { tx, row });
        }
        if !late.is_empty() {
            ctx.set_timer(Timer::Retry, self.retry_after());
        }
    }
}

impl Protocol for Tx2pc {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("atomicity"),
        Property::eventually("every-transaction-ends"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "client",
            "c",
            Shape::Square,
            &[CommandSpec::int("begin_tx", 1, 8, 1)],
        ),
        NodeKind::new("tx-2pc.coordinator", "C", Shape::Hexagon, &[]),
        NodeKind::new(
            "tx-2pc.cohort",
            "R",
            Shape::Circle,
            &[CommandSpec::plain("vote_no")],
        ),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let rows = if id >= FIRST_COHORT { cfg.rows } else { 0 };
        Tx2pc {
            id,
            cfg: cfg.clone(),
            boots: 0,
            wal: Vec::new(),
            data: Rows::new(rows),
            txs: BTreeMap::new(),
            doubt: BTreeMap::new(),
            blocked: false,
            doubt_total: 0,
            lock_wait_total: 0,
            vote_no: false,
            co: BTreeMap::new(),
            outbox: BTreeMap::new(),
            seq: 0,
            ledger: BTreeMap::new(),
        }
    }

    fn kind(&self) -> usize {
        match self.id {
            CLIENT_NODE => CLIENT,
            COORDINATOR_NODE => COORDINATOR,
            _ => COHORT,
        }
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
            COHORT if self.boots > 1 => self.cohort_recover(ctx),
            _ => {}
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            CLIENT => self.client_msg(msg, ctx),
            COORDINATOR => self.coordinator_msg(from, msg, ctx),
            _ => self.cohort_msg(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Next => {
                let row = ctx.random_index(self.cfg.rows);
                self.begin(row, ctx);
                self.schedule_next(ctx);
            }
            Timer::Retry => self.client_retry(ctx),
            Timer::Votes(tx) => self.vote_timeout(tx, ctx),
            Timer::Send(tx) => self.send_next(tx, ctx),
            Timer::Resend => self.resend(ctx),
            Timer::Exec(tx) => self.executed(tx, ctx),
            Timer::Ask => self.ask(ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        match command {
            "begin_tx" if self.is_client() => {
                let row = arg.and_then(|a| a.parse::<usize>().ok()).unwrap_or(1);
                if (1..=self.cfg.rows).contains(&row) {
                    self.begin(row - 1, ctx);
                } else {
                    ctx.note("tx-2pc.no_row", row as u64);
                }
            }
            "vote_no" if self.is_cohort() => {
                self.vote_no = true;
                ctx.note("tx-2pc.armed_no", 0);
            }
            _ => {}
        }
    }

    fn on_crash(&mut self) {
        // The log, the committed rows, the client's ledger and the counters are on disk; the
        // lock table, the wait queues, the transactions in progress and the coordinator's
        // outgoing messages are in memory and lost.
        self.data.crash();
        self.txs.clear();
        self.co.clear();
        self.outbox.clear();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "tx-2pc.next",
            Timer::Retry => "tx-2pc.retry",
            Timer::Votes(_) => "tx-2pc.votes",
            Timer::Send(_) => "tx-2pc.send",
            Timer::Resend => "tx-2pc.resend",
            Timer::Exec(_) => "tx-2pc.exec",
            Timer::Ask => "tx-2pc.ask",
        }
    }

    crate::monitor_hooks!(observe, check_eventually);
}

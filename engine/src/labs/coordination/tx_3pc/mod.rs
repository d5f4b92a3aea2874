//! Three-phase commit (三阶段提交, 3PC), as the course notes describe it (seed 001, "分布式事务 ·
//! 三阶段提交方法"; seed 002, "3PC"; seed 003, "一致性算法 · 3PC"), beside two-phase commit
//! (`tx-2pc`) on the same faults.
//!
//! The same cast as `tx-2pc`: a **client** that issues transactions, a **coordinator** and
//! `cohorts` **cohorts**, each holding `rows` rows with a lock per row; a transaction `T` writes
//! one row on every cohort. The notes split 2PC's first phase in two and add timeouts on both
//! sides:
//!
//! 1. **CanCommit**: the coordinator logs `BEGIN` and asks; a cohort locks the row (or queues
//!    for the lock) *without executing*, logs that it votes Yes, and votes `Yes` — or aborts
//!    and votes `No` (with probability `abort`, or armed by `vote_no`).
//! 2. **PreCommit**: on all Yes the coordinator logs `PRECOMMIT` and sends `PreCommit` to every
//!    cohort at once; each executes the write for `exec` ms, logs `PRECOMMIT` (redo and undo)
//!    and answers `Ack`. On a No, or without every vote after `timeout`, the coordinator logs
//!    `ABORT` and sends `Abort` to all at once.
//! 3. **DoCommit**: with every Ack the coordinator logs `COMMIT` and sends `DoCommit`, one
//!    cohort every `gap` ms; a cohort commits, releases its lock and answers `HaveCommitted`.
//!    Without every Ack in time, it aborts instead (all at once).
//!
//! The timeouts the notes add: a cohort that voted Yes and hears nothing more aborts on its
//! own; a cohort that acknowledged PreCommit and hears nothing more **commits** on its own
//! ("参与者都会在等待超时后，继续进行事务提交"). So a crashed coordinator no longer blocks the
//! cohorts: they finish by themselves. This is safe only if a timeout really means a crash:
//! the cohorts' wait is longer than the coordinator's by more than a message's flight (the
//! network's `latency_max`), so a live coordinator's Abort always arrives first. A partition
//! (or lost messages, or a paused coordinator) breaks that assumption: cut off after
//! PreCommit, a cohort commits on timeout while the coordinator aborts the others (seed 003:
//! "参与者接收到preCommit后，如果网络出现分区……依然会进行事务提交，必然导致数据不一致").
//!
//! Every node keeps a write-ahead log on disk. A restarted cohort may have missed the outcome
//! while it was down, so its timeouts mean nothing any more: it re-takes the locks of the
//! transactions it voted on and asks the coordinator and the other cohorts until one knows
//! (it may block, as in 2PC, while nobody does). A restarted coordinator finishes what its log
//! says: a decision is sent again; `PRECOMMIT` without a decision becomes a commit (every
//! cohort voted Yes, and the live ones will commit on timeout); `BEGIN` alone becomes an abort
//! (no cohort can have committed: that needs PreCommit).
//!
//! Properties (in `monitor.rs`): `atomicity` (always; the lesson: a partition breaks it) and
//! `every-transaction-ends` (eventually, in runs without faults).

mod client;
mod cohort;
mod coordinator;
mod monitor;
mod msg;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::{Msg, Rec, Wal};

use std::collections::{BTreeMap, BTreeSet};

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
    /// Time a cohort takes to execute its write on PreCommit.
    pub exec: Time,
    /// Time between two DoCommit messages the coordinator sends.
    pub gap: Time,
    /// The coordinator's wait for the votes; how often a restarted cohort asks and the
    /// coordinator re-sends an unacknowledged decision.
    pub timeout: Time,
    /// The coordinator's wait for the Acks of PreCommit: `timeout` plus the execution and a
    /// round trip.
    pub ack_wait: Time,
    /// A cohort's wait, after voting Yes or after its Ack, before deciding alone: longer than
    /// the coordinator's by more than a message's flight, so that with a live coordinator and
    /// a reliable network its word always arrives first.
    pub wait: Time,
    /// The longest a transaction lasts in a fault-free run.
    pub patience: Time,
    /// Test only: a cohort that voted Yes and times out before PreCommit commits (instead of
    /// aborting).
    #[doc(hidden)]
    pub broken_commit_before_precommit: bool,
    /// Test only: a restarted coordinator with `PRECOMMIT` and no decision in its log aborts
    /// (presumed abort, as in 2PC) instead of committing.
    #[doc(hidden)]
    pub broken_presumed_abort: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let cohorts = (p.get_u64("cohorts") as usize).clamp(1, MAX_COHORTS);
        let exec = p.get_u64("exec") * MS;
        let gap = p.get_u64("gap") * MS;
        let timeout = p.get_u64("timeout") * MS;
        let hop = p.get_u64("latency_max") * MS;
        let ack_wait = timeout + exec + 2 * hop;
        let wait = ack_wait + 2 * hop + 10 * MS;
        Config {
            cohorts,
            rows: (p.get_u64("rows") as usize).max(1),
            rate: p.get("rate"),
            abort_per_10k: (p.get("abort") * 100.0).round() as usize,
            exec,
            gap,
            timeout,
            ack_wait,
            wait,
            patience: timeout + ack_wait + wait + cohorts as Time * gap + 6 * hop + 50 * MS,
            ..Config::default()
        }
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Tx3pc> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Tx3pc> {
    NetSession::new(FIRST_COHORT + cfg.cohorts, cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Tx3pc>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The client's next transaction.
    Next,
    /// The client re-sends `Begin` for transactions without an outcome.
    Retry,
    /// The coordinator's wait for the votes of a transaction.
    Votes(u64),
    /// The coordinator's wait for the Acks of PreCommit.
    Acks(u64),
    /// The coordinator sends a transaction's DoCommit to its next cohort.
    Send(u64),
    /// The coordinator re-sends decisions not yet acknowledged.
    Resend,
    /// A cohort finishes executing a transaction's write.
    Exec(u64),
    /// A cohort's wait for the coordinator's next word on a transaction.
    Wait(u64),
    /// A restarted cohort asks again about what it is in doubt about.
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
    /// Locked and voted Yes; waiting for PreCommit (the notes' 预备状态).
    Ready {
        row: usize,
    },
    /// PreCommit arrived: executing the write.
    Executing {
        row: usize,
    },
    /// Executed, logged and acknowledged: waiting for DoCommit (commits on timeout).
    PreCommitted {
        row: usize,
    },
    Committed,
    Aborted,
}

impl CState {
    /// The row a transaction holds (or waits for) here.
    pub fn row(&self) -> Option<usize> {
        match *self {
            CState::Waiting { row, .. }
            | CState::Ready { row }
            | CState::Executing { row }
            | CState::PreCommitted { row } => Some(row),
            CState::Committed | CState::Aborted => None,
        }
    }
}

/// Where a transaction stands at the coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Collecting votes: a bit per cohort that voted Yes.
    Voting { yes: u64 },
    /// PRECOMMIT logged and sent: a bit per cohort that acknowledged.
    PreCommitting { acked: u64 },
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
pub struct Tx3pc {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    /// Persistent: the write-ahead log (coordinator and cohorts).
    pub wal: Vec<Wal>,
    // ---- cohort ----
    /// The rows: committed values persistent, locks and queues volatile.
    pub data: Rows,
    /// Transactions this cohort has seen (volatile; rebuilt from the log on restart).
    pub txs: BTreeMap<u64, CState>,
    /// Persistent (an index over the log): transactions voted Yes on and not yet decided, and
    /// since when.
    pub doubt: BTreeMap<u64, Time>,
    /// Transactions in doubt since a restart: no timeout decision, only asking (volatile).
    pub asking: BTreeSet<u64>,
    /// Asked after a restart and nobody could answer.
    pub blocked: bool,
    /// Persistent counters: time in doubt of transactions since decided; time transactions
    /// waited for a lock here; decisions taken alone on a timeout.
    pub doubt_total: Time,
    pub lock_wait_total: Time,
    pub timeout_commits: u64,
    pub timeout_aborts: u64,
    /// The next vote is No (the `vote_no` command).
    pub vote_no: bool,
    // ---- coordinator ----
    /// Transactions (volatile; rebuilt from the log on restart).
    pub co: BTreeMap<u64, CoTx>,
    /// DoCommits being sent, one cohort every `gap`: per transaction, the index of the next
    /// cohort to tell (volatile: lost in a crash).
    pub outbox: BTreeMap<u64, usize>,
    // ---- client ----
    /// Persistent: the last transaction number used, and the client's ledger.
    pub seq: u64,
    pub ledger: BTreeMap<u64, ClientTx>,
}

impl Tx3pc {
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
}

impl Protocol for Tx3pc {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("atomicity").lesson(),
        Property::eventually("every-transaction-ends"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "client",
            "c",
            Shape::Square,
            &[CommandSpec::int("begin_tx", 1, 8, 1)],
        ),
        NodeKind::new("tx-3pc.coordinator", "C", Shape::Hexagon, &[]),
        NodeKind::new(
            "tx-3pc.cohort",
            "R",
            Shape::Circle,
            &[CommandSpec::plain("vote_no")],
        ),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        let rows = if id >= FIRST_COHORT { cfg.rows } else { 0 };
        Tx3pc {
            id,
            cfg: cfg.clone(),
            boots: 0,
            wal: Vec::new(),
            data: Rows::new(rows),
            txs: BTreeMap::new(),
            doubt: BTreeMap::new(),
            asking: BTreeSet::new(),
            blocked: false,
            doubt_total: 0,
            lock_wait_total: 0,
            timeout_commits: 0,
            timeout_aborts: 0,
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
            Timer::Acks(tx) => self.ack_timeout(tx, ctx),
            Timer::Send(tx) => self.send_next(tx, ctx),
            Timer::Resend => self.resend(ctx),
            Timer::Exec(tx) => self.executed(tx, ctx),
            Timer::Wait(tx) => self.wait_over(tx, ctx),
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
                    ctx.note("tx-3pc.no_row", row as u64);
                }
            }
            "vote_no" if self.is_cohort() => {
                self.vote_no = true;
                ctx.note("tx-3pc.armed_no", 0);
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
        self.asking.clear();
        self.co.clear();
        self.outbox.clear();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Next => "tx-3pc.next",
            Timer::Retry => "tx-3pc.retry",
            Timer::Votes(_) => "tx-3pc.votes",
            Timer::Acks(_) => "tx-3pc.acks",
            Timer::Send(_) => "tx-3pc.send",
            Timer::Resend => "tx-3pc.resend",
            Timer::Exec(_) => "tx-3pc.exec",
            Timer::Wait(_) => "tx-3pc.wait",
            Timer::Ask => "tx-3pc.ask",
        }
    }

    crate::monitor_hooks!(observe, check_eventually);
}

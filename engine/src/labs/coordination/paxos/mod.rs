//! Paxos (Lamport, *Paxos Made Simple*, 2001), as the course notes walk through it (seed 004,
//! "一致性协议/算法 · Paxos": proposers A [n=2, v=8] and B [n=4, v=5], acceptors X, Y, Z; seed
//! 003's pseudo-code; seed 002's overview).
//!
//! Three kinds of node: `proposers` **proposers** (P), `acceptors` **acceptors** (A) and
//! `learners` **learners** (L). A proposer's value is typed in its menu (`propose`).
//!
//! Phase 1: the proposer picks a proposal number unique to it ([`Ballot`]: a round, then the
//! proposer's id) and sends `Prepare`. An acceptor that has promised nothing higher promises
//! not to accept lower numbers and answers `Promise` with the highest-numbered proposal it has
//! already **accepted** (Paxos Made Simple §2.2, P2c) — not the one it last promised, which is
//! where the notes' walk-through departs from the paper (see `scenarios.rs`). Phase 2: with
//! promises from a majority the proposer sends `Accept` with the value of the highest-numbered
//! accepted proposal reported, or its own value if none was; an acceptor accepts unless it has
//! promised a higher number. A value is *chosen* once a majority of acceptors accepted it under
//! one number. Acceptors answer a refused request with `Nack` (the paper's §2.3 optimization),
//! and a pre-empted proposer starts a higher round at once (`backoff` = 0: the dueling proposers'
//! livelock) or after a random back-off of up to `backoff` ms; with `leader` on, only P1 (the
//! distinguished proposer, §2.4) runs rounds and the others forward their values to it.
//!
//! Learners (§2.3): with `distinguished_learner` off every acceptor tells every learner what it
//! accepted (m·n messages for m acceptors and n learners); with it on, acceptors tell L1 only,
//! which tells the others once a majority agrees (m + n − 1), and L1 is a single point of
//! failure. With `multi` on (Multi-Paxos, §3) a proposer whose phase 1 succeeded stays leader
//! and puts each further value in the next slot of a log with phase 2 only.
//!
//! Acceptors keep their promise and accepted proposals on disk (they survive crashes); `disk`
//! ms is the time a write takes before the answer goes out. Proposers keep the highest round
//! they used (so a number is never reused); everything else is volatile.
//!
//! Properties (in `monitor.rs`): at most one value chosen per slot, a chosen value was
//! proposed, a learner learns only chosen values (always); and, in runs without faults, no
//! proposer waits forever — the livelock preset shows it breaking.

mod acceptor;
mod monitor;
mod msg;
mod proposer;
mod scenarios;
mod texts;
mod view;

pub use monitor::Monitor;
pub use msg::{value_text, Ballot, Msg, Vote, NOOP};

use std::collections::{BTreeMap, VecDeque};

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, NetSession, ParamSpec};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

/// Largest counts of each kind (node sets are bit masks).
pub const MAX_PROPOSERS: usize = 5;
pub const MAX_ACCEPTORS: usize = 9;
pub const MAX_LEARNERS: usize = 6;

/// Parameters: the lab's, then the network's.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("proposers", 2.0, 1.0, MAX_PROPOSERS as f64),
    ParamSpec::int("acceptors", 3.0, 1.0, MAX_ACCEPTORS as f64),
    ParamSpec::int("learners", 2.0, 1.0, MAX_LEARNERS as f64),
    ParamSpec::int("auto", 1.0, 0.0, 1.0),
    ParamSpec::int("multi", 0.0, 0.0, 1.0),
    ParamSpec::int("leader", 0.0, 0.0, 1.0),
    ParamSpec::int("backoff", 60.0, 0.0, 5_000.0),
    ParamSpec::int("timeout", 300.0, 20.0, 20_000.0),
    ParamSpec::int("nack", 1.0, 0.0, 1.0),
    ParamSpec::int("distinguished_learner", 0.0, 0.0, 1.0),
    ParamSpec::int("disk", 0.0, 0.0, 1_000.0),
];

/// Node kinds by index.
pub const PROPOSER: usize = 0;
pub const ACCEPTOR: usize = 1;
pub const LEARNER: usize = 2;

/// The lab's configuration, shared by all nodes. Node ids: proposers first, then acceptors,
/// then learners.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub proposers: usize,
    pub acceptors: usize,
    pub learners: usize,
    /// Proposers propose random values on their own (once; in Multi-Paxos, again and again).
    pub auto: bool,
    /// Multi-Paxos: a log of slots, phase 1 skipped by a stable leader.
    pub multi: bool,
    /// Only P1 (the distinguished proposer) runs rounds; the others forward to it.
    pub leader: bool,
    /// Longest random wait before a pre-empted proposer tries again (0: at once).
    pub backoff: Time,
    /// A proposer's wait for a majority before it starts a higher round.
    pub timeout: Time,
    /// Acceptors answer refused requests with Nack (otherwise they ignore them, as in the notes).
    pub nack: bool,
    /// Acceptors tell L1 only, which tells the other learners.
    pub distinguished_learner: bool,
    /// Time an acceptor's disk write takes before its answer goes out.
    pub disk: Time,
    /// The longest a proposer waits for its value in a fault-free run with back-off.
    pub patience: Time,
    /// Test only: an acceptor's promises leave out what it has accepted.
    #[doc(hidden)]
    pub broken_forget_accepted: bool,
    /// Test only: an acceptor's promise is not on disk (a crash forgets it).
    #[doc(hidden)]
    pub broken_volatile_promise: bool,
}

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let hop = p.get_u64("latency_max") * MS;
        let disk = p.get_u64("disk") * MS;
        let backoff = p.get_u64("backoff") * MS;
        Config {
            proposers: (p.get_u64("proposers") as usize).clamp(1, MAX_PROPOSERS),
            acceptors: (p.get_u64("acceptors") as usize).clamp(1, MAX_ACCEPTORS),
            learners: (p.get_u64("learners") as usize).clamp(1, MAX_LEARNERS),
            auto: p.get_u64("auto") > 0,
            multi: p.get_u64("multi") > 0,
            leader: p.get_u64("leader") > 0,
            backoff,
            timeout: p.get_u64("timeout") * MS,
            nack: p.get_u64("nack") > 0,
            distinguished_learner: p.get_u64("distinguished_learner") > 0,
            disk,
            patience: 2_000 * MS + 8 * (4 * hop + 2 * disk + backoff),
            ..Config::default()
        }
    }

    /// How many nodes the configuration has.
    pub fn nodes(&self) -> usize {
        self.proposers + self.acceptors + self.learners
    }

    /// Acceptors needed for a majority.
    pub fn majority(&self) -> u32 {
        (self.acceptors / 2 + 1) as u32
    }

    pub fn first_acceptor(&self) -> NodeId {
        self.proposers
    }

    pub fn first_learner(&self) -> NodeId {
        self.proposers + self.acceptors
    }

    /// The kind of node `id`.
    pub fn kind_of(&self, id: NodeId) -> usize {
        if id < self.proposers {
            PROPOSER
        } else if id < self.first_learner() {
            ACCEPTOR
        } else {
            LEARNER
        }
    }

    /// An acceptor's bit in a set of acceptors (0 for any other node).
    pub fn acceptor_bit(&self, id: NodeId) -> u64 {
        id.checked_sub(self.first_acceptor())
            .filter(|&i| i < self.acceptors)
            .map_or(0, |i| 1 << i)
    }
}

/// A new session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Paxos> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new session with an explicit configuration (the tests' broken variants).
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Paxos> {
    NetSession::new(cfg.nodes(), cfg, net_config(p), seed)
}

/// The lab's registry row.
pub const LAB: LabDef = lab_def::<Paxos>();

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// A proposer's own next value (`auto`).
    Auto,
    /// A proposer starts a higher round: its wait for a majority ran out, or its back-off did.
    Retry,
    /// An acceptor's disk write `n` is done: its answers go out.
    Flush(u64),
}

/// Where a proposer stands.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Phase {
    #[default]
    Idle,
    /// Phase 1 under `ballot`: the acceptors that promised, and per slot the highest-numbered
    /// accepted proposal they reported.
    Preparing {
        ballot: Ballot,
        promises: u64,
        reported: BTreeMap<u64, Vote>,
    },
    /// Phase 1 done: phase 2 under `ballot` for any slot (a Multi-Paxos leader; in
    /// single-decree Paxos, until slot 0 is chosen).
    Leading { ballot: Ballot },
}

/// A slot a proposer has sent `Accept` for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InFlight {
    pub value: u64,
    /// The proposer's own value (not one it adopted from a promise, nor a no-op).
    pub own: bool,
    /// Acceptors that answered `Accepted`.
    pub acks: u64,
}

/// One node: a proposer, an acceptor or a learner.
#[derive(Clone, Debug)]
pub struct Paxos {
    pub id: NodeId,
    cfg: Config,
    /// Persistent: how many times the node started.
    pub boots: u64,
    // ---- proposer ----
    /// Persistent: the highest round this proposer used or saw refused in a Nack.
    pub max_round: u64,
    /// The round the next proposal uses, if set with the `number` command.
    pub next_round: Option<u64>,
    /// Values waiting to be proposed, front first (volatile).
    pub queue: VecDeque<u64>,
    pub phase: Phase,
    /// Slots with `Accept` sent under the current ballot (volatile).
    pub inflight: BTreeMap<u64, InFlight>,
    /// The next free slot (Multi-Paxos leader).
    pub next_slot: u64,
    /// Waiting out a random back-off before the next round.
    pub backing_off: bool,
    /// Since when the proposer has had a value waiting (for the progress check).
    pub busy_since: Option<Time>,
    /// Persistent counters: rounds started, rounds abandoned after a Nack, values proposed
    /// without phase 1.
    pub rounds: u64,
    pub preempted: u64,
    pub skipped: u64,
    // ---- acceptor (persistent: on disk) ----
    /// The highest number promised.
    pub promised: Option<Ballot>,
    /// Per slot, the highest-numbered proposal accepted.
    pub accepted: BTreeMap<u64, Vote>,
    /// Answers waiting for a disk write, by write number (volatile).
    pub pending: BTreeMap<u64, Vec<(NodeId, Msg)>>,
    pub writes: u64,
    // ---- learner (and a proposer's view of what is chosen) ----
    /// Per slot, the chosen value as this node learned it (volatile).
    pub log: BTreeMap<u64, u64>,
    /// A learner's count of acceptors per (slot, number): the value and the acceptors.
    pub tally: BTreeMap<(u64, Ballot), (u64, u64)>,
}

impl Paxos {
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// This node's label as the app shows it (P1, A3, L6).
    pub fn label(&self) -> String {
        label(&self.cfg, self.id)
    }

    /// A proposer's value waiting or in flight (`None` when it has nothing to do).
    pub fn has_work(&self) -> bool {
        if self.cfg.multi {
            !self.queue.is_empty() || !self.inflight.is_empty()
        } else {
            !self.queue.is_empty() && !self.log.contains_key(&0)
        }
    }
}

/// A node's label: P1, A3, L6 (1-based ids with the kind's prefix).
pub fn label(cfg: &Config, id: NodeId) -> String {
    let prefix = Paxos::KINDS[cfg.kind_of(id)].prefix;
    format!("{prefix}{}", id + 1)
}

impl Protocol for Paxos {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("paxos.agreement"),
        Property::always("paxos.validity"),
        Property::always("paxos.learned-chosen"),
        Property::eventually("paxos.progress").lesson(),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "paxos.proposer",
            "P",
            Shape::Diamond,
            &[
                CommandSpec::int("propose", 0, 999, 8),
                CommandSpec::int("number", 1, 1_000_000, 2),
            ],
        ),
        NodeKind::new("paxos.acceptor", "A", Shape::Circle, &[]),
        NodeKind::new("paxos.learner", "L", Shape::Square, &[]),
    ];

    fn new(id: NodeId, _n: usize, cfg: &Config) -> Self {
        Paxos {
            id,
            cfg: cfg.clone(),
            boots: 0,
            max_round: 0,
            next_round: None,
            queue: VecDeque::new(),
            phase: Phase::Idle,
            inflight: BTreeMap::new(),
            next_slot: 0,
            backing_off: false,
            busy_since: None,
            rounds: 0,
            preempted: 0,
            skipped: 0,
            promised: None,
            accepted: BTreeMap::new(),
            pending: BTreeMap::new(),
            writes: 0,
            log: BTreeMap::new(),
            tally: BTreeMap::new(),
        }
    }

    fn kind(&self) -> usize {
        self.cfg.kind_of(self.id)
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.boots += 1;
        if self.kind() == PROPOSER && self.cfg.auto && (self.boots == 1 || self.cfg.multi) {
            let d = ctx.random_between(0, 300 * MS);
            ctx.set_timer(Timer::Auto, d.max(1));
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match self.kind() {
            PROPOSER => self.proposer_msg(from, msg, ctx),
            ACCEPTOR => self.acceptor_msg(from, msg, ctx),
            _ => self.learner_msg(from, msg, ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Auto => {
                let v = 1 + ctx.random_index(99) as u64;
                self.propose(v, ctx);
                if self.cfg.multi {
                    let d = ctx.random_between(300 * MS, 700 * MS);
                    ctx.set_timer(Timer::Auto, d);
                }
            }
            Timer::Retry => self.retry(ctx),
            Timer::Flush(w) => self.flush(w, ctx),
        }
    }

    fn on_command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        let num = arg.and_then(|a| a.trim().parse::<u64>().ok());
        match (command, num) {
            ("propose", Some(v)) if self.kind() == PROPOSER => self.propose(v, ctx),
            ("number", Some(n)) if self.kind() == PROPOSER => {
                if n > self.max_round {
                    self.next_round = Some(n);
                    ctx.note("paxos.number_set", n);
                } else {
                    ctx.note("paxos.number_used", self.max_round);
                }
            }
            _ => ctx.note("paxos.bad_command", 0),
        }
    }

    fn on_crash(&mut self) {
        // Acceptors' promises and accepted proposals and proposers' highest round are on disk;
        // the rest is in memory.
        self.queue.clear();
        self.phase = Phase::Idle;
        self.inflight.clear();
        self.next_slot = 0;
        self.backing_off = false;
        self.busy_since = None;
        self.next_round = None;
        self.pending.clear();
        self.log.clear();
        self.tally.clear();
        if self.cfg.broken_volatile_promise {
            self.promised = None;
        }
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Auto => "paxos.auto",
            Timer::Retry => "paxos.retry",
            Timer::Flush(_) => "paxos.flush",
        }
    }

    crate::monitor_hooks!(observe, check_eventually);
}

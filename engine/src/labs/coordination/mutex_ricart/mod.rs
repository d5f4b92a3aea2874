//! `mutex-ricart`: the Ricart–Agrawala distributed mutual-exclusion algorithm, the
//! "distributed algorithm" (分布式算法) of the course notes' section 分布式协调与同步 ---
//! 分布式互斥 (seed 001), after Ricart and Agrawala, *An optimal algorithm for mutual exclusion in
//! computer networks* (CACM 24(1), 1981).
//!
//! A process that wants the critical section sends `Request(ts, id)` — its Lamport timestamp
//! and its id, "the requester's id and the time of the request" — to the n−1 others and enters
//! once it holds n−1 `OK`s: n−1 requests plus n−1 replies, 2(n−1) messages per entry (the
//! notes' 第一 / 第二). A process answers `OK` at once unless it is in the critical section,
//! or is itself requesting with an earlier (timestamp, id); then it defers the `OK` until it
//! leaves. The notes' two weaknesses are what the lab shows: the "signalling storm" (every
//! process receives every request, so traffic grows with the number of requesters) and one
//! silent process stalling everyone (它无法发送同意消息, 其他程序均处在等待回复的状态中).
//!
//! The notes' two fixes are toggles:
//! - `skip_dead` (改进 1: request only from processes that communicate normally): every process
//!   heartbeats; a peer silent for [`Config::suspect_after`] is suspected and no longer
//!   waited for; a suspected peer that speaks again, or a peer that restarted (a new epoch in
//!   its heartbeat), is asked again. This is safe only while suspicions are right: a paused
//!   process, or one behind a partition, is wrongly suspected and two processes can hold the
//!   critical section at once (preset `ricart-false-suspicion`).
//! - `majority` (改进 2: a majority instead of all): enter on OKs from a majority of all
//!   processes (counting oneself). Ricart–Agrawala's `OK` is not a vote: an idle process
//!   grants every request it sees, so two concurrent requesters can each collect a majority
//!   from the same idle processes and enter together, with no fault at all (preset
//!   `ricart-majority-overlap`). A majority only excludes when each voter grants one request
//!   at a time and holds its vote until released (Maekawa's quorums), which is another
//!   algorithm.
//!
//! Details the notes leave open: the Lamport clock is kept across a crash (stable storage);
//! with a clock that restarts from zero, a process that granted an `OK` before crashing could
//! request with an earlier timestamp than the request it granted and overtake it, which
//! breaks mutual exclusion (the tests' `broken_volatile_clock` shows the checker catching
//! it). An `OK` carries the timestamp of the request it grants, so a late `OK` for a request
//! a crash wiped out is not counted for the next one.
//!
//! Files: this one is the protocol; `lab.rs` the lab's registry row, view and texts;
//! `monitor.rs` the checkers and counters; `scenarios.rs` the presets.

mod lab;
mod monitor;
mod scenarios;

pub use lab::{holders, waiting, LAB};
pub use monitor::Monitor;

use crate::input::Params;
use crate::sim::{
    CommandSpec, Ctx, Found, Message, NodeKind, NodeStatus, Observed, Property, Protocol, Shape,
    TraceHasher,
};
use crate::{NodeId, Time, MS};

/// The lab's messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// "I want the critical section": the requester's Lamport timestamp and id.
    Request { ts: u64, id: NodeId },
    /// Permission for the request with timestamp `ts`.
    Ok { ts: u64 },
    /// Failure detection (`skip_dead` only): "I am alive", with the sender's boot count.
    Heartbeat { epoch: u64 },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Request { .. } => "Request",
            Msg::Ok { .. } => "OK",
            Msg::Heartbeat { .. } => "Heartbeat",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::Request { ts, id } => {
                h.u64(1);
                h.u64(*ts);
                h.node(*id);
            }
            Msg::Ok { ts } => {
                h.u64(2);
                h.u64(*ts);
            }
            Msg::Heartbeat { epoch } => {
                h.u64(3);
                h.u64(*epoch);
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::Request { ts, id } => vec![("ts", ts.to_string()), ("id", format!("n{}", id + 1))],
            Msg::Ok { ts } => vec![("ts", ts.to_string())],
            Msg::Heartbeat { epoch } => vec![("epoch", epoch.to_string())],
        }
    }
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The process's application wants the critical section (at `rate` per second).
    Want,
    /// Time to leave the critical section.
    Leave,
    /// Send a heartbeat and look for silent peers (`skip_dead` only).
    Beat,
}

/// Where a process stands (Ricart and Agrawala's RELEASED / WANTED / HELD).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum State {
    #[default]
    Released,
    Wanted,
    Held,
}

/// The lab's configuration, shared by all processes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Config {
    /// Critical-section wishes per process per simulated second (0 = only the `request`
    /// command).
    pub rate: f64,
    /// How long a process stays in the critical section.
    pub cs: Time,
    /// Improvement 1: do not wait for peers the heartbeat failure detector suspects.
    pub skip_dead: bool,
    /// Improvement 2: enter on OKs from a majority of all processes instead of from all.
    pub majority: bool,
    /// Heartbeat period (`skip_dead`).
    pub heartbeat: Time,
    /// A peer silent this long is suspected (`skip_dead`).
    pub suspect_after: Time,
    /// A request still waiting after this long breaks `every-request-granted`.
    pub overdue: Time,
    /// Test only: a process in the critical section answers a request at once instead of
    /// deferring it, so the checker must see two holders. No parameter reaches it.
    #[doc(hidden)]
    pub broken_ok_in_cs: bool,
    /// Test only: the Lamport clock restarts from zero after a crash (see the module doc).
    #[doc(hidden)]
    pub broken_volatile_clock: bool,
}

/// Heartbeat period and suspicion timeout of the failure detector, ms.
pub const HEARTBEAT_MS: u64 = 100;
pub const SUSPECT_MS: u64 = 400;

impl Config {
    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        let n = p.get_u64("nodes").max(1);
        let cs = p.get_u64("cs") * MS;
        let latency = p.get_u64("latency_max") * MS;
        Config {
            rate: p.get("rate"),
            cs,
            skip_dead: p.get_u64("skip_dead") != 0,
            majority: p.get_u64("majority") != 0,
            heartbeat: HEARTBEAT_MS * MS,
            suspect_after: SUSPECT_MS * MS,
            // Every other process may go first once (and its OK travel), then this one's
            // round; twice that, plus a second and the failure detector's delay.
            overdue: 2 * n * (cs + 2 * latency) + 1_000 * MS + SUSPECT_MS * MS,
            ..Config::default()
        }
    }
}

/// One process.
#[derive(Clone, Debug)]
pub struct Ricart {
    pub id: NodeId,
    pub n: usize,
    cfg: Config,
    /// Persistent: the Lamport clock.
    pub clock: u64,
    /// Persistent: how many times the process started.
    pub epoch: u64,
    /// Volatile from here on.
    pub state: State,
    /// Timestamp of the current (or last) request.
    pub req_ts: u64,
    /// True time the current request was made (for the checker only).
    pub req_at: Time,
    /// Who has granted the current request.
    pub oks: Vec<bool>,
    /// Requests answered later, in the order they were deferred: (requester, timestamp).
    pub deferred: Vec<(NodeId, u64)>,
    /// Wishes that came while the process was busy; each becomes a request in turn.
    pub pending: u32,
    /// `skip_dead`: peers suspected dead, when each was last heard from (local clock), and
    /// each peer's last known epoch (0 = none heard).
    pub suspected: Vec<bool>,
    pub last_heard: Vec<Time>,
    pub peer_epoch: Vec<u64>,
}

/// The one node kind, with its `request` command.
pub const KINDS: &[NodeKind] = &[NodeKind::new(
    "ricart.process",
    "n",
    Shape::Circle,
    &[CommandSpec::plain("request")],
)];

impl Ricart {
    fn peers(&self) -> impl Iterator<Item = NodeId> {
        let me = self.id;
        (0..self.n).filter(move |&i| i != me)
    }

    /// OKs held for the current request.
    pub fn ok_count(&self) -> usize {
        self.oks.iter().filter(|&&b| b).count()
    }

    /// Whether the current request may enter now.
    fn may_enter(&self) -> bool {
        if self.cfg.majority {
            return 2 * (self.ok_count() + 1) > self.n;
        }
        self.peers()
            .all(|p| self.oks[p] || (self.cfg.skip_dead && self.suspected[p]))
    }

    /// Does the current request go before a request `(ts, from)`?
    fn precedes(&self, ts: u64, from: NodeId) -> bool {
        (self.req_ts, self.id) < (ts, from)
    }

    fn want(&mut self, ctx: &mut Ctx<Self>) {
        if self.state != State::Released {
            self.pending = self.pending.saturating_add(1);
            return;
        }
        self.clock += 1;
        self.req_ts = self.clock;
        self.req_at = ctx.now;
        self.state = State::Wanted;
        self.oks.iter_mut().for_each(|b| *b = false);
        ctx.note("ricart.request", self.req_ts);
        let msg = Msg::Request {
            ts: self.req_ts,
            id: self.id,
        };
        for p in self.peers() {
            if !(self.cfg.skip_dead && self.suspected[p]) {
                ctx.send(p, msg.clone());
            }
        }
        self.try_enter(ctx);
    }

    fn try_enter(&mut self, ctx: &mut Ctx<Self>) {
        if self.state == State::Wanted && self.may_enter() {
            self.state = State::Held;
            ctx.note("ricart.enter", self.req_ts);
            ctx.set_timer(Timer::Leave, self.cfg.cs);
        }
    }

    fn leave(&mut self, ctx: &mut Ctx<Self>) {
        if self.state != State::Held {
            return;
        }
        self.state = State::Released;
        ctx.note("ricart.leave", self.req_ts);
        for (p, ts) in std::mem::take(&mut self.deferred) {
            ctx.send(p, Msg::Ok { ts });
        }
        if self.pending > 0 {
            self.pending -= 1;
            self.want(ctx);
        }
    }

    fn on_request(&mut self, from: NodeId, ts: u64, ctx: &mut Ctx<Self>) {
        self.clock = self.clock.max(ts) + 1;
        let defer = match self.state {
            State::Held => !self.cfg.broken_ok_in_cs,
            State::Wanted => self.precedes(ts, from),
            State::Released => false,
        };
        if defer {
            // A repeated request replaces the one deferred, never queues twice.
            self.deferred.retain(|&(p, _)| p != from);
            self.deferred.push((from, ts));
            ctx.note("ricart.defer", from as u64 + 1);
        } else {
            ctx.send(from, Msg::Ok { ts });
        }
    }

    /// `skip_dead`: heard from `from` (any message).
    fn heard(&mut self, from: NodeId, epoch: Option<u64>, ctx: &mut Ctx<Self>) {
        if !self.cfg.skip_dead {
            return;
        }
        self.last_heard[from] = ctx.local_now();
        let revived = std::mem::replace(&mut self.suspected[from], false);
        if revived {
            ctx.note("ricart.alive", from as u64 + 1);
        }
        let restarted = match epoch {
            Some(e) => {
                let known = std::mem::replace(&mut self.peer_epoch[from], e);
                known != 0 && known != e
            }
            None => false,
        };
        // A peer back from suspicion, or restarted, may never have seen this request (or
        // forgot it): ask it again.
        if (revived || restarted) && self.state == State::Wanted && !self.oks[from] {
            ctx.send(
                from,
                Msg::Request {
                    ts: self.req_ts,
                    id: self.id,
                },
            );
        }
    }

    fn beat(&mut self, ctx: &mut Ctx<Self>) {
        ctx.broadcast(Msg::Heartbeat { epoch: self.epoch });
        let now = ctx.local_now();
        for p in 0..self.n {
            if p != self.id
                && !self.suspected[p]
                && now.saturating_sub(self.last_heard[p]) > self.cfg.suspect_after
            {
                self.suspected[p] = true;
                ctx.note("ricart.suspect", p as u64 + 1);
            }
        }
        self.try_enter(ctx);
        ctx.set_timer(Timer::Beat, self.cfg.heartbeat);
    }

    fn schedule_want(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.rate > 0.0 {
            // Uniform around the mean gap 1/rate (half to one and a half of it).
            let mean = (1_000_000.0 / self.cfg.rate).min(1e15) as Time;
            let gap = ctx.random_between(mean / 2, mean + mean / 2).max(1);
            ctx.set_timer(Timer::Want, gap);
        }
    }
}

impl Protocol for Ricart {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("mutual-exclusion").lesson(),
        Property::eventually("every-request-granted").lesson(),
    ];
    const KINDS: &'static [NodeKind] = KINDS;

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        Ricart {
            id,
            n,
            cfg: cfg.clone(),
            clock: 0,
            epoch: 0,
            state: State::Released,
            req_ts: 0,
            req_at: 0,
            oks: vec![false; n],
            deferred: Vec::new(),
            pending: 0,
            suspected: vec![false; n],
            last_heard: vec![0; n],
            peer_epoch: vec![0; n],
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.epoch += 1;
        let now = ctx.local_now();
        self.last_heard.iter_mut().for_each(|t| *t = now);
        self.schedule_want(ctx);
        if self.cfg.skip_dead {
            ctx.broadcast(Msg::Heartbeat { epoch: self.epoch });
            ctx.set_timer(Timer::Beat, self.cfg.heartbeat);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        if from >= self.n || from == self.id {
            return;
        }
        match msg {
            Msg::Request { ts, .. } => {
                self.heard(from, None, ctx);
                self.on_request(from, ts, ctx);
            }
            Msg::Ok { ts } => {
                self.heard(from, None, ctx);
                if self.state == State::Wanted && ts == self.req_ts && !self.oks[from] {
                    self.oks[from] = true;
                    self.try_enter(ctx);
                }
            }
            Msg::Heartbeat { epoch } => self.heard(from, Some(epoch), ctx),
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Want => {
                self.want(ctx);
                self.schedule_want(ctx);
            }
            Timer::Leave => self.leave(ctx),
            Timer::Beat => self.beat(ctx),
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "request" {
            self.want(ctx);
        }
    }

    fn on_crash(&mut self) {
        if self.cfg.broken_volatile_clock {
            self.clock = 0;
        }
        self.state = State::Released;
        self.oks.iter_mut().for_each(|b| *b = false);
        self.deferred.clear();
        self.pending = 0;
        self.suspected.iter_mut().for_each(|b| *b = false);
        self.peer_epoch.iter_mut().for_each(|e| *e = 0);
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Want => "want",
            Timer::Leave => "leave",
            Timer::Beat => "beat",
        }
    }

    fn check(m: &mut Monitor, now: Time, node: NodeId, nodes: &[Self]) -> Found {
        m.check(now, node, nodes)
    }

    fn observe(m: &mut Monitor, seen: &Observed<Self>, _found: &mut Found) {
        m.observe(seen);
    }

    fn check_eventually(
        _m: &Monitor,
        now: Time,
        nodes: &[Self],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        for p in nodes {
            let up = status.get(p.id) == Some(&NodeStatus::Up);
            if up && p.state == State::Wanted && now.saturating_sub(p.req_at) > p.cfg.overdue {
                found.push((
                    "every-request-granted",
                    format!(
                        "n{}'s request (ts {}) has waited {} ms with {} of {} OKs",
                        p.id + 1,
                        p.req_ts,
                        (now - p.req_at) / MS,
                        p.ok_count(),
                        p.n - 1
                    ),
                ));
            }
        }
    }
}

/// A session with an explicit configuration (the tests use it for broken variants); the
/// process count and the network still come from `p`.
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> crate::labs::NetSession<Ricart> {
    let (_, net, n) = <Ricart as crate::labs::NetLab>::build(p);
    crate::labs::NetSession::new(n, cfg, net, seed)
}

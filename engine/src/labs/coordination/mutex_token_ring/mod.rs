//! `mutex-token-ring`: mutual exclusion by a token that circulates on a logical ring (the
//! course notes, seed 001, §“分布式互斥 (3) 令牌环算法”).
//!
//! The processes form a ring (n1 → n2 → … → n1). One `Token` circulates; the process that
//! holds it may enter the critical section if it wants to, and passes it to its successor
//! when done — or at once if it does not want it (“若该程序不需要访问临界资源, 则直接把令牌传送给下一个
//! 程序”). The notes' weaknesses are what the lab shows: every process gets the token each
//! round whether it needs it or not (messages per entry at low load), and a lone requester
//! in a bad position waits for the token to come round (“位置不好, 再后面才拿到, 实时性弱”).
//! Their improvement, weighted turns (“增加轮值权重”), is the `weight` parameter: n1 may
//! enter that many times per visit.
//!
//! Fault handling, as the notes require every process to know the ring (“每个程序都要记住环中的
//! 参与者信息, 这样才能知道在跳过一个参与者后令牌应该传递给谁”):
//! - **Ring repair.** The receiver of a token acknowledges it (`Ack`). A sender that gets no
//!   ack within `ack_timeout` passes the token to the next process after the silent one,
//!   and so on round the ring; alone, it keeps the token.
//! - **Token loss.** A process that has not seen the token for `regen_timeout` (longer than
//!   any rotation) claims a new generation: it broadcasts `Claim(epoch + 1, id)` and waits
//!   `2 × ack_timeout`. Claims compare (epoch, id), highest wins: a process answers `Nack`
//!   if it holds (or is passing) the token or saw it less than `regen_timeout` ago — it is
//!   alive —, if it has seen a token of that
//!   epoch or later, or if it knows a higher claim; a lower claimer yields to a higher one.
//!   A claimer that is neither refused nor outbid mints the token of its epoch. Tokens of
//!   an older generation are discarded wherever a newer *token* has been seen (a refused
//!   claim kills nothing); a hop count discards duplicate copies.
//!
//! The lesson: a token that is only partitioned away is not lost. The side without it
//! regenerates, and until the partition heals two tokens circulate — mutual exclusion and
//! the one-token property break (preset `tokenring-partition-two-tokens`). Pauses and message loss
//! break the timeouts' assumptions in the same way; crashes on reliable links do not.
//!
//! The checkers are in [`monitor`], the registry row and drawing in [`lab`], presets in
//! [`scenarios`].

mod lab;
pub mod monitor;
pub mod scenarios;

use std::collections::VecDeque;

pub use lab::{session_with, LAB, PARAMS};
pub use monitor::Monitor;

use crate::params::Params;
use crate::sim::{
    CommandSpec, Ctx, Found, Message, NodeKind, NodeStatus, Observed, Property, Protocol, Shape,
    TraceHasher,
};
use crate::{NodeId, Time, MS};

/// A token's generation: (epoch, the process that minted it). Compared lexicographically.
pub type Stamp = (u64, NodeId);

/// Messages of the ring.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// The token of generation `stamp`, on its `hop`-th pass.
    Token { stamp: Stamp, hop: u64 },
    /// The receiver got the token of `stamp` on pass `hop`.
    Ack { stamp: Stamp, hop: u64 },
    /// The sender believes the token lost and claims generation `stamp`.
    Claim { stamp: Stamp },
    /// The sender refuses a claim: it knows generation `stamp` (or holds that token).
    Nack { stamp: Stamp },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::Token { .. } => "Token",
            Msg::Ack { .. } => "Ack",
            Msg::Claim { .. } => "Claim",
            Msg::Nack { .. } => "Nack",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        let (tag, stamp, hop) = match self {
            Msg::Token { stamp, hop } => (0, stamp, *hop),
            Msg::Ack { stamp, hop } => (1, stamp, *hop),
            Msg::Claim { stamp } => (2, stamp, 0),
            Msg::Nack { stamp } => (3, stamp, 0),
        };
        h.u64(tag);
        h.u64(stamp.0);
        h.node(stamp.1);
        h.u64(hop);
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        let gen = |s: &Stamp| format!("{}/n{}", s.0, s.1 + 1);
        match self {
            Msg::Token { stamp, hop } | Msg::Ack { stamp, hop } => {
                vec![("generation", gen(stamp)), ("hop", hop.to_string())]
            }
            Msg::Claim { stamp } | Msg::Nack { stamp } => vec![("generation", gen(stamp))],
        }
    }
}

/// Timers of a process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The next spontaneous request (at `rate` per second).
    Request,
    /// The critical section ends.
    CsDone,
    /// No ack for the token passed.
    Ack,
    /// The token has not been seen for `regen_timeout`.
    Loss,
    /// A claim's waiting window is over.
    Claim,
}

/// Lab-wide settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Requests per process per second (0: only the `request` command).
    pub rate: f64,
    /// Time in the critical section.
    pub cs: Time,
    /// Entries n1 may make per visit of the token (weighted turns); the others make one.
    pub weight: u32,
    pub ack_timeout: Time,
    pub regen_timeout: Time,
    /// Test only: the holder passes the token on as it *enters* the critical section.
    #[doc(hidden)]
    pub broken_pass_early: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            rate: 0.5,
            cs: 100 * MS,
            weight: 1,
            ack_timeout: 100 * MS,
            regen_timeout: 2_000 * MS,
            broken_pass_early: false,
        }
    }
}

impl Config {
    pub fn from_params(p: &Params) -> Config {
        Config {
            rate: p.get("rate"),
            cs: p.get_u64("cs") * MS,
            weight: p.get_u64("weight").max(1) as u32,
            ack_timeout: p.get_u64("ack_timeout").max(1) * MS,
            regen_timeout: p.get_u64("regen_timeout").max(1) * MS,
            broken_pass_early: false,
        }
    }
}

/// Longest queue of waiting requests a process keeps (more are refused, with a note).
pub const MAX_PENDING: usize = 256;

/// One process of the ring.
#[derive(Clone, Debug)]
pub struct RingNode {
    pub id: NodeId,
    pub n: usize,
    cfg: Config,
    /// The token this process holds, if any: (generation, hop it arrived with).
    pub holding: Option<(Stamp, u64)>,
    /// In the critical section.
    pub in_cs: bool,
    /// Entries left in this visit of the token.
    pub turns_left: u32,
    /// Times of waiting requests, oldest first.
    pub pending: VecDeque<Time>,
    /// The token passed and not yet acknowledged: (generation, hop, how many places ahead).
    pub passing: Option<(Stamp, u64, usize)>,
    /// The highest generation of a token this process has seen: older tokens are discarded.
    pub gen: Stamp,
    /// The highest claim this process has seen (its own included): lower claims are refused.
    pub bid: Stamp,
    /// The highest (generation, hop) of a token seen: older copies are duplicates.
    pub seen: (Stamp, u64),
    /// This process's open claim.
    pub claim: Option<Stamp>,
    /// When (local clock) this process last held or passed a token.
    pub last_seen: Option<Time>,
    /// Critical-section entries since the last start.
    pub entries: u64,
    /// Total wait of those entries.
    pub waited: Time,
}

/// The one node kind and its command.
pub const KINDS: &[NodeKind] = &[NodeKind::new(
    "tokenring.process",
    "n",
    Shape::Circle,
    &[CommandSpec::plain("request")],
)];

impl RingNode {
    /// The process `k` places after this one on the ring.
    pub fn ahead(&self, k: usize) -> NodeId {
        (self.id + k) % self.n.max(1)
    }

    fn turns(&self) -> u32 {
        if self.id == 0 {
            self.cfg.weight.max(1)
        } else {
            1
        }
    }

    fn mean_interval(&self) -> Option<Time> {
        (self.cfg.rate > 0.0).then(|| ((1_000.0 / self.cfg.rate) * MS as f64) as Time)
    }

    /// The token is here now: note it, and restart the loss timer.
    fn saw_token(&mut self, ctx: &mut Ctx<Self>) {
        self.last_seen = Some(ctx.local_now());
        self.arm_loss(ctx);
    }

    fn arm_loss(&self, ctx: &mut Ctx<Self>) {
        let jitter = ctx.random_between(0, self.cfg.ack_timeout);
        ctx.set_timer(Timer::Loss, self.cfg.regen_timeout + jitter);
    }

    /// Takes the token of `stamp` (arrived on pass `hop`): enter if wanted, else pass it on.
    fn take(&mut self, stamp: Stamp, hop: u64, ctx: &mut Ctx<Self>) {
        self.holding = Some((stamp, hop));
        self.gen = self.gen.max(stamp);
        self.seen = self.seen.max((stamp, hop));
        self.turns_left = self.turns();
        if self.claim.take().is_some() {
            ctx.cancel_timer(Timer::Claim);
        }
        self.saw_token(ctx);
        self.proceed(ctx);
    }

    /// With the token and out of the critical section: enter for the oldest request if this
    /// visit has turns left, else pass the token on.
    fn proceed(&mut self, ctx: &mut Ctx<Self>) {
        let Some((stamp, hop)) = self.holding else {
            return;
        };
        if self.in_cs {
            return;
        }
        if self.turns_left > 0 {
            if let Some(asked) = self.pending.pop_front() {
                self.turns_left -= 1;
                self.in_cs = true;
                let wait = ctx.now.saturating_sub(asked);
                self.entries += 1;
                self.waited += wait;
                ctx.note("tokenring.enter", wait / MS);
                ctx.set_timer(Timer::CsDone, self.cfg.cs);
                if self.cfg.broken_pass_early {
                    self.pass(stamp, hop, 1, ctx);
                }
                return;
            }
        }
        if self.n <= 1 {
            // Alone on the ring: the token comes straight back; keep it until a request.
            if !self.pending.is_empty() {
                self.turns_left = self.turns();
                self.proceed(ctx);
            }
            return;
        }
        self.pass(stamp, hop, 1, ctx);
    }

    /// Sends the token `k` places ahead and waits for its ack.
    fn pass(&mut self, stamp: Stamp, hop: u64, k: usize, ctx: &mut Ctx<Self>) {
        self.holding = None;
        let next = hop + 1;
        self.seen = self.seen.max((stamp, next));
        self.passing = Some((stamp, hop, k));
        ctx.send(self.ahead(k), Msg::Token { stamp, hop: next });
        ctx.set_timer(Timer::Ack, self.cfg.ack_timeout);
        self.saw_token(ctx);
    }

    fn request(&mut self, ctx: &mut Ctx<Self>) {
        if self.pending.len() >= MAX_PENDING {
            ctx.note("tokenring.queue_full", MAX_PENDING as u64);
            return;
        }
        self.pending.push_back(ctx.now);
        self.proceed(ctx);
    }

    fn on_token(&mut self, from: NodeId, stamp: Stamp, hop: u64, ctx: &mut Ctx<Self>) {
        if from != self.id {
            ctx.send(from, Msg::Ack { stamp, hop });
        }
        if stamp < self.gen {
            ctx.note("tokenring.stale", stamp.0);
            return;
        }
        if (stamp, hop) <= self.seen {
            ctx.note("tokenring.duplicate", hop);
            return;
        }
        if self.holding.is_some() {
            // Two copies meet: keep the one in hand.
            ctx.note("tokenring.merge", hop);
            self.seen = (stamp, hop);
            return;
        }
        self.take(stamp, hop, ctx);
    }

    fn on_claim(&mut self, from: NodeId, stamp: Stamp, ctx: &mut Ctx<Self>) {
        let alive = self
            .holding
            .map(|(s, _)| s)
            .or(self.passing.map(|(s, _, _)| s));
        if let Some(mine) = alive {
            ctx.send(from, Msg::Nack { stamp: mine });
            return;
        }
        let recently = self
            .last_seen
            .is_some_and(|t| ctx.local_now().saturating_sub(t) < self.cfg.regen_timeout);
        if recently {
            // This process saw the token less than the loss timeout ago: not lost.
            ctx.send(from, Msg::Nack { stamp: self.gen });
            return;
        }
        if stamp.0 <= self.gen.0 {
            // A token of that epoch exists already.
            ctx.send(from, Msg::Nack { stamp: self.gen });
            return;
        }
        if stamp < self.bid {
            ctx.send(from, Msg::Nack { stamp: self.bid });
            return;
        }
        if stamp > self.bid {
            self.bid = stamp;
            if self.claim.is_some_and(|c| c < stamp) {
                self.claim = None;
                ctx.cancel_timer(Timer::Claim);
                ctx.note("tokenring.yield", (from + 1) as u64);
            }
            self.arm_loss(ctx);
        }
    }
}

impl Protocol for RingNode {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("mutual-exclusion").lesson(),
        Property::always("one-token").lesson(),
        Property::eventually("every-request-granted"),
    ];
    const KINDS: &'static [NodeKind] = KINDS;

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        RingNode {
            id,
            n,
            cfg: cfg.clone(),
            holding: None,
            in_cs: false,
            turns_left: 0,
            pending: VecDeque::new(),
            passing: None,
            gen: (0, 0),
            bid: (0, 0),
            seen: ((0, 0), 0),
            claim: None,
            last_seen: None,
            entries: 0,
            waited: 0,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(mean) = self.mean_interval() {
            let first = ctx.random_between(1, 2 * mean);
            ctx.set_timer(Timer::Request, first);
        }
        // The first start of n1 creates generation (1, n1); anyone else (and a restarted n1,
        // whose `gen` was lost) learns the generation from the token or from a claim's Nack.
        if self.id == 0 && ctx.now == 0 {
            self.take((1, 0), 0, ctx);
        } else {
            self.arm_loss(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Token { stamp, hop } => self.on_token(from, stamp, hop, ctx),
            Msg::Ack { stamp, hop } => {
                if self
                    .passing
                    .is_some_and(|(s, h, _)| s == stamp && h + 1 == hop)
                {
                    self.passing = None;
                    ctx.cancel_timer(Timer::Ack);
                }
            }
            Msg::Claim { stamp } => self.on_claim(from, stamp, ctx),
            Msg::Nack { stamp } => {
                self.bid = self.bid.max(stamp);
                if self.claim.take().is_some() {
                    ctx.cancel_timer(Timer::Claim);
                    ctx.note("tokenring.refused", (from + 1) as u64);
                    self.arm_loss(ctx);
                }
            }
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Request => {
                self.request(ctx);
                if let Some(mean) = self.mean_interval() {
                    let next = ctx.random_between(1, 2 * mean);
                    ctx.set_timer(Timer::Request, next);
                }
            }
            Timer::CsDone => {
                self.in_cs = false;
                self.proceed(ctx);
            }
            Timer::Ack => {
                let Some((stamp, hop, k)) = self.passing.take() else {
                    return;
                };
                ctx.note("tokenring.skip", (self.ahead(k) + 1) as u64);
                if k + 1 >= self.n {
                    // Nobody else answers: keep the token.
                    ctx.note("tokenring.alone", stamp.0);
                    self.holding = Some((stamp, hop));
                    self.turns_left = self.turns();
                    self.saw_token(ctx);
                    // Enter if wanted; else try the ring again from the nearest successor.
                    self.proceed(ctx);
                } else {
                    self.pass(stamp, hop, k + 1, ctx);
                }
            }
            Timer::Loss => {
                if self.holding.is_some() || self.passing.is_some() || self.claim.is_some() {
                    self.arm_loss(ctx);
                    return;
                }
                let stamp = (self.gen.0.max(self.bid.0) + 1, self.id);
                self.claim = Some(stamp);
                self.bid = stamp;
                ctx.note("tokenring.claim", stamp.0);
                ctx.broadcast(Msg::Claim { stamp });
                ctx.set_timer(Timer::Claim, 2 * self.cfg.ack_timeout);
            }
            Timer::Claim => {
                if let Some(stamp) = self.claim.take() {
                    ctx.note("tokenring.regenerate", stamp.0);
                    self.take(stamp, 0, ctx);
                }
            }
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "request" {
            self.request(ctx);
        }
    }

    fn on_crash(&mut self) {
        self.holding = None;
        self.in_cs = false;
        self.turns_left = 0;
        self.pending.clear();
        self.passing = None;
        self.gen = (0, 0);
        self.bid = (0, 0);
        self.seen = ((0, 0), 0);
        self.claim = None;
        self.last_seen = None;
        self.entries = 0;
        self.waited = 0;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Request => "tokenring.request",
            Timer::CsDone => "tokenring.cs_done",
            Timer::Ack => "tokenring.ack",
            Timer::Loss => "tokenring.loss",
            Timer::Claim => "tokenring.claim",
        }
    }

    fn observe(m: &mut Monitor, seen: &Observed<Self>, found: &mut Found) {
        m.observe(seen, found);
    }

    fn check_eventually(
        m: &Monitor,
        now: Time,
        nodes: &[Self],
        status: &[NodeStatus],
        found: &mut Found,
    ) {
        m.check_eventually(now, nodes, status, found);
    }
}

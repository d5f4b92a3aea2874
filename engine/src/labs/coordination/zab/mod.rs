//! ZooKeeper's fast leader election (the `election-zab` lab), as the course notes describe it:
//! seed 000 (“Zab”: LOOKING / LEADING / FOLLOWING / OBSERVING, votes `(myid, ZXID)`, ZXID
//! compared first and then myid, a majority decides, ZK3 started later follows without an
//! election), seed 001 (“ZAB 算法”: the triple `(server_id, server_zxID, epoch)`, three servers
//! at epoch 1 and zxid 0 elect server 3, observers have no vote, `n·(n−1)` messages per round)
//! and seed 002 (§15–17: zxid with the epoch in its high bits, a new epoch per leader, recovery
//! mode after the leader crashes or loses its majority).
//!
//! Each server holds its last `zxid` (how up to date its data is), an election round (the
//! notes' `epoch`, ZooKeeper's logical clock) and a vote `(leader, zxid)`. A LOOKING server
//! votes for itself and broadcasts the vote to the other voters; a vote of a higher round
//! moves it to that round; within a round a better vote — higher zxid, then higher server id —
//! is adopted and broadcast again. Once a majority of the voters (observers never vote) hold
//! its vote, it waits a short `finalize` time for a better one and then decides: LEADING or
//! FOLLOWING. The elected leader then makes its leadership real as Zab's discovery phase does:
//! followers report their accepted epoch, the leader proposes the next epoch, and only once a
//! majority has acknowledged it (a server acknowledges one leader per epoch, never an older
//! epoch) is it established; it then sends heartbeats. A follower that hears nothing from its
//! leader, or a leader that loses its majority, goes LOOKING again in the next round. A server
//! that starts while a leader is established learns it from the replies to its vote and
//! follows at once, without an election; observers do the same.
//!
//! Properties: `one-leader-per-epoch` (at most one established leader per epoch) and
//! `leader-has-highest-zxid` (an established leader's zxid is at least that of every voter of
//! the quorum that elected and acknowledged it), both checked after every event (`monitor`).
//! Links are FIFO, as Zab assumes TCP channels.

mod lab;
mod monitor;
mod msg;
mod scenarios;
mod texts;

use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time, MS};

pub use lab::{session, session_with, LAB};
pub use monitor::Monitor;
pub use msg::ZabMsg;

/// Node kinds by index.
pub const SERVER: usize = 0;
pub const OBSERVER: usize = 1;

/// A server's state, as in ZooKeeper.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Looking,
    Following,
    Leading,
    Observing,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Looking => "LOOKING",
            State::Following => "FOLLOWING",
            State::Leading => "LEADING",
            State::Observing => "OBSERVING",
        }
    }

    fn code(self) -> u64 {
        match self {
            State::Looking => 0,
            State::Following => 1,
            State::Leading => 2,
            State::Observing => 3,
        }
    }
}

/// A vote: the proposed leader and its zxid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Vote {
    pub leader: NodeId,
    pub zxid: u64,
}

/// Timers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// LOOKING: send the vote again (ZooKeeper resends when no notification arrives).
    Notify,
    /// A majority holds my vote: decide unless a better vote came meanwhile.
    Finalize,
    /// LEADING / FOLLOWING: heartbeats and the check that the leader (or the majority) is
    /// still there.
    Tick,
}

/// The lab's configuration.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Voting servers (the first ids); observers follow them.
    pub voters: usize,
    pub observers: usize,
    /// The last `late` voters start only on the `zab_start` command.
    pub late: usize,
    /// Each server's zxid (missing ones are 0).
    pub zxids: Vec<u64>,
    pub finalize: Time,
    pub notify: Time,
    pub heartbeat: Time,
    pub sync: Time,
    /// Test only: votes compare the server id before the zxid, so the highest id wins even
    /// with older data.
    #[doc(hidden)]
    pub broken_sid_first: bool,
    /// Test only: a leader counts itself established as soon as it decides, without a
    /// majority acknowledging its epoch.
    #[doc(hidden)]
    pub broken_no_epoch_ack: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            voters: 3,
            observers: 0,
            late: 0,
            zxids: Vec::new(),
            finalize: 100 * MS,
            notify: 400 * MS,
            heartbeat: 50 * MS,
            sync: 250 * MS,
            broken_sid_first: false,
            broken_no_epoch_ack: false,
        }
    }
}

/// One server.
#[derive(Clone, Debug)]
pub struct Zab {
    pub id: NodeId,
    pub n: usize,
    pub voters: usize,
    pub observer: bool,
    cfg: Config,
    // ---- persistent ----
    /// Started (a late server is off until the `zab_start` command).
    pub started: bool,
    /// The last transaction this server logged.
    pub zxid: u64,
    /// The election round (logical clock).
    pub round: u64,
    /// The highest epoch this server acknowledged, and to which leader.
    pub accepted_epoch: u64,
    pub acked_leader: Option<NodeId>,
    /// The epoch of the leader it last synced with.
    pub current_epoch: u64,
    // ---- volatile ----
    pub state: State,
    pub vote: Vote,
    /// Votes of this round received from LOOKING voters (and my own).
    pub recv: Vec<Option<Vote>>,
    pub finalizing: bool,
    pub leader: Option<NodeId>,
    /// Follower / observer: the leader's epoch arrived (first heartbeat).
    pub synced: bool,
    pub last_from_leader: Time,
    /// Leader: the voters whose votes made the decision.
    pub elected_by: Vec<NodeId>,
    pub decided_at: Time,
    /// Leader: accepted epochs reported by followers.
    pub infos: Vec<Option<u64>>,
    pub proposed: Option<u64>,
    pub acks: Vec<bool>,
    pub established: bool,
    pub learners: Vec<bool>,
    pub last_heard: Vec<Time>,
}

impl Zab {
    fn self_vote(&self) -> Vote {
        Vote {
            leader: self.id,
            zxid: self.zxid,
        }
    }

    /// Whether `a` beats `b`: higher zxid, then higher server id (the notes' rule).
    pub fn better(&self, a: Vote, b: Vote) -> bool {
        if self.cfg.broken_sid_first {
            return (a.leader, a.zxid) > (b.leader, b.zxid);
        }
        (a.zxid, a.leader) > (b.zxid, b.leader)
    }

    pub fn quorum(&self) -> usize {
        self.voters / 2 + 1
    }

    fn is_voter(&self, i: NodeId) -> bool {
        i < self.voters
    }

    fn notification(&self) -> ZabMsg {
        let established = match self.state {
            State::Leading => self.established,
            State::Following | State::Observing => self.synced,
            State::Looking => false,
        };
        ZabMsg::Vote {
            vote: self.vote,
            round: self.round,
            state: self.state,
            established,
        }
    }

    fn broadcast_vote(&self, ctx: &mut Ctx<Self>) {
        ctx.broadcast_kind(SERVER, self.notification());
    }

    fn reset_volatile(&mut self) {
        self.state = State::Looking;
        self.vote = self.self_vote();
        self.recv = vec![None; self.n];
        self.finalizing = false;
        self.leader = None;
        self.synced = false;
        self.last_from_leader = 0;
        self.elected_by.clear();
        self.decided_at = 0;
        self.infos = vec![None; self.n];
        self.proposed = None;
        self.acks = vec![false; self.n];
        self.established = false;
        self.learners = vec![false; self.n];
        self.last_heard = vec![0; self.n];
    }

    /// Enters LOOKING in the next round: votes for itself and tells the voters.
    fn start_looking(&mut self, ctx: &mut Ctx<Self>) {
        self.reset_volatile();
        self.round += 1;
        ctx.note("zab.looking", self.round);
        ctx.cancel_timer(Timer::Finalize);
        ctx.cancel_timer(Timer::Tick);
        if !self.observer {
            self.recv[self.id] = Some(self.vote);
        }
        self.broadcast_vote(ctx);
        ctx.set_timer(Timer::Notify, self.cfg.notify);
    }

    /// Voters of this round holding `vote`.
    fn holders(&self, vote: Vote) -> usize {
        (0..self.voters)
            .filter(|&i| self.recv[i] == Some(vote))
            .count()
    }

    fn check_quorum(&mut self, ctx: &mut Ctx<Self>) {
        if !self.finalizing && self.holders(self.vote) >= self.quorum() {
            self.finalizing = true;
            ctx.set_timer(Timer::Finalize, self.cfg.finalize);
        }
    }

    /// The election is over for this server: it leads or follows `self.vote.leader`.
    fn decide(&mut self, ctx: &mut Ctx<Self>) {
        ctx.cancel_timer(Timer::Notify);
        self.elected_by = (0..self.voters)
            .filter(|&i| self.recv[i] == Some(self.vote))
            .collect();
        let leader = self.vote.leader;
        if leader == self.id {
            self.state = State::Leading;
            self.decided_at = ctx.now;
            self.infos[self.id] = Some(self.accepted_epoch);
            ctx.note("zab.decide_lead", self.round);
            if self.cfg.broken_no_epoch_ack {
                let epoch = self.accepted_epoch + 1;
                self.accepted_epoch = epoch;
                self.acked_leader = Some(self.id);
                self.proposed = Some(epoch);
                self.acks[self.id] = true;
                self.establish(ctx);
            }
        } else {
            ctx.note("zab.decide_follow", leader as u64 + 1);
            self.follow(leader, ctx);
        }
        ctx.set_timer(Timer::Tick, self.cfg.heartbeat);
    }

    /// Follows (or observes) `leader`: reports its accepted epoch.
    fn follow(&mut self, leader: NodeId, ctx: &mut Ctx<Self>) {
        ctx.cancel_timer(Timer::Notify);
        ctx.cancel_timer(Timer::Finalize);
        self.finalizing = false;
        self.state = if self.observer {
            State::Observing
        } else {
            State::Following
        };
        self.leader = Some(leader);
        self.synced = false;
        self.last_from_leader = ctx.now;
        ctx.send(
            leader,
            ZabMsg::FollowerInfo {
                accepted_epoch: self.accepted_epoch,
                zxid: self.zxid,
            },
        );
    }

    fn establish(&mut self, ctx: &mut Ctx<Self>) {
        let Some(epoch) = self.proposed else { return };
        self.established = true;
        self.current_epoch = epoch;
        ctx.note("zab.leader", epoch);
        self.send_pings(ctx);
    }

    fn send_pings(&self, ctx: &mut Ctx<Self>) {
        let epoch = self.current_epoch;
        for i in (0..self.n).filter(|&i| self.learners[i] && i != self.id) {
            ctx.send(i, ZabMsg::Ping { epoch });
        }
    }

    fn on_vote(
        &mut self,
        from: NodeId,
        vote: Vote,
        round: u64,
        state: State,
        established: bool,
        ctx: &mut Ctx<Self>,
    ) {
        if self.state != State::Looking {
            // Tell a LOOKING server who leads (observers have nothing to tell).
            if state == State::Looking && !self.observer {
                ctx.send(from, self.notification());
            }
            return;
        }
        if state != State::Looking {
            // An established leader answers: join it, no election needed.
            if state == State::Leading && vote.leader == from && established {
                ctx.note("zab.join", from as u64 + 1);
                self.follow(from, ctx);
                ctx.set_timer(Timer::Tick, self.cfg.heartbeat);
            }
            return;
        }
        if self.observer || !self.is_voter(from) {
            return;
        }
        if round > self.round {
            self.round = round;
            self.recv = vec![None; self.n];
            self.finalizing = false;
            ctx.cancel_timer(Timer::Finalize);
            let mine = self.self_vote();
            self.vote = if self.better(vote, mine) { vote } else { mine };
            ctx.note("zab.round", round);
            self.recv[self.id] = Some(self.vote);
            self.broadcast_vote(ctx);
        } else if round < self.round {
            ctx.send(from, self.notification());
            return;
        } else if self.better(vote, self.vote) {
            self.vote = vote;
            self.recv[self.id] = Some(vote);
            self.finalizing = false;
            ctx.cancel_timer(Timer::Finalize);
            ctx.note("zab.adopt", vote.leader as u64 + 1);
            self.broadcast_vote(ctx);
        }
        self.recv[from] = Some(vote);
        self.check_quorum(ctx);
    }

    fn on_follower_info(&mut self, from: NodeId, accepted_epoch: u64, ctx: &mut Ctx<Self>) {
        if self.state != State::Leading {
            return;
        }
        self.learners[from] = true;
        self.last_heard[from] = ctx.now;
        if !self.is_voter(from) {
            if self.established {
                ctx.send(
                    from,
                    ZabMsg::Ping {
                        epoch: self.current_epoch,
                    },
                );
            }
            return;
        }
        self.infos[from] = Some(accepted_epoch);
        match self.proposed {
            Some(epoch) => ctx.send(from, ZabMsg::NewEpoch { epoch }),
            None => {
                let reported = (0..self.voters).filter(|&i| self.infos[i].is_some());
                if reported.count() >= self.quorum() {
                    let max = (0..self.voters)
                        .filter_map(|i| self.infos[i])
                        .max()
                        .unwrap_or(0)
                        .max(self.accepted_epoch);
                    let epoch = max + 1;
                    self.proposed = Some(epoch);
                    self.accepted_epoch = epoch;
                    self.acked_leader = Some(self.id);
                    self.acks[self.id] = true;
                    ctx.note("zab.propose", epoch);
                    for i in (0..self.voters).filter(|&i| i != self.id && self.infos[i].is_some()) {
                        ctx.send(i, ZabMsg::NewEpoch { epoch });
                    }
                }
            }
        }
    }

    fn on_new_epoch(&mut self, from: NodeId, epoch: u64, ctx: &mut Ctx<Self>) {
        if self.state != State::Following || self.leader != Some(from) {
            return;
        }
        let again = epoch == self.accepted_epoch && self.acked_leader == Some(from);
        if epoch > self.accepted_epoch || again {
            self.accepted_epoch = epoch;
            self.acked_leader = Some(from);
            self.last_from_leader = ctx.now;
            ctx.send(
                from,
                ZabMsg::AckEpoch {
                    epoch,
                    zxid: self.zxid,
                },
            );
        } else {
            // An epoch not newer than one already acknowledged: this leader is stale.
            ctx.note("zab.stale_epoch", epoch);
            self.start_looking(ctx);
        }
    }

    fn on_ack_epoch(&mut self, from: NodeId, epoch: u64, ctx: &mut Ctx<Self>) {
        if self.state != State::Leading || self.proposed != Some(epoch) || !self.is_voter(from) {
            return;
        }
        self.acks[from] = true;
        self.last_heard[from] = ctx.now;
        if self.established {
            ctx.send(from, ZabMsg::Ping { epoch });
        } else if (0..self.voters).filter(|&i| self.acks[i]).count() >= self.quorum() {
            self.establish(ctx);
        }
    }

    fn on_tick(&mut self, ctx: &mut Ctx<Self>) {
        match self.state {
            State::Looking => return,
            State::Leading => {
                let since = ctx.now.saturating_sub(self.cfg.sync);
                if self.established {
                    self.send_pings(ctx);
                    let alive = (0..self.voters)
                        .filter(|&i| {
                            i == self.id
                                || (self.acks[i] && self.learners[i] && self.last_heard[i] >= since)
                        })
                        .count();
                    if alive < self.quorum() {
                        ctx.note("zab.lost_quorum", self.current_epoch);
                        self.start_looking(ctx);
                        return;
                    }
                } else if ctx.now.saturating_sub(self.decided_at) > self.cfg.sync {
                    ctx.note("zab.lost_quorum", self.accepted_epoch);
                    self.start_looking(ctx);
                    return;
                }
            }
            State::Following | State::Observing => {
                let leader = self.leader.unwrap_or(self.id);
                if ctx.now.saturating_sub(self.last_from_leader) > self.cfg.sync {
                    ctx.note("zab.leader_lost", leader as u64 + 1);
                    self.start_looking(ctx);
                    return;
                }
                if !self.synced {
                    ctx.send(
                        leader,
                        ZabMsg::FollowerInfo {
                            accepted_epoch: self.accepted_epoch,
                            zxid: self.zxid,
                        },
                    );
                }
            }
        }
        ctx.set_timer(Timer::Tick, self.cfg.heartbeat);
    }
}

impl Protocol for Zab {
    type Msg = ZabMsg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("one-leader-per-epoch"),
        Property::always("leader-has-highest-zxid"),
    ];
    const KINDS: &'static [NodeKind] = &[
        NodeKind::new(
            "server",
            "n",
            Shape::Circle,
            &[CommandSpec::plain("zab_start")],
        ),
        NodeKind::new(
            "zab.observer",
            "o",
            Shape::Diamond,
            &[CommandSpec::plain("zab_start")],
        ),
    ];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        let voters = cfg.voters.min(n);
        let mut z = Zab {
            id,
            n,
            voters,
            observer: id >= voters,
            cfg: cfg.clone(),
            started: id >= voters || id + cfg.late < voters,
            zxid: cfg.zxids.get(id).copied().unwrap_or(0),
            round: 0,
            accepted_epoch: 0,
            acked_leader: None,
            current_epoch: 0,
            state: State::Looking,
            vote: Vote {
                leader: id,
                zxid: 0,
            },
            recv: Vec::new(),
            finalizing: false,
            leader: None,
            synced: false,
            last_from_leader: 0,
            elected_by: Vec::new(),
            decided_at: 0,
            infos: Vec::new(),
            proposed: None,
            acks: Vec::new(),
            established: false,
            learners: Vec::new(),
            last_heard: Vec::new(),
        };
        z.reset_volatile();
        z
    }

    fn kind(&self) -> usize {
        if self.observer {
            OBSERVER
        } else {
            SERVER
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.reset_volatile();
        if self.started {
            self.start_looking(ctx);
        }
    }

    fn on_msg(&mut self, from: NodeId, msg: ZabMsg, ctx: &mut Ctx<Self>) {
        if !self.started || from >= self.n {
            return;
        }
        match msg {
            ZabMsg::Vote {
                vote,
                round,
                state,
                established,
            } => {
                if vote.leader < self.n {
                    self.on_vote(from, vote, round, state, established, ctx)
                }
            }
            ZabMsg::FollowerInfo { accepted_epoch, .. } => {
                self.on_follower_info(from, accepted_epoch, ctx)
            }
            ZabMsg::NewEpoch { epoch } => self.on_new_epoch(from, epoch, ctx),
            ZabMsg::AckEpoch { epoch, .. } => self.on_ack_epoch(from, epoch, ctx),
            ZabMsg::Ping { epoch } => {
                let mine = matches!(self.state, State::Following | State::Observing)
                    && self.leader == Some(from);
                if mine {
                    self.last_from_leader = ctx.now;
                    if self.observer || epoch == self.accepted_epoch {
                        if !self.synced {
                            ctx.note("zab.synced", epoch);
                        }
                        self.synced = true;
                        self.current_epoch = epoch;
                    }
                    ctx.send(from, ZabMsg::PingAck { epoch });
                }
            }
            ZabMsg::PingAck { .. } => {
                if self.state == State::Leading {
                    self.last_heard[from] = ctx.now;
                }
            }
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        if !self.started {
            return;
        }
        match timer {
            Timer::Notify => {
                if self.state == State::Looking {
                    self.broadcast_vote(ctx);
                    ctx.set_timer(Timer::Notify, self.cfg.notify);
                }
            }
            Timer::Finalize => {
                self.finalizing = false;
                if self.state == State::Looking && self.holders(self.vote) >= self.quorum() {
                    self.decide(ctx);
                }
            }
            Timer::Tick => self.on_tick(ctx),
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if command == "zab_start" && !self.started {
            self.started = true;
            ctx.note("zab.started", self.id as u64 + 1);
            self.start_looking(ctx);
        }
    }

    fn on_crash(&mut self) {
        self.reset_volatile();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Notify => "zab.notify",
            Timer::Finalize => "zab.finalize",
            Timer::Tick => "zab.tick",
        }
    }

    crate::monitor_hooks!(check, observe);
}

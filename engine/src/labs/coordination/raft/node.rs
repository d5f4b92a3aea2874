//! One Raft server as a state machine: elections (§5.2), stepping down, and its reactions to
//! messages, timers, commands and crashes (the [`Protocol`] implementation).

use super::{bit, Config, Monitor, Msg, Raft, RaftLog, Role, Timer, KEYS};
use crate::sim::{CommandSpec, Ctx, NodeKind, Property, Protocol, Shape};
use crate::{NodeId, Time};

impl Raft {
    /// A majority of the current configuration.
    pub(super) fn majority(&self) -> usize {
        self.members.count_ones() as usize / 2 + 1
    }

    /// Whether node `i` is in this node's current configuration.
    pub fn is_member_node(&self, i: NodeId) -> bool {
        self.members & bit(i) != 0
    }

    /// Whether this node is in its own current configuration.
    pub fn is_member(&self) -> bool {
        self.is_member_node(self.id)
    }

    /// The members other than this node, in id order.
    pub(super) fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.n).filter(move |&i| i != self.id && self.is_member_node(i))
    }

    /// The initial configuration's member mask.
    pub fn initial_members(&self) -> u64 {
        self.initial
    }

    /// The last log index and its term (the snapshot's if the log holds no entry after it).
    pub(super) fn last_log(&self) -> (u64, u64) {
        (self.log.last_index(), self.log.last_term())
    }

    /// The term of entry `index`: 0 for index 0, and also for an index compacted away (before
    /// the snapshot's last one) or beyond the log (callers never ask for those).
    pub fn term_at(&self, index: u64) -> u64 {
        self.log.term(index).unwrap_or(0)
    }

    pub(super) fn reset_election_timer(&self, ctx: &mut Ctx<Self>) {
        if !self.is_member() {
            // Outside the configuration: no elections until added.
            ctx.cancel_timer(Timer::Election);
            return;
        }
        let after = ctx.random_between(self.cfg.timeout_min, self.cfg.timeout_max);
        ctx.set_timer(Timer::Election, after);
    }

    /// Forgets leadership state (on stepping down and on a crash).
    pub(super) fn drop_leader_state(&mut self) {
        self.next_index.clear();
        self.match_index.clear();
    }

    /// Follows `leader`, whose AppendEntries or InstallSnapshot of our term just arrived.
    #[inline]
    fn follow(&mut self, leader: NodeId, ctx: &mut Ctx<Self>) {
        if self.role != Role::Follower {
            if self.role == Role::Leader {
                // Cannot happen with election safety; stay safe if it does.
                self.drop_leader_state();
                ctx.cancel_timer(Timer::Heartbeat);
                ctx.cancel_timer(Timer::Client);
            }
            self.role = Role::Follower;
            self.votes.clear();
        }
        self.leader = Some(leader);
        self.heard_from_leader = ctx.now;
        self.reset_election_timer(ctx);
    }

    /// After the leader's message changed the log: a node just added starts timing out, one
    /// just removed stops.
    fn membership_changed(&mut self, was_member: bool, ctx: &mut Ctx<Self>) {
        if self.is_member() != was_member {
            self.reset_election_timer(ctx);
        }
    }

    /// Adopts a higher term as a follower.
    pub(super) fn step_down(&mut self, term: u64, ctx: &mut Ctx<Self>) {
        let was_leader = self.role == Role::Leader;
        self.current_term = term;
        self.voted_for = None;
        self.role = Role::Follower;
        self.votes.clear();
        self.leader = None;
        if was_leader {
            self.drop_leader_state();
            ctx.cancel_timer(Timer::Heartbeat);
            ctx.cancel_timer(Timer::Client);
            ctx.note("raft.step_down", term);
            self.reset_election_timer(ctx);
        }
    }

    /// Whether this node has heard from a current leader within the minimum election timeout
    /// (§4.2.3): it leads itself, or it knows the leader of its term (`leader` is cleared
    /// whenever the term changes, on an election and on a crash) and had an AppendEntries from
    /// it less than `timeout_min` ago. Such a node refuses RequestVotes without `may_disrupt`.
    pub(super) fn leader_recent(&self, now: Time) -> bool {
        if self.cfg.broken_no_disrupt_guard {
            return false;
        }
        self.role == Role::Leader
            || (self.leader.is_some() && now < self.heard_from_leader + self.cfg.timeout_min)
    }

    /// Starts an election for the next term; `may_disrupt` marks its RequestVotes as forced
    /// by the user (the `timeout` command), not by the election timer.
    pub(super) fn start_election(&mut self, may_disrupt: bool, ctx: &mut Ctx<Self>) {
        if self.role == Role::Leader {
            self.drop_leader_state();
            ctx.cancel_timer(Timer::Heartbeat);
            ctx.cancel_timer(Timer::Client);
        }
        self.current_term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.votes = vec![self.id];
        self.leader = None;
        ctx.note("raft.election", self.current_term);
        self.reset_election_timer(ctx);
        let (last_log_index, last_log_term) = self.last_log();
        let rv = Msg::RequestVote {
            term: self.current_term,
            last_log_index,
            last_log_term,
            may_disrupt,
        };
        for to in self.peers() {
            ctx.send(to, rv.clone());
        }
        self.maybe_win(ctx);
    }

    pub(super) fn maybe_win(&mut self, ctx: &mut Ctx<Self>) {
        let votes = self
            .votes
            .iter()
            .filter(|&&v| self.is_member_node(v))
            .count();
        if self.role == Role::Candidate && votes >= self.majority() {
            self.role = Role::Leader;
            self.leader = Some(self.id);
            let next = self.log.last_index() + 1;
            self.next_index = vec![next; self.n];
            self.match_index = vec![0; self.n];
            self.clients_since = ctx.now;
            self.clients_written = 0;
            ctx.cancel_timer(Timer::Election);
            ctx.note("raft.leader", self.current_term);
            self.send_heartbeats(ctx);
            if let Some(period) = self.client_timer() {
                ctx.set_timer(Timer::Client, period);
            }
        }
    }

    /// A short digest of the key-value map (FNV-1a), equal on nodes that applied the same.
    pub fn kv_digest(&self) -> u32 {
        let mut h: u32 = 0x811c_9dc5;
        for v in self.kv {
            for b in v.to_le_bytes() {
                h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
            }
        }
        h
    }
}

impl Protocol for Raft {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const PROPERTIES: &'static [Property] = &[
        Property::always("election-safety"),
        Property::always("log-matching"),
        Property::always("leader-completeness"),
        Property::always("state-machine-safety"),
        Property::always("config-one-change"),
    ];
    const KINDS: &'static [NodeKind] = &[NodeKind::new(
        "server",
        "n",
        Shape::Circle,
        &[
            CommandSpec::plain("timeout"),
            CommandSpec::plain("write"),
            CommandSpec::plain("add"),
            CommandSpec::plain("remove"),
        ],
    )];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        let size = match cfg.initial_members {
            0 => n,
            k => k.min(n),
        };
        let initial = if size >= 64 { u64::MAX } else { bit(size) - 1 };
        Raft {
            id,
            n,
            cfg: cfg.clone(),
            current_term: 0,
            voted_for: None,
            log: RaftLog::new(initial),
            role: Role::Follower,
            leader: None,
            votes: Vec::new(),
            commit_index: 0,
            last_applied: 0,
            kv: [0; KEYS as usize],
            next_index: Vec::new(),
            match_index: Vec::new(),
            clients_since: 0,
            clients_written: 0,
            heard_from_leader: 0,
            resets: 0,
            reset_to: 0,
            initial,
            config_index: 0,
            members: initial,
            old_members: initial,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.reset_election_timer(ctx);
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        self.compact_if_due(ctx);
        let term = match &msg {
            Msg::RequestVote { term, .. }
            | Msg::Vote { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::AppendReply { term, .. }
            | Msg::InstallSnapshot { term, .. }
            | Msg::RemoveMe { term } => *term,
        };
        if let Msg::RequestVote {
            may_disrupt: false, ..
        } = msg
        {
            if term > self.current_term && self.leader_recent(ctx.now) {
                // §4.2.3: the candidate cannot have lost the leader we just heard from (it may
                // be a server removed without knowing it): keep our term and refuse. Only a
                // higher term is withheld (as in etcd/raft): a request of our term or an older
                // one cannot depose anyone, and the usual rules below refuse or grant it. Like
                // LogCabin (the dissertation's own implementation) and hashicorp/raft we answer
                // with a refusal carrying our term, which the candidate ignores (etcd/raft drops
                // the request without an answer instead); an answer shows the refusal in the
                // space-time diagram.
                ctx.note("raft.vote_withheld", from as u64 + 1);
                ctx.send(
                    from,
                    Msg::Vote {
                        term: self.current_term,
                        granted: false,
                    },
                );
                return;
            }
        }
        if term > self.current_term {
            self.step_down(term, ctx);
        }
        match msg {
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
                ..
            } => {
                let up_to_date = (last_log_term, last_log_index) >= {
                    let (i, t) = self.last_log();
                    (t, i)
                };
                let granted = term == self.current_term
                    && (self.voted_for.is_none_or(|v| v == from) || self.cfg.broken_vote_twice)
                    && (up_to_date || self.cfg.broken_no_log_check);
                if granted {
                    self.voted_for = Some(from);
                    self.reset_election_timer(ctx);
                }
                ctx.send(
                    from,
                    Msg::Vote {
                        term: self.current_term,
                        granted,
                    },
                );
            }
            Msg::Vote { term, granted } => {
                if self.role == Role::Candidate
                    && term == self.current_term
                    && granted
                    && !self.votes.contains(&from)
                {
                    self.votes.push(from);
                    self.maybe_win(ctx);
                }
            }
            Msg::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => {
                if term < self.current_term {
                    ctx.send(from, self.refuse_append(prev_log_index));
                    return;
                }
                self.follow(from, ctx);
                let was_member = self.is_member();
                let reply =
                    self.accept_entries(prev_log_index, prev_log_term, entries, leader_commit);
                self.membership_changed(was_member, ctx);
                ctx.send(from, reply);
            }
            Msg::InstallSnapshot { term, snapshot } => {
                if term < self.current_term {
                    ctx.send(from, self.refuse_append(snapshot.index));
                    return;
                }
                self.follow(from, ctx);
                let was_member = self.is_member();
                let reply = self.install_snapshot(*snapshot, ctx);
                self.membership_changed(was_member, ctx);
                ctx.send(from, reply);
            }
            Msg::AppendReply {
                term,
                success,
                index,
                log_len,
            } => {
                if self.role == Role::Leader && term == self.current_term {
                    self.on_append_reply(from, success, index, log_len, ctx);
                }
            }
            Msg::RemoveMe { term } => {
                if self.role == Role::Leader && term == self.current_term {
                    self.remove_server(from, ctx);
                } else {
                    ctx.note("raft.config_not_leader", from as u64 + 1);
                }
            }
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        self.compact_if_due(ctx);
        match timer {
            Timer::Election if self.is_member() => self.start_election(false, ctx),
            Timer::Election => {}
            Timer::Heartbeat if self.role == Role::Leader => self.send_heartbeats(ctx),
            Timer::Client if self.role == Role::Leader => {
                self.client_write(false, ctx);
                self.advance_commit(ctx);
                if let Some(period) = self.client_timer() {
                    ctx.set_timer(Timer::Client, period);
                }
            }
            Timer::Heartbeat | Timer::Client => {}
        }
    }

    fn on_command(&mut self, command: &str, _arg: Option<&str>, ctx: &mut Ctx<Self>) {
        self.compact_if_due(ctx);
        match command {
            // The user's deliberate choice, like leadership transfer: it may disrupt a leader.
            "timeout" if self.is_member() => self.start_election(true, ctx),
            "timeout" => ctx.note("raft.not_member", self.id as u64 + 1),
            "add" => self.add_server(ctx),
            "remove" if self.role == Role::Leader => self.remove_server(self.id, ctx),
            "remove" => match self.leader {
                Some(l) if self.is_member() => {
                    ctx.note("raft.remove_requested", l as u64 + 1);
                    ctx.send(
                        l,
                        Msg::RemoveMe {
                            term: self.current_term,
                        },
                    );
                }
                Some(_) => ctx.note("raft.config_no_member", self.id as u64 + 1),
                None => ctx.note("raft.config_not_leader", 0),
            },
            "write" if self.role == Role::Leader => self.client_write(true, ctx),
            "write" => ctx.note(
                "raft.write_refused",
                self.leader.map_or(0, |l| l as u64 + 1),
            ),
            _ => {}
        }
    }

    fn on_crash(&mut self) {
        self.role = Role::Follower;
        self.leader = None;
        self.votes.clear();
        // The state machine restarts from the snapshot, which holds only committed entries.
        let snapshot = self.log.snapshot();
        self.commit_index = snapshot.index;
        self.last_applied = snapshot.index;
        self.kv = snapshot.kv;
        self.drop_leader_state();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Election => "election",
            Timer::Heartbeat => "heartbeat",
            Timer::Client => "client",
        }
    }

    crate::monitor_hooks!(check);
}

//! Raft leader election (Ongaro & Ousterhout, §5.2), as the notes describe it: followers with
//! randomized election timeouts (150–300 ms by default) become candidates, ask for votes with
//! RequestVote, win with a majority, and keep their authority with heartbeats; any node that
//! sees a higher term steps down.
//!
//! The log, commit index and AppendEntries consistency fields are already part of the state
//! and the messages so that log replication extends this module without reshaping it.
//!
//! Invariant checked after every event: **election safety**, at most one leader per term.

use std::collections::BTreeMap;

use serde_json::json;

use crate::input::Params;
use crate::labs::netlab::{NetLab, NetSession};
use crate::labs::{ParamSpec, NET_PARAMS};
use crate::sim::{Ctx, Message, NetConfig, Protocol, Session, Sim, TraceHasher};
use crate::{NodeId, Time, MS};

/// Raft's parameters: the network's plus timeouts (milliseconds).
pub const PARAMS: &[ParamSpec] = &[
    ParamSpec::int("nodes", 5.0, 3.0, 15.0),
    ParamSpec::int("timeout_min", 150.0, 10.0, 10_000.0),
    ParamSpec::int("timeout_max", 300.0, 10.0, 10_000.0),
    ParamSpec::int("heartbeat", 50.0, 5.0, 5_000.0),
    NET_PARAMS[0],
    NET_PARAMS[1],
    NET_PARAMS[2],
    NET_PARAMS[3],
];

/// Election and heartbeat timing.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub timeout_min: Time,
    pub timeout_max: Time,
    pub heartbeat: Time,
    /// Deliberately broken Raft for the tests only: a node grants its vote to every candidate
    /// of its current term, not just the first. Election safety then fails, and the tests use
    /// this to show that the invariant checker and the random fault schedules can catch it.
    /// Nothing outside the tests sets it (no URL or command-line parameter reaches it).
    #[doc(hidden)]
    pub broken_vote_twice: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            timeout_min: 150 * MS,
            timeout_max: 300 * MS,
            heartbeat: 50 * MS,
            broken_vote_twice: false,
        }
    }
}

/// Builds the network configuration shared by every networked lab from its parameters.
pub fn net_config(p: &Params) -> NetConfig {
    NetConfig {
        latency_min: p.get_u64("latency_min") * MS,
        latency_max: p.get_u64("latency_max") * MS,
        loss_ppm: (p.get("loss") * 10_000.0).round() as u32,
        dup_ppm: (p.get("dup") * 10_000.0).round() as u32,
    }
}

/// A new Raft session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Raft> {
    let cfg = Config {
        timeout_min: p.get_u64("timeout_min") * MS,
        timeout_max: p.get_u64("timeout_max") * MS,
        heartbeat: p.get_u64("heartbeat") * MS,
        broken_vote_twice: false,
    };
    let n = p.get_u64("nodes").max(1) as usize;
    NetSession {
        session: Session::new(Sim::new(n, &cfg, net_config(p), seed), 500 * MS),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Follower,
    Candidate,
    Leader,
}

/// A log entry (replication comes with the log-replication lab).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub term: u64,
    pub command: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    RequestVote {
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
    },
    Vote {
        term: u64,
        granted: bool,
    },
    AppendEntries {
        term: u64,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    },
    AppendReply {
        term: u64,
        success: bool,
        match_index: u64,
    },
}

impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::RequestVote { .. } => "RequestVote",
            Msg::Vote { .. } => "Vote",
            Msg::AppendEntries { .. } => "AppendEntries",
            Msg::AppendReply { .. } => "AppendReply",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => {
                for v in [1, *term, *last_log_index, *last_log_term] {
                    h.u64(v);
                }
            }
            Msg::Vote { term, granted } => {
                for v in [2, *term, *granted as u64] {
                    h.u64(v);
                }
            }
            Msg::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => {
                for v in [
                    3,
                    *term,
                    *prev_log_index,
                    *prev_log_term,
                    *leader_commit,
                    entries.len() as u64,
                ] {
                    h.u64(v);
                }
                for e in entries {
                    h.u64(e.term);
                    h.u64(e.command);
                }
            }
            Msg::AppendReply {
                term,
                success,
                match_index,
            } => {
                for v in [4, *term, *success as u64, *match_index] {
                    h.u64(v);
                }
            }
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => vec![
                ("term", term.to_string()),
                ("lastLogIndex", last_log_index.to_string()),
                ("lastLogTerm", last_log_term.to_string()),
            ],
            Msg::Vote { term, granted } => {
                vec![("term", term.to_string()), ("granted", granted.to_string())]
            }
            Msg::AppendEntries {
                term,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit,
            } => vec![
                ("term", term.to_string()),
                ("prevLogIndex", prev_log_index.to_string()),
                ("prevLogTerm", prev_log_term.to_string()),
                ("entries", entries.len().to_string()),
                ("leaderCommit", leader_commit.to_string()),
            ],
            Msg::AppendReply {
                term,
                success,
                match_index,
            } => vec![
                ("term", term.to_string()),
                ("success", success.to_string()),
                ("matchIndex", match_index.to_string()),
            ],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    Election,
    Heartbeat,
}

/// One Raft server.
#[derive(Clone, Debug)]
pub struct Raft {
    id: NodeId,
    n: usize,
    cfg: Config,
    // Persistent state: survives a crash.
    pub current_term: u64,
    pub voted_for: Option<NodeId>,
    pub log: Vec<Entry>,
    // Volatile state: lost in a crash.
    pub role: Role,
    pub leader: Option<NodeId>,
    pub votes: Vec<NodeId>,
    pub commit_index: u64,
}

impl Raft {
    fn majority(&self) -> usize {
        self.n / 2 + 1
    }

    fn last_log(&self) -> (u64, u64) {
        (self.log.len() as u64, self.log.last().map_or(0, |e| e.term))
    }

    fn reset_election_timer(&self, ctx: &mut Ctx<Self>) {
        let after = ctx.random_between(self.cfg.timeout_min, self.cfg.timeout_max);
        ctx.set_timer(Timer::Election, after);
    }

    /// Adopts a higher term as a follower.
    fn step_down(&mut self, term: u64, ctx: &mut Ctx<Self>) {
        let was_leader = self.role == Role::Leader;
        self.current_term = term;
        self.voted_for = None;
        self.role = Role::Follower;
        self.votes.clear();
        self.leader = None;
        if was_leader {
            ctx.cancel_timer(Timer::Heartbeat);
            ctx.note("raft.step_down", term);
            self.reset_election_timer(ctx);
        }
    }

    fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        if self.role == Role::Leader {
            ctx.cancel_timer(Timer::Heartbeat);
        }
        self.current_term += 1;
        self.role = Role::Candidate;
        self.voted_for = Some(self.id);
        self.votes = vec![self.id];
        self.leader = None;
        ctx.note("raft.election", self.current_term);
        self.reset_election_timer(ctx);
        let (last_log_index, last_log_term) = self.last_log();
        ctx.broadcast(Msg::RequestVote {
            term: self.current_term,
            last_log_index,
            last_log_term,
        });
        self.maybe_win(ctx);
    }

    fn maybe_win(&mut self, ctx: &mut Ctx<Self>) {
        if self.role == Role::Candidate && self.votes.len() >= self.majority() {
            self.role = Role::Leader;
            self.leader = Some(self.id);
            ctx.cancel_timer(Timer::Election);
            ctx.note("raft.leader", self.current_term);
            self.send_heartbeats(ctx);
        }
    }

    fn send_heartbeats(&mut self, ctx: &mut Ctx<Self>) {
        let (prev_log_index, prev_log_term) = self.last_log();
        ctx.broadcast(Msg::AppendEntries {
            term: self.current_term,
            prev_log_index,
            prev_log_term,
            entries: Vec::new(),
            leader_commit: self.commit_index,
        });
        ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
    }
}

impl Protocol for Raft {
    type Msg = Msg;
    type Timer = Timer;
    type Config = Config;
    type Monitor = Monitor;

    const INVARIANTS: &'static [&'static str] = &["election-safety"];
    const COMMANDS: &'static [&'static str] = &["timeout"];

    fn new(id: NodeId, n: usize, cfg: &Config) -> Self {
        Raft {
            id,
            n,
            cfg: cfg.clone(),
            current_term: 0,
            voted_for: None,
            log: Vec::new(),
            role: Role::Follower,
            leader: None,
            votes: Vec::new(),
            commit_index: 0,
        }
    }

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.reset_election_timer(ctx);
    }

    fn on_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        let term = match &msg {
            Msg::RequestVote { term, .. }
            | Msg::Vote { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::AppendReply { term, .. } => *term,
        };
        if term > self.current_term {
            self.step_down(term, ctx);
        }
        match msg {
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
            } => {
                let up_to_date = (last_log_term, last_log_index) >= {
                    let (i, t) = self.last_log();
                    (t, i)
                };
                let granted = term == self.current_term
                    && (self.voted_for.is_none_or(|v| v == from) || self.cfg.broken_vote_twice)
                    && up_to_date;
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
            Msg::AppendEntries { term, .. } => {
                if term < self.current_term {
                    ctx.send(
                        from,
                        Msg::AppendReply {
                            term: self.current_term,
                            success: false,
                            match_index: 0,
                        },
                    );
                    return;
                }
                if self.role != Role::Follower {
                    self.role = Role::Follower;
                    self.votes.clear();
                }
                self.leader = Some(from);
                self.reset_election_timer(ctx);
                let (match_index, _) = self.last_log();
                ctx.send(
                    from,
                    Msg::AppendReply {
                        term: self.current_term,
                        success: true,
                        match_index,
                    },
                );
            }
            Msg::AppendReply { .. } => {}
        }
    }

    fn on_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Election => self.start_election(ctx),
            Timer::Heartbeat if self.role == Role::Leader => self.send_heartbeats(ctx),
            Timer::Heartbeat => {}
        }
    }

    fn on_command(&mut self, command: &str, ctx: &mut Ctx<Self>) {
        if command == "timeout" {
            self.start_election(ctx);
        }
    }

    fn on_crash(&mut self) {
        self.role = Role::Follower;
        self.leader = None;
        self.votes.clear();
        self.commit_index = 0;
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Election => "election",
            Timer::Heartbeat => "heartbeat",
        }
    }

    fn check(
        monitor: &mut Monitor,
        now: Time,
        node: NodeId,
        nodes: &[Self],
    ) -> Vec<(&'static str, String)> {
        let r = &nodes[node];
        let mut out = Vec::new();
        let prev = monitor.last.get(node).copied();
        if monitor.last.len() < nodes.len() {
            monitor.last.resize(nodes.len(), (Role::Follower, 0));
        }
        if r.role == Role::Candidate && prev != Some((Role::Candidate, r.current_term)) {
            monitor.elections += 1;
        }
        monitor.last[node] = (r.role, r.current_term);
        if r.role == Role::Leader {
            match monitor.leaders.get(&r.current_term) {
                Some(&(other, _)) if other != node => out.push((
                    "election-safety",
                    format!(
                        "n{} and n{} are both leaders of term {}",
                        other + 1,
                        node + 1,
                        r.current_term
                    ),
                )),
                Some(_) => {}
                None => {
                    monitor.leaders.insert(r.current_term, (node, now));
                    monitor.first_leader.get_or_insert(now);
                }
            }
        }
        out
    }
}

/// What the election-safety checker remembers: the leader of every term, and counts.
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// term → (leader, time it took office)
    pub leaders: BTreeMap<u64, (NodeId, Time)>,
    pub first_leader: Option<Time>,
    pub elections: u64,
    last: Vec<(Role, u64)>,
}

impl NetLab for Raft {
    const ID: &'static str = "raft";

    fn role(&self) -> &'static str {
        match self.role {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }

    fn badge(&self) -> String {
        format!("T{}", self.current_term)
    }

    fn details(&self) -> Vec<(&'static str, String)> {
        let who = |n: Option<NodeId>| n.map_or("-".to_string(), |n| format!("n{}", n + 1));
        vec![
            ("term", self.current_term.to_string()),
            ("votedFor", who(self.voted_for)),
            ("leader", who(self.leader)),
            ("votes", self.votes.len().to_string()),
            ("log", self.log.len().to_string()),
            ("commitIndex", self.commit_index.to_string()),
        ]
    }

    fn arc_timer(timer: Timer) -> bool {
        timer == Timer::Election
    }

    fn summary(sim: &Sim<Self>) -> serde_json::Value {
        let m = sim.monitor();
        let leaders: serde_json::Map<String, serde_json::Value> = m
            .leaders
            .iter()
            .map(|(term, (node, at))| {
                (
                    term.to_string(),
                    json!({ "node": node + 1, "at_ms": *at as f64 / MS as f64 }),
                )
            })
            .collect();
        json!({
            "first_leader_ms": m.first_leader.map(|t| t as f64 / MS as f64),
            "leaders_by_term": leaders,
            "elections_started": m.elections,
            "current_leader": Self::leader(sim).map(|n| n + 1),
        })
    }

    fn leader(sim: &Sim<Self>) -> Option<NodeId> {
        (0..sim.n())
            .filter(|&i| {
                sim.node(i).role == Role::Leader && sim.status(i) == crate::sim::NodeStatus::Up
            })
            .max_by_key(|&i| sim.node(i).current_term)
    }
}

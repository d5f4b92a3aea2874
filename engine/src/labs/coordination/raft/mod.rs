//! Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm"): leader
//! election, log replication to a small key-value state machine, and crash recovery.
//!
//! - **Election** (§5.2), as the notes describe it: followers with randomized election timeouts
//!   (150–300 ms by default) become candidates, ask for votes with RequestVote, win with a
//!   majority and keep their authority with heartbeats; a node that sees a higher term steps
//!   down. A vote goes only to a candidate whose log is at least as up to date (§5.4.1).
//! - **Replication** (§5.3): the leader appends client writes to its log and sends each
//!   follower AppendEntries starting at that follower's `nextIndex` (at most [`BATCH`] entries
//!   per message, riding on the heartbeat). A follower accepts only if its log holds an entry
//!   at `prevLogIndex` with `prevLogTerm`, deletes conflicting entries and appends. A rejection
//!   makes the leader walk `nextIndex` back **one entry** and try again at once, until the logs
//!   agree (the catch-up of seed 001's semi-synchronous replication passage); `matchIndex`
//!   records what each follower is known to hold. Only where the follower's log ends more
//!   than [`BATCH`] entries early (nothing to disagree about there) does the leader jump
//!   straight to its end, which the reply's `log_len` tells it; a long partition would
//!   otherwise take one round trip per missing entry.
//! - **Commit** (§5.4.2): the leader commits an index once a majority holds it **and** the entry
//!   is from the leader's current term; earlier entries are committed with it (the Raft paper's
//!   figure 8 shows why replica counts alone are not enough). Committed entries are applied in
//!   order to the key-value map.
//! - **Crash** (§5.1, figure 2): `currentTerm`, `votedFor` and the log are persistent and
//!   survive; `commitIndex`, `lastApplied`, the key-value map and the leader's per-follower
//!   state are volatile. A restarted node re-applies its log as the leader tells it what is
//!   committed, and the leader repairs its log with the same walk-back.
//!
//! Client writes: the `write` command on the leader appends one write and replicates it at
//! once; on any other node it is refused (the node notes `raft.write_refused`, it does not
//! forward). The `clients` parameter submits that many writes per simulated second to
//! whichever node leads; they ride on the next heartbeat. There is no no-op entry at the start
//! of a term, as in the paper's figure 8: an old-term entry commits with the next write.
//!
//! Membership (single-server changes, the Raft dissertation's §4.1): the `spare` parameter
//! adds node slots outside the initial configuration (role `spare`: no election timer, no
//! votes counted, no heartbeats). A configuration is a log entry ([`Entry::config`], a member
//! bit mask) and a node uses the latest one in its log, committed or not. The `add` command on
//! the leader adds the lowest non-member; `remove` on a node removes it (a follower asks its
//! leader with `RemoveMe`; a leader removing itself keeps leading until that commits, then
//! steps down). One change at a time: the leader refuses a change while its latest
//! configuration is uncommitted, and until an entry of its own term is committed (the 2015
//! correction to single-server changes). While a change is uncommitted the leader still sends
//! to the previous configuration's nodes, so a node being removed learns it and goes quiet.
//!
//! Disruptive servers (the dissertation's §4.2.3): a server removed while it was cut off never
//! learns of its removal, times out again and again and sends RequestVotes of ever higher
//! terms. So a node that has heard from the leader of its term within `timeout_min` (a leader
//! counts as hearing from itself) refuses a RequestVote without adopting its term (the note
//! `raft.vote_withheld`). Only a RequestVote with the `mayDisrupt` flag bypasses this: the
//! `timeout` command's, the user's deliberate choice like leadership transfer's TimeoutNow
//! (§3.10); natural timeouts never set it.
//!
//! The safety properties (election safety, log matching, leader completeness, state-machine
//! safety, and config-one-change) are checked after every event by [`Monitor`], in
//! `monitor.rs`.

mod chunked;
mod monitor;
mod scenarios;

pub use chunked::Chunked;

pub use monitor::Monitor;

use serde_json::json;

use crate::input::Params;
use crate::labs::{
    lab_def, net_config, Group, Headline, LabDef, LogView, Looks, NetLab, NetSession, ParamSpec,
    PeerProgress, Text, LOG_TAIL,
};
use crate::params::InputError;
use crate::sim::{
    CommandSpec, Ctx, Message, NetConfig, NodeKind, Property, Protocol, Session, Shape, Sim,
    TraceHasher,
};
use crate::{NodeId, Time, MS};

/// Raft's parameters: the network's plus timeouts (milliseconds) and the client write rate.
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 5.0, 3.0, 15.0),
    ParamSpec::int("timeout_min", 150.0, 10.0, 10_000.0),
    ParamSpec::int("timeout_max", 300.0, 10.0, 10_000.0),
    ParamSpec::int("heartbeat", 50.0, 5.0, 5_000.0),
    ParamSpec::int("clients", 0.0, 0.0, 1_000.0),
    ParamSpec::int("spare", 0.0, 0.0, 4.0),
];

/// Most entries one AppendEntries carries.
pub const BATCH: usize = 16;

/// Keys of the key-value state machine (`a`..`h`).
pub const KEYS: u64 = 8;

/// Election and heartbeat timing, the client write rate, and test-only breakage.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Config {
    pub timeout_min: Time,
    pub timeout_max: Time,
    pub heartbeat: Time,
    /// Client writes per simulated second submitted to the leader (0 = none).
    pub clients: u64,
    /// How many of the nodes (the first ones) form the initial configuration; the others are
    /// spare slots outside it until an `add` (0 = all). Set by [`session_with`] from the
    /// `nodes` parameter when `spare` > 0.
    pub initial_members: usize,
    /// Deliberately broken Raft for the tests only: a node grants its vote to every candidate
    /// of its current term, not just the first. Election safety then fails. Nothing outside
    /// the tests sets these `broken_*` switches (no URL or command-line parameter reaches them).
    #[doc(hidden)]
    pub broken_vote_twice: bool,
    /// Test only: votes are granted without the up-to-date-log check (§5.4.1), so a node
    /// missing committed entries can lead; leader completeness then fails.
    #[doc(hidden)]
    pub broken_no_log_check: bool,
    /// Test only: the leader commits on a majority of replicas whatever the entry's term,
    /// ignoring §5.4.2 (the paper's figure 8).
    #[doc(hidden)]
    pub broken_commit_old_term: bool,
    /// Test only: the leader starts a membership change while the previous one is still
    /// uncommitted (two servers' difference at once); the config checks then fail.
    #[doc(hidden)]
    pub broken_config_overlap: bool,
    /// Test only: no disruptive-server guard (§4.2.3): a node that has just heard from its
    /// leader still adopts a RequestVote's higher term, so a removed server that never learnt
    /// of its removal keeps deposing the leader.
    #[doc(hidden)]
    pub broken_no_disrupt_guard: bool,
}

impl Config {
    /// The default timing: timeouts 150–300 ms, heartbeat 50 ms, no client writes.
    pub fn standard() -> Config {
        Config {
            timeout_min: 150 * MS,
            timeout_max: 300 * MS,
            heartbeat: 50 * MS,
            ..Config::default()
        }
    }

    /// The configuration a parameter set describes.
    pub fn from_params(p: &Params) -> Config {
        Config {
            timeout_min: p.get_u64("timeout_min") * MS,
            timeout_max: p.get_u64("timeout_max") * MS,
            heartbeat: p.get_u64("heartbeat") * MS,
            clients: p.get_u64("clients"),
            ..Config::default()
        }
    }
}

/// A new Raft session from parsed parameters.
pub fn session(p: &Params, seed: u64) -> NetSession<Raft> {
    session_with(p, &Config::from_params(p), seed)
}

/// A new Raft session with an explicit configuration (the tests use it for broken variants);
/// the node count and the network still come from `p`.
pub fn session_with(p: &Params, cfg: &Config, seed: u64) -> NetSession<Raft> {
    let (cfg, net, n) = build_with(p, cfg);
    NetSession {
        session: Session::new(Sim::new(n, &cfg, net, seed), Raft::CHECKPOINT_EVERY),
    }
}

/// The configuration, network and node count of a parameter set, from a base configuration.
fn build_with(p: &Params, cfg: &Config) -> (Config, NetConfig, usize) {
    let nodes = p.get_u64("nodes").max(1) as usize;
    let spare = p.get_u64("spare") as usize;
    let mut cfg = cfg.clone();
    if spare > 0 {
        cfg.initial_members = nodes;
    }
    (cfg, net_config(p), nodes + spare)
}

/// Raft's row in the lab registry.
pub const LAB: LabDef = lab_def::<Raft>();

/// Raft's own UI strings (the rest are still in the app's table).
const TEXTS: &[Text] = &[
    (
        "raft.headline.leader",
        "Leader: {0} (term {1})",
        "领导者：{0}（任期 {1}）",
    ),
    ("raft.headline.none", "No leader", "没有领导者"),
];

const LOOKS: Looks = Looks {
    roles: &[
        ("leader", "#2eb872"),
        ("candidate", "#f0a030"),
        ("follower", "#7b86a8"),
        ("spare", "#3a3f5c"),
    ],
    messages: &[
        ("RequestVote", "#f0a030"),
        ("Vote", "#d16ba5"),
        ("AppendEntries", "#5b8def"),
        ("AppendReply", "#2bb5b8"),
    ],
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Follower,
    Candidate,
    Leader,
}

/// A log entry: the term it was created in and a key-value write (see [`Entry::key`]), or a
/// configuration (membership) entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub term: u64,
    pub command: u64,
    /// 0 for a key-value write; otherwise a configuration entry, the set of member nodes as a
    /// bit mask (bit `i` = node `i`), and `command` is unused (0).
    pub config: u64,
}

impl Entry {
    /// A key-value write.
    pub fn write(term: u64, command: u64) -> Entry {
        Entry {
            term,
            command,
            config: 0,
        }
    }

    /// The member set of a configuration entry.
    pub fn members(&self) -> Option<u64> {
        (self.config != 0).then_some(self.config)
    }

    /// The key written, `0..KEYS` (shown as `a`..`h`).
    pub fn key(&self) -> u64 {
        self.command % KEYS
    }

    /// The value written.
    pub fn value(&self) -> u64 {
        self.command / KEYS
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// `may_disrupt`: sent by a candidate whose election the user forced (the `timeout`
    /// command, standing for leadership transfer's TimeoutNow, §3.10), so it is heard even by
    /// nodes that have just heard from a leader (§4.2.3); false on a natural timeout.
    RequestVote {
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
        may_disrupt: bool,
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
    /// On success `index` is the follower's match index (the last entry it now shares with
    /// the leader); on failure it is the `prevLogIndex` it rejected, so the leader walks back
    /// only once per rejection even if replies are duplicated or late. `log_len` is the
    /// follower's log length: a follower whose log simply ends before `prevLogIndex` has
    /// nothing to disagree about there, and the leader jumps to its end at once.
    AppendReply {
        term: u64,
        success: bool,
        index: u64,
        log_len: u64,
    },
    /// A node asks the leader it knows to remove it from the configuration (its `remove`
    /// command).
    RemoveMe {
        term: u64,
    },
}
impl Message for Msg {
    fn kind(&self) -> &'static str {
        match self {
            Msg::RequestVote { .. } => "RequestVote",
            Msg::Vote { .. } => "Vote",
            Msg::AppendEntries { .. } => "AppendEntries",
            Msg::AppendReply { .. } => "AppendReply",
            Msg::RemoveMe { .. } => "RemoveMe",
        }
    }

    fn hash_into(&self, h: &mut TraceHasher) {
        match self {
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
                may_disrupt,
            } => {
                // A disrupting RequestVote has its own tag, so a plain one hashes as it did
                // before the flag existed and the encoding stays unambiguous.
                let tag = if *may_disrupt { 6 } else { 1 };
                for v in [tag, *term, *last_log_index, *last_log_term] {
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
                    if e.config != 0 {
                        h.u64(e.config);
                    }
                }
            }
            Msg::AppendReply {
                term,
                success,
                index,
                log_len,
            } => {
                for v in [4, *term, *success as u64, *index, *log_len] {
                    h.u64(v);
                }
            }
            Msg::RemoveMe { term } => {
                for v in [5, *term] {
                    h.u64(v);
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::AppendEntries { entries, .. } => entries.capacity() * std::mem::size_of::<Entry>(),
            _ => 0,
        }
    }

    fn fields(&self) -> Vec<(&'static str, String)> {
        match self {
            Msg::RequestVote {
                term,
                last_log_index,
                last_log_term,
                may_disrupt,
            } => vec![
                ("term", term.to_string()),
                ("lastLogIndex", last_log_index.to_string()),
                ("lastLogTerm", last_log_term.to_string()),
                ("mayDisrupt", may_disrupt.to_string()),
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
                index,
                log_len,
            } => vec![
                ("term", term.to_string()),
                ("success", success.to_string()),
                (
                    if *success {
                        "matchIndex"
                    } else {
                        "rejectedIndex"
                    },
                    index.to_string(),
                ),
                ("logLength", log_len.to_string()),
            ],
            Msg::RemoveMe { term } => vec![("term", term.to_string())],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    Election,
    Heartbeat,
    /// The leader's next client write (only with `clients` > 0).
    Client,
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
    /// Entry `i` (1-based) is `log[i - 1]`.
    pub log: Chunked<Entry>,
    // Volatile state: lost in a crash.
    pub role: Role,
    pub leader: Option<NodeId>,
    pub votes: Vec<NodeId>,
    pub commit_index: u64,
    pub last_applied: u64,
    /// The key-value state machine: value per key (0 = never written).
    pub kv: [u64; KEYS as usize],
    /// Leader only, per node (own entry unused): next entry to send, highest entry known held.
    pub next_index: Vec<u64>,
    pub match_index: Vec<u64>,
    /// Leader only: when it took office and how many `clients` writes it has appended since.
    clients_since: Time,
    clients_written: u64,
    /// When this node last heard from the leader of its current term (an AppendEntries of that
    /// term); meaningful only while `leader` is set. Volatile. See `leader_recent`.
    heard_from_leader: Time,
    // Bookkeeping for the checker only (not protocol state): how many times the log was cut
    // back, and the length it was last cut to. See `Monitor`.
    truncations: u64,
    truncated_to: u64,
    // Membership, derived from the log (so it survives a crash with it): the initial
    // configuration, the index of the latest configuration entry (0: none) and the members it
    // names (the initial ones if none).
    initial: u64,
    pub config_index: u64,
    pub members: u64,
    /// The configuration before the latest one (a leader keeps sending to its nodes until the
    /// latest commits, so that a node being removed learns it).
    old_members: u64,
}

/// The bit of node `i` in a member mask.
fn bit(i: NodeId) -> u64 {
    1 << i
}

impl Raft {
    /// A majority of the current configuration.
    fn majority(&self) -> usize {
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
    fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.n).filter(move |&i| i != self.id && self.is_member_node(i))
    }

    /// The initial configuration's member mask.
    pub fn initial_members(&self) -> u64 {
        self.initial
    }

    /// Re-reads the latest configuration entry of the log, looking back from `from` entries
    /// (after a truncation or an append of configuration entries).
    fn reload_config(&mut self, from: u64) {
        self.config_index = 0;
        self.members = self.initial;
        self.old_members = self.initial;
        let mut i = from.min(self.log.len() as u64);
        while i > 0 {
            if let Some(m) = self.log.get(i as usize - 1).and_then(Entry::members) {
                if self.config_index == 0 {
                    self.config_index = i;
                    self.members = m;
                } else {
                    self.old_members = m;
                    return;
                }
            }
            i -= 1;
        }
    }

    /// Whether a leader sends AppendEntries to node `i`: the members, and while the latest
    /// configuration is uncommitted also those of the one before.
    fn replicates_to(&self, i: NodeId) -> bool {
        i != self.id
            && (self.is_member_node(i)
                || (self.config_index > self.commit_index && self.old_members & bit(i) != 0))
    }

    fn last_log(&self) -> (u64, u64) {
        (self.log.len() as u64, self.log.last().map_or(0, |e| e.term))
    }

    /// The term of entry `index` (0 for index 0 or beyond the log).
    pub fn term_at(&self, index: u64) -> u64 {
        match index {
            0 => 0,
            i => self.log.get(i as usize - 1).map_or(0, |e| e.term),
        }
    }

    fn reset_election_timer(&self, ctx: &mut Ctx<Self>) {
        if !self.is_member() {
            // Outside the configuration: no elections until added.
            ctx.cancel_timer(Timer::Election);
            return;
        }
        let after = ctx.random_between(self.cfg.timeout_min, self.cfg.timeout_max);
        ctx.set_timer(Timer::Election, after);
    }

    /// Forgets leadership state (on stepping down and on a crash).
    fn drop_leader_state(&mut self) {
        self.next_index.clear();
        self.match_index.clear();
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
    fn leader_recent(&self, now: Time) -> bool {
        if self.cfg.broken_no_disrupt_guard {
            return false;
        }
        self.role == Role::Leader
            || (self.leader.is_some() && now < self.heard_from_leader + self.cfg.timeout_min)
    }

    /// Starts an election for the next term; `may_disrupt` marks its RequestVotes as forced
    /// by the user (the `timeout` command), not by the election timer.
    fn start_election(&mut self, may_disrupt: bool, ctx: &mut Ctx<Self>) {
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

    fn maybe_win(&mut self, ctx: &mut Ctx<Self>) {
        let votes = self
            .votes
            .iter()
            .filter(|&&v| self.is_member_node(v))
            .count();
        if self.role == Role::Candidate && votes >= self.majority() {
            self.role = Role::Leader;
            self.leader = Some(self.id);
            let next = self.log.len() as u64 + 1;
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

    /// The client timer's period when writes come one by one: when they are no more frequent
    /// than heartbeats. Faster writes are appended in batches at each heartbeat instead (as a
    /// leader batches requests; they would wait for that heartbeat anyway).
    fn client_timer(&self) -> Option<Time> {
        let period = (1_000 * MS).checked_div(self.cfg.clients)?;
        (period >= self.cfg.heartbeat).then_some(period)
    }

    /// Appends the `clients` writes due since the leader took office (batched mode).
    fn client_writes_due(&mut self, ctx: &mut Ctx<Self>) {
        let elapsed = ctx.now.saturating_sub(self.clients_since);
        let due =
            (u128::from(self.cfg.clients) * u128::from(elapsed) / u128::from(1_000 * MS)) as u64;
        while self.clients_written < due {
            self.clients_written += 1;
            self.client_write(false, ctx);
        }
        self.advance_commit(ctx);
    }

    /// AppendEntries to one follower from its `nextIndex`: its missing entries (at most
    /// [`BATCH`]), or none as a plain heartbeat.
    fn send_append(&self, to: NodeId, ctx: &mut Ctx<Self>) {
        let prev_log_index = self.next_index[to]
            .saturating_sub(1)
            .min(self.log.len() as u64);
        let from = prev_log_index as usize;
        let until = (from + BATCH).min(self.log.len());
        ctx.send(
            to,
            Msg::AppendEntries {
                term: self.current_term,
                prev_log_index,
                prev_log_term: self.term_at(prev_log_index),
                entries: self.log.range(from, until),
                leader_commit: self.commit_index,
            },
        );
    }

    fn send_heartbeats(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.clients > 0 && self.client_timer().is_none() {
            self.client_writes_due(ctx);
        }
        for to in 0..self.n {
            if self.replicates_to(to) {
                self.send_append(to, ctx);
            }
        }
        ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
    }

    /// The leader appends one client write; `now` sends it to every follower at once, otherwise
    /// it rides on the next heartbeat.
    fn client_write(&mut self, now: bool, ctx: &mut Ctx<Self>) {
        let command = ctx.random_between(KEYS, 1_000 * KEYS - 1);
        self.log.push(Entry::write(self.current_term, command));
        if now {
            self.replicate_now(ctx);
        }
    }

    /// Leader: sends the entry just appended to every member waiting for it.
    fn replicate_now(&mut self, ctx: &mut Ctx<Self>) {
        self.advance_commit(ctx);
        if self.role != Role::Leader {
            return;
        }
        for to in 0..self.n {
            if self.replicates_to(to) && self.next_index[to] == self.log.len() as u64 {
                self.send_append(to, ctx);
            }
        }
    }

    /// Leader: why a membership change cannot start now (a note key), if it cannot: one
    /// change at a time (the previous configuration entry must be committed), and only once
    /// an entry of this term is committed (so that no older leader's uncommitted change can
    /// still take effect; the single-server change correction on raft-dev, 2015).
    fn config_refusal(&self) -> Option<&'static str> {
        if self.role != Role::Leader {
            Some("raft.config_not_leader")
        } else if self.config_index > self.commit_index && !self.cfg.broken_config_overlap {
            Some("raft.config_busy")
        } else if self.term_at(self.commit_index) != self.current_term
            && !self.cfg.broken_config_overlap
        {
            Some("raft.config_wait_commit")
        } else {
            None
        }
    }

    /// Leader: appends a configuration entry with `members` and replicates it at once; the
    /// new configuration takes effect now, committed or not.
    fn change_config(&mut self, members: u64, ctx: &mut Ctx<Self>) {
        self.log.push(Entry {
            term: self.current_term,
            command: 0,
            config: members,
        });
        self.config_index = self.log.len() as u64;
        self.old_members = self.members;
        self.members = members;
        ctx.note("raft.config", u64::from(members.count_ones()));
        // A node just added starts where its log ends (the reply's log_len tells the leader).
        self.replicate_now(ctx);
    }

    /// Leader: the `add` command: the lowest node outside the configuration joins.
    fn add_server(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(key) = self.config_refusal() {
            ctx.note(key, self.config_index);
            return;
        }
        match (0..self.n).find(|&i| !self.is_member_node(i)) {
            Some(new) => {
                ctx.note("raft.add", new as u64 + 1);
                self.change_config(self.members | bit(new), ctx);
            }
            None => ctx.note("raft.config_no_spare", self.n as u64),
        }
    }

    /// Leader: removes node `who` (on its own `remove` command, or a `RemoveMe` request).
    fn remove_server(&mut self, who: NodeId, ctx: &mut Ctx<Self>) {
        if let Some(key) = self.config_refusal() {
            ctx.note(key, self.config_index);
            return;
        }
        if !self.is_member_node(who) || self.members.count_ones() <= 1 {
            ctx.note("raft.config_no_member", who as u64 + 1);
            return;
        }
        ctx.note("raft.remove", who as u64 + 1);
        self.change_config(self.members & !bit(who), ctx);
    }

    /// A leader outside its own configuration steps down once that configuration commits.
    fn leave_if_removed(&mut self, ctx: &mut Ctx<Self>) {
        if self.role == Role::Leader && !self.is_member() && self.commit_index >= self.config_index
        {
            self.drop_leader_state();
            self.role = Role::Follower;
            self.leader = None;
            ctx.cancel_timer(Timer::Heartbeat);
            ctx.cancel_timer(Timer::Client);
            ctx.cancel_timer(Timer::Election);
            ctx.note("raft.removed", self.current_term);
        }
    }

    /// Leader: commits the highest index a majority holds, if its entry is of this term.
    fn advance_commit(&mut self, ctx: &mut Ctx<Self>) {
        let mut buf = [0u64; 32];
        let mut heap = Vec::new();
        let held: &mut [u64] = if self.n <= buf.len() {
            &mut buf[..self.n]
        } else {
            heap.resize(self.n, 0);
            &mut heap
        };
        for (i, h) in held.iter_mut().enumerate() {
            *h = if !self.is_member_node(i) {
                0
            } else if i == self.id {
                self.log.len() as u64
            } else {
                self.match_index[i]
            };
        }
        // Non-members hold 0 and sort last: the majority-th highest is among the members.
        held.sort_unstable_by(|a, b| b.cmp(a));
        let n = held[self.majority() - 1];
        // Terms never decrease along a log, so if entry `n` is older than this term, every
        // entry before it is too: checking `n` alone is exactly §5.4.2.
        if n > self.commit_index
            && (self.term_at(n) == self.current_term || self.cfg.broken_commit_old_term)
        {
            self.commit_index = n;
            ctx.note("raft.commit", n);
            self.apply_committed();
            self.leave_if_removed(ctx);
        }
    }

    /// Applies committed entries to the key-value map, in order.
    fn apply_committed(&mut self) {
        let (from, until) = (self.last_applied as usize, self.commit_index as usize);
        for part in self.log.slices(from, until) {
            for e in part.iter().filter(|e| e.config == 0) {
                self.kv[e.key() as usize] = e.value();
            }
            self.last_applied += part.len() as u64;
        }
    }

    /// A refused AppendEntries (a stale term, or logs that disagree at `index`): the reply
    /// carries this node's log length so the leader can jump back to its end.
    fn refuse_append(&self, index: u64) -> Msg {
        Msg::AppendReply {
            term: self.current_term,
            success: false,
            index,
            log_len: self.log.len() as u64,
        }
    }

    /// A follower's side of AppendEntries, for a message of its current term.
    fn accept_entries(
        &mut self,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    ) -> Msg {
        let consistent = prev_log_index <= self.log.len() as u64
            && self.term_at(prev_log_index) == prev_log_term;
        if !consistent {
            return self.refuse_append(prev_log_index);
        }
        let count = entries.len() as u64;
        // Entries the follower already holds (same index and term) are skipped; the first one
        // that conflicts goes with everything after it (§5.3), and the rest are appended.
        let start = prev_log_index as usize; // 0-based position of the first entry
        let held = entries
            .iter()
            .enumerate()
            .take_while(|(k, e)| {
                self.log
                    .get(start + k)
                    .is_some_and(|have| have.term == e.term)
            })
            .count();
        let new = &entries[held..];
        let at = start + held;
        let mut reload = new.iter().any(|e| e.config != 0);
        if !new.is_empty() && at < self.log.len() {
            self.log.truncate(at);
            self.truncations += 1;
            self.truncated_to = at as u64;
            if self.config_index > at as u64 {
                // The configuration entry went with it.
                reload = true;
            }
        }
        self.log.extend_from_slice(new);
        if reload {
            self.reload_config(self.log.len() as u64);
        }
        let matched = prev_log_index + count;
        if leader_commit > self.commit_index {
            self.commit_index = self.commit_index.max(leader_commit.min(matched));
            self.apply_committed();
        }
        Msg::AppendReply {
            term: self.current_term,
            success: true,
            index: matched,
            log_len: self.log.len() as u64,
        }
    }

    /// The leader's side of an AppendEntries reply of its term.
    fn on_append_reply(
        &mut self,
        from: NodeId,
        success: bool,
        index: u64,
        log_len: u64,
        ctx: &mut Ctx<Self>,
    ) {
        if success {
            if index > self.match_index[from] {
                self.match_index[from] = index;
                self.next_index[from] = self.next_index[from].max(index + 1);
                // Raising one replica's match to at most the commit index cannot move the
                // majority's match past it.
                if index > self.commit_index {
                    self.advance_commit(ctx);
                }
                if (self.log.len() as u64).saturating_sub(index) >= BATCH as u64 {
                    // Far behind: keep catching up without waiting for the heartbeat.
                    self.send_append(from, ctx);
                }
            }
        } else if self.next_index[from] == index + 1 && index > self.match_index[from] {
            if log_len + (BATCH as u64) < index {
                // The follower's log ends long before `index`: continue from its end.
                self.next_index[from] = (log_len + 1).max(self.match_index[from] + 1);
                ctx.note("raft.jump_back", self.next_index[from]);
            } else {
                // The logs disagree at `index`: walk back one entry and try again at once.
                self.next_index[from] = index;
                ctx.note("raft.walk_back", index);
            }
            self.send_append(from, ctx);
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
            log: Chunked::new(),
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
            truncations: 0,
            truncated_to: 0,
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
        let term = match &msg {
            Msg::RequestVote { term, .. }
            | Msg::Vote { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::AppendReply { term, .. }
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
                self.leader = Some(from);
                self.heard_from_leader = ctx.now;
                self.reset_election_timer(ctx);
                let was_member = self.is_member();
                let reply =
                    self.accept_entries(prev_log_index, prev_log_term, entries, leader_commit);
                if self.is_member() != was_member {
                    // Just added (start timing out) or just removed (stop).
                    self.reset_election_timer(ctx);
                }
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
        self.commit_index = 0;
        self.last_applied = 0;
        self.kv = [0; KEYS as usize];
        self.drop_leader_state();
    }

    fn timer_name(timer: Timer) -> &'static str {
        match timer {
            Timer::Election => "election",
            Timer::Heartbeat => "heartbeat",
            Timer::Client => "client",
        }
    }

    fn check(
        monitor: &mut Monitor,
        now: Time,
        node: NodeId,
        nodes: &[Self],
    ) -> Vec<(&'static str, String)> {
        monitor.check(now, node, nodes)
    }
}

/// Key names of the state machine.
fn key_name(k: u64) -> char {
    (b'a' + k as u8) as char
}

impl NetLab for Raft {
    const ID: &'static str = "raft";
    const GROUP: Group = Group::Coordination;
    const PARAMS: &'static [ParamSpec] = PARAMS;
    const SCENARIOS: &'static [crate::scenario::ScenarioInfo] = scenarios::SCENARIOS;
    const TEXTS: &'static [Text] = TEXTS;
    const LOOKS: Looks = LOOKS;
    const DEMO: &'static [(&'static str, f64)] = &[("clients", 2.0)];

    fn check_params(p: &mut Params, errors: &mut Vec<InputError>) {
        p.order_pair("timeout_min", "timeout_max", errors);
    }

    fn build(p: &Params) -> (Config, NetConfig, usize) {
        build_with(p, &Config::from_params(p))
    }

    fn headline(sim: &Sim<Self>) -> Headline {
        match Self::leader(sim) {
            Some(n) => Headline {
                key: "raft.headline.leader",
                args: vec![format!("n{}", n + 1), sim.node(n).current_term.to_string()],
            },
            None => Headline {
                key: "raft.headline.none",
                args: Vec::new(),
            },
        }
    }

    fn role(&self) -> &'static str {
        if !self.is_member() && self.role != Role::Leader {
            return "spare";
        }
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
        let kv: Vec<String> = (0..KEYS)
            .filter(|&k| self.kv[k as usize] != 0)
            .map(|k| format!("{}={}", key_name(k), self.kv[k as usize]))
            .collect();
        let members: Vec<String> = (0..self.n)
            .filter(|&i| self.is_member_node(i))
            .map(|i| format!("n{}", i + 1))
            .collect();
        vec![
            ("member", if self.is_member() { "yes" } else { "no" }.into()),
            ("members", members.join(" ")),
            ("configIndex", self.config_index.to_string()),
            ("term", self.current_term.to_string()),
            ("votedFor", who(self.voted_for)),
            ("leader", who(self.leader)),
            ("votes", self.votes.len().to_string()),
            ("log", self.log.len().to_string()),
            ("commitIndex", self.commit_index.to_string()),
            ("lastApplied", self.last_applied.to_string()),
            (
                "kv",
                if kv.is_empty() {
                    "-".into()
                } else {
                    kv.join(" ")
                },
            ),
            ("kvDigest", format!("{:08x}", self.kv_digest())),
        ]
    }

    fn arc_timer(timer: Timer) -> bool {
        timer == Timer::Election
    }

    fn log_view(&self) -> Option<LogView> {
        let len = self.log.len();
        let skip = len.saturating_sub(LOG_TAIL);
        Some(LogView {
            len: len as u64,
            commit: self.commit_index,
            applied: self.last_applied,
            start: skip as u64 + 1,
            tail: (skip..len)
                .filter_map(|i| self.log.get(i))
                .map(|e| e.term)
                .collect(),
        })
    }

    fn progress(&self) -> Vec<PeerProgress> {
        if self.role != Role::Leader {
            return Vec::new();
        }
        self.peers()
            .map(|peer| PeerProgress {
                peer,
                next: self.next_index[peer],
                matched: self.match_index[peer],
            })
            .collect()
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
            "committed": m.committed(),
            "last_commit_ms": m.last_commit.map(|t| t as f64 / MS as f64),
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

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
//! Log compaction (the paper's §7, the dissertation's ch. 5): with `snapshot_every` = N > 0, a
//! server whose log holds 2N applied entries snapshots its state machine through all of them
//! but the newest N, and discards the entries the snapshot covers ([`RaftLog::compact`]); the
//! snapshot keeps the last included index and term, the key-value state and the
//! configuration as of that index. The newest N applied entries stay as a trail, as etcd's
//! `SnapshotCatchUpEntries` and hashicorp/raft's `TrailingLogs` keep one, so a follower only
//! slightly behind is still caught up by AppendEntries. A server snapshots as a step of its own
//! at the start of its next event, not inside the handler that applied the entries (real
//! servers snapshot in the background); the checker thereby sees every commit before the
//! entries go. When a follower's `nextIndex` falls at or below the leader's snapshot, the
//! entries it needs are gone and the leader sends InstallSnapshot instead (figure 13, in one
//! chunk: the state is small). The follower keeps the entries after the snapshot's last
//! included index if its log holds that entry with the snapshot's term, and otherwise discards
//! its whole log; it then resets its state machine from the snapshot and answers with an
//! AppendReply that matches up to the last included index (as etcd answers MsgSnap). The
//! snapshot is persistent: a restarted server starts from it (`commitIndex` and `lastApplied`
//! at its last included index). An AppendEntries reaching into a follower's snapshot is
//! trimmed to the entries after it: those before are committed and equal the leader's.
//!
//! The safety properties (election safety, log matching, leader completeness, state-machine
//! safety, and config-one-change) are checked after every event by [`Monitor`], in
//! `monitor.rs`; it keeps the committed prefix itself, so compacted logs are still checked.

mod chunked;
mod compaction;
mod lab;
mod log;
mod membership;
mod monitor;
#[cfg(test)]
mod monitor_tests;
mod msg;
mod node;
mod replication;
mod scenarios;

pub use chunked::Chunked;
pub use log::{RaftLog, Snapshot};
pub use monitor::Monitor;
pub use msg::{Entry, Msg};

use crate::input::Params;
use crate::labs::{lab_def, net_config, LabDef, Looks, NetSession, ParamSpec, Text};
use crate::sim::NetConfig;
use crate::{NodeId, Time, MS};

/// Raft's parameters: the network's plus timeouts (milliseconds), the client write rate,
/// spare servers and the snapshot interval (entries, 0 = no compaction).
pub const PARAMS: &[ParamSpec] = crate::lab_params![
    ParamSpec::int("nodes", 5.0, 3.0, 15.0),
    ParamSpec::int("timeout_min", 150.0, 10.0, 10_000.0),
    ParamSpec::int("timeout_max", 300.0, 10.0, 10_000.0),
    ParamSpec::int("heartbeat", 50.0, 5.0, 5_000.0),
    ParamSpec::int("clients", 0.0, 0.0, 1_000.0),
    ParamSpec::int("spare", 0.0, 0.0, 4.0),
    ParamSpec::int("snapshot_every", SNAPSHOT_EVERY as f64, 0.0, 100_000.0),
];

/// The default `snapshot_every`: a snapshot every 50 applied entries, 50 more kept as a trail.
pub const SNAPSHOT_EVERY: u64 = 50;

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
    /// Log compaction: a server snapshots once its log holds twice this many applied entries,
    /// through all but the newest `snapshot_every` (0 = never).
    pub snapshot_every: u64,
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
    /// Test only: a server's snapshot covers its whole log, committed or not (the paper: "each
    /// server takes snapshots independently, covering just the committed entries").
    #[doc(hidden)]
    pub broken_compact_uncommitted: bool,
    /// Test only: a follower installing a snapshot keeps the entries after its last included
    /// index even when its own entry there is of another term (figure 13 step 6 without the
    /// term check): a conflicting suffix survives.
    #[doc(hidden)]
    pub broken_snapshot_keeps_suffix: bool,
}

impl Config {
    /// The default timing: timeouts 150–300 ms, heartbeat 50 ms, no client writes, the
    /// default snapshot interval.
    pub fn standard() -> Config {
        Config {
            timeout_min: 150 * MS,
            timeout_max: 300 * MS,
            heartbeat: 50 * MS,
            snapshot_every: SNAPSHOT_EVERY,
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
            snapshot_every: p.get_u64("snapshot_every"),
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
    NetSession::new(n, &cfg, net, seed)
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
    // Log compaction.
    (
        "note.raft.snapshot",
        "snapshots its state machine through entry {0} and discards the log up to it",
        "为状态机做快照（截至第 {0} 条）并丢弃此前的日志",
    ),
    (
        "note.raft.install_snapshot",
        "installs the leader's snapshot through entry {0}: its log did not hold that entry with that term, so the whole log is replaced",
        "安装领导者截至第 {0} 条的快照：自己的日志中没有该任期的该条目，因此整个日志被替换",
    ),
    (
        "note.raft.install_snapshot_keep",
        "installs the leader's snapshot through entry {0}: its own entry there has the same term, so the log entries after it stay",
        "安装领导者截至第 {0} 条的快照：自己在该位置的条目任期相同，因此其后的日志条目保留",
    ),
    (
        "detail.snapshot",
        "Snapshot (last included index, term)",
        "快照（最后包含的索引、任期）",
    ),
    ("raft.panel.snapshot", "Snapshot", "快照"),
    (
        "raft.snapshot.index",
        "Last included index",
        "最后包含的索引",
    ),
    ("raft.snapshot.term", "Last included term", "最后包含的任期"),
    ("raft.snapshot.state", "Key-value state", "键值状态"),
    ("raft.snapshot.config", "Configuration", "配置"),
    (
        "raft.snapshot.kept",
        "Log entries kept after it",
        "其后保留的日志条目",
    ),
    (
        "scenario.snapshot-catch-up",
        "Snapshot catch-up",
        "快照追赶",
    ),
    (
        "scenario.snapshot-catch-up.about",
        "Every server snapshots its applied entries 20 at a time and discards them from its log, keeping the newest 20. n5 crashes at 1 s with a short log; while it is down the leader n3 commits a write every 50 ms and compacts past everything n5 holds. When n5 restarts at 4 s, the entries it needs no longer exist in any log: n3 sends InstallSnapshot (purple) with its state machine and configuration instead. n5 discards its log, which does not reach the snapshot, loads the snapshot, and AppendEntries brings the rest; soon n5 takes snapshots of its own. See the snapshot chips in the Logs panel and the Snapshot section of a node's inspector.",
        "每台服务器每应用 20 个条目就为其做一次快照，并从日志中丢弃这些条目，保留最新的 20 个。n5 在 1 秒时带着很短的日志宕机；在它宕机期间，领导者 n3 每 50 毫秒提交一次写入，并把日志压缩到 n5 所有条目之后。n5 在 4 秒重启时，它需要的条目已不在任何日志中：n3 改为发送 InstallSnapshot（紫色），携带其状态机和配置。n5 丢弃自己够不到快照的日志，载入快照，随后 AppendEntries 补上其余条目；不久 n5 也开始自己做快照。请看日志面板中的快照标记和节点检查器中的“快照”部分。",
    ),
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
        ("InstallSnapshot", "#9c6ade"),
    ],
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Follower,
    Candidate,
    Leader,
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
    /// The log and its snapshot (the state machine through the last included index).
    pub log: RaftLog,
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
    // Bookkeeping for the checker only (not protocol state): how many times the log's content
    // from some index on was replaced (a truncation, or a snapshot installed: its entries may
    // now follow another prefix), and the last index it was still valid up to. See `Monitor`.
    resets: u64,
    reset_to: u64,
    // Membership, derived from the log and its snapshot (so it survives a crash with them):
    // the initial configuration, the index of the latest configuration entry (0: none) and
    // the members it names (the initial ones if none).
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

/// Key names of the state machine.
fn key_name(k: u64) -> char {
    (b'a' + k as u8) as char
}

/// A key-value state as `a=3 c=41`, `-` if nothing is written.
fn kv_text(kv: &[u64; KEYS as usize]) -> String {
    let kv: Vec<String> = (0..KEYS)
        .filter(|&k| kv[k as usize] != 0)
        .map(|k| format!("{}={}", key_name(k), kv[k as usize]))
        .collect();
    if kv.is_empty() {
        "-".into()
    } else {
        kv.join(" ")
    }
}

/// A member mask as `n1 n2 n3`.
fn members_text(mask: u64) -> String {
    let names: Vec<String> = (0..64)
        .filter(|&i| mask & bit(i) != 0)
        .map(|i| format!("n{}", i + 1))
        .collect();
    names.join(" ")
}

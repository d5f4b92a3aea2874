//! Raft's safety properties (the paper's figure 3), checked after every event:
//!
//! - **election safety**: at most one leader per term;
//! - **log matching**: if two logs hold an entry with the same index and term, the logs are
//!   identical up to and including it;
//! - **leader completeness**: an entry committed in term T is in the log of every leader of a
//!   term after T;
//! - **state-machine safety**: no two nodes apply different commands at the same index.
//!
//! With membership changes (single-server, the dissertation's §4.1) election safety still
//! means one leader per term across old and new configurations, and one more check applies:
//!
//! - **config-one-change**: a leader's configuration differs from the latest committed one by
//!   at most one server (what makes any two majorities of consecutive configurations overlap).
//!
//! Every check is incremental, so a check after an event that changed nothing costs a few
//! comparisons. Log matching keeps, for every (index, term) ever seen, a hash of the log
//! prefix up to it; a node's new entries are hashed as they appear, continuing from the hash of
//! the prefix it kept (the node counts the times its log was cut back or re-based on an
//! installed snapshot, so the checker knows where to resume). Committed and applied entries
//! are recorded the first time any node commits or applies them.
//!
//! Compacted logs (§7): the checker, not the nodes, keeps the committed prefix. A snapshot is
//! the state machine after its prefix, so it is checked as one when a node takes or installs
//! it (under state-machine safety): it may cover only committed entries, its last included
//! term must be the committed entry's, and its key-value state and configuration must be what
//! the committed entries through its last index give. A node's log then starts after its
//! snapshot: log matching resumes from the prefix hash of the snapshot's last entry, and a
//! leader holds the committed entries its snapshot covers. What every node has compacted away
//! (below the lowest snapshot of any node with a log) is forgotten by whole pages, folded into
//! the state the committed prefix gives, so memory stays flat however long the run.

use std::collections::BTreeMap;

use super::chunked::zip_slices;
use super::{kv_text, members_text, Chunked, Entry, Raft, Role, Snapshot};
use crate::{NodeId, Time};

/// What the checker has seen of one node.
#[derive(Clone, Debug, Default)]
struct Seen {
    role: Option<(Role, u64)>,
    /// Last index of the log prefix already hashed, and that prefix's hash.
    hashed: u64,
    hash: u64,
    resets: u64,
    applied: u64,
    commit: u64,
    /// The snapshot's last included (index, term) when last checked.
    snapshot: (u64, u64),
}

/// The history the checker keeps (and the figures the summary reports).
#[derive(Clone, Debug, Default)]
pub struct Monitor {
    /// term → (leader, time it took office)
    pub leaders: BTreeMap<u64, (NodeId, Time)>,
    pub first_leader: Option<Time>,
    pub elections: u64,
    /// When the committed prefix last grew.
    pub last_commit: Option<Time>,
    /// Snapshots taken or installed, all nodes together.
    pub snapshots: u64,
    seen: Vec<Seen>,
    /// Per index (position `i` is index `i + 1`): the first (term, hash of the log prefix
    /// ending there) seen.
    prefixes: Chunked<(u64, u64)>,
    /// (index, term) → prefix hash for entries of other terms at an index (rare: entries that
    /// were overwritten).
    other_prefixes: BTreeMap<(u64, u64), u64>,
    /// Committed entries (position `i` is index `i + 1`), with the term in which each was first
    /// seen committed.
    committed: Chunked<(Entry, u64)>,
    /// The state the committed entries before `committed.start()` give (they were forgotten);
    /// its configuration's members are 0 while it has no configuration entry (the initial
    /// one).
    base: Snapshot,
    /// Per node, the state after the first `states[node].index` committed entries (its last
    /// snapshot checked): a node's snapshots only move forward, so its next one is reached
    /// from there in a few steps.
    states: Vec<Snapshot>,
    /// The latest configuration among the committed entries (0: the initial one).
    committed_config: u64,
    /// The last (term, members) reported by config-one-change, reported once.
    config_reported: Option<(u64, u64)>,
    /// The command first applied at each index (position `i` is index `i + 1`), and by whom.
    applied: Chunked<(Entry, NodeId)>,
}

/// Hash of a log prefix extended by one entry (splitmix64-style mixing).
fn chain(prev: u64, e: &Entry) -> u64 {
    let mut z = prev
        .wrapping_add(e.term.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(e.command.rotate_left(29))
        .wrapping_add(e.config.rotate_left(47))
        .wrapping_add(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn show(e: &Entry) -> String {
    if let Some(m) = e.members() {
        return format!("T{}:config{}", e.term, members(m));
    }
    format!(
        "T{}:{}={}",
        e.term,
        (b'a' + e.key() as u8) as char,
        e.value()
    )
}

/// A member mask as `{n1,n2,n3}`.
fn members(m: u64) -> String {
    format!("{{{}}}", members_text(m).replace(' ', ","))
}

/// A snapshot's state as the checker reports it: `a=3 c=7, config {n1,n2,n3}`.
fn show_state(s: &Snapshot) -> String {
    match s.config_index {
        0 => kv_text(&s.kv),
        i => format!(
            "{}, config {} (entry {i})",
            kv_text(&s.kv),
            members(s.members)
        ),
    }
}

/// What the committed prefix says of a snapshot's last included index.
enum Committed {
    /// The state through it.
    State(Snapshot),
    /// Not committed (yet): the index is beyond the committed prefix.
    Beyond,
    /// Forgotten: every node compacted past it (cannot happen for a live snapshot).
    Forgotten,
}

impl Monitor {
    /// The prefix hash first seen for the entry of `term` at `index` (1-based; 0 for index 0).
    fn prefix(&self, index: u64, term: u64) -> Option<u64> {
        let Some(pos) = index.checked_sub(1) else {
            return Some(0);
        };
        match self.prefixes.get(pos as usize) {
            Some(&(t, h)) if t == term => Some(h),
            Some(_) => self.other_prefixes.get(&(index, term)).copied(),
            None => None,
        }
    }

    /// How many entries are known committed.
    pub fn committed(&self) -> u64 {
        self.committed.len() as u64
    }

    /// How many entries of history the checker holds (prefixes, committed and applied
    /// entries not yet forgotten): it stays bounded while every node compacts its log.
    pub fn held(&self) -> usize {
        let kept = |len: usize, start: usize| len - start;
        kept(self.prefixes.len(), self.prefixes.start())
            + kept(self.committed.len(), self.committed.start())
            + kept(self.applied.len(), self.applied.start())
            + self.other_prefixes.len()
    }

    /// Where the kept histories start (prefixes, committed, applied) and the index the
    /// forgotten committed state is at.
    #[cfg(test)]
    pub(super) fn kept_from(&self) -> (usize, usize, usize, u64) {
        (
            self.prefixes.start(),
            self.committed.start(),
            self.applied.start(),
            self.base.index,
        )
    }

    pub(super) fn check(
        &mut self,
        now: Time,
        node: NodeId,
        nodes: &[Raft],
    ) -> Vec<(&'static str, String)> {
        if self.seen.len() < nodes.len() {
            self.seen.resize(nodes.len(), Seen::default());
            self.states.resize(nodes.len(), Snapshot::default());
        }
        let mut out = Vec::new();
        let r = &nodes[node];
        self.check_log_matching(node, r, &mut out);
        let new_leader = self.check_election(now, node, r, &mut out);
        if new_leader {
            self.check_new_leader(node, r, &mut out);
        }
        self.record_commits(now, node, nodes, &mut out);
        if self.check_snapshot(node, r, &mut out) {
            self.forget(nodes);
        }
        self.check_applied(node, r, &mut out);
        self.check_config(node, r, &mut out);
        out
    }

    /// Election safety; true if `node` just became the first leader of its term.
    fn check_election(
        &mut self,
        now: Time,
        node: NodeId,
        r: &Raft,
        out: &mut Vec<(&'static str, String)>,
    ) -> bool {
        let prev = self.seen[node].role;
        if r.role == Role::Candidate && prev != Some((Role::Candidate, r.current_term)) {
            self.elections += 1;
        }
        self.seen[node].role = Some((r.role, r.current_term));
        if r.role != Role::Leader {
            return false;
        }
        match self.leaders.get(&r.current_term) {
            Some(&(other, _)) if other != node => {
                out.push((
                    "election-safety",
                    format!(
                        "n{} and n{} are both leaders of term {}",
                        other + 1,
                        node + 1,
                        r.current_term
                    ),
                ));
                false
            }
            Some(_) => false,
            None => {
                self.leaders.insert(r.current_term, (node, now));
                self.first_leader.get_or_insert(now);
                true
            }
        }
    }

    /// Hashes the node's new entries and compares each with the first log seen to hold an
    /// entry of that index and term.
    fn check_log_matching(
        &mut self,
        node: NodeId,
        r: &Raft,
        out: &mut Vec<(&'static str, String)>,
    ) {
        let mut seen = self.seen[node].clone();
        if seen.resets != r.resets {
            seen.resets = r.resets;
            // (An installed snapshot may have replaced the entry at `reset_to` itself.)
            if r.reset_to <= seen.hashed {
                seen.hashed = r.reset_to;
                seen.hash = self.prefix(r.reset_to, r.term_at(r.reset_to)).unwrap_or(0);
            }
        }
        let len = r.log.last_index();
        debug_assert!(seen.hashed <= len, "logs only shrink by a reset");
        let snapshot = r.log.snapshot();
        if seen.hashed < snapshot.index || seen.hashed > len {
            // The log now starts after a snapshot that covers entries this node never hashed
            // (one installed from the leader): resume from the prefix of its last entry. (A
            // prefix no log ever held can only come from a snapshot of uncommitted entries,
            // which the snapshot check reports.)
            seen.hashed = snapshot.index;
            seen.hash = self.prefix(snapshot.index, snapshot.term).unwrap_or(0);
        }
        if seen.hashed == len {
            // Nothing new (most events).
            self.seen[node] = seen;
            return;
        }
        let mismatch = |index: u64, term: u64| {
            (
                "log-matching",
                format!(
                    "n{} holds entry {index} of term {term} but its log differs before it from \
                     another log with that entry",
                    node + 1
                ),
            )
        };
        // Indices seen before: compare with the first log seen to hold that index; entries of
        // another term at an index are looked up after. (Indices every node compacted away
        // are not compared: no live log can reach them.)
        let known = len.min(self.prefixes.len() as u64);
        let compare_from = seen
            .hashed
            .max(self.prefixes.start() as u64)
            .min(known.max(seen.hashed));
        for part in r.log.slices(seen.hashed, compare_from) {
            for e in part {
                seen.hashed += 1;
                seen.hash = chain(seen.hash, e);
            }
        }
        let mut other_terms = Vec::new();
        let firsts = self.prefixes.slices(compare_from as usize, known as usize);
        zip_slices(r.log.slices(compare_from, known), firsts, |mine, first| {
            for (e, &(term, hash)) in mine.iter().zip(first) {
                seen.hashed += 1;
                seen.hash = chain(seen.hash, e);
                if term != e.term {
                    other_terms.push((seen.hashed, e.term, seen.hash));
                } else if hash != seen.hash {
                    out.push(mismatch(seen.hashed, e.term));
                }
            }
        });
        for (index, term, hash) in other_terms {
            match self.other_prefixes.get(&(index, term)) {
                Some(&h) if h != hash => out.push(mismatch(index, term)),
                Some(_) => {}
                None => {
                    self.other_prefixes.insert((index, term), hash);
                }
            }
        }
        // Indices no log held before: this log's prefixes are the first.
        let first = seen.hashed == self.prefixes.len() as u64;
        for part in r.log.slices(seen.hashed, len) {
            for e in part {
                seen.hashed += 1;
                seen.hash = chain(seen.hash, e);
                if first {
                    self.prefixes.push((e.term, seen.hash));
                }
            }
        }
        self.seen[node] = seen;
    }

    /// Leader completeness for a new leader: its log (or its snapshot) holds every entry
    /// committed in an earlier term.
    fn check_new_leader(&mut self, node: NodeId, r: &Raft, out: &mut Vec<(&'static str, String)>) {
        let from = r.log.snapshot().index.max(self.committed.start() as u64);
        let committed = self.committed.iter_range(from as usize, usize::MAX);
        for (i, (e, term)) in (from + 1..).zip(committed) {
            if *term < r.current_term && r.log.get(i) != Some(e) {
                out.push((
                    "leader-completeness",
                    format!(
                        "n{} leads term {} without committed entry {i} ({})",
                        node + 1,
                        r.current_term,
                        show(e)
                    ),
                ));
                return;
            }
        }
    }

    /// Records entries the node commits for the first time anywhere, and checks that every
    /// leader of a later term already holds them.
    fn record_commits(
        &mut self,
        now: Time,
        node: NodeId,
        nodes: &[Raft],
        out: &mut Vec<(&'static str, String)>,
    ) {
        let r = &nodes[node];
        let from = self.committed.len() as u64;
        self.seen[node].commit = r.commit_index;
        if r.commit_index <= from || from < r.log.snapshot().index {
            // Nothing new; or entries this node compacted before anyone was seen committing
            // them, which only a snapshot of uncommitted entries does (reported as such).
            return;
        }
        self.last_commit = Some(now);
        // Leaders of later terms must already hold what is committed now (usually none).
        let later: Vec<(NodeId, &Raft)> = nodes
            .iter()
            .enumerate()
            .filter(|(_, o)| o.role == Role::Leader && o.current_term > r.current_term)
            .collect();
        let mut i = from;
        for part in r.log.slices(from, r.commit_index) {
            for &e in part {
                i += 1;
                self.committed.push((e, r.current_term));
                if let Some(m) = e.members() {
                    self.committed_config = m;
                }
                for &(l, other) in &later {
                    if i > other.log.snapshot().index && other.log.get(i) != Some(&e) {
                        out.push((
                            "leader-completeness",
                            format!(
                                "entry {i} ({}) committed in term {} is missing from n{}, \
                                 leader of term {}",
                                show(&e),
                                r.current_term,
                                l + 1,
                                other.current_term
                            ),
                        ));
                    }
                }
            }
        }
    }

    /// The state the committed entries through index `k` give, for `node`'s snapshot.
    fn committed_state(&mut self, node: NodeId, k: u64) -> Committed {
        if k > self.committed.len() as u64 {
            return Committed::Beyond;
        }
        if k < self.base.index {
            return Committed::Forgotten;
        }
        let last = &self.states[node];
        let mut s = if (self.base.index..=k).contains(&last.index) {
            last.clone()
        } else {
            self.base.clone()
        };
        let mut i = s.index;
        for part in self.committed.slices(i as usize, k as usize) {
            for (e, _) in part {
                i += 1;
                s.apply(i, e);
            }
        }
        self.states[node] = s.clone();
        Committed::State(s)
    }

    /// A snapshot taken or installed since the last check is the state machine through its
    /// last included index: it must cover committed entries only, and hold what they give
    /// (state-machine safety for compacted logs). True if the node's snapshot changed.
    fn check_snapshot(
        &mut self,
        node: NodeId,
        r: &Raft,
        out: &mut Vec<(&'static str, String)>,
    ) -> bool {
        let s = r.log.snapshot();
        if self.seen[node].snapshot == (s.index, s.term) {
            return false;
        }
        self.seen[node].snapshot = (s.index, s.term);
        self.snapshots += 1;
        let problem = match self.committed_state(node, s.index) {
            Committed::Beyond => Some(format!(
                "n{}'s snapshot covers entries through {} but only {} are committed: it applied \
                 entries that may yet be overwritten",
                node + 1,
                s.index,
                self.committed.len()
            )),
            Committed::Forgotten => None,
            Committed::State(c) if c.term != s.term => Some(format!(
                "n{}'s snapshot ends with entry {} of term {}, but the committed entry {} is of \
                 term {}",
                node + 1,
                s.index,
                s.term,
                s.index,
                c.term
            )),
            Committed::State(c)
                if c.kv != s.kv
                    || c.config_index != s.config_index
                    || (c.config_index > 0 && c.members != s.members) =>
            {
                Some(format!(
                    "n{}'s snapshot through entry {} holds {} but the committed entries through \
                     it give {}",
                    node + 1,
                    s.index,
                    show_state(s),
                    show_state(&c)
                ))
            }
            Committed::State(_) => None,
        };
        if let Some(text) = problem {
            out.push(("state-machine-safety", text));
        }
        true
    }

    /// Forgets what every node with a log has compacted away: the prefixes, committed and
    /// applied entries before the lowest snapshot's last included index (that index itself is
    /// kept: logs resume from its prefix), by whole pages. The committed ones are folded into
    /// `base`.
    fn forget(&mut self, nodes: &[Raft]) {
        let Some(floor) = nodes
            .iter()
            .filter(|r| r.log.last_index() > 0)
            .map(|r| r.log.snapshot().index)
            .min()
        else {
            return;
        };
        let keep = floor.saturating_sub(1) as usize;
        self.prefixes.forget_before(keep, |_| {});
        self.applied.forget_before(keep, |_| {});
        let base = &mut self.base;
        self.committed.forget_before(keep, |(e, _)| {
            let i = base.index + 1;
            base.apply(i, e);
        });
        if self
            .other_prefixes
            .first_key_value()
            .is_some_and(|(&(i, _), _)| i < floor)
        {
            self.other_prefixes = self.other_prefixes.split_off(&(floor, 0));
        }
    }

    /// State-machine safety: what the node applied since the last check equals what any node
    /// applied first at those indices. Entries applied by installing a snapshot were checked
    /// as the snapshot.
    fn check_applied(&mut self, node: NodeId, r: &Raft, out: &mut Vec<(&'static str, String)>) {
        let mut applied = self.seen[node].applied;
        if r.last_applied < applied {
            // A crash: the node re-applies from its snapshot.
            applied = r.last_applied;
        }
        applied = applied.max(r.log.snapshot().index);
        let from = applied;
        let until = r.last_applied.min(r.log.last_index()).max(from);
        self.seen[node].applied = until;
        if until == from {
            return;
        }
        // Indices some node applied before: the same command. (Those every node compacted
        // away are not compared.)
        let known = until.min(self.applied.len() as u64).max(from);
        let compare_from = from.max(self.applied.start() as u64).min(known);
        let mut i = compare_from;
        let firsts = self.applied.slices(compare_from as usize, known as usize);
        zip_slices(r.log.slices(compare_from, known), firsts, |mine, first| {
            for (e, (f, by)) in mine.iter().zip(first) {
                i += 1;
                if f != e {
                    out.push((
                        "state-machine-safety",
                        format!(
                            "n{} applied {} at index {i} but n{} applied {} there",
                            node + 1,
                            show(e),
                            by + 1,
                            show(f)
                        ),
                    ));
                }
            }
        });
        // Indices applied here first (pushed at their own positions).
        if known == self.applied.len() as u64 {
            for part in r.log.slices(known, until) {
                for &e in part {
                    self.applied.push((e, node));
                }
            }
        }
    }

    /// Config-one-change: a leader's configuration is the latest committed one or differs
    /// from it by one server.
    fn check_config(&mut self, node: NodeId, r: &Raft, out: &mut Vec<(&'static str, String)>) {
        if r.role != Role::Leader {
            return;
        }
        let committed = match self.committed_config {
            0 => r.initial_members(),
            m => m,
        };
        let key = Some((r.current_term, r.members));
        if (r.members ^ committed).count_ones() > 1 && self.config_reported != key {
            self.config_reported = key;
            out.push((
                "config-one-change",
                format!(
                    "n{}, leader of term {}, uses configuration {} but the committed one is {}",
                    node + 1,
                    r.current_term,
                    members(r.members),
                    members(committed)
                ),
            ));
        }
    }
}

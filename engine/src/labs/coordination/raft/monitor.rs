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
//! the prefix it kept (the node counts its truncations so the checker knows where to resume).
//! Committed and applied entries are recorded the first time any node commits or applies them.

use std::collections::BTreeMap;

use super::{Chunked, Entry, Raft, Role};
use crate::{NodeId, Time};

/// What the checker has seen of one node.
#[derive(Clone, Debug, Default)]
struct Seen {
    role: Option<(Role, u64)>,
    /// Length of the log prefix already hashed, and that prefix's hash.
    hashed: u64,
    hash: u64,
    truncations: u64,
    applied: u64,
    commit: u64,
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
    seen: Vec<Seen>,
    /// Per index (from 1): the first (term, hash of the log prefix ending there) seen.
    prefixes: Chunked<(u64, u64)>,
    /// (index, term) → prefix hash for entries of other terms at an index (rare: entries that
    /// were overwritten).
    other_prefixes: BTreeMap<(u64, u64), u64>,
    /// Committed entries, from index 1, with the term in which each was first seen committed.
    committed: Chunked<(Entry, u64)>,
    /// The latest configuration among the committed entries (0: the initial one).
    committed_config: u64,
    /// The last (term, members) reported by config-one-change, reported once.
    config_reported: Option<(u64, u64)>,
    /// The command first applied at each index, from index 1, and by whom.
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
    let names: Vec<String> = (0..64)
        .filter(|i| m & (1u64 << i) != 0)
        .map(|i| format!("n{}", i + 1))
        .collect();
    format!("{{{}}}", names.join(","))
}

impl Monitor {
    /// The prefix hash first seen for the entry of `term` at `index` (1-based).
    fn prefix(&self, index: u64, term: u64) -> Option<u64> {
        match self.prefixes.get(index as usize - 1) {
            Some(&(t, h)) if t == term => Some(h),
            Some(_) => self.other_prefixes.get(&(index, term)).copied(),
            None => None,
        }
    }

    /// How many entries are known committed.
    pub fn committed(&self) -> u64 {
        self.committed.len() as u64
    }

    pub(super) fn check(
        &mut self,
        now: Time,
        node: NodeId,
        nodes: &[Raft],
    ) -> Vec<(&'static str, String)> {
        if self.seen.len() < nodes.len() {
            self.seen.resize(nodes.len(), Seen::default());
        }
        let mut out = Vec::new();
        let r = &nodes[node];
        self.check_log_matching(node, r, &mut out);
        let new_leader = self.check_election(now, node, r, &mut out);
        if new_leader {
            self.check_new_leader(node, r, &mut out);
        }
        self.record_commits(now, node, nodes, &mut out);
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
        if seen.truncations != r.truncations {
            seen.truncations = r.truncations;
            if r.truncated_to < seen.hashed {
                seen.hashed = r.truncated_to;
                seen.hash = match r.truncated_to {
                    0 => 0,
                    i => {
                        let t = r.term_at(i);
                        self.prefix(i, t).unwrap_or(0)
                    }
                };
            }
        }
        let len = r.log.len() as u64;
        debug_assert!(seen.hashed <= len, "logs only shrink by truncation");
        if seen.hashed > len {
            // Cannot happen; in a release build, start over to stay correct.
            seen.hashed = 0;
            seen.hash = 0;
        }
        // Every index a node hashed got a prefix entry, so the walk below starts inside (or
        // right at the end of) the history.
        debug_assert!(seen.hashed as usize <= self.prefixes.len());
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
        // Indices seen before: compare with the first log seen to hold that index, walking
        // both by slices; entries of another term at an index are looked up after.
        let (from, known) = (
            seen.hashed as usize,
            (len as usize).min(self.prefixes.len()),
        );
        // (Both vectors have the same leaf boundaries, so their slices pair up exactly.)
        let mut other_terms = Vec::new();
        let firsts = self.prefixes.slices(from, known);
        for (mine, first) in r.log.slices(from, known).zip(firsts) {
            for (e, &(term, hash)) in mine.iter().zip(first) {
                seen.hashed += 1;
                seen.hash = chain(seen.hash, e);
                if term != e.term {
                    other_terms.push((seen.hashed, e.term, seen.hash));
                } else if hash != seen.hash {
                    out.push(mismatch(seen.hashed, e.term));
                }
            }
        }
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
        for part in r.log.slices(seen.hashed as usize, len as usize) {
            for e in part {
                seen.hashed += 1;
                seen.hash = chain(seen.hash, e);
                self.prefixes.push((e.term, seen.hash));
            }
        }
        self.seen[node] = seen;
    }

    /// Leader completeness for a new leader: its log holds every entry committed in an
    /// earlier term.
    fn check_new_leader(&mut self, node: NodeId, r: &Raft, out: &mut Vec<(&'static str, String)>) {
        for (i, (e, term)) in self.committed.iter().enumerate() {
            if *term < r.current_term && r.log.get(i) != Some(e) {
                out.push((
                    "leader-completeness",
                    format!(
                        "n{} leads term {} without committed entry {} ({})",
                        node + 1,
                        r.current_term,
                        i + 1,
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
        if r.commit_index <= from {
            return;
        }
        self.last_commit = Some(now);
        // Leaders of later terms must already hold what is committed now (usually none).
        let later: Vec<(NodeId, &Raft)> = nodes
            .iter()
            .enumerate()
            .filter(|(_, o)| o.role == Role::Leader && o.current_term > r.current_term)
            .collect();
        let mut i = from as usize;
        for part in r.log.slices(from as usize, r.commit_index as usize) {
            for &e in part {
                self.committed.push((e, r.current_term));
                if let Some(m) = e.members() {
                    self.committed_config = m;
                }
                for &(l, other) in &later {
                    if other.log.get(i) != Some(&e) {
                        out.push((
                            "leader-completeness",
                            format!(
                                "entry {} ({}) committed in term {} is missing from n{}, \
                                 leader of term {}",
                                i + 1,
                                show(&e),
                                r.current_term,
                                l + 1,
                                other.current_term
                            ),
                        ));
                    }
                }
                i += 1;
            }
        }
    }

    /// State-machine safety: what the node applied since the last check equals what any node
    /// applied first at those indices.
    fn check_applied(&mut self, node: NodeId, r: &Raft, out: &mut Vec<(&'static str, String)>) {
        let seen = &mut self.seen[node];
        if r.last_applied < seen.applied {
            // A crash: the node re-applies from the start.
            seen.applied = r.last_applied;
        }
        let from = seen.applied as usize;
        let until = (r.last_applied as usize).min(r.log.len()).max(from);
        if until == from {
            return;
        }
        // Every index a node applied got an entry, so `from` is inside the history (or at
        // its end), and the new ones below are pushed at their own indices.
        debug_assert!(from <= self.applied.len());
        let known = until.min(self.applied.len()).max(from);
        // Indices some node applied before: the same command, walking both by slices (they
        // have the same leaf boundaries).
        let mut i = from;
        let firsts = self.applied.slices(from, known);
        for (mine, first) in r.log.slices(from, known).zip(firsts) {
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
        }
        // Indices applied here first.
        for part in r.log.slices(known, until) {
            for &e in part {
                self.applied.push((e, node));
            }
        }
        seen.applied = until as u64;
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

#[cfg(test)]
mod tests {
    //! The checker proven able to fail on each property, from hand-made node states (the
    //! integration tests reach some of them only through broken protocol variants).
    use super::*;
    use crate::labs::coordination::raft::Config;
    use crate::sim::Protocol;

    fn nodes(logs: &[&[(u64, u64)]]) -> Vec<Raft> {
        logs.iter()
            .enumerate()
            .map(|(id, log)| {
                let mut r = <Raft as Protocol>::new(id, logs.len(), &Config::default());
                r.log = log.iter().map(|&(t, c)| Entry::write(t, c)).collect();
                r.current_term = log.last().map_or(0, |e| e.0);
                r
            })
            .collect()
    }

    fn check_all(m: &mut Monitor, ns: &[Raft]) -> Vec<&'static str> {
        (0..ns.len())
            .flat_map(|i| m.check(0, i, ns))
            .map(|(inv, _)| inv)
            .collect()
    }

    #[test]
    fn log_matching_fails_on_equal_entries_after_different_prefixes() {
        // Entry 2 of term 2 on both, but entry 1 is of another term: the logs do not match.
        let mut ns = nodes(&[&[(1, 10), (2, 20)], &[(2, 11), (2, 20)]]);
        let mut m = Monitor::default();
        assert_eq!(check_all(&mut m, &ns), ["log-matching"]);
        // Logs that agree pass, also when they grow by slices across leaves and pages, and an
        // entry of another term at a known index is looked up on its own.
        let long: Vec<(u64, u64)> = (0..5000).map(|i| (1 + i / 2000, i)).collect();
        ns = nodes(&[&long, &long[..4097], &long[..64]]);
        let mut m = Monitor::default();
        assert!(check_all(&mut m, &ns).is_empty());
        let mut forked = long[..4097].to_vec();
        forked.push((9, 1));
        forked.push((9, 2));
        ns[1] = nodes(&[&forked])[0].clone();
        ns[1].id = 1;
        assert!(check_all(&mut m, &ns).is_empty());
        // Entry 4099 of term 9 again, after another entry 4098 (of term 8): caught.
        forked[4097] = (8, 7);
        ns[2] = nodes(&[&forked])[0].clone();
        ns[2].id = 2;
        assert_eq!(check_all(&mut m, &ns), ["log-matching"]);
    }

    #[test]
    fn log_matching_resumes_after_a_truncation_and_still_fails() {
        // n1 holds 100 entries of term 1; n2 holds the same first 60 and then is cut back to
        // 50 (a truncation) and regrows with entries of term 9.
        let base: Vec<(u64, u64)> = (0..100).map(|i| (1, i)).collect();
        let mut ns = nodes(&[&base, &base[..60]]);
        let mut m = Monitor::default();
        assert!(check_all(&mut m, &ns).is_empty());
        let mut regrown = base[..50].to_vec();
        regrown.extend((0..20).map(|i| (9, 500 + i)));
        ns[1].log = regrown.iter().map(|&(t, c)| Entry::write(t, c)).collect();
        ns[1].truncations = 1;
        ns[1].truncated_to = 50;
        assert!(check_all(&mut m, &ns).is_empty(), "a consistent regrowth");
        // n3 holds entry 60 of term 9 too, but after a different entry 51: caught at 60 only
        // if the checker resumed n2's hashing from the right prefix.
        let mut other = base[..50].to_vec();
        other.push((8, 1));
        other.extend((1..10).map(|i| (9, 500 + i)));
        ns.push(nodes(&[&other])[0].clone());
        let found = check_all(&mut m, &ns);
        assert!(
            !found.is_empty() && found.iter().all(|v| *v == "log-matching"),
            "{found:?}"
        );
        // A fresh node holding n2's log, hashed from its start, agrees with what the checker
        // resumed for n2 (a wrong resume point would make them differ).
        let mut fresh = nodes(&[&regrown])[0].clone();
        fresh.id = 3;
        ns.push(fresh);
        assert!(m.check(0, 3, &ns).is_empty());
    }

    #[test]
    fn state_machine_safety_fails_on_different_commands_applied_at_one_index() {
        let mut ns = nodes(&[&[(1, 10), (1, 20)], &[(1, 10), (1, 21)]]);
        for r in &mut ns {
            r.last_applied = 2;
        }
        let mut m = Monitor::default();
        let found = check_all(&mut m, &ns);
        assert!(found.contains(&"state-machine-safety"), "{found:?}");
        // Applying the same commands passes.
        let mut ns = nodes(&[&[(1, 10), (1, 20)], &[(1, 10), (1, 20)]]);
        for r in &mut ns {
            r.last_applied = 2;
        }
        assert!(check_all(&mut Monitor::default(), &ns).is_empty());
    }

    #[test]
    fn leader_completeness_and_election_safety_fail() {
        // n1 commits entry 1 in term 1; n2 then leads term 2 without it.
        let mut ns = nodes(&[&[(1, 10)], &[]]);
        ns[0].commit_index = 1;
        let mut m = Monitor::default();
        assert!(check_all(&mut m, &ns).is_empty());
        ns[1].role = Role::Leader;
        ns[1].current_term = 2;
        assert_eq!(check_all(&mut m, &ns), ["leader-completeness"]);
        // Two leaders of one term.
        let mut ns = nodes(&[&[(3, 1)], &[(3, 1)]]);
        for r in &mut ns {
            r.role = Role::Leader;
        }
        assert_eq!(check_all(&mut Monitor::default(), &ns), ["election-safety"]);
    }
}

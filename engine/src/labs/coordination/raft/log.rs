//! A Raft server's log with its snapshot (the Raft paper's §7, Ongaro's dissertation ch. 5):
//! the entries after the snapshot's last included index, and the snapshot itself (last
//! included index and term, the key-value state and the configuration as of that index).
//!
//! Entries keep their Raft index (1-based) everywhere in the API: entry `i` is there for
//! `snapshot.index < i <= last_index()`; those the snapshot covers are gone. A log without a
//! snapshot has `snapshot.index == 0`. Ranges are written `(after, until]` as in Raft's own
//! bookkeeping (`lastApplied`, `commitIndex`): `slices(3, 5)` is entries 4 and 5.
//!
//! As raft-rs keeps `RaftLog` apart from the protocol, this module knows nothing of messages or
//! roles; the protocol decides when to compact ([`RaftLog::compact`]) and what to install
//! ([`RaftLog::install`]).

use super::{Chunked, Entry, KEYS};

/// The state a snapshot holds: what applying entries `1..=index` gives.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The last included index and its term (0 and 0: no snapshot).
    pub index: u64,
    pub term: u64,
    /// The key-value state machine after entry `index`.
    pub kv: [u64; KEYS as usize],
    /// The latest configuration entry at or before `index` (0: none, the initial one) and its
    /// members (bit mask).
    pub config_index: u64,
    pub members: u64,
}

impl Snapshot {
    /// No snapshot yet: nothing applied, the initial configuration.
    pub fn empty(initial_members: u64) -> Snapshot {
        Snapshot {
            index: 0,
            term: 0,
            kv: [0; KEYS as usize],
            config_index: 0,
            members: initial_members,
        }
    }

    /// This state with `e`, entry `index`, applied.
    pub fn apply(&mut self, index: u64, e: &Entry) {
        match e.members() {
            Some(m) => {
                self.config_index = index;
                self.members = m;
            }
            None => self.kv[e.key() as usize] = e.value(),
        }
        self.index = index;
        self.term = e.term;
    }
}

/// The log: a snapshot and the entries after it.
#[derive(Clone, Debug, PartialEq)]
pub struct RaftLog {
    snapshot: Snapshot,
    /// Entry `snapshot.index + 1 + i` is `entries[i]`.
    entries: Chunked<Entry>,
}

impl RaftLog {
    /// An empty log, no snapshot, the initial configuration `initial_members`.
    pub fn new(initial_members: u64) -> RaftLog {
        RaftLog {
            snapshot: Snapshot::empty(initial_members),
            entries: Chunked::new(),
        }
    }

    /// A log holding `entries` from index 1 (for tests).
    pub fn from_entries(initial_members: u64, entries: impl IntoIterator<Item = Entry>) -> Self {
        RaftLog {
            snapshot: Snapshot::empty(initial_members),
            entries: entries.into_iter().collect(),
        }
    }

    #[inline]
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The first index the log holds an entry for (one past the snapshot).
    #[inline]
    pub fn first_index(&self) -> u64 {
        self.snapshot.index + 1
    }

    /// The last index, covered by the snapshot or held (0: empty).
    #[inline]
    pub fn last_index(&self) -> u64 {
        self.snapshot.index + self.entries.len() as u64
    }

    /// The term of the last index (the snapshot's if no entry follows it).
    #[inline]
    pub fn last_term(&self) -> u64 {
        self.entries.last().map_or(self.snapshot.term, |e| e.term)
    }

    /// How many entries the log holds after its snapshot.
    pub fn stored(&self) -> usize {
        self.entries.len()
    }

    /// Entry `index`, if the log holds it (not compacted, not beyond the end).
    #[inline]
    pub fn get(&self, index: u64) -> Option<&Entry> {
        let i = index.checked_sub(self.first_index())?;
        self.entries.get(usize::try_from(i).ok()?)
    }

    /// The term of entry `index`, if known: 0 for index 0, the snapshot's term for its last
    /// included index, the entry's otherwise; `None` if compacted away or beyond the end.
    #[inline]
    pub fn term(&self, index: u64) -> Option<u64> {
        if index == self.snapshot.index {
            Some(self.snapshot.term)
        } else {
            self.get(index).map(|e| e.term)
        }
    }

    /// Position in `entries` of the entry after index `after` (clamped to the held ones).
    #[inline]
    fn pos(&self, after: u64) -> usize {
        after.saturating_sub(self.snapshot.index) as usize
    }

    /// Entries `(after, until]` that the log holds, as consecutive slices.
    #[inline]
    pub fn slices(&self, after: u64, until: u64) -> impl Iterator<Item = &[Entry]> + '_ {
        self.entries.slices(self.pos(after), self.pos(until))
    }

    /// Entries `(after, until]` that the log holds, one by one.
    pub fn iter_range(&self, after: u64, until: u64) -> impl Iterator<Item = &Entry> + '_ {
        self.entries.iter_range(self.pos(after), self.pos(until))
    }

    /// Entries `(after, until]` that the log holds, copied.
    pub fn range(&self, after: u64, until: u64) -> Vec<Entry> {
        self.entries.range(self.pos(after), self.pos(until))
    }

    /// The held entries with their indices.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Entry)> + '_ {
        (self.first_index()..).zip(self.entries.iter())
    }

    pub fn push(&mut self, e: Entry) {
        self.entries.push(e);
    }

    pub fn extend_from_slice(&mut self, es: &[Entry]) {
        self.entries.extend_from_slice(es);
    }

    /// Keeps the entries up to index `index` (never cuts into the snapshot).
    pub fn truncate_after(&mut self, index: u64) {
        self.entries.truncate(self.pos(index));
    }

    /// The snapshot through index `k` (at or after the current snapshot, at most the last
    /// index): the current one with entries `(snapshot.index, k]` applied.
    pub fn snapshot_through(&self, k: u64) -> Snapshot {
        let mut s = self.snapshot.clone();
        let mut i = s.index;
        for part in self.slices(s.index, k) {
            for e in part {
                i += 1;
                s.apply(i, e);
            }
        }
        s
    }

    /// Replaces the snapshot by a later one of this log's own entries (`snapshot.index` at most
    /// the last index) and discards the entries it covers.
    pub fn compact(&mut self, snapshot: Snapshot) {
        let keep = self.pos(snapshot.index);
        let mut rest = Chunked::new();
        for part in self.entries.slices(keep, usize::MAX) {
            rest.extend_from_slice(part);
        }
        self.entries = rest;
        self.snapshot = snapshot;
    }

    /// Installs a snapshot from the leader (figure 13's receiver steps 5–7): if the log holds
    /// an entry at the snapshot's last included index with its term, the entries after it are
    /// kept (`keep_suffix` keeps them whatever that entry is: test-only breakage); otherwise
    /// the whole log is discarded. Returns whether entries were kept.
    pub fn install(&mut self, snapshot: Snapshot, keep_suffix: bool) -> bool {
        let k = snapshot.index;
        let keep = k <= self.last_index()
            && k > self.snapshot.index
            && (keep_suffix || self.term(k) == Some(snapshot.term));
        if keep {
            self.compact(snapshot);
        } else {
            self.entries = Chunked::new();
            self.snapshot = snapshot;
        }
        keep
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(terms: &[u64]) -> RaftLog {
        RaftLog::from_entries(
            0b111,
            terms
                .iter()
                .enumerate()
                .map(|(i, &t)| Entry::write(t, 8 * (i as u64 + 1) + i as u64 % 8)),
        )
    }

    #[test]
    fn indices_survive_compaction() {
        let mut l = log(&[1, 1, 2, 2, 3]);
        assert_eq!((l.first_index(), l.last_index(), l.last_term()), (1, 5, 3));
        assert_eq!(l.term(0), Some(0));
        let s = l.snapshot_through(3);
        assert_eq!((s.index, s.term), (3, 2));
        // Entries 1..3 wrote keys 0..2 with values 1..3.
        assert_eq!(&s.kv[..4], &[1, 2, 3, 0]);
        l.compact(s);
        assert_eq!((l.first_index(), l.last_index(), l.stored()), (4, 5, 2));
        assert_eq!((l.get(3), l.term(3), l.term(2)), (None, Some(2), None));
        assert_eq!(l.get(4).map(|e| e.term), Some(2));
        assert_eq!(l.range(0, 9).len(), 2);
        assert_eq!(l.iter().map(|(i, _)| i).collect::<Vec<_>>(), [4, 5]);
        l.truncate_after(4);
        assert_eq!(l.last_index(), 4);
        l.truncate_after(1);
        assert_eq!((l.last_index(), l.last_term()), (3, 2));
        l.push(Entry::write(4, 9));
        assert_eq!((l.last_index(), l.last_term()), (4, 4));
        // A later snapshot continues from the earlier one's state.
        let s = l.snapshot_through(4);
        assert_eq!((s.index, s.kv[1]), (4, 1));
    }

    #[test]
    fn install_keeps_a_consistent_suffix_only() {
        let leader = log(&[1, 1, 2, 2, 2, 2]).snapshot_through(4);
        // The follower holds entry 4 of term 2: it keeps 5 and 6.
        let mut f = log(&[1, 1, 2, 2, 2, 2]);
        assert!(f.install(leader.clone(), false));
        assert_eq!((f.first_index(), f.last_index()), (5, 6));
        // Its entry 4 is of another term: everything goes.
        let mut g = log(&[1, 1, 3, 3, 3, 3]);
        assert!(!g.install(leader.clone(), false));
        assert_eq!((g.first_index(), g.last_index(), g.last_term()), (5, 4, 2));
        // The broken switch keeps the conflicting suffix.
        let mut h = log(&[1, 1, 3, 3, 3, 3]);
        assert!(h.install(leader.clone(), true));
        assert_eq!(
            (h.last_index(), h.term(4), h.term(5)),
            (6, Some(2), Some(3))
        );
        // A log ending right at that entry, with its term, keeps its (empty) suffix.
        let mut e = log(&[1, 1, 2, 2]);
        assert!(e.install(leader.clone(), false));
        assert_eq!((e.first_index(), e.last_index()), (5, 4));
        // A short log is replaced.
        let mut s = log(&[1]);
        assert!(!s.install(leader, false));
        assert_eq!((s.last_index(), s.stored()), (4, 0));
    }
}

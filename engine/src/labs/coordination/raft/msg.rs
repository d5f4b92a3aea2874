//! Raft's log entries and messages, with their trace encoding and inspector fields.

use super::{kv_text, members_text, Snapshot, KEYS};
use crate::sim::{Message, TraceHasher};

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
    /// The leader's snapshot, for a follower whose `nextIndex` is at or below its last
    /// included index (figure 13, in one chunk). Boxed: it is rare and larger than the rest,
    /// and every message recorded in the history has the size of the largest.
    InstallSnapshot {
        term: u64,
        snapshot: Box<Snapshot>,
    },
    /// The answer to AppendEntries and InstallSnapshot. On success `index` is the follower's
    /// match index (the last entry it now shares with the leader; after a snapshot, its last
    /// included index); on failure it is the `prevLogIndex` it rejected, so the leader walks back
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
            Msg::InstallSnapshot { .. } => "InstallSnapshot",
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
            Msg::InstallSnapshot { term, snapshot } => {
                let s = snapshot;
                for v in [7, *term, s.index, s.term, s.config_index, s.members] {
                    h.u64(v);
                }
                for v in s.kv {
                    h.u64(v);
                }
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        match self {
            Msg::AppendEntries { entries, .. } => entries.capacity() * std::mem::size_of::<Entry>(),
            Msg::InstallSnapshot { .. } => std::mem::size_of::<Snapshot>(),
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
            Msg::InstallSnapshot { term, snapshot } => vec![
                ("term", term.to_string()),
                ("lastIncludedIndex", snapshot.index.to_string()),
                ("lastIncludedTerm", snapshot.term.to_string()),
                ("state", kv_text(&snapshot.kv)),
                ("configuration", members_text(snapshot.members)),
            ],
        }
    }
}

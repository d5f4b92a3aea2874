//! Raft's log compaction (the paper's §7, the dissertation's ch. 5) on the protocol's side:
//! when a server snapshots its state machine, the leader's InstallSnapshot to a follower whose
//! `nextIndex` fell into the leader's snapshot, and the follower installing it (figure 13).
//! The log and snapshot themselves are in `log.rs`.

use super::{Msg, Raft, Snapshot};
use crate::sim::Ctx;
use crate::NodeId;

impl Raft {
    /// Takes a snapshot if one is due: once the log holds `2 * snapshot_every` applied
    /// entries after the snapshot, a new one covers all of them but the newest
    /// `snapshot_every` (the trail for followers slightly behind). Called at the start of each
    /// event, so a snapshot never covers entries applied in the same event: the checker has
    /// seen them committed first.
    pub(super) fn compact_if_due(&mut self, ctx: &mut Ctx<Self>) {
        let every = self.cfg.snapshot_every;
        if every == 0 {
            return;
        }
        let base = self.log.snapshot().index;
        let through = if self.cfg.broken_compact_uncommitted {
            // Test only: the whole log, committed or not.
            let last = self.log.last_index();
            if last < base + 2 * every {
                return;
            }
            last
        } else {
            if self.last_applied < base + 2 * every {
                return;
            }
            self.last_applied - every
        };
        let snapshot = self.log.snapshot_through(through);
        if through > self.last_applied {
            // Only the broken variant gets here: it applied what it snapshotted.
            self.kv = snapshot.kv;
            self.last_applied = through;
        }
        self.log.compact(snapshot);
        ctx.note("raft.snapshot", through);
    }

    /// Leader: sends its snapshot to a follower whose `nextIndex` is at or below the snapshot's
    /// last included index (the entries it needs are gone). Like AppendEntries it goes again
    /// with every heartbeat until the follower's answer moves `nextIndex` past it.
    pub(super) fn send_snapshot(&self, to: NodeId, ctx: &mut Ctx<Self>) {
        ctx.send(
            to,
            Msg::InstallSnapshot {
                term: self.current_term,
                snapshot: Box::new(self.log.snapshot().clone()),
            },
        );
    }

    /// A follower's side of InstallSnapshot of its current term (figure 13, receiver steps
    /// 5–8): a snapshot no further than what this node has committed changes nothing; any
    /// other replaces the log's prefix (keeping the entries after it only if the log holds the
    /// last included entry with its term), resets the state machine and the configuration,
    /// and commits through the last included index. The answer is an AppendReply matching up
    /// to that index.
    pub(super) fn install_snapshot(&mut self, snapshot: Snapshot, ctx: &mut Ctx<Self>) -> Msg {
        let k = snapshot.index;
        if k > self.commit_index {
            self.kv = snapshot.kv;
            let kept = self
                .log
                .install(snapshot, self.cfg.broken_snapshot_keeps_suffix);
            // The entries after `k`, if any were kept, now follow the snapshot's prefix.
            self.resets += 1;
            self.reset_to = k;
            self.commit_index = k;
            self.last_applied = k;
            self.reload_config(self.log.last_index());
            ctx.note(
                if kept {
                    "raft.install_snapshot_keep"
                } else {
                    "raft.install_snapshot"
                },
                k,
            );
        }
        Msg::AppendReply {
            term: self.current_term,
            success: true,
            index: k,
            log_len: self.log.last_index(),
        }
    }
}

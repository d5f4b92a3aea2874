//! Raft's membership changes (single-server, the dissertation's §4.1): the configuration a
//! node derives from its log, whom a leader replicates to, and the `add` and `remove`
//! commands with their one-change-at-a-time rule.

use super::{bit, Entry, Raft, Role, Timer};
use crate::sim::Ctx;
use crate::NodeId;

impl Raft {
    /// Re-reads the latest configuration entry of the log, looking back from index `from`
    /// (after a truncation, an append of configuration entries or an installed snapshot); the
    /// snapshot's configuration counts as the one as of its last included index.
    pub(super) fn reload_config(&mut self, from: u64) {
        let snapshot = self.log.snapshot();
        let (base_index, base) = (snapshot.config_index, snapshot.members);
        let mut latest = None;
        let mut i = from.min(self.log.last_index());
        while i >= self.log.first_index() {
            if let Some(m) = self.log.get(i).and_then(Entry::members) {
                if latest.is_some() {
                    self.old_members = m;
                    return;
                }
                latest = Some(i);
                self.config_index = i;
                self.members = m;
            }
            i -= 1;
        }
        // No configuration entry in the log before the latest (or none at all): the snapshot's
        // (the initial one if it has none) comes before.
        if latest.is_none() {
            self.config_index = base_index;
            self.members = base;
        }
        self.old_members = base;
    }

    /// Whether a leader sends AppendEntries to node `i`: the members, and while the latest
    /// configuration is uncommitted also those of the one before.
    pub(super) fn replicates_to(&self, i: NodeId) -> bool {
        i != self.id
            && (self.is_member_node(i)
                || (self.config_index > self.commit_index && self.old_members & bit(i) != 0))
    }

    /// Leader: why a membership change cannot start now (a note key), if it cannot: one
    /// change at a time (the previous configuration entry must be committed), and only once
    /// an entry of this term is committed (so that no older leader's uncommitted change can
    /// still take effect; the single-server change correction on raft-dev, 2015).
    pub(super) fn config_refusal(&self) -> Option<&'static str> {
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
    pub(super) fn change_config(&mut self, members: u64, ctx: &mut Ctx<Self>) {
        self.log.push(Entry {
            term: self.current_term,
            command: 0,
            config: members,
        });
        self.config_index = self.log.last_index();
        self.old_members = self.members;
        self.members = members;
        ctx.note("raft.config", u64::from(members.count_ones()));
        // A node just added starts where its log ends (the reply's log_len tells the leader).
        self.replicate_now(ctx);
    }

    /// Leader: the `add` command: the lowest node outside the configuration joins.
    pub(super) fn add_server(&mut self, ctx: &mut Ctx<Self>) {
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
    pub(super) fn remove_server(&mut self, who: NodeId, ctx: &mut Ctx<Self>) {
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
    pub(super) fn leave_if_removed(&mut self, ctx: &mut Ctx<Self>) {
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
}

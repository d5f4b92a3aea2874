//! Raft's membership changes (single-server, the dissertation's §4.1): the configuration a
//! node derives from its log, whom a leader replicates to, and the `add` and `remove`
//! commands with their one-change-at-a-time rule.

use super::{bit, Entry, Raft, Role, Timer};
use crate::sim::Ctx;
use crate::NodeId;

impl Raft {
    /// Re-reads the latest configuration entry of the log, looking back from `from` entries
    /// (after a truncation or an append of configuration entries).
    pub(super) fn reload_config(&mut self, from: u64) {
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
        self.config_index = self.log.len() as u64;
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

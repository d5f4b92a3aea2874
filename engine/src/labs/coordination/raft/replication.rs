//! Raft's log replication (§5.3) and commit (§5.4.2): client writes on the leader,
//! AppendEntries and the follower's consistency check, the nextIndex walk-back, and the
//! commit rule.

use super::{Entry, Msg, Raft, Role, Timer, BATCH, KEYS};
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

impl Raft {
    /// The client timer's period when writes come one by one: when they are no more frequent
    /// than heartbeats. Faster writes are appended in batches at each heartbeat instead (as a
    /// leader batches requests; they would wait for that heartbeat anyway).
    pub(super) fn client_timer(&self) -> Option<Time> {
        let period = (1_000 * MS).checked_div(self.cfg.clients)?;
        (period >= self.cfg.heartbeat).then_some(period)
    }

    /// Appends the `clients` writes due since the leader took office (batched mode).
    pub(super) fn client_writes_due(&mut self, ctx: &mut Ctx<Self>) {
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
    /// [`BATCH`]), or none as a plain heartbeat; InstallSnapshot instead if the entry before
    /// `nextIndex` is compacted away.
    pub(super) fn send_append(&self, to: NodeId, ctx: &mut Ctx<Self>) {
        if self.next_index[to] <= self.log.snapshot().index {
            self.send_snapshot(to, ctx);
            return;
        }
        let last = self.log.last_index();
        let prev_log_index = self.next_index[to].saturating_sub(1).min(last);
        let until = (prev_log_index + BATCH as u64).min(last);
        ctx.send(
            to,
            Msg::AppendEntries {
                term: self.current_term,
                prev_log_index,
                prev_log_term: self.term_at(prev_log_index),
                entries: self.log.range(prev_log_index, until),
                leader_commit: self.commit_index,
            },
        );
    }

    pub(super) fn send_heartbeats(&mut self, ctx: &mut Ctx<Self>) {
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
    pub(super) fn client_write(&mut self, now: bool, ctx: &mut Ctx<Self>) {
        let command = ctx.random_between(KEYS, 1_000 * KEYS - 1);
        self.log.push(Entry::write(self.current_term, command));
        if now {
            self.replicate_now(ctx);
        }
    }

    /// Leader: sends the entry just appended to every member waiting for it.
    pub(super) fn replicate_now(&mut self, ctx: &mut Ctx<Self>) {
        self.advance_commit(ctx);
        if self.role != Role::Leader {
            return;
        }
        for to in 0..self.n {
            if self.replicates_to(to) && self.next_index[to] == self.log.last_index() {
                self.send_append(to, ctx);
            }
        }
    }

    /// Leader: commits the highest index a majority holds, if its entry is of this term.
    pub(super) fn advance_commit(&mut self, ctx: &mut Ctx<Self>) {
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
                self.log.last_index()
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
    pub(super) fn apply_committed(&mut self) {
        let (from, until) = (self.last_applied, self.commit_index);
        for part in self.log.slices(from, until) {
            for e in part.iter().filter(|e| e.config == 0) {
                self.kv[e.key() as usize] = e.value();
            }
            self.last_applied += part.len() as u64;
        }
    }

    /// A refused AppendEntries (a stale term, or logs that disagree at `index`): the reply
    /// carries this node's log length so the leader can jump back to its end.
    pub(super) fn refuse_append(&self, index: u64) -> Msg {
        Msg::AppendReply {
            term: self.current_term,
            success: false,
            index,
            log_len: self.log.last_index(),
        }
    }

    /// A follower's side of AppendEntries, for a message of its current term.
    pub(super) fn accept_entries(
        &mut self,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
    ) -> Msg {
        let matched = prev_log_index + entries.len() as u64;
        // Entries up to the snapshot's last included index are committed and so equal the
        // leader's: check consistency at that index instead, against the message's own entry.
        let snapshot = (self.log.snapshot().index, self.log.snapshot().term);
        let (prev, prev_term, entries) = match snapshot.0.checked_sub(prev_log_index) {
            Some(skip) if skip > 0 => match entries.get(skip as usize - 1) {
                Some(at_snapshot) => (snapshot.0, at_snapshot.term, &entries[skip as usize..]),
                None => (snapshot.0, snapshot.1, &entries[..0]),
            },
            _ => (prev_log_index, prev_log_term, &entries[..]),
        };
        let consistent = prev <= self.log.last_index() && self.term_at(prev) == prev_term;
        if !consistent {
            return self.refuse_append(prev_log_index);
        }
        // Entries the follower already holds (same index and term) are skipped; the first one
        // that conflicts goes with everything after it (§5.3), and the rest are appended.
        let held = entries
            .iter()
            .zip(prev + 1..)
            .take_while(|(e, i)| self.log.get(*i).is_some_and(|have| have.term == e.term))
            .count();
        let new = &entries[held..];
        let at = prev + held as u64; // the last index kept
        let mut reload = new.iter().any(|e| e.config != 0);
        if !new.is_empty() && at < self.log.last_index() {
            self.log.truncate_after(at);
            self.resets += 1;
            self.reset_to = at;
            if self.config_index > at {
                // The configuration entry went with it.
                reload = true;
            }
        }
        self.log.extend_from_slice(new);
        if reload {
            self.reload_config(self.log.last_index());
        }
        // A message wholly inside the snapshot still tells that the logs match through it.
        let matched = matched.max(prev);
        if leader_commit > self.commit_index {
            self.commit_index = self.commit_index.max(leader_commit.min(matched));
            self.apply_committed();
        }
        Msg::AppendReply {
            term: self.current_term,
            success: true,
            index: matched,
            log_len: self.log.last_index(),
        }
    }

    /// The leader's side of an AppendEntries reply of its term.
    pub(super) fn on_append_reply(
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
                if self.log.last_index().saturating_sub(index) >= BATCH as u64 {
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
}

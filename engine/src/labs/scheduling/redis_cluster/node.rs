//! A cluster node's bus: PING/PONG every `ping` ms with its claims and its suspects, PFAIL
//! after `node_timeout` of silence, FAIL when a majority of masters report the node down
//! (recently), the replica's election (one vote per master per epoch, a majority wins), the
//! promotion with the election's epoch as config epoch, slot claims applied by epoch, and a
//! master that lost all its slots turning replica of their new owner.

use super::msg::Gossip;
use super::{Election, Flag, Msg, RedisCluster, Timer};
use crate::sim::Ctx;
use crate::{NodeId, Time};

impl RedisCluster {
    /// A master's `node_timeout` equals two `ping`s at least, so one late PONG is no PFAIL.
    pub(super) fn node_start(&mut self, ctx: &mut Ctx<Self>) {
        let n = self.cfg.cluster();
        self.last_seen = vec![ctx.now; n];
        self.flags = vec![Flag::Ok; n];
        self.reports = vec![vec![0; n]; n];
        if self.boots > 1 {
            ctx.note("redis-cluster.reloaded", self.data.len() as u64);
        }
        let first = ctx.random_between(1, self.cfg.ping.max(2));
        ctx.set_timer(Timer::Gossip, first);
        if let Some(m) = self.replica_of {
            ctx.send(m, Msg::SyncRequest);
        }
        if !self.migrating.is_empty() {
            ctx.set_timer(Timer::Migrate, self.cfg.migrate);
        }
    }

    fn gossip(&self) -> Gossip {
        Gossip {
            current_epoch: self.current_epoch,
            config_epoch: self.config_epoch,
            replica_of: self.replica_of,
            slots: if self.is_master() {
                self.slots.owned_by(self.id)
            } else {
                Vec::new()
            },
            suspects: (0..self.flags.len())
                .filter(|&i| self.flags[i] != Flag::Ok)
                .collect(),
        }
    }

    /// Sends a PONG to every other cluster node (after a change everyone must learn).
    pub(super) fn broadcast_pong(&mut self, ctx: &mut Ctx<Self>) {
        let g = self.gossip();
        for to in (0..self.cfg.cluster()).filter(|&i| i != self.id) {
            ctx.send(to, Msg::Pong(g.clone()));
        }
    }

    pub(super) fn gossip_tick(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timer(Timer::Gossip, self.cfg.ping);
        let g = self.gossip();
        for to in (0..self.cfg.cluster()).filter(|&i| i != self.id) {
            ctx.send(to, Msg::Ping(g.clone()));
        }
        for x in 0..self.flags.len() {
            if x != self.id
                && self.flags[x] == Flag::Ok
                && ctx.now.saturating_sub(self.last_seen[x]) > self.cfg.node_timeout
            {
                self.flags[x] = Flag::PFail;
                ctx.note("redis-cluster.pfail", x as u64 + 1);
                self.try_fail(x, ctx);
            }
        }
        // An importing master keeps asking until the slot is migrated, and asks for a new
        // epoch again if the last request got no majority in time.
        for &(slot, from) in &self.importing {
            ctx.send(from, Msg::Import { slot });
        }
        if let Some(c) = &self.claiming {
            if ctx.now.saturating_sub(c.since) > 2 * self.cfg.node_timeout {
                let (slot, from) = (c.slot, c.from);
                self.ask_epoch(slot, from, ctx);
            }
        }
        self.maybe_schedule_election(ctx);
    }

    /// Masters (owning slots in this node's table).
    fn master_count(&self) -> usize {
        self.slots.masters().len()
    }

    fn owns_slots(&self, node: NodeId) -> bool {
        self.slots.ranges.iter().any(|r| r.owner == node)
    }

    /// PFAIL → FAIL when a majority of masters (this one included, if a master) reported
    /// `x` down within the last 2 × node_timeout.
    fn try_fail(&mut self, x: NodeId, ctx: &mut Ctx<Self>) {
        if self.flags.get(x) != Some(&Flag::PFail) {
            return;
        }
        let valid = 2 * self.cfg.node_timeout;
        let reports = self.reports[x]
            .iter()
            .enumerate()
            .filter(|&(m, &t)| {
                m != x && m != self.id && t > 0 && ctx.now.saturating_sub(t) <= valid
            })
            .filter(|&(m, _)| self.owns_slots(m))
            .count()
            + usize::from(self.is_master() && self.owns_slots(self.id));
        if reports > self.master_count() / 2 {
            self.flags[x] = Flag::Fail;
            ctx.note("redis-cluster.fail", x as u64 + 1);
            for to in (0..self.cfg.cluster()).filter(|&i| i != self.id) {
                ctx.send(to, Msg::Fail { node: x });
            }
            self.maybe_schedule_election(ctx);
        }
    }

    pub(super) fn node_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Ping(g) => {
                self.heard(from, &g, ctx);
                let reply = self.gossip();
                ctx.send(from, Msg::Pong(reply));
            }
            Msg::Pong(g) => self.heard(from, &g, ctx),
            Msg::Fail { node } => {
                if node != self.id && self.flags.get(node).is_some_and(|f| *f != Flag::Fail) {
                    self.flags[node] = Flag::Fail;
                    ctx.note("redis-cluster.fail_heard", node as u64 + 1);
                    self.maybe_schedule_election(ctx);
                }
            }
            Msg::VoteRequest { epoch, master } => self.vote(from, epoch, master, ctx),
            Msg::Vote { epoch } => self.got_vote(from, epoch, ctx),
            m => self.data_msg(from, m, ctx),
        }
    }

    /// A PING or PONG from `from`: it is alive; its epochs, role, claims and suspects.
    fn heard(&mut self, from: NodeId, g: &Gossip, ctx: &mut Ctx<Self>) {
        if from >= self.flags.len() {
            return;
        }
        self.last_seen[from] = ctx.now;
        if self.flags[from] != Flag::Ok {
            self.flags[from] = Flag::Ok;
            ctx.note("redis-cluster.back", from as u64 + 1);
        }
        self.current_epoch = self.current_epoch.max(g.current_epoch);
        self.roles[from] = g.replica_of;
        if g.replica_of.is_none() {
            self.apply_claims(from, g, ctx);
        }
        // Failure reports count only from masters.
        if self.owns_slots(from) {
            for x in 0..self.reports.len() {
                let says = g.suspects.contains(&x);
                self.reports[x][from] = if says { ctx.now } else { 0 };
                if says {
                    self.try_fail(x, ctx);
                }
            }
        }
        // Two masters with one config epoch: the one with the higher id takes a new one.
        if self.is_master()
            && g.replica_of.is_none()
            && g.config_epoch == self.config_epoch
            && from < self.id
        {
            self.current_epoch += 1;
            self.config_epoch = self.current_epoch;
            ctx.note("redis-cluster.epoch_collision", self.config_epoch);
            self.refresh_own_claims();
        }
    }

    /// Claims own slots again at the current config epoch.
    pub(super) fn refresh_own_claims(&mut self) {
        for (a, b) in self.slots.owned_by(self.id) {
            self.slots.claim(a, b, self.id, self.config_epoch);
        }
        self.slots_version += 1;
    }

    /// A master's claims: slots change hands where its epoch is higher.
    fn apply_claims(&mut self, from: NodeId, g: &Gossip, ctx: &mut Ctx<Self>) {
        let had = self.slots.count(self.id);
        let master_had = self.replica_of.map(|m| self.slots.count(m));
        let mut changed = false;
        for &(a, b) in &g.slots {
            for (s, e, prev) in self.slots.claim(a, b, from, g.config_epoch) {
                changed = true;
                ctx.note("redis-cluster.slots_moved", u64::from(e - s) + 1);
                if prev == self.id {
                    self.lose_slots(s, e, ctx);
                }
            }
        }
        if !changed {
            return;
        }
        self.slots_version += 1;
        if self.is_master() && had > 0 && self.slots.count(self.id) == 0 {
            // Its slots went to a higher epoch (its replica, promoted): it follows the winner.
            self.follow(from, ctx);
        } else if let (Some(m), Some(n)) = (self.replica_of, master_had) {
            if n > 0 && self.slots.count(m) == 0 {
                self.follow(from, ctx);
            }
        }
    }

    /// Becomes a replica of `master` and asks it for everything.
    fn follow(&mut self, master: NodeId, ctx: &mut Ctx<Self>) {
        self.replica_of = Some(master);
        self.roles[self.id] = Some(master);
        self.election = None;
        self.migrating.clear();
        self.importing.clear();
        self.in_flight = None;
        ctx.note("redis-cluster.follows", master as u64 + 1);
        ctx.send(master, Msg::SyncRequest);
    }

    /// A replica whose master is FAIL (and still owns slots) schedules its election after a
    /// random delay, as Redis does (500 ms + random 0–500 ms, here scaled to node_timeout).
    pub(super) fn maybe_schedule_election(&mut self, ctx: &mut Ctx<Self>) {
        let Some(m) = self.replica_of else { return };
        if self.election.is_some()
            || self.flags.get(m) != Some(&Flag::Fail)
            || !self.owns_slots(m)
            || self.election_due
        {
            return;
        }
        let half = self.cfg.node_timeout / 2;
        let d = ctx.random_between(half, 2 * half);
        self.election_due = true;
        ctx.set_timer(Timer::Election, d.max(1));
    }

    pub(super) fn start_election(&mut self, ctx: &mut Ctx<Self>) {
        self.election_due = false;
        let Some(m) = self.replica_of else { return };
        if self.flags.get(m) != Some(&Flag::Fail) || !self.owns_slots(m) {
            return;
        }
        self.current_epoch += 1;
        let epoch = self.current_epoch;
        self.election = Some(Election {
            epoch,
            voters: Vec::new(),
        });
        ctx.note("redis-cluster.election", epoch);
        for to in (0..self.cfg.cluster()).filter(|&i| i != self.id) {
            ctx.send(to, Msg::VoteRequest { epoch, master: m });
        }
        ctx.set_timer(Timer::ElectionTimeout, 2 * self.cfg.node_timeout);
    }

    /// A master grants at most one vote per epoch: to a replica of a master it sees FAIL, or
    /// to a master asking for a new epoch for a resharded slot (`master == from`).
    fn vote(&mut self, from: NodeId, epoch: u64, master: NodeId, ctx: &mut Ctx<Self>) {
        self.current_epoch = self.current_epoch.max(epoch);
        if !self.is_master() || !self.owns_slots(self.id) {
            return;
        }
        let who_ok = if master == from {
            self.roles.get(from) == Some(&None)
        } else {
            self.flags.get(master) == Some(&Flag::Fail)
                && self.roles.get(from) == Some(&Some(master))
        };
        let ok = epoch == self.current_epoch && self.last_vote_epoch < epoch && who_ok;
        if ok {
            self.last_vote_epoch = epoch;
            ctx.note("redis-cluster.voted", from as u64 + 1);
            ctx.send(from, Msg::Vote { epoch });
        } else {
            ctx.note("redis-cluster.vote_refused", from as u64 + 1);
        }
    }

    fn got_vote(&mut self, from: NodeId, epoch: u64, ctx: &mut Ctx<Self>) {
        if let Some(c) = self.claiming.as_mut() {
            if c.epoch == epoch && !c.voters.contains(&from) {
                c.voters.push(from);
                self.maybe_finish_claim(ctx);
            }
            return;
        }
        let needed = self.master_count() / 2 + 1;
        let Some(e) = self.election.as_mut() else {
            return;
        };
        if e.epoch != epoch || e.voters.contains(&from) {
            return;
        }
        e.voters.push(from);
        if e.voters.len() >= needed {
            self.promote(epoch, ctx);
        }
    }

    /// Won: master, with the election's epoch as config epoch, owning its old master's slots.
    fn promote(&mut self, epoch: u64, ctx: &mut Ctx<Self>) {
        let Some(old) = self.replica_of else { return };
        ctx.cancel_timer(Timer::ElectionTimeout);
        self.election = None;
        self.replica_of = None;
        self.roles[self.id] = None;
        let broken = self.cfg.broken_keep_epoch;
        self.config_epoch = if broken {
            self.slots.epoch_of(old)
        } else {
            epoch
        };
        for (a, b) in self.slots.owned_by(old) {
            self.slots.assign(a, b, self.id, self.config_epoch, broken);
        }
        self.slots_version += 1;
        ctx.note("redis-cluster.promoted", epoch);
        self.broadcast_pong(ctx);
    }

    /// Whether `node` was heard within node_timeout (for the views).
    pub fn fresh(&self, node: NodeId, now: Time) -> bool {
        self.last_seen
            .get(node)
            .is_some_and(|&t| now.saturating_sub(t) <= self.cfg.node_timeout)
    }
}

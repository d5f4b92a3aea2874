//! A node's handlers: joining through the seeds, gossip and its merge, the ring's heartbeats
//! and failure detector, and the leader's actions.

use super::gossip::{bit, compare, Gossip, Order, Row, Status};
use super::{ring, ArchAkka, Detector, Msg, Phase, Timer};
use crate::sim::Ctx;
use crate::NodeId;

impl ArchAkka {
    /// Starts joining: the first seed asks the other seeds (or forms the cluster alone); a
    /// seed asks the first seed; an ordinary node asks the seeds in turn.
    pub(super) fn boot(&mut self, ctx: &mut Ctx<Self>) {
        self.g = Gossip::default();
        self.nacks = 0;
        if self.id == 0 {
            if self.cfg.seeds <= 1 {
                self.form(ctx);
                return;
            }
            self.phase = Phase::Asking;
            for s in 1..self.cfg.seeds {
                ctx.send(s, Msg::InitJoin);
            }
            ctx.set_timer(Timer::SeedWait, self.cfg.seed_timeout);
            return;
        }
        let to = if self.is_seed() {
            0
        } else {
            ((self.id as u64 + self.attempts) % self.cfg.seeds as u64) as NodeId
        };
        self.ask(to, ctx);
    }

    fn ask(&mut self, to: NodeId, ctx: &mut Ctx<Self>) {
        self.phase = Phase::Joining { to };
        ctx.note("arch-akka.ask", to as u64 + 1);
        ctx.send(to, Msg::Join { uid: self.uid() });
        ctx.set_timer(Timer::Retry, self.cfg.retry);
    }

    /// The first seed forms a cluster of itself (joining; as its own leader it moves itself
    /// up at its first tick).
    fn form(&mut self, ctx: &mut Ctx<Self>) {
        ctx.cancel_timer(Timer::SeedWait);
        self.g = Gossip {
            vc: vec![0; self.fd.len()],
            ..Gossip::default()
        };
        self.g.set(self.id, self.uid(), Status::Joining);
        self.changed();
        ctx.note("arch-akka.form", self.id as u64 + 1);
        self.become_member(ctx);
    }

    fn become_member(&mut self, ctx: &mut Ctx<Self>) {
        self.phase = Phase::Member;
        ctx.cancel_timer(Timer::Retry);
        ctx.cancel_timer(Timer::SeedWait);
        let g = self.cfg.gossip;
        let first = ctx.random_between(g / 2, g);
        ctx.set_timer(Timer::Gossip, first);
        ctx.set_timer(Timer::Tick, g);
        ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
        self.rewatch(ctx);
    }

    /// This node changed the state: a new version that only it has seen.
    fn changed(&mut self) {
        let n = self.fd.len();
        if self.g.vc.len() < n {
            self.g.vc.resize(n, 0);
        }
        self.vc_own = self.vc_own.max(self.g.vc[self.id]) + 1;
        self.g.vc[self.id] = self.vc_own;
        self.g.seen = bit(self.id);
    }

    fn shut_down(&mut self, ctx: &mut Ctx<Self>) {
        self.phase = Phase::Left;
        for t in [
            Timer::Gossip,
            Timer::Tick,
            Timer::Heartbeat,
            Timer::Retry,
            Timer::Shutdown,
        ] {
            ctx.cancel_timer(t);
        }
        ctx.note("arch-akka.shutdown", self.id as u64 + 1);
    }

    /// After the state changed: shut down if it says this node is down or removed; plan the
    /// shutdown of an exiting one; watch the ring's new neighbours.
    fn after_change(&mut self, ctx: &mut Ctx<Self>) {
        match self.me().map(|m| m.status) {
            Some(Status::Down | Status::Removed) | None => {
                ctx.note("arch-akka.removed_self", self.id as u64 + 1);
                self.shut_down(ctx);
            }
            Some(Status::Exiting) => ctx.set_timer(Timer::Shutdown, 3 * self.cfg.gossip),
            _ => self.rewatch(ctx),
        }
    }

    fn send_gossip(&mut self, to: NodeId, reply: bool, ctx: &mut Ctx<Self>) {
        let Some(m) = self.g.latest(to) else { return };
        let to_uid = m.uid;
        ctx.send(
            to,
            Msg::Gossip {
                from_uid: self.uid(),
                to_uid,
                reply,
                gossip: self.g.clone(),
            },
        );
    }

    pub(super) fn handle(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::InitJoin => {
                let member = self.in_cluster();
                ctx.send(from, Msg::InitJoinReply { member });
            }
            Msg::InitJoinReply { member } if self.phase == Phase::Asking => {
                if member {
                    self.ask(from, ctx);
                } else {
                    self.nacks |= bit(from);
                    let all = (1..self.cfg.seeds).fold(0, |a, s| a | bit(s));
                    if self.nacks & all == all {
                        self.form(ctx);
                    }
                }
            }
            Msg::Join { uid } => self.on_join(from, uid, ctx),
            Msg::Welcome { gossip }
                if matches!(self.phase, Phase::Joining { .. })
                    && gossip.get(self.id, self.uid()).is_some() =>
            {
                self.g = gossip;
                self.g.seen |= bit(self.id);
                ctx.note("arch-akka.joined", from as u64 + 1);
                self.become_member(ctx);
            }
            Msg::Gossip {
                from_uid,
                to_uid,
                reply,
                gossip,
            } => self.on_gossip(from, from_uid, to_uid, reply, gossip, ctx),
            Msg::Heartbeat { to_uid, seq }
                if self.phase == Phase::Member && to_uid == self.uid() =>
            {
                ctx.send(
                    from,
                    Msg::HeartbeatRsp {
                        uid: self.uid(),
                        seq,
                    },
                );
            }
            Msg::HeartbeatRsp { uid, .. } => {
                if self.phase != Phase::Member {
                    return;
                }
                let now = ctx.local_now();
                let Some(d) = self.fd.get_mut(from) else {
                    return;
                };
                if d.watching && d.uid == uid {
                    d.heard = now;
                    if d.marked {
                        d.marked = false;
                        self.mark(from, uid, false);
                        ctx.note("arch-akka.reachable", from as u64 + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// A join request: a member adds the node as joining (downing an older incarnation of
    /// it) and welcomes it with the new state.
    fn on_join(&mut self, from: NodeId, uid: u64, ctx: &mut Ctx<Self>) {
        if !self.in_cluster() || self.me().is_some_and(|m| m.status == Status::Exiting) {
            return;
        }
        if self.g.get(from, uid).is_none() {
            let old: Vec<u64> = self
                .g
                .members
                .iter()
                .filter(|m| m.node == from && m.uid < uid && m.status < Status::Down)
                .map(|m| m.uid)
                .collect();
            for u in old {
                self.g.set(from, u, Status::Down);
                ctx.note("arch-akka.down_old", from as u64 + 1);
            }
            self.g.set(from, uid, Status::Joining);
            self.changed();
            ctx.note("arch-akka.welcome", from as u64 + 1);
            self.after_change(ctx);
        } else if self.g.get(from, uid).is_some_and(|m| m.status > Status::Up) {
            return;
        }
        ctx.send(
            from,
            Msg::Welcome {
                gossip: self.g.clone(),
            },
        );
    }

    fn on_gossip(
        &mut self,
        from: NodeId,
        from_uid: u64,
        to_uid: u64,
        reply: bool,
        remote: Gossip,
        ctx: &mut Ctx<Self>,
    ) {
        if self.phase != Phase::Member || to_uid != self.uid() {
            return;
        }
        // Only from a known member, and only a state this node is a member of.
        let Some(sender) = self.g.get(from, from_uid).copied() else {
            return;
        };
        if remote.get(self.id, self.uid()).is_none() {
            return;
        }
        if sender.status >= Status::Down {
            // Tell it: it learns it was downed or removed.
            if !reply {
                self.send_gossip(from, true, ctx);
            }
            return;
        }
        let before = self.g.digest();
        let answer;
        match compare(&self.g.vc, &remote.vc) {
            Order::Same => {
                answer = self.g.seen & !remote.seen != 0;
                self.g.seen |= remote.seen;
            }
            Order::After => answer = true,
            Order::Before => {
                // Adopt the newer state; the answer tells the sender this node has seen it.
                let seen = remote.seen;
                self.g = remote;
                self.g.seen = seen | bit(self.id);
                answer = true;
            }
            Order::Concurrent => {
                // As Akka: the join of both, versioned by the pointwise maximum (no new
                // version, so every node that merges the same two states agrees on it).
                self.g.merge(&remote);
                self.g.seen = bit(self.id);
                answer = true;
            }
        }
        if self.g.digest() != before {
            self.after_change(ctx);
        }
        if answer && !reply && self.phase == Phase::Member {
            self.send_gossip(from, true, ctx);
        }
    }

    /// Sets or clears this node's unreachable mark on (`node`, `uid`) in its own row.
    fn mark(&mut self, node: NodeId, uid: u64, unreachable: bool) {
        let me = (self.id, self.uid());
        let i = match self.g.rows.binary_search_by_key(&me, |r| (r.node, r.uid)) {
            Ok(i) => i,
            Err(i) => {
                self.g.rows.insert(
                    i,
                    Row {
                        node: me.0,
                        uid: me.1,
                        version: 0,
                        unreachable: Vec::new(),
                    },
                );
                i
            }
        };
        let row = &mut self.g.rows[i];
        let had = row.unreachable.contains(&(node, uid));
        if had == unreachable {
            return;
        }
        if unreachable {
            row.unreachable.push((node, uid));
            row.unreachable.sort_unstable();
        } else {
            row.unreachable.retain(|&x| x != (node, uid));
        }
        row.version += 1;
        self.changed();
    }

    /// Recomputes which nodes this one watches from the ring of its current state.
    fn rewatch(&mut self, ctx: &mut Ctx<Self>) {
        let r = ring::of(&self.g);
        let k = ring::k_for(r.len(), self.cfg.k);
        let watch = ring::watched_by(&r, self.id, k);
        let now = ctx.local_now();
        for node in 0..self.fd.len() {
            let uid = self.g.latest(node).map_or(0, |m| m.uid);
            let d = &mut self.fd[node];
            if watch.contains(&node) {
                if !d.watching || d.uid != uid {
                    *d = Detector {
                        watching: true,
                        uid,
                        heard: now,
                        marked: false,
                    };
                }
            } else {
                d.watching = false;
                d.marked = false;
            }
        }
    }

    pub(super) fn timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Boot if self.phase == Phase::Off => self.boot(ctx),
            Timer::SeedWait if self.phase == Phase::Asking => self.form(ctx),
            Timer::Retry if matches!(self.phase, Phase::Joining { .. }) => {
                self.attempts += 1;
                self.boot(ctx);
            }
            Timer::Gossip if self.phase == Phase::Member => {
                self.gossip_round(ctx);
                ctx.set_timer(Timer::Gossip, self.cfg.gossip);
            }
            Timer::Tick if self.phase == Phase::Member => {
                self.leader_actions(ctx);
                ctx.set_timer(Timer::Tick, self.cfg.gossip);
            }
            Timer::Heartbeat if self.phase == Phase::Member => {
                self.heartbeat(ctx);
                ctx.set_timer(Timer::Heartbeat, self.cfg.heartbeat);
            }
            Timer::Shutdown if self.phase == Phase::Member => self.shut_down(ctx),
            _ => {}
        }
    }

    /// One gossip: to a random reachable member, one that has not seen this version with
    /// probability 0.8 when there is one.
    fn gossip_round(&mut self, ctx: &mut Ctx<Self>) {
        let mut targets: Vec<(NodeId, bool)> = self
            .g
            .active()
            .filter(|m| m.node != self.id && !self.g.unreachable(m.node, m.uid))
            .map(|m| (m.node, self.g.seen & bit(m.node) != 0))
            .collect();
        targets.dedup_by_key(|t| t.0);
        if targets.is_empty() {
            return;
        }
        let unseen: Vec<NodeId> = targets.iter().filter(|t| !t.1).map(|t| t.0).collect();
        let to = if !unseen.is_empty() && ctx.random_index(10) < 8 {
            unseen[ctx.random_index(unseen.len())]
        } else {
            targets[ctx.random_index(targets.len())].0
        };
        self.send_gossip(to, false, ctx);
    }

    /// Heartbeats to the watched nodes; a node silent for `misses` periods is marked
    /// unreachable.
    fn heartbeat(&mut self, ctx: &mut Ctx<Self>) {
        self.hb_seq += 1;
        let now = ctx.local_now();
        let mut marked = false;
        for node in 0..self.fd.len() {
            let d = self.fd[node];
            if !d.watching {
                continue;
            }
            ctx.send(
                node,
                Msg::Heartbeat {
                    to_uid: d.uid,
                    seq: self.hb_seq,
                },
            );
            if !d.marked && now.saturating_sub(d.heard) > self.cfg.detect() {
                self.fd[node].marked = true;
                self.mark(node, d.uid, true);
                ctx.note("arch-akka.unreachable", node as u64 + 1);
                marked = true;
            }
        }
        if marked {
            self.after_change(ctx);
        }
    }

    /// The leader's actions: on convergence, move members forward; otherwise down the
    /// members unreachable for `down_after`.
    fn leader_actions(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.local_now();
        for node in 0..self.unreachable_since.len() {
            let un = self
                .g
                .latest(node)
                .is_some_and(|m| m.status < Status::Exiting && self.g.unreachable(node, m.uid));
            let since = &mut self.unreachable_since[node];
            match (un, *since) {
                (true, None) => *since = Some(now),
                (false, _) => *since = None,
                _ => {}
            }
        }
        if !self.is_leader() {
            return;
        }
        if self.g.converged() || self.cfg.broken_no_convergence {
            let moves: Vec<(NodeId, u64, Status)> = self
                .g
                .members
                .iter()
                .filter_map(|m| {
                    let to = match m.status {
                        Status::Joining => Status::Up,
                        Status::Leaving => Status::Exiting,
                        Status::Exiting | Status::Down => Status::Removed,
                        _ => return None,
                    };
                    Some((m.node, m.uid, to))
                })
                .collect();
            if moves.is_empty() {
                return;
            }
            for &(node, uid, to) in &moves {
                self.g.set(node, uid, to);
                ctx.note("arch-akka.move", node as u64 * 8 + u64::from(to.rank()));
            }
            self.changed();
            self.after_change(ctx);
            return;
        }
        if self.cfg.down_after == 0 {
            return;
        }
        let mut downed = false;
        for node in 0..self.unreachable_since.len() {
            let Some(since) = self.unreachable_since[node] else {
                continue;
            };
            if now.saturating_sub(since) < self.cfg.down_after {
                continue;
            }
            if let Some(uid) = self.g.latest(node).map(|m| m.uid) {
                self.g.set(node, uid, Status::Down);
                self.unreachable_since[node] = None;
                ctx.note("arch-akka.down", node as u64 + 1);
                downed = true;
            }
        }
        if downed {
            self.changed();
            self.after_change(ctx);
        }
    }

    pub(super) fn command(&mut self, command: &str, arg: Option<&str>, ctx: &mut Ctx<Self>) {
        if !self.in_cluster() {
            ctx.note("arch-akka.not_member", self.id as u64 + 1);
            return;
        }
        match command {
            "akka_leave" => {
                let uid = self.uid();
                if self.me().is_some_and(|m| m.status <= Status::Up) {
                    self.g.set(self.id, uid, Status::Leaving);
                    self.changed();
                    ctx.note("arch-akka.leave", self.id as u64 + 1);
                    self.after_change(ctx);
                }
            }
            "akka_down" => {
                let target = arg
                    .and_then(|a| a.trim().parse::<usize>().ok())
                    .and_then(|n| n.checked_sub(1));
                let member = target.and_then(|t| self.g.latest(t).copied());
                match member {
                    Some(m) if m.status < Status::Down => {
                        self.g.set(m.node, m.uid, Status::Down);
                        self.changed();
                        ctx.note("arch-akka.down", m.node as u64 + 1);
                        self.after_change(ctx);
                    }
                    _ => ctx.note(
                        "arch-akka.no_such_member",
                        target.map_or(0, |t| t as u64 + 1),
                    ),
                }
            }
            _ => {}
        }
    }
}

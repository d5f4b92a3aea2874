//! A cluster client ("smart client"): computes the key's slot, sends the command to the node
//! its table names (no table at first: a random master), follows MOVED (updating its table)
//! and ASK (this command only, with ASKING), waits and retries on TRYAGAIN, gives up on
//! CLUSTERDOWN or after too many redirections, and on a timeout forgets the slot's entry and
//! tries another node. `lookup` computes the slot and asks for the table (CLUSTER SLOTS).

use super::{key_slot, Lookup, Msg, Op, Pending, RedisCluster, Timer, AUTO_KEYS};
use crate::sim::Ctx;
use crate::NodeId;

/// Redirections and timeouts before a command is given up.
const MAX_REDIRECTS: u32 = 5;

impl RedisCluster {
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.auto {
            let t = self.cfg.think;
            let d = ctx.random_between(t / 2, t + t / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    pub(super) fn auto_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.pending.is_none() {
            let key = AUTO_KEYS[ctx.random_index(AUTO_KEYS.len())];
            if ctx.random_index(2) == 0 {
                self.begin(key, Op::Get, ctx);
            } else {
                self.seq += 1;
                let value = (self.id as u64 + 1) * 1_000 + self.seq;
                self.begin(key, Op::Set(value), ctx);
            }
        } else {
            self.schedule_next(ctx);
        }
    }

    /// Where the table sends `slot`: a MOVED entry, else CLUSTER SLOTS, else any master.
    fn route(&self, slot: u16, ctx: &mut Ctx<Self>) -> NodeId {
        if let Some(&n) = self.cache.get(&slot) {
            return n;
        }
        if let Some(&(_, _, n)) = self.table.iter().find(|&&(a, b, _)| a <= slot && slot <= b) {
            return n;
        }
        ctx.random_index(self.cfg.masters)
    }

    /// Starts GET or SET `key`.
    pub(super) fn begin(&mut self, key: &str, op: Op, ctx: &mut Ctx<Self>) {
        if self.pending.is_some() {
            ctx.note("redis-cluster.busy", 0);
            return;
        }
        let slot = key_slot(key);
        let to = self.route(slot, ctx);
        self.seq += u64::from(matches!(op, Op::Get));
        self.pending = Some(Pending {
            id: self.seq,
            key: key.to_string(),
            op,
            slot,
            to,
            asking: false,
            redirects: 0,
            since: ctx.now,
        });
        ctx.note("redis-cluster.slot", u64::from(slot));
        self.client_resend(ctx);
    }

    /// Sends the pending command to its node.
    pub(super) fn client_resend(&mut self, ctx: &mut Ctx<Self>) {
        let Some(p) = &self.pending else { return };
        ctx.send(
            p.to,
            Msg::Command {
                id: p.id,
                key: p.key.clone(),
                op: p.op.clone(),
                asking: p.asking,
            },
        );
        ctx.set_timer(Timer::Wait, self.cfg.wait);
    }

    fn finish(&mut self, ok: bool, result: String, ctx: &mut Ctx<Self>) {
        ctx.cancel_timer(Timer::Wait);
        ctx.cancel_timer(Timer::Retry);
        if let Some(p) = self.pending.take() {
            self.last = Some((p.key, result));
            if ok {
                self.ok += 1;
                ctx.note("redis-cluster.ok", (ctx.now - p.since) / 1_000);
            } else {
                self.failed += 1;
            }
        }
        self.schedule_next(ctx);
    }

    /// Another try at `to` (a redirection), or give up after too many.
    fn redirect(&mut self, to: NodeId, asking: bool, ctx: &mut Ctx<Self>) {
        let Some(p) = self.pending.as_mut() else {
            return;
        };
        p.redirects += 1;
        if p.redirects > MAX_REDIRECTS {
            ctx.note("redis-cluster.gave_up", u64::from(p.slot));
            self.finish(false, "-ERR too many redirections".into(), ctx);
            return;
        }
        p.to = to;
        p.asking = asking;
        self.client_resend(ctx);
    }

    pub(super) fn client_timeout(&mut self, ctx: &mut Ctx<Self>) {
        let Some(p) = &self.pending else { return };
        let slot = p.slot;
        let old = p.to;
        self.cache.remove(&slot);
        self.table.clear();
        let mut to = ctx.random_index(self.cfg.cluster());
        if to == old {
            to = (to + 1) % self.cfg.cluster();
        }
        ctx.note("redis-cluster.timeout", old as u64 + 1);
        self.redirect(to, false, ctx);
    }

    pub(super) fn client_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        if let Msg::Slots { ranges } = msg {
            self.table = ranges;
            if let Some(l) = self.lookup.as_mut() {
                let owner = self
                    .table
                    .iter()
                    .find(|&&(a, b, _)| a <= l.slot && l.slot <= b)
                    .map(|&(_, _, n)| n);
                l.owner = owner;
                ctx.note("redis-cluster.owner", owner.map_or(0, |n| n as u64 + 1));
            }
            return;
        }
        let id = match &msg {
            Msg::Value { id, .. }
            | Msg::Done { id }
            | Msg::Moved { id, .. }
            | Msg::Ask { id, .. }
            | Msg::TryAgain { id }
            | Msg::Down { id, .. } => *id,
            _ => return,
        };
        let Some(p) = &self.pending else { return };
        if p.id != id || p.to != from {
            return;
        }
        match msg {
            Msg::Value { value, .. } => {
                let v = value.map_or("(nil)".into(), |v| v.to_string());
                self.finish(true, v, ctx);
            }
            Msg::Done { .. } => self.finish(true, "OK".into(), ctx),
            Msg::Moved { slot, to, .. } => {
                self.cache.insert(slot, to);
                self.redirect(to, false, ctx);
            }
            Msg::Ask { to, .. } => self.redirect(to, true, ctx),
            Msg::TryAgain { .. } => {
                ctx.cancel_timer(Timer::Wait);
                ctx.set_timer(Timer::Retry, self.cfg.migrate.max(10_000));
            }
            Msg::Down { slot, .. } => {
                ctx.note("redis-cluster.refused", u64::from(slot));
                self.finish(false, format!("-CLUSTERDOWN slot {slot}"), ctx);
            }
            _ => {}
        }
    }

    /// Computes the key's slot and asks a node for the slot table (CLUSTER SLOTS).
    pub(super) fn look_up(&mut self, key: &str, ctx: &mut Ctx<Self>) {
        let slot = key_slot(key);
        self.lookup = Some(Lookup {
            key: key.to_string(),
            slot,
            owner: None,
        });
        ctx.note("redis-cluster.slot", u64::from(slot));
        let to = self.route(slot, ctx);
        ctx.send(to, Msg::SlotsRequest);
    }
}

//! A cluster node's keys: serving commands or redirecting them (MOVED, ASK, TRYAGAIN,
//! CLUSTERDOWN), streaming writes to replicas (asynchronously) and full syncs, and the
//! resharding: IMPORTING / MIGRATING, keys moved one at a time, the slot claimed at the end
//! with a new config epoch.

use super::{key_slot, Claim, Flag, Msg, Op, RedisCluster, Timer};
use crate::sim::Ctx;
use crate::NodeId;

impl RedisCluster {
    pub(super) fn data_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Command {
                id,
                key,
                op,
                asking,
            } => self.serve(from, id, key, op, asking, ctx),
            Msg::SlotsRequest => {
                let ranges = self
                    .slots
                    .ranges
                    .iter()
                    .map(|r| (r.start, r.end, r.owner))
                    .collect();
                ctx.send(from, Msg::Slots { ranges });
            }
            Msg::Replicate { key, value } if self.replica_of == Some(from) => {
                match value {
                    Some(v) => self.data.insert(key, v),
                    None => self.data.remove(&key),
                };
            }
            Msg::SyncRequest if self.is_master() => {
                self.roles[from] = Some(self.id);
                let data = self.data.iter().map(|(k, v)| (k.clone(), *v)).collect();
                ctx.send(from, Msg::FullSync { data });
            }
            Msg::FullSync { data } if self.replica_of == Some(from) => {
                ctx.note("redis-cluster.synced", data.len() as u64);
                self.data = data.into_iter().collect();
            }
            Msg::Import { slot } => self.start_migrating(from, slot, ctx),
            Msg::MigrateKey { slot, key, value } => {
                if self.importing.iter().any(|&(s, _)| s == slot) {
                    // A key written here since (after ASK) is newer than the copy.
                    if !self.data.contains_key(&key) {
                        self.data.insert(key.clone(), value);
                        self.replicate(&key, Some(value), ctx);
                    }
                    ctx.send(from, Msg::KeyMoved { slot, key });
                } else if self.is_master() && self.slots.owner(slot) == Some(self.id) {
                    // A late duplicate after the slot was claimed: already here.
                    ctx.send(from, Msg::KeyMoved { slot, key });
                }
            }
            Msg::KeyMoved { slot, key }
                if self
                    .in_flight
                    .as_ref()
                    .is_some_and(|(s, k)| *s == slot && *k == key) =>
            {
                self.in_flight = None;
                self.data.remove(&key);
                self.replicate(&key, None, ctx);
                ctx.note("redis-cluster.key_migrated", u64::from(slot));
                ctx.set_timer(Timer::Migrate, self.cfg.migrate);
            }
            Msg::SlotDone { slot } => self.claim_imported(from, slot, ctx),
            _ => {}
        }
    }

    /// Streams a write to this master's replicas.
    fn replicate(&self, key: &str, value: Option<u64>, ctx: &mut Ctx<Self>) {
        for (r, m) in self.roles.iter().enumerate() {
            if *m == Some(self.id) && r != self.id {
                ctx.send(
                    r,
                    Msg::Replicate {
                        key: key.to_string(),
                        value,
                    },
                );
            }
        }
    }

    fn migrating_to(&self, slot: u16) -> Option<NodeId> {
        self.migrating
            .iter()
            .find(|&&(s, _)| s == slot)
            .map(|&(_, t)| t)
    }

    fn serve(
        &mut self,
        from: NodeId,
        id: u64,
        key: String,
        op: Op,
        asking: bool,
        ctx: &mut Ctx<Self>,
    ) {
        let slot = key_slot(&key);
        let mine = self.is_master() && self.slots.owner(slot) == Some(self.id);
        let importing = self.is_master() && self.importing.iter().any(|&(s, _)| s == slot);
        if mine {
            if self.in_flight.as_ref().is_some_and(|(_, k)| *k == key) {
                ctx.note("redis-cluster.tryagain", u64::from(slot));
                ctx.send(from, Msg::TryAgain { id });
                return;
            }
            if let Some(t) = self.migrating_to(slot) {
                if !self.data.contains_key(&key) {
                    ctx.note("redis-cluster.ask", u64::from(slot));
                    ctx.send(from, Msg::Ask { id, slot, to: t });
                    return;
                }
            }
        } else if !(importing && asking) {
            match self.slots.owner(slot) {
                Some(o) if self.flags.get(o) == Some(&Flag::Fail) => {
                    ctx.note("redis-cluster.down", u64::from(slot));
                    ctx.send(from, Msg::Down { id, slot });
                }
                Some(o) => {
                    ctx.note("redis-cluster.moved", u64::from(slot));
                    ctx.send(from, Msg::Moved { id, slot, to: o });
                }
                None => {}
            }
            return;
        }
        match op {
            Op::Get => {
                let value = self.data.get(&key).copied();
                ctx.send(from, Msg::Value { id, value });
            }
            Op::Set(v) => {
                self.data.insert(key.clone(), v);
                ctx.note("redis-cluster.stored", v);
                ctx.send(from, Msg::Done { id });
                self.replicate(&key, Some(v), ctx);
            }
        }
    }

    /// Slots taken by a higher claim: their keys go (the new owner has its own), and any
    /// migration of them ends.
    pub(super) fn lose_slots(&mut self, start: u16, end: u16, ctx: &mut Ctx<Self>) {
        let gone: Vec<String> = self
            .data
            .keys()
            .filter(|k| (start..=end).contains(&key_slot(k)))
            .cloned()
            .collect();
        for k in &gone {
            self.data.remove(k);
        }
        self.migrating.retain(|&(s, _)| s < start || s > end);
        if self
            .in_flight
            .as_ref()
            .is_some_and(|(s, _)| (start..=end).contains(s))
        {
            self.in_flight = None;
        }
        ctx.note("redis-cluster.lost_slots", u64::from(end - start) + 1);
    }

    /// `reshard` on the target master: IMPORTING here, and the owner asked to migrate.
    pub(super) fn reshard(&mut self, slot: u16, ctx: &mut Ctx<Self>) {
        let owner = self.slots.owner(slot);
        match owner {
            Some(o) if self.is_master() && o != self.id => {
                if !self.importing.iter().any(|&(s, _)| s == slot) {
                    self.importing.push((slot, o));
                }
                ctx.note("redis-cluster.importing", u64::from(slot));
                ctx.send(o, Msg::Import { slot });
            }
            _ => ctx.note("redis-cluster.reshard_refused", u64::from(slot)),
        }
    }

    fn start_migrating(&mut self, to: NodeId, slot: u16, ctx: &mut Ctx<Self>) {
        if !self.is_master() || self.slots.owner(slot) != Some(self.id) {
            return;
        }
        if self.migrating_to(slot).is_none() {
            self.migrating.push((slot, to));
            ctx.note("redis-cluster.migrating", u64::from(slot));
            ctx.set_timer(Timer::Migrate, self.cfg.migrate);
        }
    }

    /// The migrating master's step: re-send the unacknowledged key, or send the slot's next
    /// key, or — the slot empty — tell the target it may claim the slot.
    pub(super) fn migrate_next(&mut self, ctx: &mut Ctx<Self>) {
        let Some(&(slot, to)) = self.migrating.first() else {
            return;
        };
        let next = match &self.in_flight {
            Some((_, k)) => Some(k.clone()),
            None => self.data.keys().find(|k| key_slot(k) == slot).cloned(),
        };
        match next {
            Some(key) => {
                let value = self.data.get(&key).copied().unwrap_or(0);
                self.in_flight = Some((slot, key.clone()));
                ctx.send(to, Msg::MigrateKey { slot, key, value });
            }
            None => ctx.send(to, Msg::SlotDone { slot }),
        }
        ctx.set_timer(Timer::Migrate, self.cfg.wait);
    }

    /// The slot is empty at its old owner: this master takes it with a new config epoch
    /// (CLUSTER SETSLOT NODE). Real Redis bumps the epoch without asking anyone and repairs
    /// collisions afterwards; here the new epoch is granted like a failover's — a majority of
    /// masters, each granting an epoch once — so no two claims ever share one.
    fn claim_imported(&mut self, from: NodeId, slot: u16, ctx: &mut Ctx<Self>) {
        if !self.importing.contains(&(slot, from))
            || self.claiming.as_ref().is_some_and(|c| c.slot == slot)
        {
            return;
        }
        self.ask_epoch(slot, from, ctx);
    }

    /// Asks the masters for a new epoch for this master's claim of `slot`.
    pub(super) fn ask_epoch(&mut self, slot: u16, from: NodeId, ctx: &mut Ctx<Self>) {
        self.current_epoch += 1;
        let epoch = self.current_epoch;
        self.last_vote_epoch = epoch;
        self.claiming = Some(Claim {
            slot,
            from,
            epoch,
            voters: vec![self.id],
            since: ctx.now,
        });
        ctx.note("redis-cluster.epoch_request", epoch);
        for to in (0..self.cfg.cluster()).filter(|&i| i != self.id) {
            ctx.send(
                to,
                Msg::VoteRequest {
                    epoch,
                    master: self.id,
                },
            );
        }
        self.maybe_finish_claim(ctx);
    }

    /// With a majority of masters' grants, the slot is claimed with the new epoch.
    pub(super) fn maybe_finish_claim(&mut self, ctx: &mut Ctx<Self>) {
        let needed = self.slots.masters().len() / 2 + 1;
        let Some(c) = self.claiming.as_ref() else {
            return;
        };
        if c.voters.len() < needed {
            return;
        }
        let (slot, from, epoch) = (c.slot, c.from, c.epoch);
        self.claiming = None;
        self.importing.retain(|&x| x != (slot, from));
        self.config_epoch = epoch;
        self.slots.claim(slot, slot, self.id, epoch);
        self.refresh_own_claims();
        ctx.note("redis-cluster.slot_claimed", u64::from(slot));
        self.broadcast_pong(ctx);
    }
}

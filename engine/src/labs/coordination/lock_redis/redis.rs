//! The Redis node: the lock key with its expiry on the node's local clock, the INCR counter
//! behind fencing tokens, and the queue variant's FIFO of waiters. Every command runs
//! atomically (Redis is single-threaded; the compare-then-act ones are Lua scripts).

use super::{Entry, LockRedis, Msg, Timer};
use crate::labs::coordination::lock_storage::section_client;
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

/// The active expiry's granularity: a key is deleted at most this late by the timer (Redis's
/// own active expiry runs ten times a second; any access deletes a due key at once). It also
/// keeps a fast clock from re-arming the timer for less than the clock's rounding.
const TICK: Time = MS;

impl LockRedis {
    /// After a (re)start: the persisted key's expiry is armed again.
    pub(super) fn redis_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.boots > 1 {
            ctx.note("lock-redis.aof_loaded", self.fence);
        }
        self.expire_if_due(ctx);
        if let Some(e) = self.key {
            ctx.set_timer(
                Timer::Expire,
                e.expire_at.saturating_sub(ctx.local_now()).max(TICK),
            );
        }
    }

    /// Deletes the key if its time has come (Redis checks on every access, and actively).
    fn expire_if_due(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(e) = self.key {
            if ctx.local_now() >= e.expire_at {
                self.key = None;
                ctx.note("lock-redis.expired", section_client(e.owner) as u64 + 1);
                self.grant_next(ctx);
            }
        }
    }

    pub(super) fn redis_expire(&mut self, ctx: &mut Ctx<Self>) {
        self.expire_if_due(ctx);
        if let Some(e) = self.key {
            // The key was renewed since the timer was set.
            ctx.set_timer(
                Timer::Expire,
                e.expire_at.saturating_sub(ctx.local_now()).max(TICK),
            );
        }
    }

    /// Sets the key for `owner` with a new token and arms its expiry.
    fn set_key(&mut self, owner: u64, ctx: &mut Ctx<Self>) -> u64 {
        self.fence += 1;
        let token = self.fence;
        self.key = Some(Entry {
            owner,
            token,
            expire_at: ctx.local_now() + self.config().ttl,
        });
        ctx.set_timer(Timer::Expire, self.config().ttl);
        ctx.note("lock-redis.set", token);
        token
    }

    /// Queue variant: the key is free, so the first waiter gets it.
    fn grant_next(&mut self, ctx: &mut Ctx<Self>) {
        if !self.config().queue || self.key.is_some() {
            return;
        }
        if let Some((client, owner)) = self.queue.pop_front() {
            let token = self.set_key(owner, ctx);
            ctx.note("lock-redis.grant_queued", client as u64 + 1);
            ctx.send(client, Msg::Granted { owner, token });
        }
    }

    pub(super) fn redis_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        self.expire_if_due(ctx);
        match msg {
            Msg::SetNx { owner, .. } => self.set_nx(from, owner, ctx),
            Msg::Renew { owner, .. } => {
                let ok = match self.key.as_mut() {
                    Some(e) if e.owner == owner => {
                        e.expire_at = ctx.local_now() + self.cfg.ttl;
                        true
                    }
                    _ => false,
                };
                if ok {
                    ctx.set_timer(Timer::Expire, self.cfg.ttl);
                    ctx.note("lock-redis.renewed", from as u64 + 1);
                } else {
                    ctx.note("lock-redis.renew_refused", from as u64 + 1);
                }
                ctx.send(from, Msg::Renewed { owner, ok });
            }
            Msg::Del { owner, check } => {
                let deleted = match self.key {
                    Some(e) if e.owner == owner => true,
                    Some(e) if !check => {
                        // A plain DEL deletes whoever's lock is there.
                        ctx.note("lock-redis.del_other", section_client(e.owner) as u64 + 1);
                        true
                    }
                    Some(_) => {
                        ctx.note("lock-redis.del_refused", from as u64 + 1);
                        false
                    }
                    None => false,
                };
                if deleted {
                    self.key = None;
                    ctx.cancel_timer(Timer::Expire);
                    ctx.note("lock-redis.deleted", from as u64 + 1);
                    self.grant_next(ctx);
                }
                // A waiter giving up leaves the queue.
                self.queue.retain(|&(_, o)| o != owner);
                ctx.send(from, Msg::Deleted { owner, deleted });
            }
            _ => {}
        }
    }

    fn set_nx(&mut self, from: NodeId, owner: u64, ctx: &mut Ctx<Self>) {
        match self.key {
            // The same value again: the grant's reply was lost, or this is a duplicate.
            Some(e) if e.owner == owner => {
                ctx.send(
                    from,
                    Msg::Granted {
                        owner,
                        token: e.token,
                    },
                );
            }
            Some(_) if self.cfg.queue => self.enqueue(from, owner, ctx),
            Some(_) => {
                ctx.note("lock-redis.refused", from as u64 + 1);
                ctx.send(from, Msg::Taken { owner });
            }
            // Waiters first: the newcomer joins the back of the queue.
            None if self.cfg.queue && !self.queue.is_empty() => {
                self.enqueue(from, owner, ctx);
                self.grant_next(ctx);
            }
            None => {
                let token = self.set_key(owner, ctx);
                ctx.send(from, Msg::Granted { owner, token });
            }
        }
    }

    fn enqueue(&mut self, from: NodeId, owner: u64, ctx: &mut Ctx<Self>) {
        let position = match self.queue.iter().position(|&(_, o)| o == owner) {
            Some(i) => i + 1,
            None => {
                self.queue.push_back((from, owner));
                ctx.note("lock-redis.queued", from as u64 + 1);
                self.queue.len()
            }
        } as u64;
        ctx.send(from, Msg::Queued { owner, position });
    }
}

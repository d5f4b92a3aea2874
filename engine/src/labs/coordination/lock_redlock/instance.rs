//! A Redis instance: one lock key with its expiry on the instance's **own** clock. Instances
//! know nothing of each other. Without `persist` the key lives in memory only, so a restart
//! forgets it; with `restart_delay` a restarted instance refuses every SET for one TTL (the
//! Redlock paper's "delayed restarts"), so a lock it forgot has expired everywhere else first.

use super::{Entry, LockRedlock, Msg, Timer};
use crate::labs::coordination::lock_storage::section_client;
use crate::sim::Ctx;
use crate::{NodeId, Time, MS};

/// The active expiry's granularity (and the shortest the expiry timer is re-armed for).
const TICK: Time = MS;

impl LockRedlock {
    /// After a (re)start: a persisted key's expiry is armed again; a restart without
    /// persistence has lost the key.
    pub(super) fn instance_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.boots > 1 {
            if self.cfg.persist {
                ctx.note("lock-redlock.aof_loaded", u64::from(self.key.is_some()));
            } else {
                ctx.note("lock-redlock.restarted_empty", 0);
            }
            if self.cfg.restart_delay {
                self.quiet_until = ctx.local_now() + self.cfg.ttl;
                ctx.note("lock-redlock.delaying", self.cfg.ttl / MS);
            }
        }
        self.expire_if_due(ctx);
        if let Some(e) = self.key {
            ctx.set_timer(
                Timer::Expire,
                e.expire_at.saturating_sub(ctx.local_now()).max(TICK),
            );
        }
    }

    /// Deletes the key if its time has come on this instance's clock (Redis checks on every
    /// access, and actively).
    fn expire_if_due(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(e) = self.key {
            if ctx.local_now() >= e.expire_at {
                self.key = None;
                ctx.note("lock-redlock.expired", section_client(e.owner) as u64 + 1);
            }
        }
    }

    pub(super) fn instance_expire(&mut self, ctx: &mut Ctx<Self>) {
        self.expire_if_due(ctx);
        if let Some(e) = self.key {
            ctx.set_timer(
                Timer::Expire,
                e.expire_at.saturating_sub(ctx.local_now()).max(TICK),
            );
        }
    }

    pub(super) fn instance_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        self.expire_if_due(ctx);
        match msg {
            Msg::Set { owner, ttl } => {
                let granted = match self.key {
                    _ if ctx.local_now() < self.quiet_until => {
                        ctx.note("lock-redlock.quiet", from as u64 + 1);
                        false
                    }
                    // The same value again: a duplicate, or a reply that was lost.
                    Some(e) => e.owner == owner,
                    None => {
                        self.key = Some(Entry {
                            owner,
                            expire_at: ctx.local_now() + ttl,
                        });
                        ctx.set_timer(Timer::Expire, ttl.max(TICK));
                        ctx.note("lock-redlock.set", from as u64 + 1);
                        true
                    }
                };
                if !granted {
                    ctx.note("lock-redlock.refused", from as u64 + 1);
                }
                ctx.send(from, Msg::SetReply { owner, granted });
            }
            // Only the value's own owner deletes (compare-then-DEL).
            Msg::Del { owner } if self.key.is_some_and(|e| e.owner == owner) => {
                self.key = None;
                ctx.cancel_timer(Timer::Expire);
                ctx.note("lock-redlock.deleted", from as u64 + 1);
            }
            _ => {}
        }
    }
}

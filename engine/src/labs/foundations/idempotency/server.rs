//! The server: applies deposits to its balance; with request ids on, looks each key up in its
//! dedupe table first (a hit is answered with the stored reply and not applied again), and
//! drops entries `retention` ms after it stored them.

use std::collections::{BTreeMap, VecDeque};

use super::{Idem, Msg, Timer};
use crate::sim::Ctx;
use crate::{NodeId, Time};

/// Applied requests the server lists (the newest).
pub const MAX_JOURNAL: usize = 16;

/// One dedupe table entry: the request it remembers and the reply it gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub req: u64,
    pub amount: i64,
    pub client: NodeId,
    /// The balance the reply carried.
    pub balance: i64,
    /// When it was stored (the server's clock); it expires `retention` later.
    pub stored: Time,
}

/// One applied request, for the server's journal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Applied {
    pub req: u64,
    pub amount: i64,
    pub balance: i64,
    /// This request had already taken effect before (a double application).
    pub again: bool,
}

/// The server's state; all of it is on disk (balance and dedupe table are written in one
/// local transaction), the expiry timer aside.
#[derive(Clone, Debug, Default)]
pub struct Server {
    pub balance: i64,
    /// Key → entry (with `ids` on).
    pub table: BTreeMap<u64, Entry>,
    /// The table's keys in the order they were stored, with their time (an index on disk):
    /// entries expire from the front.
    pub order: VecDeque<(Time, u64)>,
    /// Requests applied, dedupe hits, entries expired.
    pub applied: u64,
    pub hits: u64,
    pub expired: u64,
    /// The newest applied requests, oldest first.
    pub journal: VecDeque<Applied>,
}

impl Idem {
    /// When an entry stored at `stored` stops counting (the server's clock).
    fn expires(&self, stored: Time) -> Time {
        stored.saturating_add(self.cfg.retention)
    }

    /// A request arrives: a retry the table remembers gets the stored reply; anything else is
    /// applied (and, with ids on, remembered).
    pub(super) fn serve(
        &mut self,
        from: NodeId,
        req: u64,
        amount: i64,
        key: Option<u64>,
        ctx: &mut Ctx<Self>,
    ) {
        self.purge(ctx);
        let key = key.map(|k| {
            if self.cfg.broken_key_by_amount {
                amount as u64
            } else {
                k
            }
        });
        let now = ctx.local_now();
        let live = key
            .and_then(|k| self.server.table.get(&k))
            .filter(|e| self.expires(e.stored) > now)
            .copied();
        if let Some(e) = live {
            self.server.hits += 1;
            ctx.note("idempotency.dedupe_hit", req);
            ctx.send(
                from,
                Msg::Reply {
                    req,
                    balance: e.balance,
                    replayed: true,
                },
            );
            return;
        }
        let s = &mut self.server;
        s.balance = s.balance.saturating_add(amount);
        s.applied += 1;
        let again = s.journal.iter().any(|a| a.req == req);
        s.journal.push_back(Applied {
            req,
            amount,
            balance: s.balance,
            again,
        });
        if s.journal.len() > MAX_JOURNAL {
            s.journal.pop_front();
        }
        let balance = s.balance;
        ctx.note("idempotency.apply", req);
        if let Some(k) = key {
            let first = self.server.order.is_empty();
            self.server.table.insert(
                k,
                Entry {
                    req,
                    amount,
                    client: from,
                    balance,
                    stored: now,
                },
            );
            self.server.order.push_back((now, k));
            if first {
                self.arm_expiry(ctx);
            }
        }
        ctx.send(
            from,
            Msg::Reply {
                req,
                balance,
                replayed: false,
            },
        );
    }

    /// Drops the entries whose retention is over, oldest first.
    fn purge(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.local_now();
        while let Some(&(stored, key)) = self.server.order.front() {
            if self.expires(stored) > now {
                break;
            }
            self.server.order.pop_front();
            let s = &mut self.server;
            if let Some(e) = s.table.get(&key).filter(|e| e.stored == stored).copied() {
                s.table.remove(&key);
                s.expired += 1;
                ctx.note("idempotency.expired", e.req);
            }
        }
    }

    /// Sets the expiry timer for the oldest entry.
    fn arm_expiry(&mut self, ctx: &mut Ctx<Self>) {
        match self.server.order.front() {
            Some(&(stored, _)) => {
                let after = self.expires(stored).saturating_sub(ctx.local_now());
                ctx.set_timer(Timer::Expire, after.max(1));
            }
            None => ctx.cancel_timer(Timer::Expire),
        }
    }

    pub(super) fn expire(&mut self, ctx: &mut Ctx<Self>) {
        self.purge(ctx);
        self.arm_expiry(ctx);
    }

    /// Start or restart: the table is on disk; entries that expired while the server was down
    /// go now, and the expiry timer is set again.
    pub(super) fn server_start(&mut self, ctx: &mut Ctx<Self>) {
        self.purge(ctx);
        self.arm_expiry(ctx);
    }
}

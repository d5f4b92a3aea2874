//! The database node: the lock table under a unique index on the resource, the optional
//! expiry column swept by a job, the optional owner column with a count, and the list of
//! clients whose inserts failed (what a DBA would see as the lock's waiters).

use super::{LockDb, Msg, Row, Timer, Waiter};
use crate::labs::coordination::lock_storage::section_client;
use crate::sim::Ctx;
use crate::NodeId;

impl LockDb {
    /// After a (re)start: the sweeping job runs again.
    pub(super) fn db_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.boots > 1 {
            ctx.note("lock-db.recovered", self.rows.len() as u64);
        }
        if self.cfg.expiry {
            ctx.set_timer(Timer::Sweep, self.cfg.sweep);
        }
    }

    /// The job: `DELETE FROM lock WHERE expires_at <= NOW()`, on the database's clock.
    pub(super) fn sweep(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.local_now();
        let before = self.rows.len();
        let mut gone = Vec::new();
        self.rows.retain(|r| {
            let keep = r.expires_at.is_none_or(|t| t > now);
            if !keep {
                gone.push(r.holders.first().copied().unwrap_or(0));
            }
            keep
        });
        for h in gone {
            ctx.note("lock-db.swept", section_client(h) as u64 + 1);
        }
        self.swept += (before - self.rows.len()) as u64;
        ctx.set_timer(Timer::Sweep, self.cfg.sweep);
    }

    pub(super) fn db_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Insert { holder, owner } => self.insert(from, holder, owner, ctx),
            Msg::Delete { holder } => {
                let mut deleted = false;
                if let Some(i) = self.rows.iter().position(|r| r.holders.contains(&holder)) {
                    self.rows[i].holders.retain(|&h| h != holder);
                    deleted = true;
                    if self.rows[i].holders.is_empty() {
                        self.rows.remove(i);
                        ctx.note("lock-db.deleted", from as u64 + 1);
                    } else {
                        let left = self.rows[i].holders.len() as u64;
                        ctx.note("lock-db.count_down", left);
                    }
                }
                ctx.send(from, Msg::Deleted { holder, deleted });
            }
            _ => {}
        }
    }

    fn insert(&mut self, from: NodeId, holder: u64, owner: u64, ctx: &mut Ctx<Self>) {
        self.inserts += 1;
        let expires_at = self.cfg.expiry.then(|| ctx.local_now() + self.cfg.ttl);
        // The same acquisition again: its first reply was lost (or this is a duplicate).
        if let Some(r) = self.rows.iter().find(|r| r.holders.contains(&holder)) {
            let count = r.holders.len() as u64;
            ctx.send(from, Msg::Inserted { holder, count });
            return;
        }
        let taken = !self.rows.is_empty() && !self.cfg.broken_no_unique_index;
        if taken {
            let reentrant = self.cfg.owner && self.rows[0].owner == owner;
            if reentrant {
                let row = &mut self.rows[0];
                row.holders.push(holder);
                if expires_at.is_some() {
                    row.expires_at = expires_at;
                }
                let count = row.holders.len() as u64;
                ctx.note("lock-db.count_up", count);
                ctx.send(from, Msg::Inserted { holder, count });
            } else {
                self.failed += 1;
                let now = ctx.now;
                let w = self.waiters.entry(from).or_insert(Waiter {
                    holder,
                    since: now,
                    last: now,
                    fails: 0,
                });
                if w.holder != holder {
                    *w = Waiter {
                        holder,
                        since: now,
                        last: now,
                        fails: 0,
                    };
                }
                w.fails += 1;
                w.last = now;
                ctx.note("lock-db.duplicate", from as u64 + 1);
                ctx.send(from, Msg::DuplicateKey { holder });
            }
            return;
        }
        self.rows.push(Row {
            holders: vec![holder],
            owner,
            inserted_at: ctx.local_now(),
            expires_at,
        });
        self.waiters.remove(&from);
        ctx.note("lock-db.inserted", from as u64 + 1);
        ctx.send(from, Msg::Inserted { holder, count: 1 });
    }
}

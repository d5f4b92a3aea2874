//! A client: acquire (INSERT, polled every `poll` ms while it fails), the critical section
//! (`steps` writes to the storage, `work` apart, each sent again until acknowledged), the
//! optional second acquire of a holder (`reenter`), and the release (DELETE, sent again until
//! the database answers). Like most real clients it never checks a clock: it believes it holds
//! the lock from the INSERT's success to its own DELETE.

use super::{LockDb, Msg, Nested, Phase, Timer, DB_NODE, STORAGE_NODE};
use crate::labs::coordination::lock_storage::StoreMsg;
use crate::sim::Ctx;

impl LockDb {
    /// With `auto`, the next acquire after a random think time.
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.auto {
            let t = self.cfg.think;
            let d = ctx.random_between(t / 2, t + t / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    /// Starts an acquisition with a fresh holder id.
    pub(super) fn acquire(&mut self, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        self.phase = Phase::Acquiring { since: ctx.now };
        ctx.note("lock-db.acquire", self.seq);
        self.send_insert(ctx);
    }

    /// Sends the INSERT (again): the acquisition's, or the holder's second one.
    pub(super) fn send_insert(&mut self, ctx: &mut Ctx<Self>) {
        let holder = match self.phase {
            Phase::Acquiring { .. } => self.holder(),
            Phase::Holding {
                nested: Nested::Asking(_),
                ..
            } => self.nested_holder(),
            _ => return,
        };
        let owner = self.owner_id();
        ctx.send(DB_NODE, Msg::Insert { holder, owner });
        ctx.set_timer(Timer::Poll, self.cfg.wait);
    }

    pub(super) fn client_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Inserted { holder, .. } => self.inserted(holder, ctx),
            Msg::DuplicateKey { holder } => {
                let mine = match self.phase {
                    Phase::Acquiring { .. } => holder == self.holder(),
                    Phase::Holding {
                        nested: Nested::Asking(_),
                        ..
                    } => {
                        if holder == self.nested_holder() {
                            // Its own row blocks it: it waits for itself.
                            ctx.note("lock-db.self_blocked", 0);
                        }
                        holder == self.nested_holder()
                    }
                    _ => false,
                };
                if mine {
                    self.fails += 1;
                    ctx.note("lock-db.poll_again", self.cfg.poll / 1_000);
                    ctx.set_timer(Timer::Poll, self.cfg.poll);
                }
            }
            Msg::Deleted { holder, .. } => {
                self.pending.retain(|&h| h != holder);
                if self.pending.is_empty() {
                    ctx.cancel_timer(Timer::ReleaseWait);
                }
            }
            Msg::Store(StoreMsg::WriteOk { section, step }) if section == self.holder() => {
                let Phase::Holding {
                    step: s,
                    since,
                    nested,
                } = self.phase
                else {
                    return;
                };
                if s != step {
                    return;
                }
                ctx.cancel_timer(Timer::WriteWait);
                if step == 1 && self.cfg.reenter && nested == Nested::None {
                    // The holder calls lock() again (a nested call in the same process).
                    self.phase = Phase::Holding {
                        step,
                        since,
                        nested: Nested::Asking(ctx.now),
                    };
                    ctx.note("lock-db.reenter", 0);
                    self.send_insert(ctx);
                } else {
                    self.go_on(ctx);
                }
            }
            _ => {}
        }
    }

    fn inserted(&mut self, holder: u64, ctx: &mut Ctx<Self>) {
        match self.phase {
            Phase::Acquiring { .. } if holder == self.holder() => {
                ctx.cancel_timer(Timer::Poll);
                self.grants += 1;
                self.phase = Phase::Holding {
                    step: 0,
                    since: ctx.now,
                    nested: Nested::None,
                };
                ctx.note("lock-db.acquired", self.seq);
                self.write_step(ctx);
            }
            Phase::Holding {
                step,
                since,
                nested: Nested::Asking(_),
            } if holder == self.nested_holder() => {
                ctx.cancel_timer(Timer::Poll);
                self.phase = Phase::Holding {
                    step,
                    since,
                    nested: Nested::Held,
                };
                ctx.note("lock-db.reentered", 0);
                self.go_on(ctx);
            }
            Phase::Holding { .. } if holder == self.holder() || holder == self.nested_holder() => {}
            // A row for an acquisition it no longer runs (a duplicated or late INSERT): it
            // deletes it, or it would block everyone.
            _ => {
                ctx.note("lock-db.stray_row", 0);
                self.delete(holder, ctx);
            }
        }
    }

    /// After a step (or the second acquire): the next step, or the release.
    fn go_on(&mut self, ctx: &mut Ctx<Self>) {
        if let Phase::Holding { step, .. } = self.phase {
            if step >= self.cfg.steps {
                self.release(ctx);
            } else {
                ctx.set_timer(Timer::Step, self.cfg.work.max(1));
            }
        }
    }

    fn write_msg(&self, step: u32) -> Msg {
        Msg::Store(StoreMsg::Write {
            section: self.holder(),
            step,
            last: step >= self.cfg.steps,
            token: None,
        })
    }

    /// Writes the next step of the critical section.
    pub(super) fn write_step(&mut self, ctx: &mut Ctx<Self>) {
        let Phase::Holding {
            step,
            since,
            nested,
        } = self.phase
        else {
            return;
        };
        let step = step + 1;
        self.phase = Phase::Holding {
            step,
            since,
            nested,
        };
        ctx.send(STORAGE_NODE, self.write_msg(step));
        ctx.set_timer(Timer::WriteWait, self.cfg.wait);
    }

    /// No answer from the storage: the same write again (the client never gives up a section
    /// it holds the lock for).
    pub(super) fn write_again(&mut self, ctx: &mut Ctx<Self>) {
        if let Phase::Holding { step, .. } = self.phase {
            ctx.note("lock-db.write_again", u64::from(step));
            ctx.send(STORAGE_NODE, self.write_msg(step));
            ctx.set_timer(Timer::WriteWait, self.cfg.wait);
        }
    }

    fn delete(&mut self, holder: u64, ctx: &mut Ctx<Self>) {
        if !self.pending.contains(&holder) {
            self.pending.push(holder);
        }
        ctx.send(DB_NODE, Msg::Delete { holder });
        ctx.set_timer(Timer::ReleaseWait, self.cfg.wait);
    }

    /// DELETEs not answered: sent again.
    pub(super) fn send_deletes(&mut self, ctx: &mut Ctx<Self>) {
        for &holder in &self.pending {
            ctx.send(DB_NODE, Msg::Delete { holder });
        }
        if !self.pending.is_empty() {
            ctx.set_timer(Timer::ReleaseWait, self.cfg.wait);
        }
    }

    /// Ends the section and releases: the second acquire's row count first, then its own.
    pub(super) fn release(&mut self, ctx: &mut Ctx<Self>) {
        let Phase::Holding { nested, .. } = self.phase else {
            return;
        };
        for t in [Timer::Step, Timer::WriteWait, Timer::Poll] {
            ctx.cancel_timer(t);
        }
        self.phase = Phase::Idle;
        ctx.note("lock-db.released", self.seq);
        if nested != Nested::None {
            self.delete(self.nested_holder(), ctx);
        }
        self.delete(self.holder(), ctx);
        self.schedule_next(ctx);
    }
}

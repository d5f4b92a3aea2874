//! A holder's critical section on the storage (writes, or reads for a reader, with the
//! znode's czxid as the fencing token when `fencing` is on) and the release (deleting the
//! znode, re-sent until the server answers).

use super::{LockZk, Msg, Phase, Timer, STORAGE_NODE};
use crate::labs::coordination::lock_storage::StoreMsg;
use crate::sim::Ctx;

impl LockZk {
    pub(super) fn hold(&mut self, token: u64, ctx: &mut Ctx<Self>) {
        self.grants += 1;
        self.phase = Phase::Holding {
            token,
            step: 0,
            since: ctx.now,
        };
        ctx.note(
            if self.read {
                "lock-zk.acquired_read"
            } else {
                "lock-zk.acquired"
            },
            token,
        );
        self.access_step(ctx);
    }

    /// The next step of the critical section: a write, or a read for a reader.
    pub(super) fn access_step(&mut self, ctx: &mut Ctx<Self>) {
        let Phase::Holding { token, step, since } = self.phase else {
            return;
        };
        let step = step + 1;
        self.phase = Phase::Holding { token, step, since };
        let (section, last) = (self.owner(), step >= self.cfg.steps);
        let token = self.cfg.fencing.then_some(token);
        let msg = if self.read {
            StoreMsg::Read {
                section,
                step,
                last,
                token,
            }
        } else {
            StoreMsg::Write {
                section,
                step,
                last,
                token,
            }
        };
        ctx.send(STORAGE_NODE, Msg::Store(msg));
        ctx.set_timer(Timer::WriteWait, self.cfg.wait);
    }

    /// No answer from the storage: the section is abandoned and the lock released.
    pub(super) fn write_timeout(&mut self, ctx: &mut Ctx<Self>) {
        if self.holding() {
            ctx.note("lock-zk.write_timeout", 0);
            self.release(ctx);
        }
    }

    /// Ends the section (done or given up) and deletes the znode.
    pub(super) fn release(&mut self, ctx: &mut Ctx<Self>) {
        for t in [Timer::Step, Timer::WriteWait] {
            ctx.cancel_timer(t);
        }
        ctx.note("lock-zk.released", self.seq);
        match (self.session, self.node.clone()) {
            (Some(session), Some((path, _))) => {
                self.phase = Phase::Releasing;
                self.req += 1;
                self.request(
                    Msg::Delete {
                        session,
                        req: self.req,
                        path,
                    },
                    ctx,
                );
            }
            _ => self.released(ctx),
        }
    }

    pub(super) fn released(&mut self, ctx: &mut Ctx<Self>) {
        self.phase = Phase::Idle;
        self.node = None;
        self.schedule_next(ctx);
    }
}

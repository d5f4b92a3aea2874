//! A client: an acquisition round (SET NX PX on the instances one by one, each with its own
//! timeout, or on all at once), the majority-and-validity decision, the release on every
//! instance after a failed round or a finished section, and the critical section itself
//! (`steps` writes to the storage, with a fencing token when `fencing` is on). Like most real
//! clients it does not stop its section when the validity time runs out: it only notes it.

use super::{LockRedlock, Msg, Phase, Timer};
use crate::labs::coordination::lock_storage::{SectionReply, StoreMsg};
use crate::sim::Ctx;
use crate::NodeId;

impl LockRedlock {
    /// With `auto`, the next acquire after a random think time.
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.auto {
            let t = self.cfg.think;
            let d = ctx.random_between(t / 2, t + t / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    /// Starts an acquisition.
    pub(super) fn acquire(&mut self, ctx: &mut Ctx<Self>) {
        self.asked = ctx.now;
        ctx.note("lock-redlock.acquire", self.seq + 1);
        self.start_round(ctx);
    }

    /// One round, with a fresh lock value (a late release of an earlier round must not
    /// delete this one's keys): asks the first instance, or all of them.
    pub(super) fn start_round(&mut self, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        self.rounds += 1;
        self.phase = Phase::Acquiring {
            start: ctx.local_now(),
            granted: 0,
            answered: 0,
            next: 0,
        };
        let set = Msg::Set {
            owner: self.owner(),
            ttl: self.cfg.ttl,
        };
        if self.cfg.parallel {
            for i in 0..self.cfg.instances {
                ctx.send(i, set.clone());
            }
            ctx.set_timer(Timer::InstanceWait, self.cfg.timeout);
        } else {
            self.ask_next(ctx);
        }
    }

    /// Sequential: asks the next instance, or decides when all were asked.
    fn ask_next(&mut self, ctx: &mut Ctx<Self>) {
        let Phase::Acquiring {
            start,
            granted,
            answered,
            next,
        } = self.phase
        else {
            return;
        };
        if next >= self.cfg.instances {
            self.decide(ctx);
            return;
        }
        self.phase = Phase::Acquiring {
            start,
            granted,
            answered,
            next: next + 1,
        };
        ctx.send(
            next,
            Msg::Set {
                owner: self.owner(),
                ttl: self.cfg.ttl,
            },
        );
        ctx.set_timer(Timer::InstanceWait, self.cfg.timeout);
    }

    /// The instance asked (sequential) or every instance (parallel) did not answer in time.
    pub(super) fn instance_timeout(&mut self, ctx: &mut Ctx<Self>) {
        if let Phase::Acquiring { next, .. } = self.phase {
            ctx.note("lock-redlock.timeout", next as u64);
            if self.cfg.parallel {
                self.decide(ctx);
            } else {
                self.ask_next(ctx);
            }
        }
    }

    fn on_reply(&mut self, from: NodeId, ok: bool, ctx: &mut Ctx<Self>) {
        let Phase::Acquiring {
            start,
            mut granted,
            mut answered,
            next,
        } = self.phase
        else {
            return;
        };
        let bit = 1u32 << from;
        // Sequential: only the instance being asked counts; a late answer is ignored (its
        // key is deleted by the release on every instance, or expires).
        let current = self.cfg.parallel || from + 1 == next;
        if !current || answered & bit != 0 {
            return;
        }
        answered |= bit;
        if ok {
            granted |= bit;
        }
        self.phase = Phase::Acquiring {
            start,
            granted,
            answered,
            next,
        };
        if self.cfg.parallel {
            let all = answered.count_ones() as usize == self.cfg.instances;
            if all || granted.count_ones() as usize >= self.cfg.majority() {
                self.decide(ctx);
            }
        } else {
            ctx.cancel_timer(Timer::InstanceWait);
            self.ask_next(ctx);
        }
    }

    /// The round's verdict: a majority granted and validity left, or release everywhere.
    fn decide(&mut self, ctx: &mut Ctx<Self>) {
        let Phase::Acquiring { start, granted, .. } = self.phase else {
            return;
        };
        ctx.cancel_timer(Timer::InstanceWait);
        let took = ctx.local_now().saturating_sub(start);
        let lost = took + self.cfg.drift_allowance();
        let validity = self.cfg.ttl.saturating_sub(lost);
        let count = granted.count_ones() as usize;
        let need = if self.cfg.broken_any_grant {
            1
        } else {
            self.cfg.majority()
        };
        if count >= need && validity > 0 {
            self.grants += 1;
            self.last_round = took;
            self.phase = Phase::Holding {
                granted,
                valid_until: ctx.local_now() + validity,
                token: 0,
                step: 0,
            };
            ctx.note("lock-redlock.acquired", count as u64);
            ctx.set_timer(Timer::Validity, validity);
            if self.cfg.fencing {
                ctx.send(
                    self.cfg.storage_node(),
                    Msg::Fence {
                        owner: self.owner(),
                    },
                );
                ctx.set_timer(Timer::WriteWait, self.cfg.wait);
            } else {
                self.write_step(ctx);
            }
        } else {
            if count >= need {
                ctx.note("lock-redlock.too_slow", took / 1_000);
            } else {
                ctx.note("lock-redlock.no_majority", count as u64);
            }
            self.release_all(ctx);
            self.phase = Phase::Backoff;
            let b = self.cfg.backoff;
            let d = ctx.random_between(b / 2, b + b / 2);
            ctx.set_timer(Timer::Retry, d.max(1));
        }
    }

    pub(super) fn client_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::SetReply { owner, granted }
                if owner == self.owner() && from < self.cfg.instances =>
            {
                self.on_reply(from, granted, ctx);
            }
            Msg::FenceToken { owner, token } if owner == self.owner() => {
                if let Phase::Holding {
                    granted,
                    valid_until,
                    token: 0,
                    step: 0,
                } = self.phase
                {
                    ctx.cancel_timer(Timer::WriteWait);
                    self.phase = Phase::Holding {
                        granted,
                        valid_until,
                        token,
                        step: 0,
                    };
                    ctx.note("lock-redlock.token", token);
                    self.write_step(ctx);
                }
            }
            Msg::Store(reply) => {
                if let Phase::Holding { step, .. } = self.phase {
                    match reply.reply_for(self.owner(), step, self.cfg.steps) {
                        SectionReply::Next => {
                            ctx.cancel_timer(Timer::WriteWait);
                            ctx.set_timer(Timer::Step, self.cfg.work.max(1));
                        }
                        SectionReply::Done => {
                            ctx.cancel_timer(Timer::WriteWait);
                            self.release(ctx);
                        }
                        SectionReply::Fenced(highest) => {
                            ctx.note("lock-redlock.fenced_off", highest);
                            self.release(ctx);
                        }
                        SectionReply::Ignore => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Writes the next step of the critical section.
    pub(super) fn write_step(&mut self, ctx: &mut Ctx<Self>) {
        let Phase::Holding {
            granted,
            valid_until,
            token,
            step,
        } = self.phase
        else {
            return;
        };
        let step = step + 1;
        self.phase = Phase::Holding {
            granted,
            valid_until,
            token,
            step,
        };
        let msg = StoreMsg::write(
            self.owner(),
            step,
            self.cfg.steps,
            self.cfg.fencing.then_some(token),
        );
        ctx.send(self.cfg.storage_node(), Msg::Store(msg));
        ctx.set_timer(Timer::WriteWait, self.cfg.wait);
    }

    /// No answer from the storage (or the fencing counter): the section is given up.
    pub(super) fn write_timeout(&mut self, ctx: &mut Ctx<Self>) {
        if self.holding() {
            ctx.note("lock-redlock.write_timeout", 0);
            self.release(ctx);
        }
    }

    /// `if GET lock == value then DEL lock` on every instance.
    fn release_all(&mut self, ctx: &mut Ctx<Self>) {
        for i in 0..self.cfg.instances {
            ctx.send(
                i,
                Msg::Del {
                    owner: self.owner(),
                },
            );
        }
    }

    /// Ends the section (done or given up) and releases on every instance.
    pub(super) fn release(&mut self, ctx: &mut Ctx<Self>) {
        for t in [Timer::Step, Timer::WriteWait, Timer::Validity] {
            ctx.cancel_timer(t);
        }
        self.phase = Phase::Idle;
        ctx.note("lock-redlock.released", self.seq);
        self.release_all(ctx);
        self.schedule_next(ctx);
    }
}

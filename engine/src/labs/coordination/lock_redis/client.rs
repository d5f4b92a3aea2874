//! A client: acquire (SET NX PX, retried after an exponential back-off with jitter, or
//! waiting in the queue), the critical section (`steps` writes to the storage, `work` apart,
//! with the fencing token when `fencing` is on), the watchdog's renewals, and the release
//! (plain DEL or compare-and-delete). A client never looks at a clock to decide whether it
//! still holds the lock: like most real clients, it believes so until it releases, or until
//! the storage rejects its token.

use super::{LockRedis, Msg, Phase, Timer, REDIS_NODE, STORAGE_NODE};
use crate::labs::coordination::lock_storage::{SectionReply, StoreMsg};
use crate::sim::Ctx;

/// The back-off doubles up to this many times.
const MAX_DOUBLINGS: u32 = 5;

impl LockRedis {
    /// With `auto`, the next acquire after a random think time.
    pub(super) fn schedule_next(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.auto {
            let t = self.cfg.think;
            let d = ctx.random_between(t / 2, t + t / 2);
            ctx.set_timer(Timer::Next, d.max(1));
        }
    }

    /// Starts an acquisition with a fresh lock value.
    pub(super) fn acquire(&mut self, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        self.attempts = 0;
        self.phase = Phase::Acquiring { since: ctx.now };
        ctx.note("lock-redis.acquire", self.seq);
        self.send_set(ctx);
    }

    /// Sends SET NX PX (again).
    pub(super) fn send_set(&mut self, ctx: &mut Ctx<Self>) {
        let wait = match self.phase {
            Phase::Acquiring { .. } => self.cfg.wait,
            // A queued client asks again only if its grant seems lost.
            Phase::Queued { .. } => self.cfg.wait + self.cfg.ttl * (self.cfg.clients as u64 + 1),
            _ => return,
        };
        ctx.send(
            REDIS_NODE,
            Msg::SetNx {
                owner: self.owner(),
                ttl: self.cfg.ttl,
            },
        );
        ctx.set_timer(Timer::AcquireWait, wait);
    }

    pub(super) fn client_msg(&mut self, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Granted { owner, token } if owner == self.owner() => {
                if matches!(self.phase, Phase::Acquiring { .. } | Phase::Queued { .. }) {
                    ctx.cancel_timer(Timer::AcquireWait);
                    ctx.cancel_timer(Timer::Retry);
                    self.grants += 1;
                    self.phase = Phase::Holding {
                        token,
                        step: 0,
                        since: ctx.now,
                    };
                    ctx.note("lock-redis.acquired", token);
                    if self.cfg.watchdog {
                        ctx.set_timer(Timer::Renew, (self.cfg.ttl / 3).max(1));
                    }
                    self.write_step(ctx);
                }
            }
            Msg::Taken { owner } if owner == self.owner() => {
                if matches!(self.phase, Phase::Acquiring { .. }) {
                    ctx.cancel_timer(Timer::AcquireWait);
                    self.refusals += 1;
                    let base = self.cfg.backoff << self.attempts.min(MAX_DOUBLINGS);
                    self.attempts += 1;
                    let d = ctx.random_between(base / 2, base);
                    ctx.note("lock-redis.backoff", d / 1_000);
                    ctx.set_timer(Timer::Retry, d.max(1));
                }
            }
            Msg::Queued { owner, position } if owner == self.owner() => {
                if let Phase::Acquiring { since } | Phase::Queued { since, .. } = self.phase {
                    self.phase = Phase::Queued { since, position };
                    ctx.cancel_timer(Timer::Retry);
                    self.send_set_timer_only(ctx);
                }
            }
            // The key is gone or someone else's: the watchdog stops. The section goes on —
            // the client has no way to stop work already under way.
            Msg::Renewed { owner, ok: false } if owner == self.owner() && self.holding() => {
                ctx.cancel_timer(Timer::Renew);
                ctx.note("lock-redis.watchdog_lost", 0);
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
                            ctx.note("lock-redis.fenced_off", highest);
                            self.release(ctx);
                        }
                        SectionReply::Ignore => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Re-arms the queued client's wait without sending.
    fn send_set_timer_only(&mut self, ctx: &mut Ctx<Self>) {
        let wait = self.cfg.wait + self.cfg.ttl * (self.cfg.clients as u64 + 1);
        ctx.set_timer(Timer::AcquireWait, wait);
    }

    /// Writes the next step of the critical section.
    pub(super) fn write_step(&mut self, ctx: &mut Ctx<Self>) {
        let Phase::Holding { token, step, since } = self.phase else {
            return;
        };
        let step = step + 1;
        self.phase = Phase::Holding { token, step, since };
        let msg = StoreMsg::write(
            self.owner(),
            step,
            self.cfg.steps,
            self.cfg.fencing.then_some(token),
        );
        ctx.send(STORAGE_NODE, Msg::Store(msg));
        ctx.set_timer(Timer::WriteWait, self.cfg.wait);
    }

    /// No answer from the storage: the section is abandoned and the lock released.
    pub(super) fn write_timeout(&mut self, ctx: &mut Ctx<Self>) {
        if self.holding() {
            ctx.note("lock-redis.write_timeout", 0);
            self.release(ctx);
        }
    }

    pub(super) fn renew(&mut self, ctx: &mut Ctx<Self>) {
        if self.holding() && self.cfg.watchdog {
            ctx.send(
                REDIS_NODE,
                Msg::Renew {
                    owner: self.owner(),
                    ttl: self.cfg.ttl,
                },
            );
            ctx.set_timer(Timer::Renew, (self.cfg.ttl / 3).max(1));
        }
    }

    /// Ends the section (done or given up) and releases: DEL, or compare-and-delete.
    pub(super) fn release(&mut self, ctx: &mut Ctx<Self>) {
        for t in [Timer::Step, Timer::WriteWait, Timer::Renew] {
            ctx.cancel_timer(t);
        }
        self.phase = Phase::Idle;
        ctx.note("lock-redis.released", self.seq);
        ctx.send(
            REDIS_NODE,
            Msg::Del {
                owner: self.owner(),
                check: self.cfg.compare_del,
            },
        );
        self.schedule_next(ctx);
    }
}

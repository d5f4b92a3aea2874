//! A worker: heartbeats to every master node, a lease renewed by the active master's acks,
//! fencing by the highest epoch seen, and its tasks.

use super::{ArchCentral, Epoch, Msg, Timer};
use crate::sim::Ctx;
use crate::NodeId;

impl ArchCentral {
    /// Sends a heartbeat to every master node and sets the next one.
    pub(super) fn worker_beat(&mut self, ctx: &mut Ctx<Self>) {
        self.seq += 1;
        let free = self.cfg.slots.saturating_sub(self.running.len() as u64);
        let msg = Msg::Heartbeat {
            seq: self.seq,
            sent: ctx.local_now(),
            epoch: self.highest,
            free,
            running: self.running.iter().copied().collect(),
            finished: self.finished.iter().copied().collect(),
            led: self.led && self.lease_valid(ctx),
        };
        for m in 0..self.cfg.masters {
            ctx.send(m, msg.clone());
        }
        ctx.set_timer(Timer::Beat, self.cfg.period);
    }

    /// With fencing, an order of an epoch lower than the highest seen is refused; a higher one
    /// becomes the highest. Without fencing every order is obeyed.
    fn accept(&mut self, from: NodeId, epoch: Epoch, ctx: &mut Ctx<Self>) -> bool {
        if epoch > self.highest {
            self.highest = epoch;
            self.led = false;
        }
        if self.cfg.fencing && epoch < self.highest && !self.cfg.broken_ignore_epoch {
            self.refused += 1;
            ctx.note("arch-central.refuse", epoch.code());
            ctx.send(
                from,
                Msg::Fenced {
                    epoch: self.highest,
                },
            );
            return false;
        }
        true
    }

    fn lease_valid(&self, ctx: &Ctx<Self>) -> bool {
        self.lease_local > ctx.local_now()
    }

    pub(super) fn worker_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Ack { epoch, sent } => {
                if !self.accept(from, epoch, ctx) {
                    return;
                }
                let end = sent + self.cfg.lease();
                let now = ctx.local_now();
                self.led = epoch == self.highest;
                if end > self.lease_local && end > now {
                    self.lease_local = end;
                    self.lease_until = ctx.now + (end - now);
                    ctx.set_timer(Timer::Lease, end - now);
                }
            }
            Msg::Launch { epoch, task } => {
                if !self.accept(from, epoch, ctx) {
                    return;
                }
                if !self.lease_valid(ctx) {
                    ctx.note("arch-central.no_lease", task);
                    return;
                }
                self.obeyed += 1;
                ctx.note("arch-central.obey", epoch.code());
                if self.running.contains(&task) || self.finished.contains(&task) {
                    return;
                }
                self.running.insert(task);
                ctx.note("arch-central.start", task);
                if self.cfg.duration > 0 {
                    ctx.set_timer(Timer::Finish(task), self.cfg.duration);
                }
            }
            Msg::Kill { epoch, task } => {
                if !self.accept(from, epoch, ctx) {
                    return;
                }
                self.obeyed += 1;
                ctx.note("arch-central.obey", epoch.code());
                if self.running.remove(&task) {
                    ctx.cancel_timer(Timer::Finish(task));
                    ctx.note("arch-central.killed", task);
                }
            }
            Msg::Takeover { epoch } if epoch > self.highest => {
                self.highest = epoch;
                self.led = false;
                ctx.note("arch-central.follow", epoch.code());
            }
            _ => {}
        }
    }

    pub(super) fn worker_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Finish(task) if self.running.remove(&task) => {
                self.finished.insert(task);
                ctx.note("arch-central.finish", task);
            }
            // No ack for a lease: the master may have declared this worker lost and placed its
            // tasks elsewhere, so they stop here.
            Timer::Lease if !self.lease_valid(ctx) && !self.running.is_empty() => {
                ctx.note("arch-central.lease_out", self.running.len() as u64);
                for t in std::mem::take(&mut self.running) {
                    ctx.cancel_timer(Timer::Finish(t));
                }
            }
            _ => {}
        }
    }
}

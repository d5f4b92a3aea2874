//! The master group: the active master places tasks, tracks workers by heartbeat and
//! reschedules a lost worker's tasks; standbys watch it and take over in a higher epoch.

use super::{ArchCentral, Epoch, Job, Msg, Timer, WORKER};
use crate::sim::Ctx;
use crate::NodeId;

impl ArchCentral {
    /// How long this standby waits for the master: `failover` times its rank among the
    /// standbys (the first takes over first; the next only if that one is silent too).
    fn watch_time(&self) -> crate::Time {
        let rank = (0..self.id).filter(|&j| j != self.epoch.by).count() as u64 + 1;
        self.cfg.failover * rank
    }

    pub(super) fn master_start(&mut self, ctx: &mut Ctx<Self>) {
        if self.cfg.masters == 1 && self.boots > 1 {
            // The only master restarts: a new epoch, and its placements rebuilt from reports.
            self.take_over(ctx);
        } else if self.active {
            self.master_beat(ctx);
            ctx.set_timer(Timer::Check, self.cfg.period);
        } else {
            ctx.set_timer(Timer::Watch, self.watch_time());
        }
    }

    pub(super) fn master_crash(&mut self) {
        if self.cfg.masters > 1 {
            self.active = false;
        }
        self.recovering = false;
        for job in self.jobs.values_mut() {
            if matches!(job, Job::Placed { .. }) {
                *job = Job::Pending;
            }
        }
        self.views.iter_mut().for_each(|v| *v = Default::default());
    }

    fn master_beat(&mut self, ctx: &mut Ctx<Self>) {
        for m in 0..self.cfg.masters {
            if m != self.id {
                ctx.send(m, Msg::MasterBeat { epoch: self.epoch });
            }
        }
        ctx.set_timer(Timer::Beat, self.cfg.period);
    }

    fn take_over(&mut self, ctx: &mut Ctx<Self>) {
        self.epoch = Epoch {
            n: self.epoch.n + 1,
            by: self.id,
        };
        self.active = true;
        self.recovering = true;
        ctx.note("arch-central.takeover", self.epoch.code());
        ctx.broadcast_kind(WORKER, Msg::Takeover { epoch: self.epoch });
        self.master_beat(ctx);
        ctx.set_timer(Timer::Check, self.cfg.period);
        ctx.set_timer(Timer::Recover, self.cfg.k * self.cfg.period);
    }

    fn step_down(&mut self, epoch: Epoch, ctx: &mut Ctx<Self>) {
        self.epoch = epoch;
        if self.active {
            self.active = false;
            self.recovering = false;
            ctx.note("arch-central.step_down", epoch.code());
            ctx.cancel_timer(Timer::Beat);
            ctx.cancel_timer(Timer::Check);
            ctx.cancel_timer(Timer::Recover);
        }
        ctx.set_timer(Timer::Watch, self.watch_time());
    }

    /// Places pending tasks, lowest id first, each on the live worker with the most room.
    fn place(&mut self, ctx: &mut Ctx<Self>) {
        if !self.active || self.recovering {
            return;
        }
        let mut used = vec![0u64; self.views.len()];
        for job in self.jobs.values() {
            if let Job::Placed { on, .. } = job {
                if let Some(u) = used.get_mut(*on) {
                    *u += 1;
                }
            }
        }
        let pending: Vec<u64> = self
            .jobs
            .iter()
            .filter(|(_, j)| **j == Job::Pending)
            .map(|(&t, _)| t)
            .collect();
        for task in pending {
            // The workers with the most room; one of them at random (as real schedulers
            // spread equal scores).
            let room = |w: usize| self.cfg.slots.saturating_sub(used[w]);
            let fits = |w: &usize| self.views[*w].alive && room(*w) > 0;
            let most = (self.cfg.first_worker()..self.cfg.client())
                .filter(fits)
                .map(room)
                .max();
            let Some(most) = most else { return };
            let ties = (self.cfg.first_worker()..self.cfg.client())
                .filter(|w| fits(w) && room(*w) == most)
                .count();
            let pick = ctx.random_index(ties);
            let Some(w) = (self.cfg.first_worker()..self.cfg.client())
                .filter(|w| fits(w) && room(*w) == most)
                .nth(pick)
            else {
                return;
            };
            used[w] += 1;
            self.jobs.insert(
                task,
                Job::Placed {
                    on: w,
                    at: ctx.local_now(),
                },
            );
            ctx.note("arch-central.place", task);
            ctx.send(
                w,
                Msg::Launch {
                    epoch: self.epoch,
                    task,
                },
            );
        }
    }

    /// A worker's report: liveness, finished tasks, and where tasks really run.
    fn on_report(&mut self, w: NodeId, running: &[u64], finished: &[u64], ctx: &mut Ctx<Self>) {
        let now = ctx.local_now();
        for &t in finished {
            self.jobs.insert(t, Job::Done);
        }
        for &t in running {
            match self.jobs.get(&t).copied() {
                None | Some(Job::Pending) => {
                    self.jobs.insert(t, Job::Placed { on: w, at: now });
                }
                Some(Job::Placed { on, .. }) if on == w => {}
                Some(_) => {
                    if self.active {
                        ctx.note("arch-central.duplicate", t);
                        ctx.send(
                            w,
                            Msg::Kill {
                                epoch: self.epoch,
                                task: t,
                            },
                        );
                    }
                }
            }
        }
        // A task placed here a while ago that the worker neither runs nor finished: its
        // Launch was lost or refused, or the worker restarted. Back to the queue.
        let grace = 2 * self.cfg.period + 2 * self.cfg.hop;
        let gone: Vec<u64> = self
            .jobs
            .iter()
            .filter(|(t, j)| {
                matches!(j, Job::Placed { on, at } if *on == w && now.saturating_sub(*at) > grace)
                    && !running.contains(t)
            })
            .map(|(&t, _)| t)
            .collect();
        for t in gone {
            self.jobs.insert(t, Job::Pending);
            if self.active {
                ctx.note("arch-central.vanished", t);
            }
        }
    }

    pub(super) fn master_msg(&mut self, from: NodeId, msg: Msg, ctx: &mut Ctx<Self>) {
        match msg {
            Msg::Submit { task } => {
                self.jobs.entry(task).or_insert(Job::Pending);
                self.place(ctx);
            }
            Msg::Heartbeat {
                seq,
                sent,
                epoch,
                free,
                running,
                finished,
                led,
            } => {
                let Some(view) = self.views.get_mut(from) else {
                    return;
                };
                if seq <= view.seq {
                    return;
                }
                let back = !view.alive;
                *view = super::WorkerView {
                    alive: true,
                    heard: ctx.local_now(),
                    seq,
                    free,
                };
                if !self.active && self.trust_workers && led && epoch == self.epoch {
                    ctx.set_timer(Timer::Watch, self.watch_time());
                }
                if back && self.active {
                    ctx.note("arch-central.joined", from as u64 + 1);
                }
                self.on_report(from, &running, &finished, ctx);
                if self.active {
                    ctx.send(
                        from,
                        Msg::Ack {
                            epoch: self.epoch,
                            sent,
                        },
                    );
                    if epoch < self.epoch {
                        ctx.send(from, Msg::Takeover { epoch: self.epoch });
                    }
                    self.place(ctx);
                }
            }
            Msg::Fenced { epoch } if epoch > self.epoch && self.active => {
                ctx.note("arch-central.fenced", epoch.code());
                self.step_down(epoch, ctx);
                self.trust_workers = true;
            }
            Msg::MasterBeat { epoch } => {
                self.trust_workers = false;
                if epoch > self.epoch || (epoch == self.epoch && !self.active) {
                    self.step_down(epoch, ctx);
                } else if epoch < self.epoch && self.active {
                    // A master of an older epoch: tell it.
                    ctx.send(from, Msg::MasterBeat { epoch: self.epoch });
                }
            }
            _ => {}
        }
    }

    pub(super) fn master_timer(&mut self, timer: Timer, ctx: &mut Ctx<Self>) {
        match timer {
            Timer::Beat if self.active => self.master_beat(ctx),
            Timer::Watch if !self.active => self.take_over(ctx),
            Timer::Recover if self.active && self.recovering => {
                self.recovering = false;
                ctx.note("arch-central.rebuilt", self.jobs.len() as u64);
                self.place(ctx);
            }
            Timer::Check if self.active => {
                let now = ctx.local_now();
                let limit = self.cfg.k * self.cfg.period;
                for w in self.cfg.first_worker()..self.cfg.client() {
                    let v = self.views[w];
                    if v.alive && now.saturating_sub(v.heard) > limit {
                        self.views[w].alive = false;
                        ctx.note("arch-central.lost", w as u64 + 1);
                        for job in self.jobs.values_mut() {
                            if matches!(job, Job::Placed { on, .. } if *on == w) {
                                *job = Job::Pending;
                            }
                        }
                    }
                }
                self.place(ctx);
                ctx.set_timer(Timer::Check, self.cfg.period);
            }
            _ => {}
        }
    }
}
